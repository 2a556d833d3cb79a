"""The written map agrees with the code: the glossary with the column registry, the
architecture page with the files it names.

``docs/glossary.md`` has one generated part, the table of shown columns, rendered here from
:data:`engine.columns.COLUMNS`. After changing the registry, rewrite it with::

    .venv/bin/python -m tests.test_docs

The hand-written parts are checked, not generated: every unit suffix a registered column
carries agrees with the unit its header shows (or the departure is listed), every variable
name the glossary explains occurs in the code, and a variable that is also a registered
column has the registry's unit. Every file path and ``path.py:name`` the docs mention must
exist, so a renamed module cannot leave the map pointing at nothing.
"""

from __future__ import annotations

import ast
import functools
import os
import re
from pathlib import Path

from engine.columns import COLUMNS, Column

REPO = Path(__file__).resolve().parents[1]
DOCS = REPO / "docs"
GLOSSARY = DOCS / "glossary.md"
ARCHITECTURE = DOCS / "architecture.md"
MAX_ARCHITECTURE_LINES = 165

BEGIN = "<!-- BEGIN columns: generated from engine/columns.py by `python -m tests.test_docs` -->"
END = "<!-- END columns -->"
#: How a unitless entry is written in a glossary table.
NO_UNIT = "—"
#: Folders whose source the glossary's variable names must occur in.
CODE_DIRS = ("engine", "jobs", "server")

_KIND_TEXT = {
    "text": "text",
    "integer": "whole number",
    "number": "number",
    "frac": "fraction 0–1, shown as a percentage",
    "date": "UK calendar date",
    "datetime": "UTC instant",
}
_ROW = re.compile(r"^\|(.+)\|\s*$")
_CODE = re.compile(r"`([^`\s]+)`")
_LINK = re.compile(r"\]\(([^)\s#]+)(?:#[^)]*)?\)")
_FILE_SUFFIXES = (".py", ".gs", ".html", ".js", ".json", ".md", ".yaml", ".toml", ".sql", ".txt")
#: Routes, URLs, and what ``make`` creates on a fresh clone: not files of the repository.
_NOT_IN_GIT = ("/", "http", ".venv/", "var/")
_MODULE = re.compile(r"^(engine|jobs|server)(\.[A-Za-z_]\w*)+$")


# --- rendering the generated part -------------------------------------------------------------


def format_text(column: Column) -> str:
    """How a column's values are shown, in words and the sheet's number pattern."""
    text = _KIND_TEXT[column.kind]
    if column.kind == "number":
        text += f", {column.decimals} dp"
    if column.kind == "text":
        return text
    return f"{text} (`{column.number_pattern}`)"


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def render_columns() -> str:
    """The generated table: one row per registered column, in registry order."""
    lines = [
        BEGIN,
        "",
        "| column | header in sheets | unit | shown as |",
        "|---|---|---|---|",
    ]
    for column in COLUMNS.values():
        lines.append(
            f"| `{column.name}` | {_cell(column.header)} | {_cell(column.unit) or NO_UNIT} "
            f"| {format_text(column)} |"
        )
    lines += ["", END]
    return "\n".join(lines)


def generated_block(text: str) -> str:
    """The generated part of ``text``, markers included ('' when the markers are missing)."""
    start, end = text.find(BEGIN), text.find(END)
    if start < 0 or end < start:
        return ""
    return text[start : end + len(END)]


def write_glossary(path: Path = GLOSSARY) -> bool:
    """Rewrite the generated part of the glossary in place; whether anything changed."""
    text = path.read_text(encoding="utf-8")
    old = generated_block(text)
    if not old:
        raise SystemExit(f"{path}: the markers {BEGIN!r} … {END!r} are missing")
    new = render_columns()
    if old == new:
        return False
    path.write_text(text.replace(old, new), encoding="utf-8")
    return True


# --- reading the glossary ---------------------------------------------------------------------


def sections(text: str) -> dict[str, str]:
    """The ``## `` sections of a Markdown page by title (the generated part left out)."""
    text = text.replace(generated_block(text), "")
    out: dict[str, str] = {}
    title = ""
    for line in text.splitlines():
        if line.startswith("## "):
            title = line[3:].strip()
            out[title] = ""
        elif title:
            out[title] += line + "\n"
    return out


def table_rows(text: str) -> list[list[str]]:
    """Cells of every Markdown table row in ``text`` (header and rule rows left out)."""
    rows = []
    for line in text.splitlines():
        match = _ROW.match(line.strip())
        if match is None:
            continue
        cells = [c.strip() for c in re.split(r"(?<!\\)\|", match.group(1))]
        if all(set(c) <= set("-: ") for c in cells):
            continue
        rows.append(cells)
    return [r for r in rows if _CODE.search(r[0])]


def named_rows(text: str) -> dict[str, list[str]]:
    """Each backticked name in a row's first cell → that row's cells."""
    return {name: row for row in table_rows(text) for name in _CODE.findall(row[0])}


def _unit(cell: str) -> str:
    return "" if cell == NO_UNIT else cell


def glossary_text() -> str:
    return GLOSSARY.read_text(encoding="utf-8")


def glossary_section(title: str) -> str:
    found = sections(glossary_text())
    assert title in found, f"docs/glossary.md has no '## {title}' section"
    return found[title]


@functools.cache
def code_words() -> frozenset[str]:
    """Every identifier-like word in the Python and SQL source of engine/, jobs/, server/."""
    words: set[str] = set()
    for folder in CODE_DIRS:
        for path in (REPO / folder).rglob("*"):
            if path.suffix in {".py", ".sql"}:
                words.update(re.findall(r"[A-Za-z_]\w*", path.read_text(encoding="utf-8")))
    return frozenset(words)


# --- checking paths ---------------------------------------------------------------------------


@functools.cache
def repo_files() -> tuple[Path, ...]:
    """The repository's files, without what tools create (virtualenv, caches, ``var/``)."""
    skip = {".git", ".venv", "var", "node_modules", "__pycache__", ".mypy_cache", ".ruff_cache"}
    return tuple(
        p for p in REPO.rglob("*") if p.is_file() and not skip & set(p.relative_to(REPO).parts)
    )


def _top_level_names(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names.update((a.asname or a.name).split(".")[0] for a in node.names)
        elif isinstance(node, ast.Assign):
            names.update(t.id for t in node.targets if isinstance(t, ast.Name))
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
    return names


def _module_problem(dotted: str) -> str | None:
    """Why ``engine.x.name`` does not resolve to a module, or a name defined in one."""
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        base = REPO.joinpath(*parts[:cut])
        for candidate in (base.with_suffix(".py"), base / "__init__.py"):
            if candidate.is_file():
                rest = parts[cut:]
                if rest and rest[0] not in _top_level_names(candidate):
                    return f"{dotted}: {candidate.relative_to(REPO)} defines no {rest[0]!r}"
                return None
    return f"{dotted}: no such module"


def reference_problem(token: str) -> str | None:
    """Why a path, ``path.py:name`` or dotted module a page mentions is not there (or None)."""
    if _MODULE.match(token):
        return _module_problem(token)
    path_text, _, name = token.partition(":")
    first = path_text.split("/", 1)[0]
    looks_like_path = "/" in path_text or path_text.endswith(_FILE_SUFFIXES)
    if (
        not looks_like_path
        or path_text.startswith(_NOT_IN_GIT)
        or re.search(r"[<>*{}]", token)
        or not (first in {".", ".."} or re.search(r"[A-Za-z_]", first))  # 2025/26, 1/2
    ):
        return None
    if "/" not in path_text:
        # A bare file name (``__init__.py``, ``dp.py``) only has to exist somewhere.
        found = [p for p in repo_files() if p.name == path_text]
        if not found:
            return f"{token}: no file of that name in the repository"
        path = found[0]
    else:
        path = (REPO / path_text).resolve()
    if not path.exists():
        return f"{token}: no such file or folder"
    if name:
        if path.suffix != ".py":
            return f"{token}: names are checked in .py files only"
        if name not in _top_level_names(path):
            return f"{token}: {path_text} defines no {name!r}"
    return None


def page_problems(page: Path) -> list[str]:
    """What a page mentions that is not there: code spans from the repository root, links
    from the page's folder."""
    text = page.read_text(encoding="utf-8")
    targets = dict.fromkeys(_CODE.findall(text))
    for link in _LINK.findall(text):
        if not link.startswith("http"):
            targets[os.path.relpath(page.parent / link, REPO)] = None
    rel = page.relative_to(REPO)
    return [f"{rel}: {problem}" for t in targets if (problem := reference_problem(t))]


# --- the tests --------------------------------------------------------------------------------


def test_every_registered_column_is_in_the_glossary_and_no_other() -> None:
    listed = named_rows(generated_block(glossary_text()))
    missing = [name for name in COLUMNS if name not in listed]
    unknown = [name for name in listed if name not in COLUMNS]
    assert not missing, f"registered in engine/columns.py, missing from the glossary: {missing}"
    assert not unknown, f"in the glossary's column table, not registered: {unknown}"


def test_glossary_units_are_the_registry_units() -> None:
    listed = named_rows(generated_block(glossary_text()))
    wrong = {
        name: (_unit(row[2]), COLUMNS[name].unit)
        for name, row in listed.items()
        if name in COLUMNS and _unit(row[2]) != COLUMNS[name].unit
    }
    assert not wrong, f"glossary unit ≠ registry unit (glossary, registry): {wrong}"


def test_generated_column_table_is_current() -> None:
    assert generated_block(glossary_text()) == render_columns(), (
        "docs/glossary.md's column table differs from engine/columns.py: "
        "run `.venv/bin/python -m tests.test_docs` and commit the result"
    )


def _suffix_units() -> dict[str, str]:
    rows = named_rows(glossary_section("Units in names"))
    return {name: _unit(row[1]) for name, row in rows.items() if name.startswith("_")}


def _departures() -> dict[str, str]:
    rows = named_rows(glossary_section("Where a header's unit is not the name's"))
    return {name: _unit(row[1]) for name, row in rows.items()}


def test_registered_units_agree_with_the_unit_in_the_name() -> None:
    suffixes = _suffix_units()
    departures = _departures()
    wrong = {}
    for name, column in COLUMNS.items():
        matches = [s for s in suffixes if name.endswith(s)]
        if not matches or name in departures:
            continue
        implied = suffixes[max(matches, key=len)]
        if column.unit != implied:
            wrong[name] = (column.unit, implied)
    assert not wrong, (
        "registered unit ≠ the unit its name's suffix implies (registry, suffix); fix the "
        f"registry or list the column under the glossary's departures: {wrong}"
    )


def test_listed_departures_still_depart() -> None:
    for name, unit in _departures().items():
        assert name in COLUMNS, f"departure {name} is not a registered column"
        assert COLUMNS[name].unit == unit, (
            f"departure {name}: glossary says [{unit}], registry says [{COLUMNS[name].unit}]"
        )


def test_glossary_variables_occur_in_the_code() -> None:
    names = named_rows(glossary_section("Variables"))
    assert len(names) >= 40, "the glossary's variable tables look empty"
    absent = sorted(name for name in names if name not in code_words())
    assert not absent, f"explained in docs/glossary.md, used nowhere in {CODE_DIRS}: {absent}"


def test_glossary_variables_that_are_columns_have_the_registry_unit() -> None:
    rows = named_rows(glossary_section("Variables"))
    wrong = {
        name: (_unit(row[1]), COLUMNS[name].unit)
        for name, row in rows.items()
        if name in COLUMNS and _unit(row[1]) != COLUMNS[name].unit
    }
    assert not wrong, f"variable unit ≠ registry unit (glossary, registry): {wrong}"


def test_paths_the_docs_name_exist() -> None:
    pages = sorted(DOCS.glob("*.md"))
    assert ARCHITECTURE in pages
    assert GLOSSARY in pages
    problems = [problem for page in pages for problem in page_problems(page)]
    assert not problems, "\n".join(problems)


def test_architecture_page_is_short() -> None:
    lines = len(ARCHITECTURE.read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_ARCHITECTURE_LINES, f"docs/architecture.md has {lines} lines"


def test_reference_checks_catch_what_they_should() -> None:
    # The checker itself: a test that cannot fail would prove nothing about the pages.
    assert reference_problem("engine/columns.py") is None
    assert reference_problem("engine/columns.py:COLUMNS") is None
    assert reference_problem("engine.columns.header") is None
    assert reference_problem("engine/nowhere.py") is not None
    assert reference_problem("engine/columns.py:nothing_here") is not None
    assert reference_problem("engine.columns.nothing_here") is not None
    assert reference_problem("engine.nowhere") is not None
    assert reference_problem("/v1/lookup") is None  # a route, not a path
    assert reference_problem("server/<family>.py") is None  # a pattern
    assert reference_problem("2025/26") is None  # a charging year
    assert reference_problem("__init__.py") is None  # a bare name that exists somewhere
    assert reference_problem("nowhere_at_all.py") is not None


if __name__ == "__main__":
    print("rewrote" if write_glossary() else "unchanged", GLOSSARY.relative_to(REPO))
