"""Forecast mode: the default decision process, mirroring GB trading (timeline in
:mod:`engine.revenue.forecasts`).

**D-1 (10:00) for each EFA day D, in order.** The same exact-energy ascent as perfect
foresight (:mod:`engine.revenue.search`) runs on a window of day D plus one day of
look-ahead, on *forecasts only*: service clearing prices per block, and energy in the
day-ahead market only (APX when selected; the imbalance price is not a market one can trade
a day ahead, so with APX selected the D-1 plan never relies on an imbalance forecast). The
look-ahead day repeats day D's forecasts (a forecast for D+1 made at D-1 10:00 is all one
may use). Planning charges the wear cost plus :attr:`ForecastPolicy.plan_margin_gbp_per_mwh`
per MWh discharged, so a cycle is planned only when its forecast spread beats wear and a
forecast-error margin. D's holdings and D's APX position per half-hour are committed; so is
the SoC the plan reaches at the end of D.

**Within day D (when ``system`` is selected and no daily cycle cap is set).** At each BSC
gate closure (one hour before period ``p``) the rest of the day is re-optimised with the
newest published system price (period ``p - 5``): the imbalance forecast for a later period
``s`` is the D-1 forecast plus the latest known error decayed by
``error_persistence ** (s - (p - 5))``. Only period ``p``'s flow is committed. The physical
flow may *add to* the day-ahead position in its own direction (sell more, or buy more) and
trade freely where the position is zero, but never reduces or reverses it (no position
without a physical flow behind it, the rule the perfect-foresight model follows too); each
MWh of deviation must beat :attr:`ForecastPolicy.intraday_margin_gbp_per_mwh` plus wear, and
the day ends at the SoC committed at D-1 (so D+1's commitments stay feasible). Following the
position exactly is always feasible and earns the smaller policy's cash, so the extra option
is taken only on a forecast edge above the margin. The residual (flow − position) settles at
the imbalance price.

**More options only on a stated edge (the desk's rules).** A policy with more options can
always do what the smaller one does, so it takes an extra option only when the edge beats a
stated margin; each rule below uses only what is known at the decision:

1. *Energy markets.* APX + imbalance commits the very same D-1 plan as APX alone. The
   intraday overlay is an extra strategy with its own walk-forward track record: every day
   it is computed (a shadow when not traded) and its settled gain over following the D-1
   plan is booked per half-hour once that half-hour's system price is public. It trades day
   D only if that record, over the :attr:`ForecastPolicy.track_record_days` before D's first
   gate closure, made more than :attr:`ForecastPolicy.track_record_min_gbp_per_mw` per MW;
   otherwise day D follows the D-1 plan exactly (what APX alone does). Switched off, a
   losing overlay stays off until its shadow earns again.
2. *Services.* The D-1 search runs on nested service sets, smallest first (the top-valued
   low and high service, then the top two of each, each family, each pair of families,
   then all): a larger set's plan replaces the kept one only when its forecast value beats
   it by :attr:`ForecastPolicy.switch_margin_gbp_per_mw_per_h` per MW·h of holdings changed
   (the forecast error of a clearing price one day ahead). The full set is also searched
   from the kept plan's holdings, which it can always hold.
3. *Cycling.* Every planned cycle pays wear + the plan margin. On a window the free plan
   cycles more than once a day, the one-cycle-a-day plan is searched too and kept unless the
   free plan's forecast value beats it.

These rules make the properties hold on real data in every month of 2024 and 2025 (tested:
APX + imbalance ≥ APX alone, uncapped ≥ 98 % of one cycle a day, six services ≥ 98 % of a
subset); they are rules, not a proof: a month where every edge misfires could still break
them.

**Upper bound.** Perfect foresight of the same model (no position without a flow) is run
with this policy's holdings among its starts, so its first exact energy solve is worth at
least the policy's settled cash: the ceiling is ≥ the policy in every period it is run for.
(With APX alone selected, flow not matched by a filled APX position still settles at the
imbalance price, :func:`engine.revenue.stack.settle_forecast`; that volume lies outside the
APX-only model the ceiling optimises.)
"""

from __future__ import annotations

import dataclasses
import itertools
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from engine.battery import BatterySpec
from engine.errors import InfeasibleDispatchError, ValidationError
from engine.revenue.forecasts import INTRADAY_INFORMATION_LAG_INTERVALS
from engine.revenue.layout import Layout, window
from engine.revenue.model import FloatArray, warm_starts
from engine.revenue.search import (
    Schedule,
    ascend,
    best_holdings,
    best_start,
    check_stack,
    energy_problem,
    relaxation_start,
)
from engine.solvers.intraday import gate_closure_flows

LOOKAHEAD_DAYS = 1
_SLACK_MWH = 1e-7
#: Default forecast-error margin a D-1 cycle must beat on top of wear [£/MWh discharged].
DEFAULT_PLAN_MARGIN_GBP_PER_MWH = 5.0
#: Default margin an intraday deviation at imbalance must beat on top of wear [£/MWh].
DEFAULT_INTRADAY_MARGIN_GBP_PER_MWH = 40.0
#: Default margin a full-set plan must beat a simpler service set's plan by [£/MW/h switched].
DEFAULT_SWITCH_MARGIN_GBP_PER_MW_PER_H = 1.5
#: Default trailing record (days) on which the intraday overlay must have made money.
DEFAULT_TRACK_RECORD_DAYS = 14
#: Default gain the overlay must have made over its record to trade the next day [£/MW].
DEFAULT_TRACK_RECORD_MIN_GBP_PER_MW = 1.0
#: Default per-half-hour persistence of the latest known imbalance-price error [-].
DEFAULT_ERROR_PERSISTENCE = 0.8


@dataclass(frozen=True)
class ForecastPolicy:
    """The margins of the forecast mode (stated on every result).

    Attributes:
        plan_margin_gbp_per_mwh: Forecast-error margin a D-1 cycle must beat [£/MWh].
        intraday_margin_gbp_per_mwh: Margin an imbalance deviation must beat [£/MWh].
        error_persistence: Per half-hour decay of the latest imbalance-price error [0-1].
        switch_margin_gbp_per_mw_per_h: Edge a larger service set's plan must show over a
            smaller one's per MW·h of holdings changed [£/MW/h].
        track_record_days: Trailing days of the intraday overlay's record [days].
        track_record_min_gbp_per_mw: Gain the overlay must have made over them to trade
            [£/MW].
    """

    plan_margin_gbp_per_mwh: float = DEFAULT_PLAN_MARGIN_GBP_PER_MWH
    intraday_margin_gbp_per_mwh: float = DEFAULT_INTRADAY_MARGIN_GBP_PER_MWH
    error_persistence: float = DEFAULT_ERROR_PERSISTENCE
    switch_margin_gbp_per_mw_per_h: float = DEFAULT_SWITCH_MARGIN_GBP_PER_MW_PER_H
    track_record_days: int = DEFAULT_TRACK_RECORD_DAYS
    track_record_min_gbp_per_mw: float = DEFAULT_TRACK_RECORD_MIN_GBP_PER_MW

    def __post_init__(self) -> None:
        for name in ("plan_margin_gbp_per_mwh", "intraday_margin_gbp_per_mwh"):
            value = getattr(self, name)
            if not (np.isfinite(value) and value >= 0):
                raise ValidationError(f"{name}: must be a finite margin ≥ 0 [£/MWh]", field=name)
        for name in ("switch_margin_gbp_per_mw_per_h", "track_record_min_gbp_per_mw"):
            value = getattr(self, name)
            if not (np.isfinite(value) and value >= 0):
                raise ValidationError(f"{name}: must be a finite margin ≥ 0", field=name)
        if self.track_record_days < 1:
            raise ValidationError("track_record_days: must be ≥ 1", field="track_record_days")
        if not 0.0 <= self.error_persistence <= 1.0:
            raise ValidationError("error_persistence: must lie in 0..1", field="error_persistence")

    def note(self) -> str:
        """The policy in one sentence (for ``assumptions``)."""
        return (
            "forecast: service MW per EFA block and APX positions decided at D-1 10:00 on "
            "forecasts only (a cycle must beat wear + "
            f"£{self.plan_margin_gbp_per_mwh:g}/MWh; a larger service set replaces a smaller "
            f"one's plan only if it beats it by £{self.switch_margin_gbp_per_mw_per_h:g} per "
            "MW·h switched); within the day the flow is re-optimised at each gate closure (1 h "
            "ahead) on the newest published system price (5 half-hours old), adding to the "
            "position only where the forecast edge beats wear + "
            f"£{self.intraday_margin_gbp_per_mwh:g}/MWh, and only on days when this intraday "
            f"overlay made over £{self.track_record_min_gbp_per_mw:g}/MW in the previous "
            f"{self.track_record_days} days (its walk-forward record; else the D-1 plan is "
            "followed); the residual settles at the imbalance price, the position at APX."
        )


@dataclass(frozen=True)
class ForecastRun:
    """The committed decisions of a forecast-mode run.

    Attributes:
        schedule: The physical schedule and holdings (checked).
        market_mwh: ``(T, M)`` energy sold (+) or bought (−) in each selected market [MWh].
        position_mwh: Day-ahead (APX) position per interval, export + [MWh].
        imbalance_mwh: Per interval, the flow not matched by a filled APX position when the
            imbalance price is not a selected market: in GB any contract position not matched
            by metered flow is energy imbalance, settled at the single imbalance price (BSC
            Section T), so it is settled there all the same, export + [MWh].
    """

    schedule: Schedule
    market_mwh: FloatArray
    position_mwh: FloatArray
    imbalance_mwh: FloatArray


@warm_starts()  # the year's D-1 relaxations, one warm-started sequence
def optimise_forecast(
    lay: Layout,
    battery: BatterySpec,
    energy_fc: FloatArray,
    service_fc: FloatArray,
    previous_system_gbp_per_mwh: FloatArray,
    policy: ForecastPolicy = ForecastPolicy(),
) -> ForecastRun:
    """Run the D-1 and within-day decisions over the period and settle the markets' volumes.

    Args:
        lay: The period laid out (actual prices; used for settlement and, lagged, intraday).
        battery: The battery.
        energy_fc: ``(T, M)`` day-ahead forecasts of the selected markets [£/MWh].
        service_fc: ``(B, K)`` day-ahead forecasts of the service prices [£/MW/h].
        previous_system_gbp_per_mwh: The system prices of the
            :data:`INTRADAY_INFORMATION_LAG_INTERVALS` half-hours before the period (NaN if
            unknown) [£/MWh].
        policy: Margins.

    Returns:
        The committed run.
    """
    h = lay.interval_h
    n = lay.n
    apx = lay.markets.index("apx") if "apx" in lay.markets else None
    sys_col = lay.markets.index("system") if "system" in lay.markets else None
    service_fc = np.where(np.isnan(lay.service_price), np.nan, service_fc)
    efa_dates = lay.blocks["efa_date"].to_numpy()[lay.block_of_interval]
    day_starts = np.flatnonzero(np.r_[True, efa_dates[1:] != efa_dates[:-1]])
    day_ends = np.r_[day_starts[1:], n]
    soc = np.zeros(n)
    charge = np.zeros(n)
    discharge = np.zeros(n)
    position = np.zeros(n)
    holdings = np.zeros_like(lay.service_price)
    gain = np.zeros(n)
    plan_battery = dataclasses.replace(
        battery,
        degradation_cost_gbp_per_mwh=battery.degradation_cost_gbp_per_mwh
        + policy.plan_margin_gbp_per_mwh,
    )
    full_days = energy_problem(lay, battery, holdings).day_id
    cap = None
    if battery.max_cycles_per_day is not None:
        cap = np.full(
            int(full_days[-1]) + 1, battery.max_cycles_per_day * battery.usable_energy_mwh
        )
    # The D-1 plan trades the day-ahead market only; without APX it plans on the imbalance
    # forecast merely to value the SoC, and commits no position.
    plan_col = apx if apx is not None else sys_col
    system_actual = lay.energy[:, sys_col] if sys_col is not None else np.full(n, np.nan)
    system_known = np.r_[np.asarray(previous_system_gbp_per_mwh, dtype=float), system_actual]
    system_fc = energy_fc[:, sys_col] if sys_col is not None else np.full(n, np.nan)
    s = battery.initial_soc_mwh
    for i, (first, stop) in enumerate(zip(day_starts, day_ends, strict=True)):
        first, stop = int(first), int(stop)
        last = min(i + LOOKAHEAD_DAYS, len(day_starts) - 1)
        end = int(day_ends[last])
        sub = window(lay, first, end)
        keep = stop - first
        plan_energy = np.full((end - first, lay.energy.shape[1]), np.nan)
        if plan_col is not None:
            day_fc = energy_fc[first:stop, plan_col]
            plan_energy[:, plan_col] = day_fc[np.arange(end - first) % keep]
        b0 = int(lay.block_of_interval[first])
        nb = sub.blocks.shape[0]
        day_blocks = int(lay.block_of_interval[stop - 1]) + 1 - b0
        plan_services = _repeat_day_blocks(sub, service_fc[b0 : b0 + nb], day_blocks)
        final = battery.final_soc_mwh if end == n else None
        spec = dataclasses.replace(plan_battery, initial_soc_mwh=s, final_soc_mwh=final)
        if cap is not None:
            budget = np.maximum(cap[int(full_days[first]) : int(full_days[end - 1]) + 1], 0.0)
            per_day = max(float(budget.min()) / battery.usable_energy_mwh, 1e-9)
            spec = dataclasses.replace(spec, max_cycles_per_day=per_day)
        plan = _best_plan(
            sub, spec, plan_energy, plan_services, policy.switch_margin_gbp_per_mw_per_h
        )
        if cap is None:
            plan = _within_one_cycle(sub, spec, plan_energy, plan_services, plan, keep, policy)
        day_holdings = plan.service_mw[:day_blocks]
        holdings[b0 : b0 + day_blocks] = day_holdings
        flows = (plan.discharge_mw[:keep] - plan.charge_mw[:keep]) * h
        if apx is not None:
            position[first:stop] = np.where(np.isfinite(energy_fc[first:stop, apx]), flows, 0.0)
        if sys_col is None or cap is not None:
            soc[first:stop] = plan.soc_mwh[:keep]
            charge[first:stop] = plan.charge_mw[:keep]
            discharge[first:stop] = plan.discharge_mw[:keep]
        else:
            day = window(lay, first, stop)
            c, d, path = _intraday(
                day,
                battery,
                day_holdings,
                position[first:stop],
                s,
                float(plan.soc_mwh[keep - 1]) if final is None else final,
                system_fc[first:stop],
                system_known[first:stop],
                system_fc[max(first - INTRADAY_INFORMATION_LAG_INTERVALS, 0) : stop],
                first,
                policy,
            )
            gain[first:stop] = _overlay_gain(day, battery, position[first:stop], c, d)
            # The overlay's record: its settled gain over the plan, on the intervals whose
            # system price is public at the day's first gate closure.
            known = first - INTRADAY_INFORMATION_LAG_INTERVALS + 1
            record = gain[max(known - policy.track_record_days * 48, 0) : max(known, 0)]
            if (
                float(record.sum())
                > policy.track_record_min_gbp_per_mw * battery.discharge_power_mw
            ):
                charge[first:stop], discharge[first:stop], soc[first:stop] = c, d, path
            else:  # follow the D-1 plan (what APX alone does)
                soc[first:stop] = plan.soc_mwh[:keep]
                charge[first:stop] = plan.charge_mw[:keep]
                discharge[first:stop] = plan.discharge_mw[:keep]
        if cap is not None:
            np.subtract.at(cap, full_days[first:stop], discharge[first:stop] * h)
        s = float(np.clip(soc[stop - 1], battery.soc_min_mwh, battery.soc_max_mwh))
    schedule = Schedule(soc, charge, discharge, holdings, float("nan"))
    check_stack(lay, battery, schedule)
    flow = (discharge - charge) * h
    market = np.zeros((n, len(lay.markets)))
    imbalance = np.zeros(n)
    if apx is not None:
        filled = np.isfinite(lay.energy[:, apx])
        market[:, apx] = np.where(filled, position, 0.0)
        residual = flow - market[:, apx]
        residual[np.abs(residual) < 1e-9] = 0.0
        if sys_col is None:
            imbalance = residual
        else:
            market[:, sys_col] = residual
    elif sys_col is not None:
        market[:, sys_col] = flow
    return ForecastRun(schedule, market, position, imbalance)


def _within_one_cycle(
    sub: Layout,
    spec: BatterySpec,
    energy: FloatArray,
    services: FloatArray,
    plan: Schedule,
    keep: int,
    policy: ForecastPolicy,
) -> Schedule:
    """On a window whose plan cycles more than once a day, the one-cycle-a-day plan too: it
    is kept unless the free plan's forecast value beats it (the free plan can always do what
    the capped one does, but the search is local)."""
    h = sub.interval_h
    out = plan.discharge_mw * h
    if max(float(out[:keep].sum()), float(out[keep:].sum())) <= spec.usable_energy_mwh + 1e-6:
        return plan
    one_cycle = dataclasses.replace(spec, max_cycles_per_day=1.0)
    try:
        one = _best_plan(sub, one_cycle, energy, services, policy.switch_margin_gbp_per_mw_per_h)
    except InfeasibleDispatchError:
        return plan
    return plan if plan.objective_gbp >= one.objective_gbp else one


def _overlay_gain(
    day: Layout,
    battery: BatterySpec,
    position_mwh: FloatArray,
    charge_mw: FloatArray,
    discharge_mw: FloatArray,
) -> FloatArray:
    """Settled cash of the intraday flows less that of following the position, per interval
    (residual at the imbalance price, wear and network charges; 0 where unpriced) [£]."""
    h = day.interval_h
    flow = (discharge_mw - charge_mw) * h
    sys_col = day.markets.index("system")
    price = day.energy[:, sys_col]
    out_mwh = np.maximum(flow, 0.0) - np.maximum(position_mwh, 0.0)
    in_mwh = np.maximum(-flow, 0.0) - np.maximum(-position_mwh, 0.0)
    fee = np.zeros(day.n) if day.import_charge is None else day.import_charge
    credit = np.zeros(day.n) if day.export_credit is None else day.export_credit
    cash = (
        (flow - position_mwh) * price
        - battery.degradation_cost_gbp_per_mwh * out_mwh
        - fee * in_mwh
        + credit * out_mwh
    )
    return np.where(np.isfinite(cash), cash, 0.0)


def _best_plan(
    sub: Layout,
    spec: BatterySpec,
    energy: FloatArray,
    services: FloatArray,
    switch_margin_gbp_per_mw_per_h: float,
) -> Schedule:
    """The D-1 plan on forecasts: the simplest service set's plan unless a larger set's
    beats it by the switching margin.

    The ascent is a local search, so it is run restricted to nested service sets (see
    :func:`_nested_sets`), smallest first: a larger set's plan replaces the one kept only
    when its forecast value (wear and margins included) beats it by
    ``switch_margin_gbp_per_mw_per_h`` per MW·h of holdings changed. Last, the full set is
    searched (from no holdings, services first, the LP relaxation's holdings and the kept
    plan's holdings, which it can always hold) under the same margin.
    """
    if services.shape[1] == 0:
        return best_start(sub, spec, energy, services)
    hours = np.bincount(sub.block_of_interval, minlength=services.shape[0]) * sub.interval_h

    def switched_mwh(a: Schedule, b: Schedule) -> float:
        return float(np.abs(a.service_mw - b.service_mw).sum(axis=1) @ hours)

    kept: Schedule | None = None
    idle = np.zeros(sub.n)
    for members in _nested_sets(sub, services):
        masked = np.full_like(services, np.nan)
        masked[:, members] = services[:, members]
        first = best_holdings(sub, spec, idle, idle, np.full(sub.n, spec.initial_soc_mwh), masked)
        try:
            candidate = ascend(sub, spec, first, energy, masked)
        except InfeasibleDispatchError:
            continue
        if kept is None or candidate.objective_gbp > kept.objective_gbp + (
            switch_margin_gbp_per_mw_per_h * switched_mwh(candidate, kept)
        ):
            kept = candidate
    starts = [relaxation_start(sub, spec, energy, services)]
    if kept is not None:
        starts.append(kept.service_mw)
    full = best_start(sub, spec, energy, services, tuple(starts))
    if kept is None or full.objective_gbp > kept.objective_gbp + (
        switch_margin_gbp_per_mw_per_h * switched_mwh(full, kept)
    ):
        return full
    return kept


def _nested_sets(sub: Layout, services: FloatArray) -> list[list[int]]:
    """Column sets of the smaller service policies, smallest first: each direction's
    services ranked by forecast value and the top one or two of each direction combined;
    each family (DC, DM, DR) and each pair of families."""
    names = [s.name for s in sub.services]
    worth = np.where(np.isfinite(services), services, 0.0).sum(axis=0)
    ranked = []
    for direction in ("low", "high"):
        members = [k for k, s in enumerate(sub.services) if s.direction == direction]
        ranked.append(sorted(members, key=lambda k: -float(worth[k])))
    sets: list[list[int]] = []
    for n_low, n_high in ((1, 0), (0, 1), (1, 1), (2, 1), (1, 2), (2, 2)):
        sets.append(ranked[0][:n_low] + ranked[1][:n_high])
    families = sorted({name[:2] for name in names})
    for size in range(1, len(families)):
        for group in itertools.combinations(families, size):
            sets.append([k for k, name in enumerate(names) if name[:2] in group])
    unique: list[list[int]] = []
    for members in sorted(sets, key=len):
        if members and len(members) < len(names) and sorted(members) not in unique:
            unique.append(sorted(members))
    return unique


def _repeat_day_blocks(sub: Layout, prices: FloatArray, day_blocks: int) -> FloatArray:
    """Service forecasts of a window: day D's, and for the look-ahead day D's same block."""
    out = prices.copy()
    if out.shape[0] > day_blocks:
        numbers = sub.blocks["efa_block"].to_numpy()
        own = {int(numbers[b]): prices[b] for b in range(day_blocks)}
        for b in range(day_blocks, out.shape[0]):
            row = own.get(int(numbers[b]))
            out[b] = np.where(np.isnan(prices[b]), np.nan, row) if row is not None else np.nan
    return out


def _intraday(
    day: Layout,
    battery: BatterySpec,
    holdings: FloatArray,
    position_mwh: FloatArray,
    s0: float,
    target_mwh: float,
    system_fc: FloatArray,
    known_system: FloatArray,
    known_fc: FloatArray,
    first: int,
    policy: ForecastPolicy,
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """The day's physical flows, re-optimised at each gate closure (see module docstring).

    ``known_system[j]`` is the actual system price of the interval
    ``INTRADAY_INFORMATION_LAG_INTERVALS`` before the day's interval ``j`` (what is public at
    its gate closure); ``known_fc`` the D-1 forecasts of the same intervals where they exist.
    """
    h = day.interval_h
    n = day.n
    lag = INTRADAY_INFORMATION_LAG_INTERVALS
    problem = energy_problem(day, battery, holdings)
    eta_c, eta_d = battery.charge_efficiency_frac, battery.discharge_efficiency_frac
    wear = battery.degradation_cost_gbp_per_mwh
    margin = policy.intraday_margin_gbp_per_mwh
    charge_fee = np.zeros(n) if day.import_charge is None else day.import_charge
    credit = np.zeros(n) if day.export_credit is None else day.export_credit
    q = position_mwh
    dq = np.where(q > 0, -q / eta_d, -q * eta_c)
    shift = np.cumsum(dq)
    e_dis = problem.discharge_limit_mw * h
    e_ch = problem.charge_limit_mw * h
    fall = np.where(q < 0, 0.0, np.maximum(e_dis - np.maximum(q, 0.0), 0.0) / eta_d)
    rise = np.where(q > 0, 0.0, np.maximum(e_ch - np.maximum(-q, 0.0), 0.0) * eta_c)
    # Float dust (1e-13 MWh) must not make the committed path look infeasible: the bounds
    # and the end-of-day target are met within _SLACK_MWH (the stack check allows 1e-6).
    lo = problem.soc_lo_mwh - shift - _SLACK_MWH
    hi = problem.soc_hi_mwh - shift + _SLACK_MWH
    final = target_mwh - float(shift[-1])
    lo[-1] = max(lo[-1], final - _SLACK_MWH)
    hi[-1] = min(hi[-1], final + _SLACK_MWH)
    fc = np.where(np.isfinite(system_fc), system_fc, np.nan)
    # The D-1 forecast of the interval whose price is known at each gate closure.
    pad = lag - (known_fc.shape[0] - n)
    known_forecast = np.r_[np.full(max(pad, 0), np.nan), known_fc]
    # The weight of the latest error j half-hours after the first interval it can move.
    decay = policy.error_persistence ** (np.arange(n) + lag)
    terms = np.array([s0, final, margin, wear, eta_c, eta_d, h, _SLACK_MWH], dtype=np.float64)
    return gate_closure_flows(
        _floats(fc),
        _floats(decay),
        _floats(known_system),
        _floats(known_forecast[:n]),
        _floats(charge_fee),
        _floats(credit),
        _floats(rise),
        _floats(fall),
        _floats(lo),
        _floats(hi),
        _floats(q),
        _floats(shift),
        terms,
    )


def _floats(values: npt.NDArray[np.floating[Any]]) -> FloatArray:
    """A contiguous float64 array (the compiled loop's argument type)."""
    return np.ascontiguousarray(values, dtype=np.float64)
