"""Attribution of a revenue-stack schedule: cash by stream, month and EFA block, settled on actuals.

Streams (each in £, summing exactly to the net):

* ``energy_<market>``: sales minus purchases in that energy market (a battery that buys in
  APX and sells at the imbalance price shows a negative APX stream and a positive system
  stream);
* one stream per service: actual clearing price x MW held x hours of the block in the period
  (negative clearing prices cost money);
* ``duos_import`` / ``duos_generation_credit``: DUoS unit charges on charging and generation
  credits on exporting, by band (when a site is given; :mod:`engine.revenue.network`);
* ``capacity_market``: de-rated MW x £/kW/year pro rata by day (if requested);
* ``degradation``: minus the degradation cost per MWh discharged;
* ``auxiliary``: minus the auxiliary load bought at the cheapest available price.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from engine.battery import BatterySpec
from engine.revenue.layout import Layout
from engine.revenue.markets import CapacityMarketTerm
from engine.revenue.model import IntArray
from engine.revenue.search import Schedule
from engine.settlement import UK_TZ, efa_date_block, month_labels, settlement_date_period


@dataclass(frozen=True)
class RevenueResult:
    """A checked revenue stack.

    Attributes:
        mode: ``perfect_foresight`` (an upper bound) or ``day_ahead``.
        net_revenue_gbp: Sum of all streams [£].
        gbp_per_mw_per_year: Net per MW of discharge power, annualised by days / 365 [£/MW/yr].
        streams: Stream name -> £ (see module docstring).
        costs: ``charging_cost_gbp``, ``degradation_cost_gbp``, ``auxiliary_cost_gbp`` [£].
        by_month: One row per UK calendar month: every stream and ``net_gbp`` [£].
        by_efa_block: One row per EFA block number 1-6: every stream and ``net_gbp`` [£].
        equivalent_cycles: Discharged grid energy / usable capacity [cycles].
        hours_in_service: Service -> hours with MW held [h].
        mean_service_mw: Service -> time-weighted mean MW held [MW].
        schedule: Per interval: charge_mw, discharge_mw, soc_mwh, low/high MW held, cash [£].
        upper_bound_gbp: LP-relaxation bound (perfect foresight) [£], else None.
        assumptions: Every simplification and choice, as sentences.
    """

    mode: str
    net_revenue_gbp: float
    gbp_per_mw_per_year: float
    streams: dict[str, float]
    costs: dict[str, float]
    by_month: pd.DataFrame
    by_efa_block: pd.DataFrame
    equivalent_cycles: float
    hours_in_service: dict[str, float]
    mean_service_mw: dict[str, float]
    schedule: pd.DataFrame
    upper_bound_gbp: float | None
    assumptions: list[str] = field(default_factory=list)


def attribute(
    lay: Layout,
    battery: BatterySpec,
    schedule: Schedule,
    buy_market: IntArray,
    sell_market: IntArray,
    cm_terms: Sequence[CapacityMarketTerm],
    mode: str,
    upper_bound_gbp: float | None,
    assumptions: Sequence[str],
    market_mwh: np.ndarray | None = None,
) -> RevenueResult:
    """Settle a schedule on actual prices and split the cash into streams.

    Args:
        lay: The period (actual prices).
        battery: The battery.
        schedule: The committed schedule.
        buy_market: Market column each interval's charge is bought in (-1 none).
        sell_market: Market column each interval's discharge is sold in (-1 none).
        cm_terms: Capacity Market terms (empty if not requested).
        mode: Mode label.
        upper_bound_gbp: Upper bound to report, if any [£].
        assumptions: Sentences to report.
        market_mwh: ``(T, M)`` energy sold (+) / bought (−) per market, when a mode splits
            one interval's flow between markets (forecast: position at APX, residual at the
            imbalance price); overrides ``buy_market``/``sell_market`` [MWh].
    """
    h = lay.interval_h
    n = lay.n
    energy = lay.energy
    columns: dict[str, np.ndarray] = {}
    charged = schedule.charge_mw * h
    discharged = schedule.discharge_mw * h
    charging_cost = np.zeros(n)
    for m, market in enumerate(lay.markets):
        price = np.nan_to_num(energy[:, m])
        if market_mwh is None:
            bought = np.where(buy_market == m, charged, 0.0)
            sold = np.where(sell_market == m, discharged, 0.0)
        else:
            bought = np.maximum(-market_mwh[:, m], 0.0)
            sold = np.maximum(market_mwh[:, m], 0.0)
            # A volume settled where the price is missing is missing cash, never £0.
            price = np.where(market_mwh[:, m] != 0, energy[:, m], 0.0)
        charging_cost += bought * price
        columns[f"energy_{market}"] = sold * price - bought * price
    blk = lay.block_of_interval
    actual = np.nan_to_num(lay.service_price)
    for k, service in enumerate(lay.services):
        columns[service.name] = actual[blk, k] * schedule.service_mw[blk, k] * h
    if lay.import_charge is not None:
        columns["duos_import"] = -lay.import_charge * charged
    if lay.export_credit is not None:
        columns["duos_generation_credit"] = lay.export_credit * discharged
    columns["capacity_market"] = _cm_per_interval(lay, cm_terms)
    columns["degradation"] = -battery.degradation_cost_gbp_per_mwh * discharged
    finite = np.isfinite(energy)
    cheapest = np.where(
        finite.any(axis=1), np.where(finite, energy, np.inf).min(axis=1, initial=np.inf), 0.0
    )
    columns["auxiliary"] = -battery.auxiliary_load_mw * h * cheapest
    cash = pd.DataFrame(columns, index=lay.index)
    if not cm_terms:
        cash = cash.drop(columns="capacity_market")
    # Missing cash (a volume settled where the price is missing) stays missing in every sum.
    net = cash.sum(axis=1, skipna=False)
    local = lay.index.tz_convert(UK_TZ)
    month = pd.Index(month_labels(local), name="month")
    by_month = cash.groupby(month).sum().mask(cash.isna().groupby(month).any())
    by_month["net_gbp"] = by_month.sum(axis=1, skipna=False)
    by_month["equivalent_cycles"] = (
        pd.Series(discharged, index=lay.index).groupby(month).sum() / battery.usable_energy_mwh
    )
    efa_block = pd.Index(efa_date_block(lay.index)["efa_block"].to_numpy(), name="efa_block")
    by_block = cash.groupby(efa_block).sum().mask(cash.isna().groupby(efa_block).any())
    by_block["net_gbp"] = by_block.sum(axis=1, skipna=False)
    streams = {name: float(cash[name].sum(skipna=False)) for name in cash.columns}
    total = float(sum(streams.values()))
    days = settlement_date_period(lay.index)["settlement_date"].nunique()
    hours_block = np.bincount(blk, minlength=lay.blocks.shape[0]) * h
    hours_in_service = {
        s.name: float(hours_block[schedule.service_mw[:, k] > 1e-9].sum())
        for k, s in enumerate(lay.services)
    }
    mean_mw = {
        s.name: float((schedule.service_mw[:, k] * hours_block).sum() / (n * h))
        for k, s in enumerate(lay.services)
    }
    low = np.array([s.direction == "low" for s in lay.services], dtype=bool)
    frame = pd.DataFrame(
        {
            "charge_mw": schedule.charge_mw,
            "discharge_mw": schedule.discharge_mw,
            "soc_mwh": schedule.soc_mwh,
            "low_service_mw": schedule.service_mw[blk][:, low].sum(axis=1),
            "high_service_mw": schedule.service_mw[blk][:, ~low].sum(axis=1),
            "cashflow_gbp": net.to_numpy(),
        },
        index=lay.index,
    )
    return RevenueResult(
        mode=mode,
        net_revenue_gbp=total,
        gbp_per_mw_per_year=total / battery.discharge_power_mw / (days / 365.0),
        streams=streams,
        costs={
            "charging_cost_gbp": float(charging_cost.sum()),
            "degradation_cost_gbp": 0.0 - float(cash["degradation"].sum()),
            "auxiliary_cost_gbp": 0.0 - float(cash["auxiliary"].sum()),
        },
        by_month=by_month,
        by_efa_block=by_block,
        equivalent_cycles=float(discharged.sum() / battery.usable_energy_mwh),
        hours_in_service=hours_in_service,
        mean_service_mw=mean_mw,
        schedule=frame,
        upper_bound_gbp=upper_bound_gbp,
        assumptions=list(assumptions),
    )


def _cm_per_interval(lay: Layout, terms: Sequence[CapacityMarketTerm]) -> np.ndarray:
    """Spread each delivery year's payment evenly over its intervals in the period."""
    out = np.zeros(lay.n)
    if not terms:
        return out
    dates = settlement_date_period(lay.index)["settlement_date"]
    starts = dates.dt.year.where(dates.dt.month >= 10, dates.dt.year - 1).to_numpy()
    for term in terms:
        mask = starts == int(term.delivery_year[:4])
        if mask.any():
            out[mask] += term.payment_gbp / mask.sum()
    return out
