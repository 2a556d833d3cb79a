"""The ``Frequency response`` tab: DC/DM/DR clearing prices by EFA block and service.

Prices are NESO's EAC clearing prices in £/MW/h of availability per EFA block (NESO
Dynamic Response service terms); negative clearing prices are real and shown as such.
"Last 30 days" counts back from the newest EFA date in the warehouse; monthly means are
the warehouse's hour-weighted ``fr_monthly_averages`` over the last 12 months.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd

from engine.settlement import efa_date_block
from jobs.sheets.plan import Chart, Table, TabPlan, heat_map

TAB = "Frequency response"
SERVICES = ("DCL", "DCH", "DML", "DMH", "DRL", "DRH")
PRICE = "clearing_price_gbp_per_mw_per_h"
MEAN_PRICE = "mean_clearing_price_gbp_per_mw_per_h"


def service_column(service: str) -> str:
    """Registered column of one service's price ("DCL" → ``dcl_gbp_per_mw_per_h``)."""
    return f"{service.lower()}_gbp_per_mw_per_h"


def _pivot(frame: pd.DataFrame, keys: list[str], values: str) -> pd.DataFrame:
    table = frame.pivot_table(index=keys, columns="service", values=values, aggfunc="mean")
    table = table.reindex(columns=list(SERVICES))
    table.columns = [service_column(s) for s in SERVICES]
    return table.reset_index()


def build_frequency_tab(
    blocks: pd.DataFrame, by_block: pd.DataFrame, monthly: pd.DataFrame, last_start: pd.Timestamp
) -> TabPlan:
    """The Frequency response tab from the warehouse's query results.

    Args:
        blocks: ``dynamic_response`` rows of the last 30 EFA days.
        by_block: ``fr_block_averages`` over the same days.
        monthly: ``fr_monthly_averages`` over the last 12 months (``month`` a date).
        last_start: Newest delivery start (UTC), the "data as of" stamp.

    Returns:
        Tables ``blocks`` (heat map per EFA date and block), ``by_block``, ``monthly``.
    """
    cols = [service_column(s) for s in SERVICES]
    heat = _pivot(blocks, ["efa_date", "efa_block"], PRICE)
    heat["efa_date"] = [d.date() for d in heat["efa_date"]]
    means = _pivot(by_block, ["efa_block"], MEAN_PRICE)
    months = _pivot(
        monthly.assign(month=monthly["month"].dt.strftime("%Y-%m")), ["month"], MEAN_PRICE
    )
    chart = Chart("Monthly mean clearing price [£/MW/h]", "line", "monthly", "month", tuple(cols))
    # Which EFA days "last 30 days" are: the data's last days, not the calendar's.
    span = f"{heat['efa_date'].min()} … {heat['efa_date'].max()}" if len(heat) else "none held"
    return TabPlan(
        TAB,
        last_start.tz_convert("UTC").tz_localize(None).to_pydatetime(),
        (
            Table(
                "blocks", f"Clearing prices, EFA days {span} [£/MW/h]", heat, heat_map(heat, cols)
            ),
            Table("by_block", f"Mean by EFA block, {span}", means, heat_map(means, cols)),
            Table("monthly", "Monthly mean (hour-weighted)", months, heat_map(months, cols)),
        ),
        (chart,),
        (
            "availability £/MW/h of each EFA block; negative prices cost the provider",
            "DC/DM/DR = Dynamic Containment / Moderation / Regulation; L (low) answers low "
            "frequency by exporting, H (high) answers high frequency by importing",
        ),
    )


def frequency_job(warehouse: Any, freshness: dict[str, pd.Timestamp]) -> TabPlan:
    """Query the warehouse and build the Frequency response tab."""
    last = freshness.get("dynamic_response_results")
    if last is None or pd.isna(last):
        return TabPlan(TAB, None, (), notes=("no dynamic response results in the warehouse",))
    last_day = pd.Timestamp(efa_date_block(pd.DatetimeIndex([last]))["efa_date"].iloc[0]).date()
    recent = {"from_date": last_day - dt.timedelta(days=29), "to_date": last_day}
    year = {"from_date": (last_day - dt.timedelta(days=365)).replace(day=1), "to_date": last_day}
    blocks = warehouse.query("dynamic_response", **recent)
    blocks = blocks[blocks["service"].isin(SERVICES)]
    by_block = warehouse.query("fr_block_averages", **recent)
    monthly = warehouse.query("fr_monthly_averages", **year)
    return build_frequency_tab(
        blocks,
        by_block[by_block["service"].isin(SERVICES)],
        monthly[monthly["service"].isin(SERVICES)],
        last,
    )
