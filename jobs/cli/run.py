"""``gbess run``: the main job on the configured (by default embedded) backends."""

from __future__ import annotations

import argparse
from collections.abc import Mapping, Sequence
from typing import Any

from engine.reference import TABLES, reference_data
from jobs.cli import refresh
from jobs.coverage import DATASETS, dataset_coverage
from jobs.settings import Settings
from jobs.warehouse import open_warehouse, seed_if_needed

DATASET_NAMES = tuple(dataset.name for dataset in DATASETS)


def register(sub: Any) -> None:
    """Add the ``run`` subcommand."""
    parser = sub.add_parser("run", help="run the main job on the configured backends")
    parser.set_defaults(handler=handle)


def warehouse_lines(
    report: Mapping[str, Any],
    seeded: Sequence[Mapping[str, Any]],
    days: Mapping[str, Mapping[str, Any]] | None = None,
) -> list[str]:
    """What the warehouse holds, in sentences: its data range, then the empty tables.

    Args:
        report: :meth:`Warehouse.status`.
        seeded: What this run loaded.
        days: :func:`jobs.coverage.dataset_coverage` entries by table: their UK days are
            said instead of the UTC date of the first and last interval (an EFA day starts
            at 22:00 or 23:00 UTC the day before).
    """
    held = [entry for entry in report["tables"] if entry.get("first_interval_start")]
    empty = [entry["table"] for entry in report["tables"] if not entry.get("rows")]
    if seeded:
        rows = sum(item["rows"] for item in seeded)
        done = f"seeded {rows:,} rows from {len(seeded)} files"
    else:
        done = "already seeded from the current files"
    lines = [f"Warehouse ({report['backend']}, {report['location']}): {done}."]
    for entry in held:
        gaps = (
            f", {entry['missing_periods']:,} half-hours missing in {entry['gap_count']} gaps"
            if entry.get("gap_count")
            else ""
        )
        uk = (days or {}).get(entry["table"], {})
        first = uk.get("first_day") or entry["first_interval_start"][:10]
        last = uk.get("last_day") or entry["last_interval_start"][:10]
        lines.append(f"  {entry['table']}: {entry['rows']} rows, {first} to {last}{gaps}")
    if empty:
        lines.append(f"  Empty until ingested: {', '.join(empty)} (see docs/data.md).")
    return lines


def handle(args: argparse.Namespace, settings: Settings) -> int:
    """Check the reference data, then run each step of the main job, saying what it did."""
    ref = reference_data(settings.data_dir)
    for name in TABLES:
        ref.table(name)
    print(f"Reference data: {len(TABLES)} tables loaded from {settings.data_dir}.")
    with open_warehouse(settings) as warehouse:
        seeded = seed_if_needed(warehouse, settings)
        days = {name: dataset_coverage(warehouse, name) for name in DATASET_NAMES}
        for line in warehouse_lines(warehouse.status(), seeded, days):
            print(line)
    return refresh.refresh_all(settings)
