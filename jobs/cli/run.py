"""``gbess run``: the main job on the configured (by default embedded) backends."""

from __future__ import annotations

import argparse
from typing import Any

from engine.reference import TABLES, reference_data
from jobs.cli import refresh
from jobs.settings import Settings


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
    return refresh.refresh_all(settings)
