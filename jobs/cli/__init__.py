"""The ``gbess`` console command: one parser, subcommands registered by feature modules."""

from __future__ import annotations

import contextlib
import importlib
import os
import sys
from collections.abc import Sequence

from engine.errors import GbessError, ValidationError
from jobs.cli._common import CliParser, print_error
from jobs.settings import Settings

# Each feature adds its subcommand here (one entry each): the command name, which is also
# its module under jobs/cli/. Only the chosen command's module is imported, so a quick
# command such as `gbess periods` does not pay for numba, pvlib or scipy (~2 s).
COMMANDS = (
    "run",
    "periods",
    "refresh",
    "warehouse",
    "lookup",
    "serve",
    "duos",
    "ingest",
    "dispatch",
    "revenue",
    "backtest",
    "btm",
    "fleet",
    "sign",
    "response_value",
    "risk",
    "invest",
)


def build_parser(command: str | None = None) -> CliParser:
    """The ``gbess`` argument parser.

    Args:
        command: Register only this subcommand (the one being run); ``None`` registers all
            of them, for ``--help`` and for naming the choices after a mistyped command.
    """
    parser = CliParser(
        prog="gbess",
        description="GB battery storage and flexible-site analytics (engine, jobs, server).",
    )
    sub = parser.add_subparsers(title="commands", metavar="COMMAND", required=True)
    for name in COMMANDS if command is None else (command,):
        importlib.import_module(f"jobs.cli.{name}").register(sub)
    return parser


def _command_of(argv: Sequence[str]) -> str | None:
    """The subcommand named in ``argv`` (the first word that is not an option), if known."""
    first = next((word for word in argv if not word.startswith("-")), None)
    return first if first in COMMANDS else None


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point: parse arguments, read settings once, run the chosen subcommand.

    Exit codes: 0 success; 1 a domain or data error; 2 a usage or input-validation error
    (errors are one line on stderr).
    """
    words = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser(_command_of(words))
    args = parser.parse_args(words)
    try:
        settings = Settings.from_env(os.environ)
        code: int = args.handler(args, settings)
    except ValidationError as exc:
        print_error(exc.detail)
        return 2
    except GbessError as exc:
        print_error(exc.detail)
        return 1
    except PermissionError as exc:  # a read-only var/ or output path: one line, not a traceback
        print_error(f"{exc.strerror}: {exc.filename} (check GBESS_VAR_DIR, or the output path)")
        return 1
    except KeyboardInterrupt:
        print_error("interrupted")
        return 130
    except BrokenPipeError:
        # The reader went away (`gbess ... --json | head`): stop quietly, as Unix tools do.
        _stdout_to_devnull()
        return 141  # 128 + SIGPIPE, what a shell reports for a command killed by it
    return code


def _stdout_to_devnull() -> None:
    """Point stdout at /dev/null so the interpreter's final flush cannot fail again."""
    # A stdout without a file descriptor (captured in tests) needs nothing.
    with contextlib.suppress(OSError, ValueError):
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


if __name__ == "__main__":
    sys.exit(main())
