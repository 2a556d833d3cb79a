"""``gbess refresh``: rebuild dashboard tabs on the local (xlsx + HTML) or Google backend."""

from __future__ import annotations

import argparse
from typing import Any

from engine.errors import ValidationError
from jobs.cli._common import add_json_flag, emit_json
from jobs.dashboard import BACKENDS, TABS
from jobs.settings import Settings

DASHBOARD_HINT = "GBESS_AUTH=off gbess serve, then open http://127.0.0.1:8080/dashboard"


def register(sub: Any) -> None:
    """Add the ``refresh`` subcommand."""
    parser = sub.add_parser(
        "refresh",
        help="refresh dashboard tabs",
        description=f"Refresh dashboard tabs: {', '.join(TABS)}.",
    )
    parser.add_argument("tabs", nargs="*", metavar="TAB", help="tab titles (default: all)")
    parser.add_argument("--all", action="store_true", help="refresh every tab")
    parser.add_argument("--backend", choices=BACKENDS, help="default: GBESS_DASHBOARD")
    add_json_flag(parser)
    parser.set_defaults(handler=handle)


def _print_summary(summary: dict[str, Any]) -> None:
    for run in summary["tabs"]:
        state = f"{run['rows']} rows, data as of {run['data_as_of_utc']}"
        print(f"{run['job']}: {run['status']}, " + (run["error"] or state))
    print(f"requests: {summary['requests']}; {summary['duration_s']:.2f} s")
    if "workbook" in summary:
        print(f"workbook: {summary['workbook']}")
        print(f"dashboard: {DASHBOARD_HINT}")


def _run(settings: Settings, tabs: list[str], backend: str | None = None) -> dict[str, Any]:
    # Imported here: the jobs load numba, DuckDB and openpyxl, which other commands skip.
    from jobs.dashboard.refresh import RefreshRequest, run_refresh

    return run_refresh(RefreshRequest(tabs=tuple(tabs), backend=backend), settings)


def refresh_all(settings: Settings) -> int:
    """The ``gbess run`` step: refresh every tab on the configured backend and say where."""
    summary = _run(settings, [])
    _print_summary(summary)
    return 0 if summary["ok"] else 1


def handle(args: argparse.Namespace, settings: Settings) -> int:
    """Run the refresh; print the run summary (JSON or one line per tab)."""
    if args.all and args.tabs:
        raise ValidationError("tabs: give tab names or --all, not both", field="tabs")
    summary = _run(settings, [] if args.all else args.tabs, args.backend)
    if args.json:
        emit_json(summary)
    else:
        _print_summary(summary)
    return 0 if summary["ok"] else 1
