"""Market tab over the small warehouse (tests/jobs/warehouse/conftest.py), hand-worked.

Data: 2024-03-31 has 46 periods priced 10 × SP − 100 (SP 1 → −90 … SP 46 → 360 £/MWh);
2024-04-01 has 48 periods at 50 £/MWh. APX on 31 March: price = SP for SP 2..46
(SP 1 is no-trade).
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from jobs.dashboard.market import market_job
from jobs.sheets.plan import TabPlan
from jobs.warehouse.duckdb_backend import DuckDBWarehouse


@pytest.fixture(scope="module")
def plan(small_warehouse: DuckDBWarehouse, freshness: dict[str, pd.Timestamp]) -> TabPlan:
    return market_job(small_warehouse, freshness)


def _table(plan: TabPlan, name: str) -> pd.DataFrame:
    return next(t.frame for t in plan.tables if t.name == name)


def test_stamp_is_the_last_half_hour_of_data(plan: TabPlan) -> None:
    # SP 48 of 2024-04-01 (BST) starts 23:30 local = 22:30 UTC.
    assert plan.data_as_of == dt.datetime(2024, 4, 1, 22, 30)


def test_daily_stats(plan: TabPlan) -> None:
    daily = _table(plan, "daily").set_index("settlement_date")
    spring = daily.loc[dt.date(2024, 3, 31)]
    assert spring["min_system_price_gbp_per_mwh"] == -90.0
    assert spring["max_system_price_gbp_per_mwh"] == 360.0
    assert spring["mean_system_price_gbp_per_mwh"] == pytest.approx(10 * 23.5 - 100)  # 135
    assert spring["negative_price_periods"] == 9  # SP 1..9
    assert spring["mean_market_index_price_gbp_per_mwh"] == pytest.approx(24.0)  # mean of 2..46


def test_window_summary_weights_days_by_periods(plan: TabPlan) -> None:
    week = _table(plan, "summary").iloc[0]
    assert week["window"] == "last 7 days"
    # (135 × 46 + 50 × 48) / 94 = 8610 / 94
    assert week["mean_system_price_gbp_per_mwh"] == pytest.approx(8610 / 94)
    assert week["mean_market_index_price_gbp_per_mwh"] == pytest.approx(24.0)
    assert week["negative_price_periods"] == 9


def test_regimes(plan: TabPlan) -> None:
    regimes = _table(plan, "regimes")
    week = regimes[regimes["window"] == "last 7 days"]
    # below £20: SP 1..11; £20-80: SP 12..17 + 48 periods at 50; £80-150: SP 18..25;
    # above £150: SP 26..46.
    assert week["system_price_periods"].tolist() == [11, 6 + 48, 8, 21]
    assert week["share_frac"].sum() == pytest.approx(1.0)


def test_week_table_feeds_the_chart(plan: TabPlan) -> None:
    week = _table(plan, "week")
    assert len(week) == 46 + 48
    assert week["market_index_price_gbp_per_mwh"].notna().sum() == 45
    assert plan.charts[0].table == "week"


def test_empty_warehouse_is_an_empty_tab_with_a_note(small_warehouse: DuckDBWarehouse) -> None:
    plan = market_job(small_warehouse, {})
    assert plan.data_as_of is None
    assert plan.notes == ("no system prices in the warehouse",)


def test_sample_week_battery_follows_the_price(plan: TabPlan) -> None:
    soc = _table(plan, "week")["soc_mwh"]
    # 1 MW for half an hour: +0.5 × √0.88 MWh stored charging, −0.5 / √0.88 discharging
    assert soc.between(-1e-9, 2.0 + 1e-9).all()
    assert soc.diff().max() == pytest.approx(0.5 * 0.88**0.5)
    assert soc.diff().min() >= -0.5 / 0.88**0.5 - 1e-9
    # It fills up while 31 March is still negative (SP 1..9, −90..−10 £/MWh) and has sold
    # everything by the dearest periods of that day (SP 43..46, 320..360 £/MWh).
    assert soc.iloc[8] == pytest.approx(2.0)
    assert soc.iloc[45] == pytest.approx(0.0, abs=1e-9)
    assert plan.charts[1].y2 == ("soc_mwh",)


def test_last_7_days_says_which_dates(plan: TabPlan) -> None:
    # The data's last day is 2024-04-01, so "last 7 days" is 2024-03-26 … 2024-04-01.
    titles = {t.name: t.title for t in plan.tables}
    assert titles["week"] == "Half-hourly, last 7 days (2024-03-26 … 2024-04-01)"
    assert plan.charts[0].title == "System price and APX index, 2024-03-26 … 2024-04-01 [£/MWh]"
    assert plan.notes[0].startswith(
        "last 7 days = 2024-03-26 … 2024-04-01, last 30 days = 2024-03-03"
    )
