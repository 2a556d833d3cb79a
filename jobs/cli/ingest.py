"""``gbess ingest elexon|neso DATASET --from --to``: load source data into the warehouse."""

from __future__ import annotations

import argparse
import sys
from typing import Any

import requests

from engine.errors import ValidationError
from jobs.cli._common import add_json_flag, emit_json
from jobs.cli.warehouse import add_warehouse_flag
from jobs.ingest import DATASETS, ingest, ingest_bm_units
from jobs.settings import Settings
from jobs.sources.elexon import ELEXON_BASE_URL, ElexonClient
from jobs.sources.http import JsonClient, RetryPolicy
from jobs.sources.neso import DATASTORE_MIN_INTERVAL_S, NESO_BASE_URL, NesoClient
from jobs.warehouse import open_warehouse

USER_AGENT = "gbess (GB battery storage analytics)"


def make_session() -> requests.Session:
    """The HTTP session the sources use (tests replace this with one on a fake)."""
    session = requests.Session()
    session.headers["User-Agent"] = USER_AGENT
    return session


def make_client(source: str, session: requests.Session) -> Any:
    """An Elexon or NESO client on ``session`` with the production retry policy."""
    if source == "neso":
        policy = RetryPolicy(min_interval_s=DATASTORE_MIN_INTERVAL_S)
        return NesoClient(JsonClient(session, NESO_BASE_URL, "NESO data portal", policy))
    return ElexonClient(JsonClient(session, ELEXON_BASE_URL, "Elexon Insights"))


def register(sub: Any) -> None:
    """Add ``ingest elexon ...`` and ``ingest neso ...``."""
    parser = sub.add_parser("ingest", help="load Elexon / NESO data into the warehouse")
    sources = parser.add_subparsers(title="sources", metavar="SOURCE", required=True)
    for source in ("elexon", "neso"):
        source_parser = sources.add_parser(source, help=f"datasets from {source}")
        names = [d.name for d in DATASETS.values() if d.source == source]
        if source == "elexon":
            names.append("bm-units")
        source_parser.add_argument("dataset", choices=names)
        source_parser.add_argument("--from", dest="first", help="first UK day, YYYY-MM-DD")
        source_parser.add_argument("--to", dest="last", help="last UK day (inclusive)")
        source_parser.add_argument(
            "--force", action="store_true", help="reload days already loaded"
        )
        add_warehouse_flag(source_parser)
        add_json_flag(source_parser)
        source_parser.set_defaults(handler=handle, source=source)


def _progress(done: int, total: int, day: object) -> None:
    width = 30
    filled = int(width * done / total)
    sys.stderr.write(f"\r  [{'#' * filled}{'.' * (width - filled)}] {done}/{total} {day}")
    sys.stderr.flush()


def handle(args: argparse.Namespace, settings: Settings) -> int:
    """Run one ingest and print its summary line (or JSON); exit 1 if a day failed."""
    client = make_client(args.source, make_session())
    with open_warehouse(settings, backend=args.warehouse) as warehouse:
        if args.dataset == "bm-units":
            rows = ingest_bm_units(warehouse, client)
            if args.json:
                emit_json({"dataset": "bm-units", "rows": rows})
            else:
                print(f"bm-units: {rows} units loaded")
            return 0
        if not args.first or not args.last:
            raise ValidationError("--from and --to are required", field="from")
        dataset = DATASETS[args.dataset]
        show_progress = not args.json and args.first != args.last
        summary = ingest(
            warehouse,
            dataset,
            client,
            args.first,
            args.last,
            force=args.force,
            progress=_progress if show_progress else None,
        )
    if show_progress and summary.days_loaded:
        sys.stderr.write("\n")
    if args.json:
        emit_json(summary.as_json())
    else:
        print(summary.line())
    return 1 if summary.failed_day else 0
