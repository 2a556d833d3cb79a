"""Frequency response tab over the small warehouse: DCL price = block, DRH = −block,
on EFA days 2024-03-31 (block 1 is 3 h: spring clock change) and 2024-04-01."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from jobs.dashboard.frequency import frequency_job
from jobs.warehouse.duckdb_backend import DuckDBWarehouse


def test_tables_and_stamp(
    small_warehouse: DuckDBWarehouse, freshness: dict[str, pd.Timestamp]
) -> None:
    plan = frequency_job(small_warehouse, freshness)
    # EFA 2024-04-01 block 6 starts 19:00 BST = 18:00 UTC.
    assert plan.data_as_of == dt.datetime(2024, 4, 1, 18, 0)
    tables = {t.name: t for t in plan.tables}
    blocks = tables["blocks"].frame
    assert len(blocks) == 12
    assert blocks["drh_gbp_per_mw_per_h"].tolist()[:3] == [-1.0, -2.0, -3.0]
    assert blocks["dcl_gbp_per_mw_per_h"].tolist()[:3] == [1.0, 2.0, 3.0]
    monthly = tables["monthly"].frame.set_index("month")
    # March: (1 × 3 h + (2+3+4+5+6) × 4 h) / 23 h = 83/23; April: 21 × 4 / 24 = 3.5
    assert monthly.loc["2024-03", "dcl_gbp_per_mw_per_h"] == pytest.approx(83 / 23)
    assert monthly.loc["2024-04", "dcl_gbp_per_mw_per_h"] == pytest.approx(3.5)
    assert monthly["dch_gbp_per_mw_per_h"].isna().all()
    fills = tables["by_block"].fills
    assert fills is not None
    # max of the table (6) is the deepest red, the minimum (-6) the deepest blue.
    assert fills.loc[5, "dcl_gbp_per_mw_per_h"] == "#ff6464"
    assert fills.loc[5, "drh_gbp_per_mw_per_h"] == "#6464ff"
    assert fills.loc[0, "dch_gbp_per_mw_per_h"] is None


def test_titles_say_which_efa_days(
    small_warehouse: DuckDBWarehouse, freshness: dict[str, pd.Timestamp]
) -> None:
    # "last 30 days" of what is held (here two EFA days), said as dates, not as a window.
    titles = {t.name: t.title for t in frequency_job(small_warehouse, freshness).tables}
    assert titles["blocks"] == "Clearing prices, EFA days 2024-03-31 … 2024-04-01 [£/MW/h]"
    assert titles["by_block"] == "Mean by EFA block, 2024-03-31 … 2024-04-01"
