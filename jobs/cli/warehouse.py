"""``gbess warehouse seed|status|query|ddl``: build, inspect and query the warehouse."""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json
import time
from typing import Any

import pandas as pd

from engine.errors import ValidationError
from jobs.cli._common import add_csv_flag, add_json_flag, emit_csv, emit_json
from jobs.coverage import CoverageRequest, run_coverage
from jobs.settings import Settings
from jobs.warehouse import open_warehouse, query_names, seed
from jobs.warehouse.dialect import named_query
from jobs.warehouse.schema import TABLES, bigquery_ddl, duckdb_ddl


def add_warehouse_flag(parser: argparse.ArgumentParser) -> None:
    """Add ``--warehouse duckdb|bigquery`` (default: ``GBESS_WAREHOUSE``, else duckdb)."""
    parser.add_argument(
        "--warehouse",
        choices=("duckdb", "bigquery"),
        default=None,
        help="warehouse backend (default from GBESS_WAREHOUSE, else the embedded DuckDB)",
    )


def register(sub: Any) -> None:
    """Add the ``warehouse`` subcommand and its actions."""
    parser = sub.add_parser("warehouse", help="build, inspect and query the market warehouse")
    actions = parser.add_subparsers(title="actions", metavar="ACTION", required=True)

    seed_parser = actions.add_parser("seed", help="load the shipped market files (idempotent)")
    add_warehouse_flag(seed_parser)
    add_json_flag(seed_parser)
    seed_parser.set_defaults(handler=handle_seed)

    status_parser = actions.add_parser(
        "status", help="tables, row counts, first/last interval and gaps"
    )
    add_warehouse_flag(status_parser)
    add_json_flag(status_parser)
    add_csv_flag(status_parser)
    status_parser.set_defaults(handler=handle_status)

    coverage_parser = actions.add_parser(
        "coverage", help="the data range: first and last day held per market dataset"
    )
    add_warehouse_flag(coverage_parser)
    add_json_flag(coverage_parser)
    add_csv_flag(coverage_parser)
    coverage_parser.set_defaults(handler=handle_coverage)

    query_parser = actions.add_parser("query", help="run a named query (jobs/warehouse/sql)")
    query_parser.add_argument("name", nargs="?", help="query name; omit to list them")
    query_parser.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="K=V",
        help="query parameter (dates as YYYY-MM-DD); repeat for each",
    )
    add_warehouse_flag(query_parser)
    add_json_flag(query_parser)
    add_csv_flag(query_parser)
    query_parser.set_defaults(handler=handle_query)

    ddl_parser = actions.add_parser("ddl", help="print the CREATE TABLE statements")
    ddl_parser.add_argument("--dialect", choices=("bigquery", "duckdb"), default="bigquery")
    ddl_parser.add_argument(
        "--dataset", default="gbess", help="BigQuery dataset (project.dataset) for the DDL"
    )
    ddl_parser.set_defaults(handler=handle_ddl)


def handle_seed(args: argparse.Namespace, settings: Settings) -> int:
    """Seed and report what was loaded and how long it took."""
    started = time.perf_counter()
    with open_warehouse(settings, backend=args.warehouse) as warehouse:
        loaded = seed(warehouse, settings)
        location = warehouse.location
    elapsed_s = time.perf_counter() - started
    if args.json:
        emit_json({"location": location, "files": loaded, "elapsed_s": round(elapsed_s, 3)})
        return 0
    for item in loaded:
        print(f"{item['table']:<26} {item['rows']:>7} rows  from {item['file']}")
    print(f"seeded {location} in {elapsed_s:.2f} s")
    return 0


def handle_status(args: argparse.Namespace, settings: Settings) -> int:
    """Print the warehouse status (read-only: a missing DuckDB file is said, not created).

    Raises:
        StorageUnavailableError: The DuckDB file does not exist or cannot be opened.
    """
    # Read-only: nothing is created (a missing file used to be created empty and reported
    # as zeros), no write lock is taken and a read-only file or var/ can be inspected.
    with open_warehouse(settings, backend=args.warehouse, read_only=True) as warehouse:
        report = warehouse.status()
    if args.json:
        emit_json(report)
    elif args.csv:
        emit_csv({k: v for k, v in entry.items() if k != "gaps"} for entry in report["tables"])
    else:
        print_status(report)
    return 0


def print_status(report: dict[str, Any]) -> None:
    """Human summary of :meth:`Warehouse.status`, one line per table."""
    print(f"warehouse: {report['backend']} at {report['location']}")
    for entry in report["tables"]:
        span = ""
        if entry.get("first_interval_start"):
            span = f"  {entry['first_interval_start']} .. {entry['last_interval_start']}"
        gaps = ""
        if entry.get("gap_count"):
            gaps = f"  {entry['gap_count']} gap(s), {entry['missing_periods']} missing periods"
        if entry["rows"] is None:
            print(f"  {entry['table']:<26} absent (run `gbess warehouse seed`)")
            continue
        print(f"  {entry['table']:<26} {entry['rows']:>7} rows{span}{gaps}")


def handle_coverage(args: argparse.Namespace, settings: Settings) -> int:
    """Print the first and last day held per market dataset (read-only, as ``status``)."""
    if args.warehouse:
        settings = dataclasses.replace(settings, warehouse_backend=args.warehouse)
    document = run_coverage(CoverageRequest(), settings)
    rows = [
        {
            "dataset": entry["label"],
            "first_day": entry["first_day"],
            "last_day": entry["last_day"],
            "rows": entry["rows"],
        }
        for entry in document["datasets"]
    ]
    if args.json:
        emit_json(document)
    elif args.csv:
        emit_csv(rows)
    else:
        print(f"data range ({document['warehouse_backend']} warehouse, UK days):")
        for entry in document["datasets"]:
            print(f"  {entry['label']:<32} {entry['range']}")
    return 0


def parse_params(pairs: list[str]) -> dict[str, Any]:
    """``k=v`` strings → parameters: ISO dates become dates, integers ints, numbers floats.

    Raises:
        ValidationError: A pair without ``=``.
    """
    params: dict[str, Any] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise ValidationError(f"--param: expected K=V, got {pair!r}", field="param")
        params[key.strip()] = _typed(value)
    return params


def _typed(value: str) -> Any:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        pass
    try:
        return int(value)
    except ValueError:
        pass
    try:
        return float(value)
    except ValueError:
        return value


def frame_records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as JSON-ready dicts: timestamps ISO 8601 UTC with Z, dates YYYY-MM-DD, NaN null."""
    out = frame.copy()
    for column in out.columns:
        series = out[column]
        if isinstance(series.dtype, pd.DatetimeTZDtype):
            out[column] = series.dt.strftime("%Y-%m-%dT%H:%M:%SZ")
        elif pd.api.types.is_datetime64_dtype(series.dtype):
            out[column] = series.dt.strftime("%Y-%m-%d")
    records: list[dict[str, Any]] = json.loads(out.to_json(orient="records", date_format="iso"))
    return records


def handle_query(args: argparse.Namespace, settings: Settings) -> int:
    """Run a named query, or list the queries when no name is given."""
    if not args.name:
        listing = [
            {"name": name, "parameters": list(named_query(name).parameters)}
            for name in query_names()
        ]
        if args.json:
            emit_json(listing)
        else:
            for item in listing:
                print(f"{item['name']:<24} {', '.join(item['parameters'])}")
        return 0
    params = parse_params(args.param)
    # Read-only: a missing DuckDB file says "run gbess warehouse seed" instead of being
    # created empty and answering [] as if there were no data.
    with open_warehouse(settings, backend=args.warehouse, read_only=True) as warehouse:
        frame = warehouse.query(args.name, **params)
    if args.json:
        emit_json(frame_records(frame))
    elif args.csv:
        emit_csv(frame_records(frame), list(frame.columns))
    else:
        print(frame.to_string(index=False))
    return 0


def handle_ddl(args: argparse.Namespace, settings: Settings) -> int:
    """Print every table's CREATE statement in the chosen dialect."""
    for spec in TABLES.values():
        text = duckdb_ddl(spec) if args.dialect == "duckdb" else bigquery_ddl(spec, args.dataset)
        print(text + ";\n")
    return 0
