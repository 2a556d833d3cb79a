"""``gbess run``: the main job on the configured (by default embedded) backends."""

from __future__ import annotations

import argparse
from typing import Any

from engine.reference import TABLES, reference_data
from jobs.cli import refresh
from jobs.cli.warehouse import print_status
from jobs.settings import Settings
from jobs.warehouse import open_warehouse, seed_if_needed


def register(sub: Any) -> None:
    """Add the ``run`` subcommand."""
    parser = sub.add_parser("run", help="run the main job on the configured backends")
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace, settings: Settings) -> int:
    """Check the reference data, then run each step of the main job, printing what it did."""
    ref = reference_data(settings.data_dir)
    for name in TABLES:
        ref.table(name)
    print(f"reference data: {len(TABLES)} tables loaded from {settings.data_dir}")
    with open_warehouse(settings) as warehouse:
        seeded = seed_if_needed(warehouse, settings)
        if seeded:
            rows = sum(item["rows"] for item in seeded)
            print(f"warehouse: seeded {rows} rows from {len(seeded)} files")
        else:
            print("warehouse: already seeded from the current files")
        print_status(warehouse.status())
    return refresh.refresh_all(settings)
