"""The layering, enforced by reading the source (AST; nothing is imported or run).

* imports run one way, server → jobs → engine: ``engine`` imports neither ``jobs`` nor
  ``server``, and ``jobs`` never imports ``server``;
* no module reaches a ``_private`` name or ``_private`` module of another package (a package
  is a directory of modules; a module may use its own package's private names) — in
  ``engine``, ``jobs``, ``server`` and ``bench``;
* the engine is pure: no environment, network, clock or logging, and no file I/O outside
  :mod:`engine.reference` (the read-only reference tables from a directory passed in).

Each checker is also fed a small synthetic module with one violation, so none of these
tests can pass by checking nothing.
"""

from __future__ import annotations

import ast
import fnmatch
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FIRST_PARTY = ("engine", "jobs", "server", "bench", "tests")
PRIVATE_SCOPE = ("engine", "jobs", "server", "bench")
FILE_IO_ALLOWED = frozenset({"engine.reference"})


@dataclass(frozen=True)
class Module:
    """One parsed source file.

    Attributes:
        name: Dotted module name, e.g. ``engine.site.lookup`` (``engine.site`` for its
            ``__init__``).
        package: Dotted name of the directory holding it, e.g. ``engine.site``.
        path: Path shown in messages, relative to the repository.
        tree: The parsed source.
    """

    name: str
    package: str
    path: str
    tree: ast.Module


@dataclass(frozen=True)
class Violation:
    """One breach of a layering rule, at a line of a module."""

    path: str
    line: int
    rule: str
    what: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.rule}: {self.what}"


def parse_module(source: str, name: str, *, is_package: bool = False) -> Module:
    """A module from source text (``is_package``: the source is a package's ``__init__``)."""
    package = name if is_package else name.rpartition(".")[0]
    path = name.replace(".", "/") + ("/__init__.py" if is_package else ".py")
    return Module(name, package, path, ast.parse(source, filename=path))


def load_modules(top: str) -> list[Module]:
    """Every ``.py`` file under ``ROOT/top``, parsed."""
    modules = []
    for file in sorted((ROOT / top).rglob("*.py")):
        relative = file.relative_to(ROOT)
        parts = list(relative.with_suffix("").parts)
        is_package = parts[-1] == "__init__"
        if is_package:
            parts.pop()
        module = parse_module(
            file.read_text(encoding="utf-8"), ".".join(parts), is_package=is_package
        )
        modules.append(Module(module.name, module.package, str(relative), module.tree))
    return modules


def first_party_packages() -> frozenset[str]:
    """Dotted names of the first-party directories (each one a package)."""
    return frozenset(
        ".".join(path.relative_to(ROOT).parts)
        for top in FIRST_PARTY
        for path in [ROOT / top, *(ROOT / top).rglob("*")]
        if path.is_dir() and path.name != "__pycache__"
    )


# --- imports and names --------------------------------------------------------------


@dataclass(frozen=True)
class ImportRef:
    """One imported module, or one name imported from a module."""

    line: int
    module: str
    name: str | None  # None for ``import module``


def _absolute(module: Module, node: ast.ImportFrom) -> str:
    if node.level == 0:
        return node.module or ""
    base = module.package.split(".")
    base = base[: len(base) - (node.level - 1)]
    return ".".join([*base, *([node.module] if node.module else [])])


def imports_of(module: Module) -> Iterator[ImportRef]:
    """Every import statement (at any depth) and ``importlib.import_module("...")`` call."""
    for node in ast.walk(module.tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield ImportRef(node.lineno, alias.name, None)
        elif isinstance(node, ast.ImportFrom):
            source = _absolute(module, node)
            for alias in node.names:
                yield ImportRef(node.lineno, source, alias.name)
        elif (
            isinstance(node, ast.Call)
            and _dotted(node.func) in {"importlib.import_module", "import_module", "__import__"}
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            yield ImportRef(node.lineno, node.args[0].value, None)


def _dotted(node: ast.AST) -> str | None:
    """``a.b.c`` for a Name/Attribute chain, as written."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = _dotted(node.value)
        return f"{base}.{node.attr}" if base else None
    return None


def aliases_of(module: Module) -> dict[str, str]:
    """Local name → the dotted name it is bound to by an import (``dt`` → ``datetime``)."""
    bound: dict[str, str] = {}
    for node in ast.walk(module.tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    bound[alias.asname] = alias.name
                else:
                    top = alias.name.split(".")[0]
                    bound[top] = top
        elif isinstance(node, ast.ImportFrom):
            source = _absolute(module, node)
            for alias in node.names:
                bound[alias.asname or alias.name] = f"{source}.{alias.name}"
    return bound


def resolved_names(module: Module) -> Iterator[tuple[int, str]]:
    """Each imported name or attribute chain used in the module, resolved through imports.

    ``dt.datetime.now`` after ``import datetime as dt`` yields ``datetime.datetime.now``
    (and its prefixes ``datetime.datetime`` and ``datetime``, from the inner nodes).
    """
    bound = aliases_of(module)
    for node in ast.walk(module.tree):
        if isinstance(node, (ast.Name, ast.Attribute)):
            written = _dotted(node)
            if written is None:
                continue
            head, _, rest = written.partition(".")
            if head in bound:
                yield node.lineno, bound[head] + (f".{rest}" if rest else "")
    for ref in imports_of(module):
        yield ref.line, ref.module if ref.name is None else f"{ref.module}.{ref.name}"


def reached_names(module: Module) -> Iterator[tuple[int, str]]:
    """What the module takes from elsewhere: each import, and each attribute reached
    through an imported module (``s._tpl`` after ``import engine.site.lookup as s``)."""
    for ref in imports_of(module):
        yield ref.line, ref.module if ref.name is None else f"{ref.module}.{ref.name}"
    bound = aliases_of(module)
    for node in ast.walk(module.tree):
        if isinstance(node, ast.Attribute):
            written = _dotted(node)
            head, _, rest = (written or "").partition(".")
            if head in bound and rest:
                yield node.lineno, f"{bound[head]}.{rest}"


# --- rules 1 and 2: imports run server → jobs → engine ------------------------------------


def forbidden_imports(module: Module, banned: Iterable[str], rule: str) -> list[Violation]:
    """Imports of any package in ``banned`` (by top-level name)."""
    banned = set(banned)
    return [
        Violation(module.path, ref.line, rule, f"imports {target}")
        for ref in imports_of(module)
        if (target := ".".join(part for part in (ref.module, ref.name) if part))
        and target.split(".")[0] in banned
    ]


def engine_imports_upward(module: Module) -> list[Violation]:
    """The engine imports neither jobs nor server."""
    return forbidden_imports(module, {"jobs", "server"}, "engine imports an outer layer")


def jobs_imports_server(module: Module) -> list[Violation]:
    """Jobs never imports the server."""
    return forbidden_imports(module, {"server"}, "jobs imports the server")


# --- rule 3: no reaching into another package's private names --------------------------


LAYER_ROOTS = frozenset({"engine", "jobs", "server", "bench"})


def _is_private(part: str) -> bool:
    return part.startswith("_") and not (part.startswith("__") and part.endswith("__"))


def _private_owner(dotted: str, packages: frozenset[str]) -> str | None:
    """Who may use the first private part of ``dotted``: a package, or a lone module.

    * a private module (``a.b._m``, or anything in it) belongs to its package ``a.b``;
    * a private name of a package (``a.b._f``, ``a.b`` a package) belongs to ``a.b``;
    * a private name of a module in a room (``engine.site.lookup._f``) belongs to the
      room, ``engine.site``;
    * a private name of a module at a layer root (``server.duos._f``) belongs to that
      module alone: the roots are layers of independent modules (the shared nouns,
      the server's families), not rooms; what their modules share lives in a public
      module or a ``_module`` (``bench/_timing.py``).
    """
    parts = dotted.split(".")
    for index, part in enumerate(parts):
        if index and _is_private(part):
            container = ".".join(parts[:index])
            if container in packages:
                return container
            package = container.rpartition(".")[0]
            return container if package in LAYER_ROOTS else package
    return None


def private_reaches(module: Module, packages: frozenset[str]) -> list[Violation]:
    """Imports (or attribute uses through an import) of another package's ``_private`` names."""
    found: dict[tuple[int, str], Violation] = {}
    for line, dotted in reached_names(module):
        owner = _private_owner(dotted, packages)
        if owner is not None and owner not in {module.package, module.name}:
            found.setdefault(
                (line, dotted),
                Violation(
                    module.path,
                    line,
                    "private name of another package",
                    f"{dotted} (private to {owner or 'its top level'}, used from {module.name})",
                ),
            )
    return list(found.values())


# --- rule 4: a pure engine ------------------------------------------------------------------

ENVIRONMENT = ("os.environ", "os.environb", "os.getenv", "os.getenvb", "os.putenv", "os.unsetenv")
NETWORK_MODULES = (
    "requests",
    "urllib",
    "urllib3",
    "socket",
    "ssl",
    "http.client",
    "http.server",
    "httpx",
    "aiohttp",
    "ftplib",
    "smtplib",
    "google",
)
CLOCK = (
    "datetime.datetime.now",
    "datetime.datetime.today",
    "datetime.datetime.utcnow",
    "datetime.date.today",
    "time.time",
    "time.time_ns",
    "time.perf_counter",
    "time.perf_counter_ns",
    "time.monotonic",
    "time.monotonic_ns",
    "time.localtime",
    "time.gmtime",
    "time.ctime",
    "time.asctime",
    "pandas.Timestamp.now",
    "pandas.Timestamp.today",
    "pandas.Timestamp.utcnow",
    "numpy.datetime64.now",
)
# Parsers that read the clock when given the word: pd.Timestamp("now"), np.datetime64("today").
CLOCK_PARSERS = (
    "pandas.Timestamp",
    "pandas.to_datetime",
    "numpy.datetime64",
    "datetime.datetime.fromisoformat",
)
LOGGING_MODULES = ("logging", "structlog", "loguru", "warnings.warn")
CONSOLE = ("sys.stdout", "sys.stderr", "sys.__stdout__", "sys.__stderr__")
FILE_IO_NAMES = (
    "io.open",
    "io.FileIO",
    "os.open",
    "os.remove",
    "os.unlink",
    "os.listdir",
    "os.scandir",
    "os.walk",
    "os.mkdir",
    "os.makedirs",
    "os.rename",
    "os.replace",
    "os.rmdir",
    "os.stat",
    "os.path.exists",
    "os.path.isfile",
    "os.path.isdir",
    "os.path.getsize",
    "os.path.getmtime",
    "shutil.*",
    "tempfile.*",
    "glob.*",
    "pickle.load",
    "pickle.dump",
    "json.load",
    "json.dump",
    "numpy.load",
    "numpy.save",
    "numpy.savez",
    "numpy.savez_compressed",
    "numpy.loadtxt",
    "numpy.savetxt",
    "numpy.genfromtxt",
    "numpy.fromfile",
    "numpy.memmap",
    "pandas.read_*",
    "pathlib.Path.cwd",
    "pathlib.Path.home",
    "sqlite3.*",
    "gzip.open",
    "zipfile.*",
)
# Methods that touch the filesystem whatever object they are called on (Path, DataFrame,
# ndarray): their names are distinctive enough to ban outright in the engine.
FILE_IO_METHODS = frozenset(
    {
        "read_text",
        "read_bytes",
        "write_text",
        "write_bytes",
        "open",
        "touch",
        "unlink",
        "mkdir",
        "rmdir",
        "iterdir",
        "rglob",
        "exists",
        "is_file",
        "is_dir",
        "to_csv",
        "to_parquet",
        "to_excel",
        "to_pickle",
        "to_feather",
        "to_hdf",
        "to_sql",
        "to_stata",
        "tofile",
    }
)


def _matches(dotted: str, patterns: Iterable[str]) -> str | None:
    for pattern in patterns:
        if dotted == pattern or fnmatch.fnmatchcase(dotted, pattern):
            return pattern
    return None


def _under(dotted: str, modules: Iterable[str]) -> str | None:
    for name in modules:
        if dotted == name or dotted.startswith(name + "."):
            return name
    return None


def impurities(module: Module) -> list[Violation]:
    """Environment, network, clock, logging and (outside engine.reference) file I/O."""
    found: dict[tuple[int, str], Violation] = {}

    def add(line: int, rule: str, what: str) -> None:
        found.setdefault((line, rule), Violation(module.path, line, rule, what))

    file_io = module.name not in FILE_IO_ALLOWED
    for ref in imports_of(module):
        dotted = ref.module if ref.name is None else f"{ref.module}.{ref.name}"
        network = _under(ref.module, NETWORK_MODULES) or _under(dotted, NETWORK_MODULES)
        if network:
            add(ref.line, "engine uses the network", f"imports {dotted}")
        if _under(ref.module, LOGGING_MODULES) or _under(dotted, LOGGING_MODULES):
            add(ref.line, "engine logs", f"imports {dotted}")
    for line, dotted in resolved_names(module):
        if _under(dotted, ENVIRONMENT):
            add(line, "engine reads the environment", dotted)
        if _matches(dotted, CLOCK):
            add(line, "engine reads the clock", dotted)
        if _under(dotted, CONSOLE) or _under(dotted, LOGGING_MODULES):
            add(line, "engine logs", dotted)
        if file_io and _matches(dotted, FILE_IO_NAMES):
            add(line, "engine does file I/O", dotted)
    bound = aliases_of(module)
    for node in ast.walk(module.tree):
        if not isinstance(node, ast.Call):
            continue
        written = _dotted(node.func) or ""
        head, _, rest = written.partition(".")
        called = bound.get(head, head) + (f".{rest}" if rest else "")
        if written == "print" and "print" not in bound:
            add(node.lineno, "engine logs", "print()")
        if written == "open" and "open" not in bound and file_io:
            add(node.lineno, "engine does file I/O", "open()")
        if (
            file_io
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in FILE_IO_METHODS
            and head not in bound  # module functions are judged by name above
        ):
            add(node.lineno, "engine does file I/O", f".{node.func.attr}()")
        if (
            called in CLOCK_PARSERS
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and str(node.args[0].value).strip().lower() in {"now", "today"}
        ):
            add(node.lineno, "engine reads the clock", f"{called}({node.args[0].value!r})")
    return list(found.values())


# --- the real tree ------------------------------------------------------------------------


def _report(violations: Iterable[Violation]) -> str:
    return "\n".join(sorted(str(v) for v in violations))


@pytest.fixture(scope="module")
def packages() -> frozenset[str]:
    return first_party_packages()


@pytest.fixture(scope="module")
def engine_modules() -> list[Module]:
    return load_modules("engine")


def test_the_tree_is_found(engine_modules: list[Module], packages: frozenset[str]) -> None:
    # Guards every test below against passing on an empty or misread tree.
    names = {m.name for m in engine_modules}
    assert {"engine", "engine.reference", "engine.site.lookup"} <= names
    assert {"engine", "engine.site", "jobs.warehouse", "server", "bench"} <= packages


def test_engine_imports_neither_jobs_nor_server(engine_modules: list[Module]) -> None:
    violations = [v for m in engine_modules for v in engine_imports_upward(m)]
    assert not violations, _report(violations)


def test_jobs_never_imports_server() -> None:
    violations = [v for m in load_modules("jobs") for v in jobs_imports_server(m)]
    assert not violations, _report(violations)


@pytest.mark.parametrize("top", PRIVATE_SCOPE)
def test_no_private_name_is_reached_from_another_package(
    top: str, packages: frozenset[str]
) -> None:
    violations = [v for m in load_modules(top) for v in private_reaches(m, packages)]
    assert not violations, _report(violations)


def test_engine_is_pure(engine_modules: list[Module]) -> None:
    violations = [v for m in engine_modules for v in impurities(m)]
    assert not violations, _report(violations)


def test_engine_reference_is_the_one_reader_of_files(engine_modules: list[Module]) -> None:
    # The exemption is used, and only by the module the engine's docstring names.
    reference = next(m for m in engine_modules if m.name == "engine.reference")
    as_elsewhere = Module("engine.elsewhere", "engine", "engine/elsewhere.py", reference.tree)
    assert not impurities(reference)
    assert {v.rule for v in impurities(as_elsewhere)} == {"engine does file I/O"}


# --- each checker catches its violation (and passes the clean twin) -----------------------

Checker = Callable[[Module], list[Violation]]

SYNTHETIC_PACKAGES = frozenset(
    {"bench", "engine", "engine.site", "engine.solvers", "jobs", "server"}
)


def _private_checker(module: Module) -> list[Violation]:
    return private_reaches(module, SYNTHETIC_PACKAGES)


@pytest.mark.parametrize(
    ("checker", "name", "source", "rule"),
    [
        (engine_imports_upward, "engine.x", "import jobs.lookup\n", "outer layer"),
        (engine_imports_upward, "engine.x", "from server.app import create_app\n", "outer"),
        (engine_imports_upward, "engine.site.x", "from jobs import lookup\n", "outer layer"),
        (
            engine_imports_upward,
            "engine.x",
            "import importlib\nimportlib.import_module('server.app')\n",
            "outer layer",
        ),
        (jobs_imports_server, "jobs.x", "from server.config import server_config\n", "server"),
        (_private_checker, "server.btm", "from server.duos import _profile_frame\n", "private"),
        (_private_checker, "engine.site.x", "from engine.units import _round\n", "private"),
        (_private_checker, "engine.duos.x", "from engine.site.lookup import _tpl\n", "private"),
        (_private_checker, "engine.x", "from engine.solvers._kernel import solve\n", "private"),
        (_private_checker, "engine.x", "from engine.solvers import _kernel\n", "private"),
        (_private_checker, "jobs.x", "import engine.site.lookup as s\ns._tpl(1)\n", "private"),
        (_private_checker, "jobs.x", "from pandas._libs import lib\n", "private"),
        (impurities, "engine.x", "import os\nx = os.environ['GBESS_DATA_DIR']\n", "environment"),
        (impurities, "engine.x", "from os import getenv\nx = getenv('A')\n", "environment"),
        (impurities, "engine.x", "import requests\n", "network"),
        (impurities, "engine.x", "from urllib.request import urlopen\n", "network"),
        (impurities, "engine.x", "import http.client\n", "network"),
        (impurities, "engine.x", "from google.cloud import bigquery\n", "network"),
        (impurities, "engine.x", "import socket\n", "network"),
        (impurities, "engine.x", "import datetime as dt\nnow = dt.datetime.now()\n", "clock"),
        (impurities, "engine.x", "from datetime import date\nd = date.today()\n", "clock"),
        (impurities, "engine.x", "import time\nt = time.perf_counter()\n", "clock"),
        (impurities, "engine.x", "from time import monotonic\nt = monotonic()\n", "clock"),
        (impurities, "engine.x", "import time\ndef f(clock=time.time): ...\n", "clock"),
        (impurities, "engine.x", "import pandas as pd\nt = pd.Timestamp('now')\n", "clock"),
        (impurities, "engine.x", "import logging\n", "logs"),
        (impurities, "engine.x", "print('solved')\n", "logs"),
        (impurities, "engine.x", "import sys\nsys.stderr.write('x')\n", "logs"),
        (impurities, "engine.x", "f = open('prices.csv')\n", "file I/O"),
        (impurities, "engine.x", "import pandas as pd\nf = pd.read_csv(p)\n", "file I/O"),
        (impurities, "engine.x", "def f(path):\n    return path.read_text()\n", "file I/O"),
        (impurities, "engine.x", "def f(frame, p):\n    frame.to_csv(p)\n", "file I/O"),
        (impurities, "engine.x", "import numpy as np\nx = np.load('a.npy')\n", "file I/O"),
        (impurities, "engine.x", "import shutil\nshutil.copy(a, b)\n", "file I/O"),
    ],
)
def test_checker_reports_the_violation(checker: Checker, name: str, source: str, rule: str) -> None:
    violations = checker(parse_module(source, name))
    assert violations, f"{checker.__name__} missed: {source!r}"
    assert all(rule in v.rule or rule in v.what for v in violations), violations


@pytest.mark.parametrize(
    ("checker", "name", "source"),
    [
        (engine_imports_upward, "engine.x", "from engine.site import parse_mpan\nimport jobsite\n"),
        (
            jobs_imports_server,
            "jobs.x",
            "from engine.errors import GbessError\nimport serverless\n",
        ),
        # One's own package's private names are fine, as are dunders.
        (_private_checker, "engine.site.x", "from engine.site.lookup import _tpl\n"),
        (_private_checker, "engine.site", "from engine.site._parse import parse\n"),
        (_private_checker, "bench.btm", "from bench._timing import best_of\n"),
        (_private_checker, "server.duos", "import server.duos as me\nme._profile_frame()\n"),
        (_private_checker, "engine.x", "from engine.errors import __doc__\nx = _local = 1\n"),
        (impurities, "engine.x", "import os.path\np = os.path.join('a', 'b')\n"),
        (impurities, "engine.x", "import datetime as dt\nd = dt.datetime(2024, 1, 1)\n"),
        (impurities, "engine.x", "import pandas as pd\nt = pd.Timestamp('2024-01-01')\n"),
        (impurities, "engine.x", "def f(frame):\n    return frame.to_dict()\n"),
        (impurities, "engine.x", "time_s = 3\nclock = 'now'\n"),
        (impurities, "engine.reference", "import pandas as pd\nf = pd.read_csv(p)\n"),
    ],
)
def test_checker_passes_clean_source(checker: Checker, name: str, source: str) -> None:
    is_package = name == "engine.site"
    assert checker(parse_module(source, name, is_package=is_package)) == []


def test_purity_checker_sees_the_io_jobs_does() -> None:
    # jobs/ is where I/O belongs: run over it, the engine's checker must find every kind,
    # which shows it resolves the aliases real modules use (``import datetime as dt`` ...).
    rules = {v.rule for m in load_modules("jobs") for v in impurities(m)}
    assert rules == {
        "engine reads the environment",
        "engine uses the network",
        "engine reads the clock",
        "engine logs",
        "engine does file I/O",
    }
