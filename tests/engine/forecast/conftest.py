"""Real 2024 prices from the shipped files, shaped as day_ahead_forecasts takes them."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from engine.reference import ReferenceData


@pytest.fixture(scope="session")
def energy_2024(ref: ReferenceData) -> pd.DataFrame:
    """UTC half-hours of 2024: ``system`` (SSP) and ``apx`` (MID APX; no-trade = NaN)."""
    system = ref.table("system_prices_2024")
    index = pd.DatetimeIndex(pd.to_datetime(system["start_time_utc"], utc=True))
    mid = ref.table("market_index_2024")
    apx = mid[mid["data_provider"] == "APXMIDP"]
    price = apx["market_index_price_gbp_per_mwh"].where(apx["market_index_volume_mwh"] > 0)
    apx_price = pd.Series(
        price.to_numpy(), index=pd.DatetimeIndex(pd.to_datetime(apx["start_time_utc"], utc=True))
    )
    return pd.DataFrame(
        {
            "apx": apx_price.reindex(index).to_numpy(),
            "system": system["system_sell_price_gbp_per_mwh"].to_numpy(),
        },
        index=index,
    )


@pytest.fixture(scope="session")
def services_2024(ref: ReferenceData) -> pd.DataFrame:
    """EFA days of 2024 x 6 blocks, one column per service [£/MW/h] (0 MW cleared = NaN)."""
    raw = ref.table("dynamic_response_2024")
    price = raw["clearing_price_gbp_per_mw_per_h"].where(raw["cleared_volume_mw"] > 0)
    wide = raw.assign(price=price).pivot_table(
        index=["efa_date", "efa_block"], columns="service", values="price", dropna=False
    )
    return wide[["DCL", "DCH", "DML", "DMH", "DRL", "DRH"]]


@pytest.fixture(scope="session")
def demand_2024(data_dir: Path) -> pd.DataFrame:
    """NESO day-ahead demand forecast cardinal points for target days of 2023-2024."""
    path = data_dir / "market" / "neso_day_ahead_demand_forecast_cardinal_points_2018_2025.csv"
    frame = pd.read_csv(path, dtype={"forecast_demand_mw": float})
    return frame[frame["target_date"].between("2023-01-01", "2024-12-31")].reset_index(drop=True)
