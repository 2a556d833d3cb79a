"""The ``gbess`` console command: one parser, subcommands registered by feature modules."""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Sequence

from engine.errors import GbessError, ValidationError
from jobs.cli import (
    btm,
    dispatch,
    duos,
    ingest,
    lookup,
    periods,
    refresh,
    revenue,
    run,
    serve,
    warehouse,
)
from jobs.cli._common import CliParser, print_error
from jobs.settings import Settings

# Each feature adds its subcommand module here (one line each).
COMMANDS = (run, periods, refresh, warehouse, lookup, serve, duos, ingest, dispatch, revenue, btm)


def build_parser() -> CliParser:
    """The full ``gbess`` argument parser."""
    parser = CliParser(
        prog="gbess",
        description="GB battery storage and flexible-site analytics (engine, jobs, server).",
    )
    sub = parser.add_subparsers(title="commands", metavar="COMMAND", required=True)
    for module in COMMANDS:
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point: parse arguments, read settings once, run the chosen subcommand.

    Exit codes: 0 success; 1 a domain or data error; 2 a usage or input-validation error
    (errors are one line on stderr).
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        settings = Settings.from_env(os.environ)
        code: int = args.handler(args, settings)
    except ValidationError as exc:
        print_error(exc.detail)
        return 2
    except GbessError as exc:
        print_error(exc.detail)
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


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
