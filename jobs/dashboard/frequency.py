"""The ``Frequency response`` tab: DC/DM/DR clearing prices by EFA block and service.

Prices are NESO's EAC clearing prices in £/MW/h of availability, per EFA block (NESO
Dynamic Response service terms); negative clearing prices are real and shown as such.
"Last 30 days" counts back from the latest EFA date in the data.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from jobs.sheets.plan import Chart, Table, TabPlan, heat_map

TAB = "Frequency response"
SERVICES = ("DCL", "DCH", "DML", "DMH", "DRL", "DRH")
PRICE = "clearing_price_gbp_per_mw_per_h"


def service_column(service: str) -> str:
    """Registered column holding one service's clearing price ("DCL" → ``dcl_gbp_per_mw_per_h``)."""
    return f"{service.lower()}_gbp_per_mw_per_h"


def _pivot(frame: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    table = frame.pivot_table(index=keys, columns="service", values=PRICE, aggfunc="mean")
    table = table.reindex(columns=list(SERVICES))
    table.columns = [service_column(s) for s in SERVICES]
    return table.reset_index()


def build_frequency_tab(results: pd.DataFrame) -> TabPlan:
    """The Frequency response tab.

    Args:
        results: ``efa_date``, ``efa_block``, ``service``, ``delivery_start`` (UTC),
            ``clearing_price_gbp_per_mw_per_h`` [£/MW/h].

    Returns:
        Tables ``blocks`` (last 30 days, one row per EFA date and block, a heat map),
        ``by_block`` (30-day mean per block), ``monthly`` (monthly means, all data).
    """
    frame = results[results["service"].isin(SERVICES)]
    if frame.empty:
        return TabPlan(TAB, None, (), notes=("no dynamic response results in the warehouse",))
    last = frame["efa_date"].max()
    recent = frame[frame["efa_date"] > last - pd.Timedelta(days=30)]
    blocks = _pivot(recent, ["efa_date", "efa_block"])
    blocks["efa_date"] = [d.date() for d in blocks["efa_date"]]
    by_block = _pivot(recent, ["efa_block"])
    monthly = _pivot(frame.assign(month=frame["efa_date"].dt.strftime("%Y-%m")), ["month"])
    cols = [service_column(s) for s in SERVICES]
    as_of = pd.Timestamp(frame["delivery_start"].max()).tz_convert("UTC").tz_localize(None)
    chart = Chart("Monthly mean clearing price [£/MW/h]", "line", "monthly", "month", tuple(cols))
    return TabPlan(
        TAB,
        dt.datetime.fromisoformat(as_of.isoformat()),
        (
            Table(
                "blocks", "Clearing prices, last 30 days [£/MW/h]", blocks, heat_map(blocks, cols)
            ),
            Table("by_block", "30-day mean by EFA block", by_block, heat_map(by_block, cols)),
            Table("monthly", "Monthly mean", monthly, heat_map(monthly, cols)),
        ),
        (chart,),
        ("availability £/MW/h of each EFA block; negative prices cost the provider",),
    )
