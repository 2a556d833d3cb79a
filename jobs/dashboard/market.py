"""The ``Market`` tab: system price and APX index over the last 7 and 30 days of data.

"Last" is counted back from the latest settlement date in the data, never the clock.
The imbalance price is the single system price (BSC P305: SSP = SBP since Nov 2015). APX
periods with zero volume are no-trade and excluded from the index statistics.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from engine.settlement import settlement_date_period
from jobs.sheets.plan import Chart, Table, TabPlan

TAB = "Market"
WINDOWS_DAYS = (7, 30)
REGIME_EDGES_GBP_PER_MWH = (-np.inf, 20.0, 80.0, 150.0, np.inf)
REGIME_LABELS = ("below £20", "£20 to £80", "£80 to £150", "£150 and above")
SYS = "system_price_gbp_per_mwh"
APX = "market_index_price_gbp_per_mwh"


def _stats(frame: pd.DataFrame, by: str | pd.Series) -> pd.DataFrame:
    grouped = frame.groupby(by, sort=True)
    out = pd.DataFrame(
        {
            "min_system_price_gbp_per_mwh": grouped[SYS].min(),
            "mean_system_price_gbp_per_mwh": grouped[SYS].mean(),
            "max_system_price_gbp_per_mwh": grouped[SYS].max(),
            "min_market_index_price_gbp_per_mwh": grouped[APX].min(),
            "mean_market_index_price_gbp_per_mwh": grouped[APX].mean(),
            "max_market_index_price_gbp_per_mwh": grouped[APX].max(),
            "negative_price_periods": grouped[SYS].apply(lambda s: int((s < 0).sum())),
        }
    )
    return out


def build_market_tab(prices: pd.DataFrame, index: pd.DataFrame) -> TabPlan:
    """The Market tab from half-hourly prices.

    Args:
        prices: ``interval_start`` (UTC), ``system_price_gbp_per_mwh`` [£/MWh].
        index: ``interval_start`` (UTC), ``market_index_price_gbp_per_mwh`` [£/MWh]
            (NaN for no-trade periods).

    Returns:
        Tables ``summary`` (per window), ``regimes`` (periods per price regime and window),
        ``daily`` (last 30 days), ``week`` (last 7 days half-hourly, for the chart).
    """
    if prices.empty:
        return TabPlan(TAB, None, (), notes=("no system prices in the warehouse",))
    frame = prices[["interval_start", SYS]].merge(
        index[["interval_start", APX]], on="interval_start", how="left"
    )
    cal = settlement_date_period(pd.DatetimeIndex(frame["interval_start"]))
    frame["settlement_date"] = cal["settlement_date"].to_numpy()
    last_day = frame["settlement_date"].max()
    windows = {
        days: frame[frame["settlement_date"] > last_day - pd.Timedelta(days=days)]
        for days in WINDOWS_DAYS
    }
    labels = {days: f"last {days} days" for days in WINDOWS_DAYS}
    summary = pd.concat(
        [_stats(w, pd.Series(labels[d], index=w.index)) for d, w in windows.items()]
    )
    summary = summary.rename_axis("window").reset_index()
    regime_rows = []
    for days, window in windows.items():
        regime = pd.cut(window[SYS], REGIME_EDGES_GBP_PER_MWH, right=False, labels=REGIME_LABELS)
        counts = regime.value_counts().reindex(REGIME_LABELS, fill_value=0)
        for label, count in counts.items():
            regime_rows.append(
                {
                    "window": labels[days],
                    "price_regime": str(label),
                    "periods": int(count),
                    "share_frac": count / len(window),
                }
            )
    daily = _stats(windows[30], "settlement_date").rename_axis("settlement_date").reset_index()
    daily["settlement_date"] = [d.date() for d in daily["settlement_date"]]
    week = windows[7][["interval_start", SYS, APX]].reset_index(drop=True)
    last = pd.Timestamp(frame["interval_start"].max()).tz_convert("UTC").tz_localize(None)
    chart = Chart(
        "System price and APX index, last 7 days [£/MWh]",
        "line",
        "week",
        "interval_start",
        (SYS, APX),
    )
    notes = (
        "system price = single imbalance price (SSP = SBP, BSC P305)",
        "APX periods with zero volume are no-trade and left out",
    )
    return TabPlan(
        TAB,
        dt.datetime.fromisoformat(last.isoformat()),
        (
            Table("summary", "Summary", summary),
            Table("regimes", "Price regimes (system price)", pd.DataFrame(regime_rows)),
            Table("daily", "Daily, last 30 days", daily),
            Table("week", "Half-hourly, last 7 days", week),
        ),
        (chart,),
        notes,
    )
