"""The ``gbess`` console command: one parser, subcommands registered by feature modules."""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

from engine.errors import GbessError, ValidationError
from jobs.cli import duos, ingest, lookup, periods, refresh, run, serve, warehouse
from jobs.cli._common import CliParser, print_error
from jobs.settings import Settings

# Each feature adds its subcommand module here (one line each).
COMMANDS = (run, periods, refresh, warehouse, lookup, serve, duos, ingest)


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
    return code


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
