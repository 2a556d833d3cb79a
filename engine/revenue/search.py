"""BESS revenue stack: co-optimised energy trading and frequency response for one battery.

Markets and service terms are in :mod:`engine.revenue.markets`; inputs laid out per interval in
:mod:`engine.revenue.layout`; the LP relaxation in
:mod:`engine.revenue.model`; the attribution of cash to streams in
:mod:`engine.revenue.attribution`.

**Energy in two markets.** In each interval the battery charges, discharges or idles, never
both (one inverter; and since settlement is on a period's net metered volume, doing both
would be a naked cross-market position). What it charges is bought in the cheapest
*available* selected market of that interval and what it discharges is sold in the dearest
(APX periods without trades are unavailable; the imbalance price is always available). So
buying in APX at 03:00 and selling at the imbalance price at 18:00 is allowed; buying in
one market and selling in the other in the same period is not, and there is no position
without a physical flow behind it. The energy problem is therefore a single store with a
buy price ``min`` and a sell price ``max`` per interval, which the dispatch engine solves
exactly (a piecewise-linear value-function DP, proven equal to a zero-gap MILP in its
tests), including the non-concave intervals where ``sell x round trip > buy``.

**Services.** MW per EFA block per service, held for the whole block (NESO EAC terms), with
power headroom against the energy baseline and an energy reserve for the full delivery
duration at every interval boundary (:mod:`engine.revenue.model` states the constraints).

**Search (perfect foresight).** The joint problem is non-convex (the energy part needs one
direction per interval), and a HiGHS MILP of it does not finish in useful time. We search
by exact block coordinate ascent: (1) the LP relaxation proposes service holdings;
(2) given the holdings, the energy schedule is solved exactly (DP) under the per-interval
power limits and SoC bounds the holdings leave; (3) given the energy schedule, each block's
holdings are re-optimised exactly (a two-constraint LP per block and direction, solved by
vertex enumeration); (2)-(3) repeat until no gain. The same ascent is also started from no
services and from services first; the best result is kept. Every step keeps a feasible
schedule and never loses value, so the result is ≥ the exact two-market arbitrage optimum
(hence ≥ each single market's); it is not proven globally optimal.

**Day-ahead.** For each EFA day, in order, using only what is known at the auction: service
clearing prices are forecast as the previous EFA day's price for the same block, energy
prices by the naive same-period-last-week forecast (:func:`engine.dispatch.rolling.naive_forecast`);
the same ascent on a two-EFA-day window (the day plus one day of look-ahead) fixes the day's
holdings and energy schedule (commit one day, look ahead one, SoC carried). The market of
each trade is the one the forecast favoured; cash settles at that market's actual price.

Simplifications (also listed in ``assumptions`` of every result): response energy is net
zero in expectation (frequency deviations are symmetric and the baseline is restored), so
delivered response energy earns nothing and the SoC follows the schedule; the battery is a
price-taker in every market (its MW never moves a clearing price) and every offered MW
clears; availability is not reduced by performance (no SPM/ramp penalties); the reserve is
checked at interval boundaries against the scheduled SoC; the imbalance price is the single
cash-out price (P305).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
import pandas as pd

from engine.battery import BatterySpec
from engine.dispatch import DispatchProblem, build_problem, optimise_soc_path
from engine.errors import InfeasibleDispatchError
from engine.revenue.layout import Layout
from engine.revenue.model import (
    FloatArray,
    ModelBattery,
    ModelInputs,
    propose_holdings,
)
from engine.solvers.holdings import holding_limits, schedule_flows, service_holdings

_ASCENT_ROUNDS = 6
_GAIN_TOL_GBP = 1e-6
_TOL_MWH = 1e-6
_CAP_STEPS = 30


@dataclass(frozen=True)
class Schedule:
    """A feasible schedule: energy per interval and holdings per block.

    Attributes:
        soc_mwh: Stored energy at each interval's end [MWh].
        charge_mw: Grid import per interval [MW].
        discharge_mw: Grid export per interval [MW].
        service_mw: ``(B, K)`` contracted MW [MW].
        objective_gbp: Value on the prices it was optimised for [£].
    """

    soc_mwh: FloatArray
    charge_mw: FloatArray
    discharge_mw: FloatArray
    service_mw: FloatArray
    objective_gbp: float


def _low_high(
    lay: Layout, service_mw: FloatArray
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """Per interval: low MW, high MW, low reserve [MWh grid-side], high reserve [MWh grid-side]."""
    low = lay.service_low
    dur = lay.service_duration_h
    n_blocks = service_mw.shape[0]
    if low.any():
        per_block_low = service_mw[:, low].sum(axis=1)
        res_low = (service_mw[:, low] * dur[low]).sum(axis=1)
    else:
        per_block_low = res_low = np.zeros(n_blocks)
    if (~low).any():
        per_block_high = service_mw[:, ~low].sum(axis=1)
        res_high = (service_mw[:, ~low] * dur[~low]).sum(axis=1)
    else:
        per_block_high = res_high = np.zeros(n_blocks)
    b = lay.block_of_interval
    return per_block_low[b], per_block_high[b], res_low[b], res_high[b]


@dataclass(frozen=True)
class _Base:
    """The energy problem of a window before holdings, and the energy solves already done on it.

    Attributes:
        problem: The problem without holdings.
        charge_value: Its :meth:`DispatchProblem.charge_value` [£/MWh].
        discharge_value: Its :meth:`DispatchProblem.discharge_value` [£/MWh].
        solved: ``(final SoC, holdings' bytes)`` → the exact energy solve given those holdings
            (the ascents of one window, run from several starts and service sets, often reach
            the same holdings; the solve is deterministic, so it is done once).
    """

    problem: DispatchProblem
    charge_value: FloatArray
    discharge_value: FloatArray
    solved: dict[tuple[float | None, bytes], tuple[FloatArray, FloatArray, FloatArray, float]]


# The problem before holdings depends only on (layout, battery, prices): the ascent rebuilds
# it every round for the same window, so the last few are kept (by identity; ~3 ms each).
_BASES: list[tuple[Layout, BatterySpec, FloatArray | None, _Base]] = []
_BASES_KEPT = 4
_SOLVES_KEPT = 256


def _base(lay: Layout, battery: BatterySpec, energy: FloatArray | None) -> _Base:
    for held_lay, held_battery, held_energy, base in _BASES:
        if held_lay is lay and held_energy is energy and held_battery == battery:
            return base
    buy, sell, tradable = lay.buy_sell(energy)
    # Built on plain positions, then given settlement days (the UK local date of each
    # half-hour's start, BSC Section X-1): the same days as engine.settlement's, at a
    # fraction of the cost for the many short windows of the forecast mode.
    problem = build_problem(battery, lay.interval_h, None, buy, sell, tradable)
    days = lay.local_day
    cap = None
    if battery.max_cycles_per_day is not None:
        cap = np.full(int(days[-1]) + 1, battery.max_cycles_per_day * battery.usable_energy_mwh)
    problem = dataclasses.replace(problem, day_id=days, day_cap_mwh=cap)
    base = _Base(problem, problem.charge_value(), problem.discharge_value(), {})
    _BASES.insert(0, (lay, battery, energy, base))
    del _BASES[_BASES_KEPT:]
    return base


def _base_problem(lay: Layout, battery: BatterySpec, energy: FloatArray | None) -> DispatchProblem:
    return _base(lay, battery, energy).problem


def energy_problem(
    lay: Layout, battery: BatterySpec, service_mw: FloatArray, energy: FloatArray | None = None
) -> DispatchProblem:
    """The exact single-store problem left once the holdings are fixed.

    Discharge power is limited to ``P_dis - low MW`` and charge power to ``P_ch - high MW``;
    the SoC after each interval must keep ``low reserve / eta_d`` above the minimum and
    ``high reserve x eta_c`` below the maximum, for the block of the interval and, at a
    block boundary, for the next block too (the SoC at a boundary starts that block).
    """
    return _with_holdings(_base_problem(lay, battery, energy), lay, battery, service_mw)


def _with_holdings(
    problem: DispatchProblem, lay: Layout, battery: BatterySpec, service_mw: FloatArray
) -> DispatchProblem:
    charge_limit, discharge_limit, lo, hi, _, _ = _limits(problem, lay, battery, service_mw)
    return dataclasses.replace(
        problem,
        charge_limit_mw=charge_limit,
        discharge_limit_mw=discharge_limit,
        soc_lo_mwh=lo,
        soc_hi_mwh=hi,
    )


def _limits(
    problem: DispatchProblem, lay: Layout, battery: BatterySpec, service_mw: FloatArray
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray, FloatArray, FloatArray]:
    """Charge and discharge limits, SoC bounds, largest SoC rise and fall, given holdings
    (:func:`engine.solvers.holdings.holding_limits`, the arithmetic of :func:`energy_problem`)."""
    terms = np.array(
        [
            battery.soc_min_mwh,
            battery.soc_max_mwh,
            battery.charge_efficiency_frac,
            battery.discharge_efficiency_frac,
            problem.interval_h,
        ],
        dtype=np.float64,
    )
    return holding_limits(
        lay.block_of_interval,
        np.ascontiguousarray(service_mw, dtype=np.float64),
        lay.service_low,
        lay.service_duration_h,
        problem.charge_limit_mw,
        problem.discharge_limit_mw,
        problem.tradable,
        terms,
    )


def _flows(problem: DispatchProblem, soc: FloatArray, s0: float) -> tuple[FloatArray, FloatArray]:
    battery = problem.battery
    return schedule_flows(
        np.ascontiguousarray(soc, dtype=np.float64),
        float(s0),
        battery.charge_efficiency_frac * problem.interval_h,
        float(battery.discharge_efficiency_frac),
        float(problem.interval_h),
        np.ascontiguousarray(problem.charge_limit_mw, dtype=np.float64),
        np.ascontiguousarray(problem.discharge_limit_mw, dtype=np.float64),
    )


def _unpriced_as_zero(service_price: FloatArray) -> FloatArray:
    """Service prices with NaN (no clearing result) as 0, the form :func:`_service_value`
    takes (computed once per ascent rather than once per value)."""
    return np.where(np.isnan(service_price), 0.0, service_price)


def _service_value(lay: Layout, service_mw: FloatArray, priced: FloatArray) -> float:
    """Availability value of holdings at prices already NaN-free (:func:`_unpriced_as_zero`)."""
    hours = lay.block_hours  # holdings are one row per block
    # NaN prices are zeroed first, so a plain sum (what nansum would do after its own copy).
    return float(np.sum(priced * service_mw * hours[:, None]))


def _energy_value(problem: DispatchProblem, charge: FloatArray, discharge: FloatArray) -> float:
    h = problem.interval_h
    deg = problem.battery.degradation_cost_gbp_per_mwh
    return float(
        np.sum(
            discharge * h * (problem.sell_gbp_per_mwh - deg) - charge * h * problem.buy_gbp_per_mwh
        )
    )


def best_holdings(
    lay: Layout,
    battery: BatterySpec,
    charge_mw: FloatArray,
    discharge_mw: FloatArray,
    soc_mwh: FloatArray,
    service_price: FloatArray,
) -> FloatArray:
    """Each block's optimal holdings for a fixed energy schedule (exact, vectorised).

    Per block and direction: maximise ``sum p_k m_k`` subject to ``sum m_k <= A`` (the
    power headroom left by the schedule, its tightest interval) and ``sum dur_k m_k <= B``
    (the energy the tightest SoC point can deliver or absorb, grid side), ``m >= 0``. The
    optimum of this two-constraint LP is a vertex: one service alone or two with both
    constraints tight; all are enumerated.

    Returns:
        ``(B, K)`` holdings [MW].
    """
    starts = lay.block_starts
    if starts is None:
        raise ValueError("best_holdings: intervals must be in block order")
    limits = np.array(
        [
            battery.initial_soc_mwh,
            battery.discharge_power_mw,
            battery.charge_power_mw,
            battery.soc_min_mwh,
            battery.soc_max_mwh,
            battery.charge_efficiency_frac,
            battery.discharge_efficiency_frac,
        ],
        dtype=np.float64,
    )
    return service_holdings(
        starts,
        np.ascontiguousarray(soc_mwh, dtype=np.float64),
        np.ascontiguousarray(charge_mw, dtype=np.float64),
        np.ascontiguousarray(discharge_mw, dtype=np.float64),
        limits,
        np.ascontiguousarray(service_price, dtype=np.float64),
        lay.service_low,
        lay.service_duration_h,
    )


def _solve_energy(
    lay: Layout,
    battery: BatterySpec,
    service_mw: FloatArray,
    energy: FloatArray | None,
    final: float | None,
) -> tuple[FloatArray, FloatArray, FloatArray, float]:
    """The exact energy schedule given holdings: (SoC, charge, discharge, its energy value)."""
    base = _base(lay, battery, energy)
    key = (final, service_mw.tobytes())
    done = base.solved.get(key) if service_mw.shape == lay.service_price.shape else None
    if done is not None:
        return done
    problem = base.problem
    s0 = battery.initial_soc_mwh
    charge_limit, discharge_limit, lo, hi, rise, fall = _limits(problem, lay, battery, service_mw)
    if problem.day_cap_mwh is None:
        # What solve_problem does, on the window's charge and discharge values computed once.
        soc, _ = optimise_soc_path(
            base.charge_value, base.discharge_value, rise, fall, lo, hi, s0, final
        )
    else:
        limited = dataclasses.replace(
            problem,
            charge_limit_mw=charge_limit,
            discharge_limit_mw=discharge_limit,
            soc_lo_mwh=lo,
            soc_hi_mwh=hi,
        )
        soc = _capped_path(limited, s0, final)
    charge, discharge = schedule_flows(
        soc,
        float(s0),
        battery.charge_efficiency_frac * problem.interval_h,
        float(battery.discharge_efficiency_frac),
        float(problem.interval_h),
        charge_limit,
        discharge_limit,
    )
    for array in (soc, charge, discharge):
        array.setflags(write=False)  # shared by every schedule that reaches these holdings
    done = (soc, charge, discharge, _energy_value(problem, charge, discharge))
    if len(base.solved) < _SOLVES_KEPT:
        base.solved[key] = done
    return done


def _capped_path(problem: DispatchProblem, s0: float, final: float | None) -> FloatArray:
    """Energy under a daily cycle cap by prices on each day's discharge (Lagrangian).

    The dispatch engine's exact capped solve (LP with caps, then binaries) did not finish
    a year of this search's bounds in 12 minutes, so inside the search a price per day on
    discharged energy is bisected with the exact uncapped DP, and any day still over its
    cap is then priced up until it fits. Always within every cap; optimal only when the
    prices close the gap (not certified).
    """
    cap = problem.day_cap_mwh
    if cap is None:  # callers check
        raise InfeasibleDispatchError("no cycle cap", field="max_cycles_per_day")
    battery = problem.battery
    a = problem.charge_value()
    b0 = problem.discharge_value()
    rise = problem.max_soc_rise_mwh()
    fall = problem.max_soc_fall_mwh()
    day = problem.day_id
    lo, hi = problem.soc_lo_mwh, problem.soc_hi_mwh

    def solve(lam: FloatArray) -> tuple[FloatArray, FloatArray]:
        b = b0 + lam[day] * battery.discharge_efficiency_frac
        soc, _ = optimise_soc_path(a, b, rise, fall, lo, hi, s0, final)
        _, discharge = _flows(problem, soc, s0)
        used = np.bincount(day, weights=discharge * problem.interval_h, minlength=cap.size)
        return soc, np.asarray(used, dtype=np.float64)

    spread = float(
        np.max(np.abs(problem.sell_gbp_per_mwh)) + np.max(np.abs(problem.buy_gbp_per_mwh))
    )
    ceiling = (
        2.0 * (spread + battery.degradation_cost_gbp_per_mwh) / battery.round_trip_efficiency_frac
        + 1.0
    )
    low = np.zeros(cap.size)
    soc, used = solve(low)
    if np.all(used <= cap + _TOL_MWH):
        return soc
    high = np.where(used > cap + _TOL_MWH, ceiling, 0.0)
    for _ in range(_CAP_STEPS):
        lam = 0.5 * (low + high)
        soc, used = solve(lam)
        over = used > cap + _TOL_MWH
        high = np.where(over & (high <= low), ceiling, high)
        low = np.where(over, lam, low)
        high = np.where(~over & (lam > 0), lam, high)
    for step in range(cap.size + 60):
        soc, used = solve(high)
        over = used > cap + _TOL_MWH
        if not over.any():
            return soc
        bump = 1.25 * high + 0.01 if step < 60 else np.maximum(2.0 * high, ceiling)
        high = np.where(over, bump, high)
    raise InfeasibleDispatchError(  # a ceiling price stops discharging
        "max_cycles_per_day: no schedule within the daily cycle cap", field="max_cycles_per_day"
    )


def ascend(
    lay: Layout,
    battery: BatterySpec,
    start_service_mw: FloatArray,
    energy: FloatArray | None = None,
    service_price: FloatArray | None = None,
) -> Schedule:
    """Block coordinate ascent from given holdings: exact energy, then exact holdings, repeat.

    Args:
        lay: The period laid out.
        battery: The battery.
        start_service_mw: ``(B, K)`` starting holdings (must leave a feasible SoC path) [MW].
        energy: ``(T, M)`` energy prices to optimise on (default the actual ones) [£/MWh].
        service_price: ``(B, K)`` service prices to optimise on (default actual) [£/MW/h].

    Returns:
        The best schedule found (value on the prices optimised for).
    """
    prices = lay.service_price if service_price is None else service_price
    priced = _unpriced_as_zero(prices)
    final = battery.final_soc_mwh
    holdings = start_service_mw
    held_value = _service_value(lay, holdings, priced)
    best: Schedule | None = None
    for _ in range(_ASCENT_ROUNDS):
        soc, charge, discharge, energy_value = _solve_energy(lay, battery, holdings, energy, final)
        value = energy_value + held_value
        if best is not None and value <= best.objective_gbp + _GAIN_TOL_GBP:
            break
        best = Schedule(soc, charge, discharge, holdings, value)
        improved = best_holdings(lay, battery, charge, discharge, soc, prices)
        improved_value = _service_value(lay, improved, priced)
        gain = improved_value - held_value
        if gain <= _GAIN_TOL_GBP:
            break
        best = Schedule(soc, charge, discharge, improved, value + gain)
        holdings = improved
        held_value = improved_value
    if best is None:  # the loop runs at least once
        raise InfeasibleDispatchError("revenue: no schedule found")
    return best


def best_start(
    lay: Layout,
    battery: BatterySpec,
    energy: FloatArray | None = None,
    service_price: FloatArray | None = None,
    extra_starts: tuple[FloatArray, ...] = (),
) -> Schedule:
    """Ascend from no holdings, from services first (best holdings with the battery idle)
    and from any extra starts; keep the best."""
    prices = lay.service_price if service_price is None else service_price
    zero = np.zeros_like(prices)
    idle = np.zeros(lay.n)
    soc = np.full(lay.n, battery.initial_soc_mwh)
    first = best_holdings(lay, battery, idle, idle, soc, prices)
    candidates = []
    for start in (zero, first, *extra_starts):
        try:
            candidates.append(ascend(lay, battery, start, energy, service_price))
        except InfeasibleDispatchError:
            continue  # a start that leaves no overlap-free path; the zero start always works
    return max(candidates, key=lambda s: s.objective_gbp)


def model_battery(battery: BatterySpec) -> ModelBattery:
    """The LP's view of a battery (cycle cap as discharged MWh per day)."""
    cap = None
    if battery.max_cycles_per_day is not None:
        cap = battery.max_cycles_per_day * battery.usable_energy_mwh
    return ModelBattery(
        charge_power_mw=battery.charge_power_mw,
        discharge_power_mw=battery.discharge_power_mw,
        charge_efficiency_frac=battery.charge_efficiency_frac,
        discharge_efficiency_frac=battery.discharge_efficiency_frac,
        soc_min_mwh=battery.soc_min_mwh,
        soc_max_mwh=battery.soc_max_mwh,
        initial_soc_mwh=battery.initial_soc_mwh,
        final_soc_mwh=battery.final_soc_mwh,
        degradation_cost_gbp_per_mwh=battery.degradation_cost_gbp_per_mwh,
        max_discharge_mwh_per_day=cap,
    )


def relaxation_inputs(
    lay: Layout, problem: DispatchProblem, service_price: FloatArray | None = None
) -> ModelInputs:
    """Inputs of the LP relaxation for a laid-out period."""
    tradable = problem.tradable
    return ModelInputs(
        buy_price_gbp_per_mwh=problem.buy_gbp_per_mwh,
        sell_price_gbp_per_mwh=problem.sell_gbp_per_mwh,
        can_buy=tradable,
        can_sell=tradable,
        block_of_interval=lay.block_of_interval,
        day_of_interval=problem.day_id,
        service_price_gbp_per_mw_per_h=lay.service_price
        if service_price is None
        else service_price,
        service_low=lay.service_low,
        service_duration_h=lay.service_duration_h,
        interval_h=lay.interval_h,
    )


def optimise_perfect_foresight(
    lay: Layout, battery: BatterySpec, extra_starts: tuple[FloatArray, ...] = ()
) -> Schedule:
    """The best schedule found with every price known (an upper-bound scenario).

    Starts (see :func:`best_start`) include the holdings of the LP relaxation priced at one
    price per interval (the imbalance price if selected, else APX; one price keeps the LP
    from faking cross-market profit by charging and discharging at once, so its holdings
    reflect a fair energy opportunity cost), and any ``extra_starts`` (the forecast mode's
    holdings, so the ceiling is never below the policy it bounds).
    """
    extra: tuple[FloatArray, ...] = tuple(within_rating(lay, battery, x) for x in extra_starts)
    if lay.services:
        extra = (*extra, relaxation_start(lay, battery))
    return best_start(lay, battery, extra_starts=extra)


def relaxation_start(
    lay: Layout,
    battery: BatterySpec,
    energy: FloatArray | None = None,
    service_price: FloatArray | None = None,
) -> FloatArray:
    """Holdings the LP relaxation proposes, priced at one energy price per interval.

    The price is the imbalance one if selected and priced, else APX (of ``energy``, default
    the actual prices): one price keeps the LP from faking cross-market profit by charging and
    discharging at once, so its holdings reflect a fair energy opportunity cost.

    Returns:
        ``(B, K)`` holdings within the inverter rating [MW].
    """
    prices = lay.energy if energy is None else energy
    base = energy_problem(lay, battery, np.zeros_like(lay.service_price), energy)
    price = np.full(lay.n, np.nan)
    for name in ("system", "apx"):  # the imbalance price if selected and priced, else APX
        if name in lay.markets and np.isfinite(prices[:, lay.markets.index(name)]).any():
            price = prices[:, lay.markets.index(name)]
            break
    tradable = np.isfinite(price)
    inputs = dataclasses.replace(
        relaxation_inputs(lay, base, service_price),
        buy_price_gbp_per_mwh=np.where(tradable, price, 0.0),
        sell_price_gbp_per_mwh=np.where(tradable, price, 0.0),
        can_buy=tradable,
        can_sell=tradable,
    )
    return within_rating(lay, battery, propose_holdings(inputs, model_battery(battery)))


def within_rating(lay: Layout, battery: BatterySpec, service_mw: FloatArray) -> FloatArray:
    """Scale each block's holdings so each direction's total fits the inverter rating."""
    out = np.clip(service_mw, 0.0, None) * (1.0 - 1e-9)
    low = lay.service_low
    for mask, rating in ((low, battery.discharge_power_mw), (~low, battery.charge_power_mw)):
        total = out[:, mask].sum(axis=1)
        scale = np.where(total > rating, rating / np.maximum(total, 1e-300), 1.0)
        out[:, mask] *= scale[:, None]
    return out


def check_stack(lay: Layout, battery: BatterySpec, schedule: Schedule) -> None:
    """Check a schedule before it is returned (every interval).

    Checks: energy balance; never charging and discharging at once; power headroom in
    both directions (``discharge - charge + low MW <= P_dis``, ``charge - discharge + high
    MW <= P_ch``); SoC at both ends of every interval within the bounds less each held
    service's reserve; holdings only where a clearing price exists; the daily cycle cap.

    Raises:
        InfeasibleDispatchError: Naming the failed check and the first interval.
    """
    h = lay.interval_h
    s0 = battery.initial_soc_mwh
    c, d, soc = schedule.charge_mw, schedule.discharge_mw, schedule.soc_mwh
    start = np.concatenate(([s0], soc[:-1]))
    low, high, res_low, res_high = _low_high(lay, schedule.service_mw)
    lo = battery.soc_min_mwh + res_low / battery.discharge_efficiency_frac
    hi = battery.soc_max_mwh - res_high * battery.charge_efficiency_frac
    flow = c * battery.charge_efficiency_frac * h - d * h / battery.discharge_efficiency_frac
    checks = {
        "low holdings above the inverter rating": low > battery.discharge_power_mw + _TOL_MWH,
        "high holdings above the inverter rating": high > battery.charge_power_mw + _TOL_MWH,
        "energy balance": np.abs(soc - start - flow) > _TOL_MWH,
        "simultaneous charge and discharge": (c > 0) & (d > 0),
        "discharge headroom": d - c + low > battery.discharge_power_mw + _TOL_MWH,
        "charge headroom": c - d + high > battery.charge_power_mw + _TOL_MWH,
        "negative power": (c < 0) | (d < 0),
        "energy reserve for low services": np.minimum(soc, start) < lo - _TOL_MWH,
        "energy reserve for high services": np.maximum(soc, start) > hi + _TOL_MWH,
    }
    for what, bad in checks.items():
        if bad.any():
            first = int(np.flatnonzero(bad)[0])
            raise InfeasibleDispatchError(
                f"revenue schedule failed its check ({what}) at {lay.index[first].isoformat()}",
                field="schedule",
            )
    held_without_price = (schedule.service_mw > 0) & ~np.isfinite(lay.service_price)
    if held_without_price.any() or (schedule.service_mw < 0).any():
        raise InfeasibleDispatchError(
            "revenue schedule failed its check (holdings without a clearing price)",
            field="schedule",
        )
    if battery.max_cycles_per_day is not None:
        days = build_problem(battery, h, pd.Series(np.zeros(lay.n), index=lay.index)).day_id
        per_day = np.bincount(days, weights=d * h)
        cap = battery.max_cycles_per_day * battery.usable_energy_mwh
        if (per_day > cap + _TOL_MWH).any():
            raise InfeasibleDispatchError(
                "revenue schedule failed its check (daily cycle cap)", field="schedule"
            )
