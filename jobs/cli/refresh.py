"""``gbess refresh``: rebuild dashboard tabs on the local (xlsx + HTML) or Google backend."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from engine.errors import ValidationError
from jobs.cli._common import add_csv_flag, add_json_flag, emit_csv, emit_json
from jobs.dashboard import BACKENDS, TABS
from jobs.settings import Settings

DASHBOARD_URL = "http://127.0.0.1:8080/dashboard"


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
    add_csv_flag(parser)
    parser.set_defaults(handler=handle)


def _gbess_command() -> str:
    """How to type this ``gbess`` from the current folder (``.venv/bin/gbess`` in the repo)."""
    beside = Path(sys.executable).parent / "gbess"
    if not beside.is_file():
        return "gbess"
    relative = os.path.relpath(beside)
    return relative if not relative.startswith("..") else str(beside)


def dashboard_hint(cwd: Path | None = None) -> str:
    """The command that serves the dashboard page, runnable as printed from ``cwd``."""
    folder = Path.cwd() if cwd is None else cwd
    if (folder / "Makefile").is_file() and (folder / "jobs" / "cli").is_dir():
        command = "make serve"
    else:
        command = f"GBESS_AUTH=off {_gbess_command()} serve"
    return f"To see it in a browser: {command}, then open {DASHBOARD_URL}"


def _names(items: Sequence[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def sites_sentence(rows: Sequence[Mapping[str, Any]]) -> str:
    """``Sites: valued 4 of 6 sites; 2 failed: …`` from the Sites tab's rows."""
    failed = [row for row in rows if row.get("error")]
    text = f"Sites: valued {len(rows) - len(failed)} of {len(rows)} sites"
    if not failed:
        return text + "."
    reasons = "; ".join(f"{row.get('site_name') or '(no name)'} ({row['error']})" for row in failed)
    return f"{text}; {len(failed)} failed: {reasons}."


def summary_lines(
    summary: Mapping[str, Any], sites: Sequence[Mapping[str, Any]] | None = None
) -> list[str]:
    """The run summary in sentences: tabs written, failures named, sites valued, where to look.

    Args:
        summary: What :func:`jobs.dashboard.refresh.run_refresh` returned.
        sites: The Sites tab's rows, when that tab was written (names the failed sites).
    """
    runs = summary["tabs"]
    written = [run["job"] for run in runs if run["status"] == "ok"]
    failed = [run for run in runs if run["status"] != "ok"]
    where = "the workbook and page" if "workbook" in summary else "the spreadsheet"
    lines = [
        f"Dashboard: wrote {len(written)} of {len(runs)} tabs to {where} "
        f"in {summary['duration_s']:.1f} s" + (f" ({_names(written)})." if written else ".")
    ]
    for run in runs:
        if run["status"] == "ok" and run.get("data_as_of_utc"):
            lines.append(f"  {run['job']}: {run['rows']} rows, data up to {run['data_as_of_utc']}")
    lines.extend(f"Tab {run['job']} failed: {run['error']}" for run in failed)
    if sites is not None:
        lines.append(sites_sentence(sites))
    if "workbook" in summary:
        lines.append(f"Workbook: {summary['workbook']}")
        lines.append(dashboard_hint())
    return lines


def _sites_rows(settings: Settings, summary: Mapping[str, Any]) -> list[dict[str, Any]] | None:
    if "workbook" not in summary or not any(
        run["job"] == "Sites" and run["status"] == "ok" for run in summary["tabs"]
    ):
        return None
    from jobs.dashboard.refresh import local_sink
    from jobs.sheets.plan import block_records

    for grid in local_sink(settings).load():
        if grid.tab == "Sites":
            return block_records(grid, "sites")
    return None


def _print_summary(summary: dict[str, Any], settings: Settings) -> None:
    for line in summary_lines(summary, _sites_rows(settings, summary)):
        print(line)


def _run(settings: Settings, tabs: list[str], backend: str | None = None) -> dict[str, Any]:
    # Imported here: the jobs load numba, DuckDB and openpyxl, which other commands skip.
    from jobs.dashboard.refresh import RefreshRequest, run_refresh

    return run_refresh(RefreshRequest(tabs=tuple(tabs), backend=backend), settings)


def refresh_all(settings: Settings) -> int:
    """The ``gbess run`` step: refresh every tab on the configured backend and say where."""
    summary = _run(settings, [])
    _print_summary(summary, settings)
    return 0 if summary["ok"] else 1


def handle(args: argparse.Namespace, settings: Settings) -> int:
    """Run the refresh; print the run summary (JSON or one line per tab)."""
    if args.all and args.tabs:
        raise ValidationError("tabs: give tab names or --all, not both", field="tabs")
    summary = _run(settings, [] if args.all else args.tabs, args.backend)
    if args.json:
        emit_json(summary)
    elif args.csv:
        emit_csv(summary["tabs"])
    else:
        _print_summary(summary, settings)
    return 0 if summary["ok"] else 1
