"""Fleet tab over the small warehouse: units A (V, no GSP group, 10 MW / −12 MW),
B (E, _A, 20 / −20), C (T, _A, 5 / −5)."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from jobs.dashboard.fleet import fleet_job
from jobs.settings import Settings
from jobs.sheets.plan import layout
from jobs.warehouse import open_warehouse
from jobs.warehouse.duckdb_backend import DuckDBWarehouse
from tests.jobs.fleet_fixtures import fleet_settings

__all__ = ["fleet_settings"]


def test_vlp_vs_direct_and_groups(small_warehouse: DuckDBWarehouse) -> None:
    plan = fleet_job(small_warehouse, pd.Timestamp("2025-11-10", tz="UTC"))
    assert plan.data_as_of == dt.datetime(2025, 11, 10)
    tables = {t.name: t.frame for t in plan.tables}
    kind = tables["by_kind"].set_index("unit_kind")
    assert kind.loc["VLP (V)", "units"] == 1
    assert kind.loc["VLP (V)", "import_capacity_mw"] == 12.0  # Elexon's −12 shown positive
    assert kind.loc["direct (T)", "generation_capacity_mw"] == 5.0
    gsp = tables["by_gsp"]
    assert gsp["gsp_group_name"].tolist() == ["Eastern", "no GSP group"]  # 25 MW > 10 MW
    assert gsp["units"].tolist() == [2, 1]
    assert tables["by_party"]["lead_party_name"].tolist() == ["X Ltd", "Y Ltd"]


def test_leaderboard_without_bm_data_says_why(small_warehouse: DuckDBWarehouse) -> None:
    plan = fleet_job(small_warehouse, pd.Timestamp("2025-11-10", tz="UTC"))
    tables = {t.name: t.frame for t in plan.tables}
    board = tables["leaderboard"]
    assert board["bm_cashflow_gbp"].isna().all()  # absent, never 0
    assert any("no BOALF loaded" in note for note in plan.notes)
    assert tables["by_route"]["units"].sum() == 3
    layout(plan)  # every shown column is registered


def test_leaderboard_with_the_lakeside_day(fleet_settings: Settings) -> None:
    with open_warehouse(fleet_settings) as warehouse:
        plan = fleet_job(warehouse, pd.Timestamp("2025-11-10", tz="UTC"))
    tables = {t.name: t.frame for t in plan.tables}
    lakeside = tables["leaderboard"].set_index("elexon_bm_unit").loc["T_LKSDB-1"]
    assert lakeside["bm_offer_volume_mwh"] == pytest.approx(148.3667, abs=1e-3)
    assert lakeside["bm_cashflow_gbp"] > 0  # hand BOD: real pairs only, no price-out band
    assert lakeside["route_to_market"] == "site company"
    # Only 30 September is loaded: the figures cover that day, and say so.
    assert "BM figures: settlement dates 2026-09-30 to 2026-09-30" in plan.notes
    layout(plan)
