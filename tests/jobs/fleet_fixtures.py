"""A seeded warehouse holding the shipped Lakeside BOALF and PN, and a hand-made BOD.

The BOD is not real (no BOD for that day was found): one set of pairs for every period, two
real pairs and two price-out pairs at ±£99,999, so cash can be checked by hand.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from engine.settlement import interval_start_from_settlement
from jobs.settings import Settings
from jobs.sources.elexon import read_dataset_csv
from jobs.sources.fields import bm_units_frame
from jobs.warehouse import open_warehouse

DAY = dt.date(2026, 9, 30)
UNIT = "T_LKSDB-1"
# (pair, level MW, offer £/MWh, bid £/MWh): bands −2 [−200, −100] −1 [−100, 0] +1 [0, 100]
# +2 [100, 200].
PAIRS = ((-2, -100.0, -99_999.0, -99_999.0), (-1, -100.0, 60.0, 50.0),
         (1, 100.0, 120.0, 110.0), (2, 100.0, 99_999.0, 99_999.0))  # fmt: skip


def lakeside_bod() -> pd.DataFrame:
    """The hand-made BOD of T_LKSDB-1 for every period of 2026-09-30."""
    starts = interval_start_from_settlement([DAY] * 48, list(range(1, 49)))
    rows = [
        {
            "settlement_date": pd.Timestamp(DAY),
            "settlement_period": period,
            "time_from": start,
            "time_to": start + pd.Timedelta(minutes=30),
            "level_from_mw": level,
            "level_to_mw": level,
            "pair_id": pair,
            "offer_price_gbp_per_mwh": offer,
            "bid_price_gbp_per_mwh": bid,
            "national_grid_bm_unit": "LKSDB-1",
            "elexon_bm_unit": UNIT,
        }
        for period, start in zip(range(1, 49), starts, strict=True)
        for pair, level, offer, bid in PAIRS
    ]
    return pd.DataFrame(rows)


def fleet_warehouse(data_dir: Path, target: Path, *, with_bod: bool = True) -> Settings:
    """A DuckDB file holding the registry snapshot and the Lakeside day (no other seed)."""
    settings = Settings(data_dir=data_dir, var_dir=target.parent, duckdb_path=target)
    extra = data_dir / "extra"
    registry = pd.read_csv(
        data_dir / "market" / "gb_bm_units_battery_snapshot_2025-11-10.csv",
        dtype=str,
        keep_default_na=False,
    )
    frames = {
        "bm_units": bm_units_frame(registry),
        "bid_offer_acceptances": read_dataset_csv(
            extra / "elexon_boalf_T_LKSDB-1_2026-09-30.csv", "BOALF"
        ),
        "physical_notifications": read_dataset_csv(
            extra / "elexon_pn_T_LKSDB-1_2026-09-30.csv", "PN"
        ),
    }
    if with_bod:
        frames["bid_offer_data"] = lakeside_bod()
    stamp = dt.datetime(2026, 10, 1, tzinfo=dt.UTC)
    with open_warehouse(settings) as warehouse:
        for table, frame in frames.items():
            rows = warehouse.load(table, frame)
            warehouse.record_load(table, DAY, DAY, rows, stamp, "test:lakeside")
    return settings


@pytest.fixture
def fleet_settings(data_dir: Path, tmp_path: Path) -> Settings:
    return fleet_warehouse(data_dir, tmp_path / "gbess.duckdb")
