"""Shared inputs of the dashboard jobs: warehouse freshness and the BM unit snapshot date.

The jobs query the warehouse (``jobs.warehouse``) through its named queries; this module
holds what several jobs need from it once per refresh.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from engine.reference import reference_data
from jobs.settings import Settings


def freshness(warehouse: Any) -> dict[str, pd.Timestamp]:
    """Last ``interval_start`` (UTC) per market dataset, from ``data_freshness``."""
    frame = warehouse.query("data_freshness")
    return dict(zip(frame["dataset"], frame["last_interval_start"], strict=True))


def bm_unit_snapshot(settings: Settings) -> pd.Timestamp:
    """Date of the Elexon BM unit registry snapshot the warehouse was seeded from (UTC).

    The registry has no date of its own; the shipped file is named
    ``gb_bm_units_battery_snapshot_YYYY-MM-DD.csv`` (see the data's SOURCES.md).
    """
    stem = reference_data(settings.data_dir).path("bm_units_battery").stem
    return pd.Timestamp(stem.rsplit("_", 1)[-1], tz="UTC")
