"""Every named query in jobs/warehouse/sql, run on DuckDB over the small fixture.

Expected values are worked by hand from the fixture formulas in conftest.py.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from jobs.warehouse.dialect import query_names
from jobs.warehouse.duckdb_backend import DuckDBWarehouse

SPRING = dt.date(2024, 3, 31)
NEXT = dt.date(2024, 4, 1)
TESTED = {
    "bm_units",
    "daily_price_stats",
    "data_freshness",
    "demand_forecast_day_ahead",
    "dynamic_response",
    "fleet_by_gsp_group",
    "fleet_by_lead_party",
    "fr_block_averages",
    "fr_monthly_averages",
    "market_index",
    "price_regime_counts",
    "quick_reserve",
    "system_prices",
}


def test_every_query_has_a_test_here() -> None:
    assert set(query_names()) == TESTED


def test_demand_forecast_day_ahead_every_vintage_in_issue_order(
    empty_warehouse: DuckDBWarehouse,
) -> None:
    # Two vintages of one cardinal point for 2024-01-10, loaded latest first.
    empty_warehouse.load(
        "demand_forecast_day_ahead",
        pd.DataFrame(
            {
                "target_date": [dt.date(2024, 1, 10)] * 2 + [dt.date(2024, 1, 11)],
                "forecast_timestamp": pd.to_datetime(
                    ["2024-01-09T11:46:40Z", "2024-01-09T08:45:20Z", "2024-01-10T08:45:00Z"]
                ),
                "cardinal_point": ["DP", "DP", "DP"],
                "cp_start_hhmm": [1700, 1700, 1700],
                "cp_end_hhmm": [1800, 1800, 1800],
                "forecast_demand_mw": [44_373.0, 44_420.0, 40_000.0],
            }
        ),
    )
    frame = empty_warehouse.query(
        "demand_forecast_day_ahead", from_date=dt.date(2024, 1, 10), to_date=dt.date(2024, 1, 10)
    )
    assert frame["forecast_demand_mw"].tolist() == [44_420.0, 44_373.0]
    assert frame["forecast_timestamp"].iloc[0] == pd.Timestamp("2024-01-09T08:45:20Z")


def test_system_prices_one_clock_change_day(small_warehouse: DuckDBWarehouse) -> None:
    frame = small_warehouse.query("system_prices", from_date=SPRING, to_date=SPRING)
    # 2024-03-31 has 46 periods; SP 1 starts at local midnight = 00:00 UTC (GMT),
    # SP 3 at 02:00 BST = 01:00 UTC.
    assert len(frame) == 46
    assert str(frame["interval_start"].dtype) == "datetime64[ns, UTC]"
    assert frame["interval_start"].iloc[2] == pd.Timestamp("2024-03-31T01:00Z")
    assert frame["system_sell_price_gbp_per_mwh"].iloc[0] == -90.0  # 10*1 - 100
    assert frame["settlement_period"].tolist() == list(range(1, 47))


def test_system_prices_range_is_inclusive(small_warehouse: DuckDBWarehouse) -> None:
    frame = small_warehouse.query("system_prices", from_date=SPRING, to_date=NEXT)
    assert len(frame) == 46 + 48
    assert frame["interval_start"].is_monotonic_increasing


def test_market_index_no_trade_price_is_null(small_warehouse: DuckDBWarehouse) -> None:
    frame = small_warehouse.query("market_index", from_date=SPRING, to_date=SPRING)
    apx = frame[frame["data_provider"] == "APXMIDP"]
    assert len(apx) == 46
    assert pd.isna(apx["market_index_price_gbp_per_mwh"].iloc[0])  # SP 1 volume 0
    assert apx["market_index_price_gbp_per_mwh"].iloc[1] == 2.0  # SP 2 price = 2
    assert (
        frame.loc[frame["data_provider"] == "N2EXMIDP", "market_index_price_gbp_per_mwh"]
        .isna()
        .all()
    )


def test_daily_price_stats(small_warehouse: DuckDBWarehouse) -> None:
    frame = small_warehouse.query("daily_price_stats", from_date=SPRING, to_date=NEXT)
    day = frame.iloc[0]
    assert day["settlement_date"] == pd.Timestamp("2024-03-31")
    assert day["periods"] == 46
    assert day["system_price_min_gbp_per_mwh"] == -90.0  # SP 1
    assert day["system_price_max_gbp_per_mwh"] == 360.0  # SP 46: 460 - 100
    assert day["system_price_mean_gbp_per_mwh"] == pytest.approx(135.0)  # (-90 + 360) / 2
    assert day["negative_price_periods"] == 9  # 10*SP - 100 < 0 for SP 1..9
    # APX traded SP 2..46 at price = SP: min 2, max 46, mean 24; SP 1 (no trade) excluded.
    assert day["market_index_min_gbp_per_mwh"] == 2.0
    assert day["market_index_max_gbp_per_mwh"] == 46.0
    assert day["market_index_mean_gbp_per_mwh"] == pytest.approx(24.0)
    assert day["market_index_traded_periods"] == 45
    second = frame.iloc[1]
    assert second["periods"] == 48
    assert second["system_price_mean_gbp_per_mwh"] == 50.0
    assert pd.isna(second["market_index_mean_gbp_per_mwh"])  # no index rows that day
    assert second["market_index_traded_periods"] == 0
    assert frame["negative_price_periods"].dtype == "int64"


def test_price_regime_counts(small_warehouse: DuckDBWarehouse) -> None:
    frame = small_warehouse.query("price_regime_counts", from_date=SPRING, to_date=NEXT)
    assert frame["regime"].tolist() == ["below £20", "£20–80", "£80–150", "above £150"]
    # System, 2024-03-31 (10*SP - 100): < 20 for SP 1..11 (11); 20..79 for SP 12..17 (6);
    # 80..150 for SP 18..25 (8, 150 included); > 150 for SP 26..46 (21).
    # 2024-04-01: 48 periods at 50 -> £20-80.
    assert frame["system_price_periods"].tolist() == [11, 6 + 48, 8, 21]
    # Index (traded SP 2..46, price = SP): SP 2..19 below 20 (18), SP 20..46 (27).
    assert frame["market_index_periods"].tolist() == [18, 27, 0, 0]
    assert frame["system_price_periods"].dtype == "int64"


def test_dynamic_response(small_warehouse: DuckDBWarehouse) -> None:
    frame = small_warehouse.query("dynamic_response", from_date=SPRING, to_date=SPRING)
    assert len(frame) == 12
    first = frame.iloc[0]
    # EFA day 2024-03-31 starts 23:00 GMT on 30 March; block 1 ends 03:00 BST = 02:00 UTC.
    assert first["delivery_start"] == pd.Timestamp("2024-03-30T23:00Z")
    assert first["delivery_end"] == pd.Timestamp("2024-03-31T02:00Z")
    assert first["duration_h"] == 3.0
    assert frame["efa_date"].dtype == "datetime64[ns]"


def test_fr_monthly_averages_weights_by_hours(small_warehouse: DuckDBWarehouse) -> None:
    frame = small_warehouse.query("fr_monthly_averages", from_date=SPRING, to_date=NEXT)
    dcl = frame[frame["service"] == "DCL"].set_index("month")
    # March (2024-03-31 only): (1*3 h + (2+3+4+5+6)*4 h) / 23 h = 83 / 23.
    assert dcl.loc[pd.Timestamp("2024-03-01"), "mean_clearing_price_gbp_per_mw_per_h"] == (
        pytest.approx(83 / 23)
    )
    # April: (1+...+6)*4 / 24 = 3.5.
    assert dcl.loc[pd.Timestamp("2024-04-01"), "mean_clearing_price_gbp_per_mw_per_h"] == 3.5
    assert dcl["blocks"].tolist() == [6, 6]
    drh = frame[frame["service"] == "DRH"]
    assert drh["min_clearing_price_gbp_per_mw_per_h"].tolist() == [-6.0, -6.0]
    assert frame["month"].dtype == "datetime64[ns]"


def test_fr_block_averages(small_warehouse: DuckDBWarehouse) -> None:
    frame = small_warehouse.query("fr_block_averages", from_date=SPRING, to_date=NEXT)
    assert len(frame) == 12  # 6 blocks x 2 services
    dcl = frame[frame["service"] == "DCL"]
    assert dcl["mean_clearing_price_gbp_per_mw_per_h"].tolist() == [1, 2, 3, 4, 5, 6]
    assert dcl["blocks"].tolist() == [2] * 6


def test_quick_reserve(small_warehouse: DuckDBWarehouse) -> None:
    frame = small_warehouse.query(
        "quick_reserve", from_date=dt.date(2024, 12, 4), to_date=dt.date(2024, 12, 4)
    )
    assert frame["service"].tolist() == ["NQR", "PQR", "PQR"]
    assert frame["settlement_period"].tolist() == [1, 1, 2]
    none = small_warehouse.query(
        "quick_reserve", from_date=dt.date(2024, 12, 3), to_date=dt.date(2024, 12, 3)
    )
    assert none.empty


def test_bm_units(small_warehouse: DuckDBWarehouse) -> None:
    frame = small_warehouse.query("bm_units")
    assert frame["elexon_bm_unit"].tolist() == ["E_B-1", "T_C-1", "V__A001"]
    assert frame["fpn_flag"].tolist() == [True, False, True]


def test_fleet_by_lead_party(small_warehouse: DuckDBWarehouse) -> None:
    frame = small_warehouse.query("fleet_by_lead_party")
    assert frame["lead_party_id"].tolist() == ["X", "Y"]  # 30 MW before 5 MW
    x = frame.iloc[0]
    assert (x["units"], x["virtual_units"], x["direct_units"]) == (2, 1, 1)
    assert x["generation_capacity_mw"] == 30.0  # 10 + 20
    assert x["import_capacity_mw"] == 32.0  # -(-12 - 20)


def test_fleet_by_gsp_group_nulls_first(small_warehouse: DuckDBWarehouse) -> None:
    frame = small_warehouse.query("fleet_by_gsp_group")
    # BigQuery orders NULL first in ascending order; the DuckDB translation must agree.
    assert frame["gsp_group_id"].iloc[0] is None
    assert frame["units"].tolist() == [1, 2]
    assert frame["generation_capacity_mw"].tolist() == [10.0, 25.0]


def test_data_freshness(small_warehouse: DuckDBWarehouse) -> None:
    frame = small_warehouse.query("data_freshness").set_index("dataset")
    # Last SP of 2024-04-01 (BST) starts 23:30 BST = 22:30 UTC.
    assert frame.loc["system_prices", "last_interval_start"] == pd.Timestamp("2024-04-01T22:30Z")
    # Last EFA block of 2024-04-01 starts 19:00 BST = 18:00 UTC.
    assert frame.loc["dynamic_response_results", "last_interval_start"] == pd.Timestamp(
        "2024-04-01T18:00Z"
    )
