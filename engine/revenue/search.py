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
from engine.dispatch import DispatchProblem, build_problem, optimise_soc_path, solve_problem
from engine.errors import InfeasibleDispatchError
from engine.revenue.layout import Layout
from engine.revenue.model import (
    FloatArray,
    ModelBattery,
    ModelInputs,
    propose_holdings,
)
from engine.settlement import UK_TZ
from engine.solvers import block_holdings

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
    low = np.array([s.direction == "low" for s in lay.services], dtype=bool)
    dur = np.array([s.delivery_duration_h for s in lay.services], dtype=float)
    per_block_low = service_mw[:, low].sum(axis=1) if low.any() else np.zeros(service_mw.shape[0])
    per_block_high = (
        service_mw[:, ~low].sum(axis=1) if (~low).any() else np.zeros(service_mw.shape[0])
    )
    res_low = (
        (service_mw[:, low] * dur[low]).sum(axis=1) if low.any() else np.zeros(service_mw.shape[0])
    )
    res_high = (
        (service_mw[:, ~low] * dur[~low]).sum(axis=1)
        if (~low).any()
        else np.zeros(service_mw.shape[0])
    )
    b = lay.block_of_interval
    return per_block_low[b], per_block_high[b], res_low[b], res_high[b]


# The problem before holdings depends only on (layout, battery, prices): the ascent rebuilds
# it every round for the same window, so the last few are kept (by identity; ~3 ms each).
_BASE_PROBLEMS: list[tuple[Layout, BatterySpec, FloatArray | None, DispatchProblem]] = []
_BASE_PROBLEMS_KEPT = 4


def _base_problem(lay: Layout, battery: BatterySpec, energy: FloatArray | None) -> DispatchProblem:
    for held_lay, held_battery, held_energy, problem in _BASE_PROBLEMS:
        if held_lay is lay and held_energy is energy and held_battery == battery:
            return problem
    buy, sell, tradable = lay.buy_sell(energy)
    # Built on plain positions, then given settlement days (the UK local date of each
    # half-hour's start, BSC Section X-1): the same days as engine.settlement's, at a
    # fraction of the cost for the many short windows of the forecast mode.
    problem = build_problem(battery, lay.interval_h, None, buy, sell, tradable)
    local = lay.index.tz_convert(UK_TZ).normalize()
    days = np.asarray(pd.factorize(local)[0], dtype=np.int64)
    cap = None
    if battery.max_cycles_per_day is not None:
        cap = np.full(int(days[-1]) + 1, battery.max_cycles_per_day * battery.usable_energy_mwh)
    problem = dataclasses.replace(problem, day_id=days, day_cap_mwh=cap)
    _BASE_PROBLEMS.insert(0, (lay, battery, energy, problem))
    del _BASE_PROBLEMS[_BASE_PROBLEMS_KEPT:]
    return problem


def energy_problem(
    lay: Layout, battery: BatterySpec, service_mw: FloatArray, energy: FloatArray | None = None
) -> DispatchProblem:
    """The exact single-store problem left once the holdings are fixed.

    Discharge power is limited to ``P_dis - low MW`` and charge power to ``P_ch - high MW``;
    the SoC after each interval must keep ``low reserve / eta_d`` above the minimum and
    ``high reserve x eta_c`` below the maximum, for the block of the interval and, at a
    block boundary, for the next block too (the SoC at a boundary starts that block).
    """
    problem = _base_problem(lay, battery, energy)
    low, high, res_low, res_high = _low_high(lay, service_mw)
    lo = battery.soc_min_mwh + res_low / battery.discharge_efficiency_frac
    hi = battery.soc_max_mwh - res_high * battery.charge_efficiency_frac
    lo[:-1] = np.maximum(lo[:-1], lo[1:])
    hi[:-1] = np.minimum(hi[:-1], hi[1:])
    return dataclasses.replace(
        problem,
        charge_limit_mw=np.maximum(problem.charge_limit_mw - high, 0.0) * problem.tradable,
        discharge_limit_mw=np.maximum(problem.discharge_limit_mw - low, 0.0) * problem.tradable,
        soc_lo_mwh=lo,
        soc_hi_mwh=hi,
    )


def _flows(problem: DispatchProblem, soc: FloatArray, s0: float) -> tuple[FloatArray, FloatArray]:
    battery = problem.battery
    delta = np.diff(soc, prepend=s0)
    delta[np.abs(delta) < 1e-10] = 0.0
    h = problem.interval_h
    charge = np.minimum(
        np.where(delta > 0, delta / (battery.charge_efficiency_frac * h), 0.0),
        problem.charge_limit_mw,
    )
    discharge = np.minimum(
        np.where(delta < 0, -delta * battery.discharge_efficiency_frac / h, 0.0),
        problem.discharge_limit_mw,
    )
    return charge, discharge


def _service_value(lay: Layout, service_mw: FloatArray, service_price: FloatArray) -> float:
    hours = np.bincount(lay.block_of_interval, minlength=service_mw.shape[0]) * lay.interval_h
    # NaN prices are zeroed first, so a plain sum (what nansum would do after its own copy).
    return float(
        np.sum(np.where(np.isnan(service_price), 0.0, service_price) * service_mw * hours[:, None])
    )


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
    n_blocks = lay.blocks.shape[0]
    blk = lay.block_of_interval
    if blk.size > 1 and bool(np.any(blk[1:] < blk[:-1])):
        raise ValueError("best_holdings: intervals must be in block order")
    starts = np.searchsorted(blk, np.arange(n_blocks + 1)).astype(np.int64)
    s0 = battery.initial_soc_mwh
    start = np.concatenate(([s0], soc_mwh[:-1]))
    net_export = discharge_mw - charge_mw
    out = np.zeros((n_blocks, len(lay.services)))
    for direction in ("low", "high"):
        ks = [i for i, s in enumerate(lay.services) if s.direction == direction]
        if not ks:
            continue
        if direction == "low":
            power = battery.discharge_power_mw - net_export
            energy = np.minimum(soc_mwh, start) - battery.soc_min_mwh
            energy_grid = energy * battery.discharge_efficiency_frac
        else:
            power = battery.charge_power_mw + net_export
            energy = battery.soc_max_mwh - np.maximum(soc_mwh, start)
            energy_grid = energy / battery.charge_efficiency_frac
        # A charging baseline is not counted as extra low headroom (nor a discharging one
        # as high headroom): one direction's holdings never exceed the inverter rating.
        rating = battery.discharge_power_mw if direction == "low" else battery.charge_power_mw
        prices = np.where(np.isnan(service_price[:, ks]), -np.inf, service_price[:, ks])
        durs = np.array([lay.services[k].delivery_duration_h for k in ks])
        out[:, ks] = block_holdings(
            starts,
            np.ascontiguousarray(power, dtype=np.float64),
            np.ascontiguousarray(energy_grid, dtype=np.float64),
            float(rating),
            np.ascontiguousarray(prices, dtype=np.float64),
            durs.astype(np.float64),
        )
    # Float dust from the min/max above must not breach the constraints checked later.
    return np.maximum(out * (1.0 - 1e-12), 0.0)


def _solve_energy(
    lay: Layout,
    battery: BatterySpec,
    service_mw: FloatArray,
    energy: FloatArray | None,
    final: float | None,
) -> tuple[DispatchProblem, FloatArray, FloatArray, FloatArray]:
    problem = energy_problem(lay, battery, service_mw, energy)
    if problem.day_cap_mwh is None:
        soc, _ = solve_problem(problem, battery.initial_soc_mwh, final)
    else:
        soc = _capped_path(problem, battery.initial_soc_mwh, final)
    charge, discharge = _flows(problem, soc, battery.initial_soc_mwh)
    return problem, soc, charge, discharge


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
    final = battery.final_soc_mwh
    holdings = start_service_mw
    best: Schedule | None = None
    for _ in range(_ASCENT_ROUNDS):
        problem, soc, charge, discharge = _solve_energy(lay, battery, holdings, energy, final)
        value = _energy_value(problem, charge, discharge) + _service_value(lay, holdings, prices)
        if best is not None and value <= best.objective_gbp + _GAIN_TOL_GBP:
            break
        best = Schedule(soc, charge, discharge, holdings, value)
        improved = best_holdings(lay, battery, charge, discharge, soc, prices)
        gain = _service_value(lay, improved, prices) - _service_value(lay, holdings, prices)
        if gain <= _GAIN_TOL_GBP:
            break
        best = Schedule(soc, charge, discharge, improved, value + gain)
        holdings = improved
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
        service_low=np.array([s.direction == "low" for s in lay.services], dtype=bool),
        service_duration_h=np.array([s.delivery_duration_h for s in lay.services], dtype=float),
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
    low = np.array([s.direction == "low" for s in lay.services], dtype=bool)
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
