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

**More options never forced.** APX + imbalance commits the very same D-1 plan as APX only and
adds the intraday overlay on top; a larger service set can hold the smaller one's MW.

**Upper bound.** Perfect foresight of the same model (no position without a flow) is run
with this policy's holdings among its starts, so its first exact energy solve is worth at
least the policy's settled cash: the ceiling is ≥ the policy in every period it is run for.
"""

from __future__ import annotations

import dataclasses
import itertools
from dataclasses import dataclass

import numpy as np

from engine.battery import BatterySpec
from engine.dispatch import optimise_soc_path
from engine.errors import InfeasibleDispatchError, ValidationError
from engine.revenue.forecasts import INTRADAY_INFORMATION_LAG_INTERVALS
from engine.revenue.layout import Layout, window
from engine.revenue.model import FloatArray
from engine.revenue.search import (
    Schedule,
    ascend,
    best_holdings,
    best_start,
    check_stack,
    energy_problem,
)

LOOKAHEAD_DAYS = 1
_SLACK_MWH = 1e-7
#: Default forecast-error margin a D-1 cycle must beat on top of wear [£/MWh discharged].
DEFAULT_PLAN_MARGIN_GBP_PER_MWH = 5.0
#: Default margin an intraday deviation at imbalance must beat on top of wear [£/MWh].
DEFAULT_INTRADAY_MARGIN_GBP_PER_MWH = 40.0
#: Default per-half-hour persistence of the latest known imbalance-price error [-].
DEFAULT_ERROR_PERSISTENCE = 0.8


@dataclass(frozen=True)
class ForecastPolicy:
    """The margins of the forecast mode (stated on every result).

    Attributes:
        plan_margin_gbp_per_mwh: Forecast-error margin a D-1 cycle must beat [£/MWh].
        intraday_margin_gbp_per_mwh: Margin an imbalance deviation must beat [£/MWh].
        error_persistence: Per half-hour decay of the latest imbalance-price error [0-1].
    """

    plan_margin_gbp_per_mwh: float = DEFAULT_PLAN_MARGIN_GBP_PER_MWH
    intraday_margin_gbp_per_mwh: float = DEFAULT_INTRADAY_MARGIN_GBP_PER_MWH
    error_persistence: float = DEFAULT_ERROR_PERSISTENCE

    def __post_init__(self) -> None:
        for name in ("plan_margin_gbp_per_mwh", "intraday_margin_gbp_per_mwh"):
            value = getattr(self, name)
            if not (np.isfinite(value) and value >= 0):
                raise ValidationError(f"{name}: must be a finite margin ≥ 0 [£/MWh]", field=name)
        if not 0.0 <= self.error_persistence <= 1.0:
            raise ValidationError("error_persistence: must lie in 0..1", field="error_persistence")

    def note(self) -> str:
        """The policy in one sentence (for ``assumptions``)."""
        return (
            "forecast: service MW per EFA block and APX positions decided at D-1 10:00 on "
            "forecasts only (a cycle must beat wear + "
            f"£{self.plan_margin_gbp_per_mwh:g}/MWh); within the day the flow is re-optimised "
            "at each gate closure (1 h ahead) on the newest published system price (5 "
            "half-hours old), adding to the position only where the forecast edge beats wear + "
            f"£{self.intraday_margin_gbp_per_mwh:g}/MWh; the residual settles at the imbalance "
            "price, the position at APX."
        )


@dataclass(frozen=True)
class ForecastRun:
    """The committed decisions of a forecast-mode run.

    Attributes:
        schedule: The physical schedule and holdings (checked).
        market_mwh: ``(T, M)`` energy sold (+) or bought (−) in each selected market [MWh].
        position_mwh: Day-ahead (APX) position per interval, export + [MWh].
        unfilled_mwh: Position volume in APX periods without trades, when no imbalance
            market is selected to settle it (priced at £0, said in the assumptions) [MWh].
    """

    schedule: Schedule
    market_mwh: FloatArray
    position_mwh: FloatArray
    unfilled_mwh: float


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
        plan = _best_plan(sub, spec, plan_energy, plan_services)
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
            charge[first:stop], discharge[first:stop], soc[first:stop] = c, d, path
        if cap is not None:
            np.subtract.at(cap, full_days[first:stop], discharge[first:stop] * h)
        s = float(np.clip(soc[stop - 1], battery.soc_min_mwh, battery.soc_max_mwh))
    schedule = Schedule(soc, charge, discharge, holdings, float("nan"))
    check_stack(lay, battery, schedule)
    flow = (discharge - charge) * h
    market = np.zeros((n, len(lay.markets)))
    unfilled = 0.0
    if apx is not None:
        filled = np.isfinite(lay.energy[:, apx])
        market[:, apx] = np.where(filled, position, 0.0)
        residual = flow - market[:, apx]
        if sys_col is None:
            unfilled = float(np.abs(residual).sum())
            market[:, apx] = flow  # no imbalance column: the flow is all the APX position
        else:
            market[:, sys_col] = residual
    elif sys_col is not None:
        market[:, sys_col] = flow
    return ForecastRun(schedule, market, position, unfilled)


def _best_plan(
    sub: Layout, spec: BatterySpec, energy: FloatArray, services: FloatArray
) -> Schedule:
    """The best D-1 plan on forecasts over the full option set and nested smaller ones.

    A larger service set can always hold what a smaller one holds, but the ascent is a local
    search, so it is also started restricted to each union of service families (DC, DM, DR
    and their pairs), to the single low and single high service the forecast prices most,
    and to that pair; the plan with the best forecast value (wear and margin included) is
    kept. So a policy with more services does not plan below one holding any of these sets.
    """
    best = best_start(sub, spec, energy, services)
    if services.shape[1] < 2:
        return best
    for members in _nested_sets(sub, services):
        masked = np.full_like(services, np.nan)
        masked[:, members] = services[:, members]
        idle = np.zeros(sub.n)
        first = best_holdings(sub, spec, idle, idle, np.full(sub.n, spec.initial_soc_mwh), masked)
        try:
            candidate = ascend(sub, spec, first, energy, masked)
        except InfeasibleDispatchError:
            continue
        if candidate.objective_gbp > best.objective_gbp + 1e-6:
            best = candidate
    return best


def _nested_sets(sub: Layout, services: FloatArray) -> list[list[int]]:
    """Column sets of the smaller service policies the plan is also started from."""
    names = [s.name for s in sub.services]
    families = sorted({name[:2] for name in names})
    sets: list[list[int]] = []
    for size in range(1, len(families)):
        for group in itertools.combinations(families, size):
            sets.append([k for k, name in enumerate(names) if name[:2] in group])
    worth = np.where(np.isfinite(services), services, 0.0).sum(axis=0)
    tops = []
    for direction in ("low", "high"):
        members = [k for k, s in enumerate(sub.services) if s.direction == direction]
        if members:
            tops.append(max(members, key=lambda k: float(worth[k])))
    for extra in ([t] for t in tops):
        sets.append(extra)
    if len(tops) == 2:
        sets.append(tops)
    unique: list[list[int]] = []
    for members in sets:
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
    steps = np.arange(n)
    charge = np.zeros(n)
    discharge = np.zeros(n)
    soc = np.zeros(n)
    s_shift = s0
    for p in range(n):
        latest = known_system[p]
        error = latest - known_forecast[p]
        if not np.isfinite(error):
            error = 0.0
        ahead = steps[p:] - p + lag
        expected = fc[p:] + error * policy.error_persistence**ahead
        usable = np.isfinite(expected)
        expected = np.where(usable, expected, 0.0)
        a = np.where(usable, -(expected + margin + charge_fee[p:]) / eta_c, 0.0)
        b = np.where(usable, -(expected - margin - wear + credit[p:]) * eta_d, 0.0)
        move = 0.0
        try:
            path, _ = optimise_soc_path(
                a,
                b,
                np.where(usable, rise[p:], 0.0),
                np.where(usable, fall[p:], 0.0),
                lo[p:],
                hi[p:],
                s_shift,
                None,
            )
            move = float(path[0] - s_shift)
        except InfeasibleDispatchError:
            # Follow the position, kept inside this interval's bounds (never expected).
            move = float(np.clip(np.clip(0.0, lo[p] - s_shift, hi[p] - s_shift), -fall[p], rise[p]))
        # Keep the state half the slack inside the true bounds, so dust never accumulates;
        # the last interval ends exactly at the committed SoC.
        inner = 0.5 * _SLACK_MWH
        landed = float(np.clip(s_shift + move, lo[p] + 1.5 * inner, hi[p] - 1.5 * inner))
        if p == n - 1 and abs(landed - final) <= 2 * _SLACK_MWH:
            landed = final
        move = landed - s_shift
        if abs(move) < 1e-10:
            move = 0.0
        extra = -move * eta_d if move < 0 else -move / eta_c
        flow = q[p] + extra
        charge[p] = max(-flow, 0.0) / h
        discharge[p] = max(flow, 0.0) / h
        s_shift += move
        soc[p] = s_shift + shift[p]
    return charge, discharge, soc
