"""Real GB prices for the revenue tests, read from the shipped market files (``../shared``).

The files are read once per process and cut to the span a test asks for (with history
before it); zero-volume APX periods are no-trade (NaN), as the warehouse reader treats them.
"""

from __future__ import annotations

import datetime as dt
import functools
import os
from pathlib import Path

import numpy as np
import pandas as pd

from engine.revenue import DYNAMIC_SERVICES, MarketData
from engine.settlement import UK_TZ

DATA_DIR = Path(os.environ.get("GBESS_DATA_DIR", Path(__file__).parents[4] / "shared" / "data"))
_MARKET = DATA_DIR / "market"


@functools.cache
def _energy() -> pd.DataFrame:
    system = pd.concat(
        pd.read_csv(_MARKET / name, usecols=["start_time_utc", "system_sell_price_gbp_per_mwh"])
        for name in ("gb_system_prices_2019_2025.csv", "gb_system_prices_2025_06_2026_03.csv")
    )
    mids = [
        pd.read_csv(_MARKET / f"gb_market_index_mid_{year}.csv")
        for year in ("2019_2023", "2024", "2025", "2025_06_2026_03")
    ]
    mid = pd.concat(mids)
    mid = mid[mid["data_provider"].str.strip() == "APXMIDP"]
    price = mid["market_index_price_gbp_per_mwh"].where(mid["market_index_volume_mwh"] > 0)
    apx = pd.Series(price.to_numpy(), index=pd.to_datetime(mid["start_time_utc"], utc=True))
    apx = apx[~apx.index.duplicated(keep="last")]
    sys_ = pd.Series(
        system["system_sell_price_gbp_per_mwh"].to_numpy(),
        index=pd.to_datetime(system["start_time_utc"], utc=True),
    )
    sys_ = sys_[~sys_.index.duplicated(keep="last")]
    frame = pd.DataFrame({"system": sys_})
    frame["apx"] = apx.reindex(frame.index)
    return frame[["apx", "system"]].astype(float)


@functools.cache
def _services() -> pd.DataFrame:
    files = ["gb_dynamic_response_efa_2021_2023_legacy.csv"] + [
        f"gb_dynamic_response_efa_{y}.csv" for y in (2024, 2025)
    ]
    raw = pd.concat(
        pd.read_csv(
            _MARKET / f,
            usecols=["efa_date", "efa_block", "service", "clearing_price_gbp_per_mw_per_h"],
        )
        for f in files
    )
    raw = raw.assign(efa_date=pd.to_datetime(raw["efa_date"]))
    table = raw.pivot_table(
        index=["efa_date", "efa_block"],
        columns="service",
        values="clearing_price_gbp_per_mw_per_h",
        aggfunc="first",
    )
    for name in DYNAMIC_SERVICES:
        if name not in table.columns:
            table[name] = np.nan
    return table[list(DYNAMIC_SERVICES)]


def _span(first: dt.date, last: dt.date) -> MarketData:
    start = pd.Timestamp(first).tz_localize(UK_TZ).tz_convert("UTC")
    stop = (pd.Timestamp(last) + pd.Timedelta(days=1)).tz_localize(UK_TZ).tz_convert("UTC")
    index = pd.date_range(start, stop, freq="30min", inclusive="left")
    energy = _energy().reindex(index)
    table = _services()
    days = table.index.get_level_values(0)
    keep = (days >= pd.Timestamp(first) - pd.Timedelta(days=1)) & (
        days <= pd.Timestamp(last) + pd.Timedelta(days=1)
    )
    return MarketData(index, energy, table[keep])


def period(first: dt.date, last: dt.date, history_days: int = 14) -> tuple[MarketData, MarketData]:
    """(the period's prices, the ``history_days`` before it)."""
    return _span(first, last), _span(
        first - dt.timedelta(days=history_days), first - dt.timedelta(days=1)
    )
