"""A small, hand-checkable DuckDB warehouse shared by the warehouse tests.

Fixture data (every figure in the tests is worked from these formulas):

* system_prices: 2024-03-31 (46 periods, spring clock change), price = 10 * SP - 100
  (SP 1 -> -90 ... SP 46 -> 360 £/MWh); 2024-04-01 (48 periods), price = 50 flat.
  NIV = SP MWh.
* market_index: APXMIDP on 2024-03-31 with price = SP £/MWh and volume 100 MWh, except
  SP 1 with volume 0 and price 0 (no trade); N2EXMIDP volume 0 / price 0 throughout.
* dynamic_response_results: EFA days 2024-03-31 (block 1 is 3 h) and 2024-04-01, DCL
  price = block number, DRH price = -block number, volume 100 MW.
* quick_reserve_results: PQR and NQR for 2024-12-04 00:00 and 00:30 UTC.
* bm_units: A (party X, virtual, no GSP group, 10 MW gen / -12 MW demand),
  B (party X, E, _A, 20 / -20), C (party Y, T, _A, 5 / -5).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from engine.settlement import efa_block_bounds, half_hourly_index, settlement_date_period
from jobs.warehouse.duckdb_backend import DuckDBWarehouse


def system_prices_frame() -> pd.DataFrame:
    index = half_hourly_index("2024-03-31", "2024-04-01")
    calendar = settlement_date_period(index)
    period = calendar["settlement_period"].to_numpy()
    spring = (calendar["settlement_date"] == pd.Timestamp("2024-03-31")).to_numpy()
    price = np.where(spring, 10.0 * period - 100.0, 50.0)
    return pd.DataFrame(
        {
            "interval_start": index,
            "settlement_date": calendar["settlement_date"].to_numpy(),
            "settlement_period": period,
            "system_sell_price_gbp_per_mwh": price,
            "system_buy_price_gbp_per_mwh": price,
            "net_imbalance_volume_mwh": period.astype(float),
        }
    )


def market_index_frame() -> pd.DataFrame:
    index = half_hourly_index("2024-03-31", "2024-03-31")
    calendar = settlement_date_period(index)
    period = calendar["settlement_period"].to_numpy()
    apx = pd.DataFrame(
        {
            "interval_start": index,
            "settlement_date": calendar["settlement_date"].to_numpy(),
            "settlement_period": period,
            "data_provider": "APXMIDP",
            "market_index_price_gbp_per_mwh": np.where(period == 1, 0.0, period.astype(float)),
            "market_index_volume_mwh": np.where(period == 1, 0.0, 100.0),
        }
    )
    n2ex = apx.assign(
        data_provider="N2EXMIDP", market_index_price_gbp_per_mwh=0.0, market_index_volume_mwh=0.0
    )
    return pd.concat([apx, n2ex], ignore_index=True)


def dynamic_response_frame() -> pd.DataFrame:
    dates = np.repeat(pd.to_datetime(["2024-03-31", "2024-04-01"]), 12)
    block = np.tile(np.repeat(np.arange(1, 7), 2), 2)
    service = np.tile(["DCL", "DRH"], 12)
    start, end = efa_block_bounds(dates, block)
    return pd.DataFrame(
        {
            "efa_date": dates,
            "efa_block": block,
            "service": service,
            "delivery_start": start,
            "delivery_end": end,
            "duration_h": (end - start) / pd.Timedelta(hours=1),
            "cleared_volume_mw": 100.0,
            "clearing_price_gbp_per_mw_per_h": np.where(service == "DCL", block, -block),
            "auction_id": "1",
        }
    )


def quick_reserve_frame() -> pd.DataFrame:
    start = pd.to_datetime(["2024-12-04T00:00Z", "2024-12-04T00:00Z", "2024-12-04T00:30Z"])
    calendar = settlement_date_period(start)
    return pd.DataFrame(
        {
            "service": ["PQR", "NQR", "PQR"],
            "delivery_start": start,
            "delivery_end": start + pd.Timedelta(minutes=30),
            "settlement_date": calendar["settlement_date"].to_numpy(),
            "settlement_period": calendar["settlement_period"].to_numpy(),
            "cleared_volume_mw": [100.0, 200.0, 150.0],
            "clearing_price_gbp_per_mw_per_h": [7.5, 7.18, 8.0],
            "auction_id": "828",
        }
    )


def bm_units_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "national_grid_bm_unit": ["A-1", "B-1", "C-1"],
            "elexon_bm_unit": ["V__A001", "E_B-1", "T_C-1"],
            "lead_party_name": ["X Ltd", "X Ltd", "Y Ltd"],
            "lead_party_id": ["X", "X", "Y"],
            "bm_unit_type": ["V", "E", "T"],
            "fpn_flag": [True, True, False],
            "demand_capacity_mw": [-12.0, -20.0, -5.0],
            "generation_capacity_mw": [10.0, 20.0, 5.0],
            "gsp_group_id": [None, "_A", "_A"],
            "gsp_group_name": [None, "Eastern", "Eastern"],
        }
    )


def fill(warehouse: DuckDBWarehouse) -> None:
    warehouse.load("system_prices", system_prices_frame())
    warehouse.load("market_index", market_index_frame())
    warehouse.load("dynamic_response_results", dynamic_response_frame())
    warehouse.load("quick_reserve_results", quick_reserve_frame())
    warehouse.load("bm_units", bm_units_frame())


@pytest.fixture
def empty_warehouse(tmp_path: Path) -> Iterator[DuckDBWarehouse]:
    warehouse = DuckDBWarehouse(tmp_path / "test.duckdb")
    yield warehouse
    warehouse.close()


@pytest.fixture(scope="module")
def small_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DuckDBWarehouse]:
    warehouse = DuckDBWarehouse(tmp_path_factory.mktemp("wh") / "small.duckdb")
    fill(warehouse)
    yield warehouse
    warehouse.close()
