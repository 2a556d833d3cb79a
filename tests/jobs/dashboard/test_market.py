"""Market tab: daily stats, regimes and windows counted back from the data, hand-worked."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from jobs.dashboard.market import build_market_tab

# 2024-06-01 UK (BST): settlement periods 1-4 start at 23:00Z and 23:30Z on 31 May, then
# 00:00Z and 00:30Z. A day 40 days earlier must fall outside both windows.
STARTS = pd.to_datetime(
    [
        "2024-04-22T12:00Z",
        "2024-05-31T23:00Z",
        "2024-05-31T23:30Z",
        "2024-06-01T00:00Z",
        "2024-06-01T00:30Z",
    ]
)
PRICES = pd.DataFrame(
    {"interval_start": STARTS, "system_price_gbp_per_mwh": [1000.0, 10.0, -5.0, 100.0, 200.0]}
)
INDEX = pd.DataFrame(
    {"interval_start": STARTS, "market_index_price_gbp_per_mwh": [900.0, 20.0, np.nan, 40.0, 60.0]}
)


@pytest.fixture(scope="module")
def tables() -> dict[str, pd.DataFrame]:
    plan = build_market_tab(PRICES, INDEX)
    assert plan.data_as_of == dt.datetime(2024, 6, 1, 0, 30)
    return {t.name: t.frame for t in plan.tables}


def test_daily_stats_last_30_days(tables: dict[str, pd.DataFrame]) -> None:
    daily = tables["daily"]
    assert daily["settlement_date"].tolist() == [dt.date(2024, 6, 1)]  # 22 April is out
    row = daily.iloc[0]
    assert row["mean_system_price_gbp_per_mwh"] == (10 - 5 + 100 + 200) / 4  # 76.25
    assert row["min_system_price_gbp_per_mwh"] == -5.0
    assert row["max_system_price_gbp_per_mwh"] == 200.0
    assert row["negative_price_periods"] == 1
    assert row["mean_market_index_price_gbp_per_mwh"] == (20 + 40 + 60) / 3  # no-trade left out


def test_price_regimes(tables: dict[str, pd.DataFrame]) -> None:
    regimes = tables["regimes"]
    week = regimes[regimes["window"] == "last 7 days"]
    # 10 and -5 are below £20; 100 is £80-150; 200 is £150 and above.
    assert week["periods"].tolist() == [2, 0, 1, 1]
    assert week["share_frac"].tolist() == [0.5, 0.0, 0.25, 0.25]


def test_week_table_feeds_the_chart(tables: dict[str, pd.DataFrame]) -> None:
    assert len(tables["week"]) == 4
    assert tables["summary"]["window"].tolist() == ["last 7 days", "last 30 days"]


def test_no_prices_is_an_empty_tab_with_a_note() -> None:
    plan = build_market_tab(PRICES.iloc[:0], INDEX.iloc[:0])
    assert plan.data_as_of is None
    assert plan.notes == ("no system prices in the warehouse",)
