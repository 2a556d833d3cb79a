"""The ``Market`` tab: system price and APX index over the last 7 and 30 days of data.

The sample-week chart overlays the state of charge of a reference battery (1 MW / 2 MWh,
88 % round trip, no other limits) dispatched with perfect foresight against the last 7
days of system price (:func:`engine.dispatch.optimise.optimise_dispatch`) — an illustration of how
a battery follows the price, not a revenue forecast.

"Last" counts back from the newest settlement day in the warehouse, never the clock. The
imbalance price is the single system price (BSC P305: SSP = SBP since Nov 2015). APX
periods with zero volume are no-trade and excluded (the warehouse's named queries
``daily_price_stats``, ``price_regime_counts``, ``system_prices``, ``market_index``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd

from engine.battery import DEFAULT_ROUND_TRIP_EFFICIENCY_FRAC, BatterySpec
from engine.dispatch import optimise_dispatch
from engine.settlement import settlement_date_period
from jobs.sheets.plan import Chart, Table, TabPlan

TAB = "Market"
WINDOWS_DAYS = (7, 30)
APX_PROVIDER = "APXMIDP"
SYS = "system_price_gbp_per_mwh"
APX = "market_index_price_gbp_per_mwh"
SAMPLE_BATTERY = BatterySpec.from_round_trip(1.0, 2.0, DEFAULT_ROUND_TRIP_EFFICIENCY_FRAC)

_DAILY = {
    "settlement_date": "settlement_date",
    "system_price_min_gbp_per_mwh": "min_system_price_gbp_per_mwh",
    "system_price_mean_gbp_per_mwh": "mean_system_price_gbp_per_mwh",
    "system_price_max_gbp_per_mwh": "max_system_price_gbp_per_mwh",
    "market_index_min_gbp_per_mwh": "min_market_index_price_gbp_per_mwh",
    "market_index_mean_gbp_per_mwh": "mean_market_index_price_gbp_per_mwh",
    "market_index_max_gbp_per_mwh": "max_market_index_price_gbp_per_mwh",
    "negative_price_periods": "negative_price_periods",
}


def last_settlement_day(last_interval_start: pd.Timestamp) -> dt.date:
    """The UK settlement day holding a UTC half-hour."""
    cal = settlement_date_period(pd.DatetimeIndex([last_interval_start]))
    return pd.Timestamp(cal["settlement_date"].iloc[0]).date()


def _window_summary(daily: pd.DataFrame, label: str) -> dict[str, Any]:
    # Means of all periods in the window: daily means weighted by their period counts.
    sys_periods = daily["periods"]
    apx_periods = daily["market_index_traded_periods"]
    return {
        "window": label,
        "min_system_price_gbp_per_mwh": daily["system_price_min_gbp_per_mwh"].min(),
        "mean_system_price_gbp_per_mwh": (
            daily["system_price_mean_gbp_per_mwh"] * sys_periods
        ).sum()
        / sys_periods.sum(),
        "max_system_price_gbp_per_mwh": daily["system_price_max_gbp_per_mwh"].max(),
        "min_market_index_price_gbp_per_mwh": daily["market_index_min_gbp_per_mwh"].min(),
        "mean_market_index_price_gbp_per_mwh": (
            daily["market_index_mean_gbp_per_mwh"].fillna(0.0) * apx_periods
        ).sum()
        / apx_periods.sum()
        if apx_periods.sum()
        else None,
        "max_market_index_price_gbp_per_mwh": daily["market_index_max_gbp_per_mwh"].max(),
        "negative_price_periods": int(daily["negative_price_periods"].sum()),
    }


def build_market_tab(
    daily: pd.DataFrame,
    regimes: dict[int, pd.DataFrame],
    week: pd.DataFrame,
    last_interval_start: pd.Timestamp,
) -> TabPlan:
    """The Market tab from the warehouse's query results.

    Args:
        daily: ``daily_price_stats`` over the last 30 days.
        regimes: ``price_regime_counts`` per window length [days].
        week: Last 7 days half-hourly: ``interval_start``, ``system_price_gbp_per_mwh``,
            ``market_index_price_gbp_per_mwh`` [£/MWh], ``soc_mwh`` of the sample battery
            at each interval's end [MWh].
        last_interval_start: Newest system price half-hour (UTC), the "data as of" stamp.

    Returns:
        Tables ``summary``, ``regimes``, ``daily`` and ``week`` (charted).
    """
    last_day = pd.Timestamp(last_settlement_day(last_interval_start))
    summary = pd.DataFrame(
        [
            _window_summary(
                daily[daily["settlement_date"] > last_day - pd.Timedelta(days=days)],
                f"last {days} days",
            )
            for days in WINDOWS_DAYS
        ]
    )
    regime_rows = []
    for days, counts in regimes.items():
        total_sys = counts["system_price_periods"].sum()
        for row in counts.itertuples():
            regime_rows.append(
                {
                    "window": f"last {days} days",
                    "price_regime": row.regime,
                    "system_price_periods": row.system_price_periods,
                    "share_frac": row.system_price_periods / total_sys if total_sys else None,
                    "market_index_periods": row.market_index_periods,
                }
            )
    # Which days "last N days" are: the data's last days, not the calendar's.
    dates = {days: f"{(last_day - pd.Timedelta(days=days - 1)).date()} … {last_day.date()}"
             for days in (7, 30)}  # fmt: skip
    table = daily[list(_DAILY)].rename(columns=_DAILY)
    table["settlement_date"] = [d.date() for d in table["settlement_date"]]
    charts = (
        Chart(
            f"System price and APX index, {dates[7]} [£/MWh]",
            "line",
            "week",
            "interval_start",
            (SYS, APX),
        ),
        Chart(
            "Sample week: 1 MW / 2 MWh battery state of charge vs system price",
            "line",
            "week",
            "interval_start",
            (SYS,),
            ("soc_mwh",),
        ),
    )
    stamp = last_interval_start.tz_convert("UTC").tz_localize(None).to_pydatetime()
    return TabPlan(
        TAB,
        stamp,
        (
            Table("summary", "Summary", summary),
            Table("regimes", "Price regimes", pd.DataFrame(regime_rows)),
            Table("daily", f"Daily, last 30 days ({dates[30]})", table.reset_index(drop=True)),
            Table("week", f"Half-hourly, last 7 days ({dates[7]})", week.reset_index(drop=True)),
        ),
        charts,
        (
            f"last 7 days = {dates[7]}, last 30 days = {dates[30]} (UK days, the latest held)",
            "system price = single imbalance price (SSP = SBP, BSC P305)",
            "APX periods with zero volume are no-trade and left out",
            "sample week: 1 MW / 2 MWh, 88 % round trip, perfect foresight on the system price",
        ),
    )


def market_job(warehouse: Any, freshness: dict[str, pd.Timestamp]) -> TabPlan:
    """Query the warehouse and build the Market tab.

    Args:
        warehouse: An open :class:`jobs.warehouse.Warehouse`.
        freshness: Last ``interval_start`` per dataset (``data_freshness``).
    """
    last = freshness.get("system_prices")
    if last is None or pd.isna(last):
        return TabPlan(TAB, None, (), notes=("no system prices in the warehouse",))
    last_day = last_settlement_day(last)

    def since(days: int) -> dict[str, dt.date]:
        return {"from_date": last_day - dt.timedelta(days=days - 1), "to_date": last_day}

    daily = warehouse.query("daily_price_stats", **since(30))
    regimes = {days: warehouse.query("price_regime_counts", **since(days)) for days in WINDOWS_DAYS}
    prices = warehouse.query("system_prices", **since(7))
    index = warehouse.query("market_index", **since(7))
    index = index[index["data_provider"] == APX_PROVIDER]
    week = pd.DataFrame(
        {"interval_start": prices["interval_start"], SYS: prices["system_sell_price_gbp_per_mwh"]}
    ).merge(index[["interval_start", APX]], on="interval_start", how="left")
    prices = pd.Series(week[SYS].to_numpy(), index=pd.DatetimeIndex(week["interval_start"]))
    week["soc_mwh"] = optimise_dispatch(prices, SAMPLE_BATTERY).schedule["soc_mwh"].to_numpy()
    return build_market_tab(daily, regimes, week, last)
