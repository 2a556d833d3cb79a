"""Every fenced block of README.md and docs/*.md runs as printed, or says why it cannot.

* ``python`` blocks are executed, each in a fresh namespace holding only ``settings`` (the
  :class:`jobs.settings.Settings` of the shipped data and a temporary var folder), which
  the pages name as such.
* ``sh`` / ``bash`` / ``console`` / ``shell`` blocks are split into commands (``\\``
  continues a line, ``#`` starts a comment or a line of shown output). ``gbess …`` and
  ``.venv/bin/gbess …`` run in-process against the shipped data with a temporary var folder
  (a seeded warehouse) and must exit 0, each distinct command once. ``gbess serve``, which
  runs until stopped, is checked without starting: its flags parse and the server accepts
  the configuration they give. ``make <target>`` is expanded with ``make -n`` (the target
  exists and its recipe is well formed); for ``make serve`` the recipe's command then runs
  as ``gbess serve --check`` (gunicorn loads the configuration and the app, then exits).
  ``make run`` stops at ``make -n`` (its ``gbess run`` is run by
  tests/jobs/cli/test_warehouse.py). Anything else fails the test.
* A block that cannot run here (it needs Google, the network, a running server, or it is
  output or a format, not a command) carries ``<!-- not-run: <reason> -->`` on the line
  just before its opening fence. Every other block must be runnable: nothing is skipped
  without a written reason. ``python -m tests.test_doc_blocks`` lists the annotated blocks.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import shlex
import signal
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

import pytest

from jobs.cli import main as gbess_main
from jobs.settings import Settings
from jobs.warehouse import open_warehouse, seed_if_needed

REPO = Path(__file__).resolve().parents[1]
PAGES = (REPO / "README.md", *sorted((REPO / "docs").glob("*.md")))
SHELL = frozenset({"sh", "bash", "console", "shell"})
RUNNABLE = SHELL | {"python"}
FENCE = re.compile(r"^\s*```\s*([\w-]*)\s*$")
NOT_RUN = re.compile(r"^\s*<!--\s*not-run:\s*(\S.*?)\s*-->\s*$")
GBESS = ("gbess", ".venv/bin/gbess")
#: What ``make <target>`` runs that this test can run in-process (the rest: ``make -n`` only).
#: ``make run`` is ``make -n`` only here: ``gbess run`` (its last step) refreshes every tab
#: over seven years of prices (~20 s); tests/jobs/cli/test_warehouse.py runs it.
MAKE_RUNS: dict[str, tuple[dict[str, str], list[str]]] = {
    "serve": ({"GBESS_AUTH": "off", "GBESS_HOST": "127.0.0.1"}, ["serve", "--check"]),
}
#: The most one command may take before the test stops it (a bound, not a speed check).
COMMAND_LIMIT_S = 120


@dataclass(frozen=True)
class Block:
    """One fenced block of a page."""

    page: str
    line: int
    lang: str
    text: str
    not_run: str | None

    @property
    def name(self) -> str:
        return f"{self.page}:{self.line}"


def page_blocks(path: Path, root: Path = REPO) -> list[Block]:
    """The fenced blocks of ``path``, with the line number of each opening fence."""
    lines = path.read_text(encoding="utf-8").splitlines()
    found: list[Block] = []
    start: int | None = None
    lang = ""
    for number, line in enumerate(lines, start=1):
        match = FENCE.match(line)
        if not match:
            continue
        if start is None:
            start, lang = number, match.group(1).lower()
            continue
        before = lines[start - 2] if start >= 2 else ""
        reason = NOT_RUN.match(before)
        body = "\n".join(lines[start : number - 1])
        found.append(
            Block(
                str(path.relative_to(root)),
                start,
                lang,
                _dedent(body),
                reason.group(1) if reason else None,
            )
        )
        start = None
    assert start is None, f"{path.relative_to(root)}:{start}: a fence is never closed"
    return found


def _dedent(text: str) -> str:
    lines = text.splitlines()
    indents = [len(line) - len(line.lstrip()) for line in lines if line.strip()]
    cut = min(indents, default=0)
    return "\n".join(line[cut:] for line in lines)


ALL_BLOCKS = [block for page in PAGES for block in page_blocks(page)]
RUN_BLOCKS = [b for b in ALL_BLOCKS if b.not_run is None and b.lang in RUNNABLE]


def shell_commands(text: str) -> list[list[str]]:
    """The commands of a shell block as argument lists (comments and output lines dropped)."""
    joined = re.sub(r"\\\n\s*", " ", text)
    commands = []
    for line in joined.splitlines():
        words = shlex.split(line, comments=True)
        if words:
            commands.append(words)
    return commands


# --- running ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def doc_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """A working folder (``examples/`` linked in, an empty ``var/``) and the environment the
    commands run with: the shipped data, a warehouse seeded once for the module."""
    # Laid out as a clone is: the shared folder beside the working folder, so a page's
    # ``../shared/data/...`` paths resolve as they do for a reader.
    data_dir = Path(os.environ.get("GBESS_DATA_DIR", str(REPO.parent / "shared" / "data")))
    work = tmp_path_factory.mktemp("docs") / "main"
    work.mkdir()
    (work.parent / "shared").symlink_to(data_dir.resolve().parent)
    (work / "examples").symlink_to(REPO / "examples")
    (work / "var").mkdir()
    env = {
        "GBESS_DATA_DIR": str(data_dir),
        "GBESS_VAR_DIR": str(work / "var"),
        "GBESS_DUCKDB_PATH": str(work / "var" / "gbess.duckdb"),
        "GBESS_DASHBOARD": "local",
        "GBESS_WAREHOUSE": "duckdb",
        "DOC_WORK_DIR": str(work),
    }
    with pytest.MonkeyPatch.context() as patch:
        for name, value in env.items():
            patch.setenv(name, value)
        with open_warehouse(Settings.from_env(os.environ)) as warehouse:
            seed_if_needed(warehouse, Settings.from_env(os.environ))
    return env


class _OverranError(Exception):
    pass


@contextlib.contextmanager
def _bounded(what: str) -> Iterator[None]:
    def stop(signum: int, frame: FrameType | None) -> None:
        raise _OverranError(f"{what}: still running after {COMMAND_LIMIT_S} s")

    previous = signal.signal(signal.SIGALRM, stop)
    signal.alarm(COMMAND_LIMIT_S)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


#: Commands already run in this module (with their environment): each runs once.
_DONE: set[tuple[str, ...]] = set()


def check_serve(args: list[str], env: dict[str, str]) -> None:
    """``gbess serve <flags>``: the flags parse and the server accepts the configuration
    they and the environment give (what ``gbess serve`` checks before gunicorn starts)."""
    from jobs.cli import build_parser
    from jobs.cli.serve import serve_command
    from server.config import load_config

    parsed = build_parser("serve").parse_args(args)
    _, server_env = serve_command(parsed, {**os.environ, **env})
    load_config(server_env)  # raises ConfigError naming the setting


def run_gbess(args: list[str], env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> str:
    """Run ``gbess <args>`` in-process; return its output, failing on a non-zero exit.
    ``gbess serve`` (which runs until stopped) is checked as :func:`check_serve` says."""
    key = (*args, *sorted(f"{k}={v}" for k, v in env.items()))
    if key in _DONE:
        return ""
    _DONE.add(key)
    if args[:1] == ["serve"] and "--check" not in args:
        check_serve(args, env)
        return ""
    with monkeypatch.context() as patch:
        for name, value in env.items():
            patch.setenv(name, value)
        patch.chdir(env["DOC_WORK_DIR"])
        out, err = io.StringIO(), io.StringIO()
        with (
            _bounded("gbess " + shlex.join(args)),
            contextlib.redirect_stdout(out),
            contextlib.redirect_stderr(err),
        ):
            try:
                code = gbess_main(args)
            except SystemExit as exc:  # argparse: a usage error or --help
                code = exc.code if isinstance(exc.code, int) else 1
    assert code == 0, f"gbess {shlex.join(args)} exited {code}: {err.getvalue().strip()}"
    return out.getvalue()


def run_make(target: list[str], env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    """``make -n <target>`` must expand; then run what the target runs, where that is known."""
    done = subprocess.run(
        ["make", "-n", "-C", str(REPO), *target],
        capture_output=True,
        text=True,
        timeout=COMMAND_LIMIT_S,
        check=False,
        env={**os.environ, **env},
    )
    assert done.returncode == 0, f"make -n {' '.join(target)}: {done.stderr.strip()}"
    for name in target:
        if name in MAKE_RUNS:
            extra, args = MAKE_RUNS[name]
            run_gbess(args, {**env, **extra}, monkeypatch)


def run_command(words: list[str], env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    """One shell command of a page (``NAME=value`` prefixes become its environment)."""
    given = dict(env)
    while words and re.match(r"^[A-Z_][A-Z0-9_]*=", words[0]):
        name, _, value = words[0].partition("=")
        given[name] = value
        words = words[1:]
    assert not any(w in {"|", ">", "<", "&&", ";"} for w in words), (
        f"{shlex.join(words)}: pipes and redirections are not run here; annotate the block"
    )
    if words[0] in GBESS:
        run_gbess(words[1:], given, monkeypatch)
    elif words[0] == "make":
        run_make(words[1:], given, monkeypatch)
    elif words[0] == ".venv/bin/python":
        done = subprocess.run(
            [str(REPO / words[0]), *words[1:]],
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=COMMAND_LIMIT_S,
            check=False,
            env={**os.environ, **given},
        )
        assert done.returncode == 0, f"{shlex.join(words)}: {done.stderr.strip()[-2000:]}"
    else:
        pytest.fail(f"{shlex.join(words)}: not a gbess or make command; annotate the block")


# --- the tests --------------------------------------------------------------------------------


def test_every_block_runs_or_says_why() -> None:
    unknown = [
        f"{b.name}: ```{b.lang or '(no language)'}"
        for b in ALL_BLOCKS
        if b.not_run is None and b.lang not in RUNNABLE
    ]
    assert not unknown, "blocks neither runnable nor annotated `<!-- not-run: why -->`:\n" + (
        "\n".join(unknown)
    )


def test_the_pages_have_blocks_to_run() -> None:
    # The extraction itself can fail: a README without runnable blocks would pass vacuously.
    readme = [b for b in RUN_BLOCKS if b.page == "README.md"]
    assert len(readme) >= 5
    assert any(b.lang == "python" for b in RUN_BLOCKS)


def test_extraction_reads_fences_annotations_and_continuations(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text(
        "text\n<!-- not-run: needs Google -->\n```sh\ngcloud x\n```\n\n```sh\n"
        'gbess a --b "c d" \\\n    --e 1   # a comment\n# shown output\n```\n'
    )
    first, second = page_blocks(page, root=tmp_path)
    assert first.not_run == "needs Google"
    assert second.not_run is None
    assert shell_commands(second.text) == [["gbess", "a", "--b", "c d", "--e", "1"]]


@pytest.mark.parametrize("block", RUN_BLOCKS, ids=lambda b: b.name)
def test_block_runs(block: Block, doc_env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    if block.lang == "python":
        with monkeypatch.context() as patch:
            for name, value in doc_env.items():
                patch.setenv(name, value)
            settings = Settings.from_env(os.environ)
            with _bounded(block.name):
                namespace = {"settings": settings, "__name__": "__main__"}  # as a script
                exec(compile(block.text, block.name, "exec"), namespace)
        return
    for words in shell_commands(block.text):
        run_command(words, doc_env, monkeypatch)


def not_run_blocks() -> list[Block]:
    """The blocks annotated as not runnable here, with their reasons."""
    return [b for b in ALL_BLOCKS if b.not_run is not None]


if __name__ == "__main__":
    for listed in not_run_blocks():
        print(f"{listed.name}: {listed.not_run}")
