"""Day-ahead revenue stack: decide each EFA day on forecasts, settle on actual prices.

For each EFA day in order (see :mod:`engine.revenue.search` for the method): the holdings of the
day's six blocks and the day's energy schedule are chosen by the same exact-energy ascent on
a window of the day plus one EFA day of look-ahead, on forecast prices only (services: the
previous EFA day's clearing price of the same block, as known at the day-ahead EAC auction;
energy: same period last week). The day is committed, the SoC carried into the next day and
what each UK day has already discharged is deducted from its cycle cap. Energy is traded in
the market the forecast favoured (cheapest forecast to buy, dearest to sell) and settles at
that market's actual price; holdings earn the actual clearing price.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from engine.battery import BatterySpec
from engine.revenue.layout import Layout, forecast_inputs, trade_markets, window
from engine.revenue.model import IntArray
from engine.revenue.search import Schedule, best_start, check_stack, energy_problem

LOOKAHEAD_DAYS = 1


def optimise_day_ahead(lay: Layout, battery: BatterySpec) -> tuple[Schedule, IntArray, IntArray]:
    """Rolling day-ahead decisions, settled later on actuals by the attribution.

    Args:
        lay: The period laid out (actual prices).
        battery: The battery.

    Returns:
        (committed schedule, market column used to charge per interval, market column used to
        discharge per interval; -1 where none).
    """
    energy_fc, service_fc = forecast_inputs(lay)
    efa_dates = lay.blocks["efa_date"].to_numpy()[lay.block_of_interval]
    day_starts = np.flatnonzero(np.r_[True, efa_dates[1:] != efa_dates[:-1]])
    day_ends = np.r_[day_starts[1:], lay.n]
    n = lay.n
    soc = np.zeros(n)
    charge = np.zeros(n)
    discharge = np.zeros(n)
    holdings = np.zeros_like(lay.service_price)
    full_days = energy_problem(lay, battery, holdings).day_id
    cap = None
    if battery.max_cycles_per_day is not None:
        cap = np.full(
            int(full_days[-1]) + 1, battery.max_cycles_per_day * battery.usable_energy_mwh
        )
    s = battery.initial_soc_mwh
    for i, (first, stop) in enumerate(zip(day_starts, day_ends, strict=True)):
        last = min(i + LOOKAHEAD_DAYS, len(day_starts) - 1)
        end = int(day_ends[last])
        sub = window(lay, int(first), end)
        b0 = int(lay.block_of_interval[first])
        nb = sub.blocks.shape[0]
        prices = service_fc[b0 : b0 + nb]
        final = battery.final_soc_mwh if end == n else None
        spec = dataclasses.replace(battery, initial_soc_mwh=s, final_soc_mwh=final)
        if cap is not None:
            spec = dataclasses.replace(spec, max_cycles_per_day=None)
        plan = _plan(sub, spec, energy_fc[first:end], prices, cap, full_days[first:end], battery)
        keep = int(stop - first)
        soc[first:stop] = plan.soc_mwh[:keep]
        charge[first:stop] = plan.charge_mw[:keep]
        discharge[first:stop] = plan.discharge_mw[:keep]
        day_blocks = int(lay.block_of_interval[stop - 1]) + 1 - b0
        holdings[b0 : b0 + day_blocks] = plan.service_mw[:day_blocks]
        if cap is not None:
            np.subtract.at(cap, full_days[first:stop], discharge[first:stop] * lay.interval_h)
        s = float(soc[stop - 1])
    schedule = Schedule(soc, charge, discharge, holdings, float("nan"))
    check_stack(lay, battery, schedule)
    buy_market, sell_market = trade_markets(energy_fc)
    return schedule, buy_market, sell_market


def _plan(
    sub: Layout,
    spec: BatterySpec,
    energy_fc: np.ndarray,
    service_fc: np.ndarray,
    cap: np.ndarray | None,
    days: np.ndarray,
    battery: BatterySpec,
) -> Schedule:
    """One window's plan on forecasts, from no holdings and from the forecast-best holdings."""
    if cap is not None:
        budget = np.maximum(cap[int(days[0]) : int(days[-1]) + 1], 0.0)
        per_day = budget / battery.usable_energy_mwh
        # The window's daily budgets differ; the tightest one is applied to each of its days.
        spec = dataclasses.replace(spec, max_cycles_per_day=max(float(per_day.min()), 1e-9))
    # Decisions use one forecast price per interval (the mean of the markets' forecasts):
    # a min/max of two noisy forecasts would chase spreads that are not there.
    finite = np.isfinite(energy_fc)
    mean = np.where(finite, energy_fc, 0.0).sum(axis=1) / np.maximum(finite.sum(axis=1), 1)
    reference = np.where(finite, mean[:, None], np.nan)
    return best_start(sub, spec, reference, service_fc)
