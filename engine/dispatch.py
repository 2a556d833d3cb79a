"""Battery dispatch: the exact profit-maximising schedule of one battery against prices.

Entry points (other features call these in loops)::

    optimise_dispatch(prices_gbp_per_mwh, battery, interval_h=0.5, *,
                      buy_prices_gbp_per_mwh=None, sell_prices_gbp_per_mwh=None,
                      tradable=None) -> DispatchResult
    optimise_rolling(prices_gbp_per_mwh, battery, interval_h=0.5, *,
                     commit_intervals=48, lookahead_intervals=48,
                     forecast_prices_gbp_per_mwh=None, ...) -> DispatchResult
    naive_forecast(prices_gbp_per_mwh, lag_intervals=336) -> same type as the input
    optimise_soc_path(charge_value_gbp_per_mwh, discharge_value_gbp_per_mwh, ...)
        -> stored energy after each interval (the core, on per-interval value arrays)

``DispatchResult.schedule`` has one row per interval: ``charge_mw``, ``discharge_mw`` (both
≥ 0, never both > 0), ``soc_mwh`` (at the interval end), ``buy_price_gbp_per_mwh``,
``sell_price_gbp_per_mwh`` and ``cashflow_gbp``. ``DispatchResult.totals()`` gives
``net_revenue_gbp``, ``charge_cost_gbp``, ``discharge_revenue_gbp``,
``degradation_cost_gbp``, ``auxiliary_cost_gbp``, ``charged_mwh``, ``discharged_mwh`` (grid
side) and ``equivalent_cycles``.

The model (DESIGN.md "Efficiency", "Negative prices"): in each interval the battery charges
or discharges or idles, never both, so the decision is the change of stored energy
``delta ∈ [−P_d·h/η_d, P_c·η_c·h]`` with value ``−(buy/η_c)·delta`` when charging and
``−(sell − deg)·η_d·delta`` when discharging. The optimum is exact (equal to a zero-gap MILP,
proven in the tests), negative prices included; see ``engine._dispatch_kernel``. A daily
cycle cap is met exactly by Lagrangian prices per day, certified by complementary slackness;
when a certificate cannot be found the problem goes to the HiGHS MILP instead (exact, slower).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from engine._dispatch_kernel import solve_dp
from engine.battery import BatterySpec
from engine.dispatch_problem import (
    ENERGY_TOL_MWH,
    BoolArray,
    DispatchProblem,
    FloatArray,
    IntArray,
    build_problem,
    check_reachable,
    check_schedule,
)
from engine.errors import InfeasibleDispatchError, ValidationError

# Bisection steps for the daily Lagrangian prices of a cycle cap, the tie tolerance used
# while searching, and the optimality certificate demanded of the result.
_LAGRANGE_STEPS = 60
_BRACKET_GBP_PER_MWH = 1e-7
_CAP_TIE_GBP = 1e-6
_CERTIFICATE_GBP = 0.005
_TIE_GBP = 1e-9
_NO_BUDGET = np.full(1, np.inf)
_NO_EAGER = np.zeros(1, dtype=np.bool_)


@dataclass(frozen=True)
class DispatchResult:
    """A checked schedule and its totals.

    Attributes:
        schedule: One row per interval (columns in the module docstring).
        net_revenue_gbp: Discharge revenue − charge cost − degradation − auxiliary [£].
        charge_cost_gbp: Σ buy price × grid energy charged [£].
        discharge_revenue_gbp: Σ sell price × grid energy discharged [£].
        degradation_cost_gbp: Degradation cost × grid energy discharged [£].
        auxiliary_cost_gbp: Auxiliary load × buy price, all intervals [£].
        charged_mwh: Grid energy charged [MWh].
        discharged_mwh: Grid energy discharged [MWh].
        equivalent_cycles: Discharged energy ÷ usable capacity [cycles].
        method: How the optimum was found: ``dp``, ``dp+lagrange``, ``milp`` or ``rolling``.
    """

    schedule: pd.DataFrame
    net_revenue_gbp: float
    charge_cost_gbp: float
    discharge_revenue_gbp: float
    degradation_cost_gbp: float
    auxiliary_cost_gbp: float
    charged_mwh: float
    discharged_mwh: float
    equivalent_cycles: float
    method: str

    def totals(self) -> dict[str, float]:
        """The totals as a plain dict (the CLI's ``--json`` keys)."""
        return {
            "net_revenue_gbp": self.net_revenue_gbp,
            "charge_cost_gbp": self.charge_cost_gbp,
            "discharge_revenue_gbp": self.discharge_revenue_gbp,
            "degradation_cost_gbp": self.degradation_cost_gbp,
            "auxiliary_cost_gbp": self.auxiliary_cost_gbp,
            "charged_mwh": self.charged_mwh,
            "discharged_mwh": self.discharged_mwh,
            "equivalent_cycles": self.equivalent_cycles,
        }


def tighten_bounds(
    lo_mwh: FloatArray,
    hi_mwh: FloatArray,
    rise_mwh: FloatArray,
    fall_mwh: FloatArray,
    final_soc_mwh: float | None,
) -> tuple[FloatArray, FloatArray]:
    """SoC bounds from which the final SoC stays reachable (backward reachability).

    Args:
        lo_mwh: Lowest stored energy after each interval [MWh].
        hi_mwh: Highest stored energy after each interval [MWh].
        rise_mwh: Largest stored-energy increase per interval [MWh].
        fall_mwh: Largest stored-energy decrease per interval [MWh].
        final_soc_mwh: Required stored energy after the last interval, or None [MWh].
    """
    if final_soc_mwh is None:
        return lo_mwh, hi_mwh
    # After interval t, the remaining intervals t+1..T-1 can add Σrise / remove Σfall.
    rise_after = np.concatenate((np.cumsum(rise_mwh[::-1])[::-1][1:], [0.0]))
    fall_after = np.concatenate((np.cumsum(fall_mwh[::-1])[::-1][1:], [0.0]))
    lo = np.maximum(lo_mwh, final_soc_mwh - rise_after)
    hi = np.minimum(hi_mwh, final_soc_mwh + fall_after)
    return lo, hi


def optimise_soc_path(
    charge_value_gbp_per_mwh: FloatArray,
    discharge_value_gbp_per_mwh: FloatArray,
    max_rise_mwh: FloatArray,
    max_fall_mwh: FloatArray,
    soc_lo_mwh: FloatArray,
    soc_hi_mwh: FloatArray,
    initial_soc_mwh: float,
    final_soc_mwh: float | None = None,
) -> tuple[FloatArray, float]:
    """The exact optimal stored-energy path for per-interval values (the core).

    Interval ``t`` changes stored energy by ``delta ∈ [−max_fall, max_rise]`` and earns
    ``charge_value × delta`` when ``delta ≥ 0``, ``discharge_value × delta`` when
    ``delta ≤ 0``. Non-concave intervals (``discharge_value < charge_value``) are handled
    exactly.

    Args:
        charge_value_gbp_per_mwh: Value per MWh of stored-energy gain (−buy ÷ η_c) [£/MWh].
        discharge_value_gbp_per_mwh: Value slope of stored-energy loss (−(sell − deg) × η_d)
            [£/MWh].
        max_rise_mwh: Largest stored-energy increase per interval [MWh].
        max_fall_mwh: Largest stored-energy decrease per interval [MWh].
        soc_lo_mwh: Lowest stored energy after each interval [MWh].
        soc_hi_mwh: Highest stored energy after each interval [MWh].
        initial_soc_mwh: Stored energy at the start [MWh].
        final_soc_mwh: Stored energy required after the last interval, or None [MWh].

    Returns:
        (stored energy after each interval [MWh], optimal objective [£]).

    Raises:
        InfeasibleDispatchError: If no path meets the bounds and the final SoC.
    """
    return _dp(
        np.ascontiguousarray(charge_value_gbp_per_mwh, dtype=float),
        np.ascontiguousarray(discharge_value_gbp_per_mwh, dtype=float),
        np.ascontiguousarray(max_rise_mwh, dtype=float),
        np.ascontiguousarray(max_fall_mwh, dtype=float),
        np.ascontiguousarray(soc_lo_mwh, dtype=float),
        np.ascontiguousarray(soc_hi_mwh, dtype=float),
        float(initial_soc_mwh),
        final_soc_mwh,
    )


def _dp(
    a: FloatArray,
    b: FloatArray,
    rise: FloatArray,
    fall: FloatArray,
    lo: FloatArray,
    hi: FloatArray,
    s0: float,
    final_soc_mwh: float | None,
    day_budget: tuple[IntArray, FloatArray, BoolArray, float] | None = None,
    tie_gbp: float = _TIE_GBP,
) -> tuple[FloatArray, float]:
    """Run the kernel; ``day_budget`` = (day id, budget per day, eager per day, η_d)."""
    lo, hi = tighten_bounds(lo, hi, rise, fall, final_soc_mwh)
    if day_budget is None:
        day, budget, eager, eta_d = np.zeros(a.shape[0], dtype=np.int64), _NO_BUDGET, _NO_EAGER, 1.0
    else:
        day, budget, eager, eta_d = day_budget
    soc, objective, ok = solve_dp(
        a,
        b,
        rise,
        fall,
        lo,
        hi,
        float(s0),
        final_soc_mwh is not None,
        0.0 if final_soc_mwh is None else float(final_soc_mwh),
        day,
        budget,
        eager,
        float(eta_d),
        float(tie_gbp),
    )
    if not ok:
        raise InfeasibleDispatchError(
            "no schedule meets the state-of-charge bounds and the final SoC", field="final_soc_mwh"
        )
    return soc, float(objective)


def _day_discharge_mwh(problem: DispatchProblem, soc: FloatArray, s0: float) -> FloatArray:
    delta = np.diff(soc, prepend=s0)
    grid_out = np.maximum(-delta, 0.0) * problem.battery.discharge_efficiency_frac
    return np.asarray(
        np.bincount(problem.day_id, weights=grid_out, minlength=problem.n_days), dtype=float
    )


def _path_value(a: FloatArray, b: FloatArray, soc: FloatArray, s0: float) -> float:
    """Objective of a stored-energy path under values (a, b) [£]."""
    delta = np.diff(soc, prepend=s0)
    return float(np.sum(np.where(delta > 0, a * delta, b * delta)))


def _solve_capped(
    problem: DispatchProblem, s0: float, final_soc_mwh: float | None
) -> tuple[FloatArray, str]:
    """Exact optimum under a daily discharge cap: Lagrangian prices, else the MILP.

    A price ``λ_d ≥ 0`` per day on discharged grid energy is found by bisection (all days
    at once); among tied optima the DP prefers the one that fills each priced day's cap.
    Certificate (weak duality, valid for non-concave problems too): the optimum of the
    capped problem is at most ``L(λ) = max_x f(x) − Σ_d λ_d (g_d(x) − cap_d)``, so a
    schedule within every cap with ``f(x) ≥ L(λ) − £0.005`` is optimal to £0.005. Without
    such a certificate the HiGHS MILP decides (exact, slower).
    """
    cap = problem.day_cap_mwh
    if cap is None:  # pragma: no cover - callers check
        raise ValidationError("max_cycles_per_day: no cap set", field="max_cycles_per_day")
    battery = problem.battery
    a = problem.charge_value()
    b0 = problem.discharge_value()
    rise = problem.max_soc_rise_mwh()
    fall = problem.max_soc_fall_mwh()
    eta_d = battery.discharge_efficiency_frac
    day = problem.day_id

    def solve(lam: FloatArray) -> tuple[FloatArray, FloatArray, float]:
        b = b0 + lam[day] * eta_d
        soc, objective = _dp(
            a,
            b,
            rise,
            fall,
            problem.soc_lo_mwh,
            problem.soc_hi_mwh,
            s0,
            final_soc_mwh,
            (day, cap, lam > 0, eta_d),
            _CAP_TIE_GBP,
        )
        dual = objective + float(np.dot(lam, cap))
        return soc, _day_discharge_mwh(problem, soc, s0), dual

    lam = np.zeros(problem.n_days)
    soc, used, dual = solve(lam)
    if np.all(used <= cap + ENERGY_TOL_MWH):
        return soc, "dp"
    # A price above any spread the store could earn stops all discharging that day.
    spread = np.max(np.abs(problem.sell_gbp_per_mwh)) + np.max(np.abs(problem.buy_gbp_per_mwh))
    ceiling = (
        2.0
        * (float(spread) + battery.degradation_cost_gbp_per_mwh)
        / (battery.round_trip_efficiency_frac)
        + 1.0
    )
    low = np.zeros(problem.n_days)
    high = np.where(used > cap + ENERGY_TOL_MWH, ceiling, 0.0)
    for _ in range(_LAGRANGE_STEPS):
        lam = 0.5 * (low + high)
        soc, used, dual = solve(lam)
        over = used > cap + ENERGY_TOL_MWH
        slack = (used < cap - ENERGY_TOL_MWH) & (lam > 0)
        if not over.any() and _path_value(a, b0, soc, s0) >= dual - _CERTIFICATE_GBP:
            return soc, "dp+lagrange"
        # A day that went over with no price bracket yet gets one of its own.
        high = np.where(over & (high <= low), ceiling, high)
        low = np.where(over, lam, low)
        high = np.where(slack, lam, high)
        if float(np.max(high - low)) < _BRACKET_GBP_PER_MWH:
            break
    repaired = _fill_tied_days(problem, s0, solve, low, high)
    if repaired is not None:
        return repaired, "dp+lagrange"
    # Imported here: HiGHS is only needed on this path (it costs memory at import).
    from engine.dispatch_milp import solve_milp

    try:
        milp = solve_milp(problem, s0, final_soc_mwh, binaries="needed")
    except InfeasibleDispatchError:
        raise InfeasibleDispatchError(
            "max_cycles_per_day: no schedule meets the daily cycle cap together with the "
            "state-of-charge bounds and the final SoC",
            field="max_cycles_per_day",
        ) from None
    return milp.soc_mwh, "milp"


def _fill_tied_days(
    problem: DispatchProblem,
    s0: float,
    solve: Callable[[FloatArray], tuple[FloatArray, FloatArray, float]],
    low: FloatArray,
    high: FloatArray,
) -> FloatArray | None:
    """Resolve ties at the Lagrangian prices by mixing paths, one priced day at a time.

    At the price ``high`` a day may discharge less than its cap and at ``low`` more, both
    (nearly) optimal for the Lagrangian: a convex mix of the two stored-energy paths that
    discharges exactly the cap stays within every bound. The mix is kept only if the final
    path passes the same certificate (every cap met, value within £0.005 of ``L(high)``).
    """
    cap = problem.day_cap_mwh
    if cap is None:  # pragma: no cover - callers check
        return None
    a = problem.charge_value()
    b0 = problem.discharge_value()
    eta_d = problem.battery.discharge_efficiency_frac
    soc, used, dual = solve(high)
    if np.any(used > cap + ENERGY_TOL_MWH):
        return None
    for d in np.flatnonzero((used < cap - ENERGY_TOL_MWH) & (high > 0)):
        trial = high.copy()
        trial[d] = low[d]
        other, _, _ = solve(trial)
        rows = np.flatnonzero(problem.day_id == d)
        # Stored energy from the start of day d to its end (the start included).
        here = np.concatenate(([s0], soc))[int(rows[0]) : int(rows[-1]) + 2]
        there = np.concatenate(([s0], other))[int(rows[0]) : int(rows[-1]) + 2]

        def day_out(theta: float, here: FloatArray = here, there: FloatArray = there) -> float:
            mix = (1 - theta) * here + theta * there
            return float(np.sum(np.maximum(-np.diff(mix), 0.0)) * eta_d)

        if day_out(1.0) < cap[d] - ENERGY_TOL_MWH:
            return None
        lo_t, hi_t = 0.0, 1.0
        for _ in range(50):
            mid = 0.5 * (lo_t + hi_t)
            if day_out(mid) < cap[d]:
                lo_t = mid
            else:
                hi_t = mid
        soc = (1 - hi_t) * soc + hi_t * other
    used = _day_discharge_mwh(problem, soc, s0)
    if np.any(used > cap + ENERGY_TOL_MWH):
        return None
    if _path_value(a, b0, soc, s0) < dual - _CERTIFICATE_GBP:
        return None
    return soc


def solve_problem(
    problem: DispatchProblem, s0: float, final_soc_mwh: float | None
) -> tuple[FloatArray, str]:
    """The exact stored-energy path of a laid-out problem, and the method used.

    Args:
        problem: The problem (prices used for decisions).
        s0: Stored energy at the start [MWh].
        final_soc_mwh: Stored energy required at the end, or None [MWh].
    """
    if problem.day_cap_mwh is not None:
        return _solve_capped(problem, s0, final_soc_mwh)
    soc, _ = optimise_soc_path(
        problem.charge_value(),
        problem.discharge_value(),
        problem.max_soc_rise_mwh(),
        problem.max_soc_fall_mwh(),
        problem.soc_lo_mwh,
        problem.soc_hi_mwh,
        s0,
        final_soc_mwh,
    )
    return soc, "dp"


def build_result(
    problem: DispatchProblem,
    settle: DispatchProblem,
    soc: FloatArray,
    method: str,
) -> DispatchResult:
    """Turn a stored-energy path into checked powers, cashflows and totals.

    Args:
        problem: The problem the decisions were taken on (limits, bounds, days).
        settle: The problem whose prices settle the cashflows (the actual prices).
        soc: Stored energy after each interval [MWh].
        method: How the path was found.
    """
    battery = problem.battery
    h = problem.interval_h
    s0 = battery.initial_soc_mwh
    delta = np.diff(soc, prepend=s0)
    delta[np.abs(delta) < 1e-10] = 0.0
    charge_mw = np.where(delta > 0, delta / (battery.charge_efficiency_frac * h), 0.0)
    discharge_mw = np.where(delta < 0, -delta * battery.discharge_efficiency_frac / h, 0.0)
    # Clip float dust at the power limits before the checks.
    charge_mw = np.minimum(charge_mw, problem.charge_limit_mw)
    discharge_mw = np.minimum(discharge_mw, problem.discharge_limit_mw)
    check_schedule(problem, charge_mw, discharge_mw, soc, s0, battery.final_soc_mwh)
    charged = charge_mw * h
    discharged = discharge_mw * h
    charge_cost = settle.buy_gbp_per_mwh * charged
    revenue = settle.sell_gbp_per_mwh * discharged
    degradation = battery.degradation_cost_gbp_per_mwh * discharged
    auxiliary = battery.auxiliary_load_mw * h * settle.buy_gbp_per_mwh
    cashflow = revenue - charge_cost - degradation - auxiliary
    schedule = pd.DataFrame(
        {
            "charge_mw": charge_mw,
            "discharge_mw": discharge_mw,
            "soc_mwh": soc,
            # No price is shown where the battery could not trade (e.g. an APX no-trade).
            "buy_price_gbp_per_mwh": np.where(settle.tradable, settle.buy_gbp_per_mwh, np.nan),
            "sell_price_gbp_per_mwh": np.where(settle.tradable, settle.sell_gbp_per_mwh, np.nan),
            "cashflow_gbp": cashflow,
        },
        index=problem.index,
    )
    discharged_mwh = float(discharged.sum())
    return DispatchResult(
        schedule=schedule,
        net_revenue_gbp=float(cashflow.sum()),
        charge_cost_gbp=float(charge_cost.sum()),
        discharge_revenue_gbp=float(revenue.sum()),
        degradation_cost_gbp=float(degradation.sum()),
        auxiliary_cost_gbp=float(auxiliary.sum()),
        charged_mwh=float(charged.sum()),
        discharged_mwh=discharged_mwh,
        equivalent_cycles=discharged_mwh / battery.usable_energy_mwh,
        method=method,
    )


def optimise_dispatch(
    prices_gbp_per_mwh: Any,
    battery: BatterySpec,
    interval_h: float = 0.5,
    *,
    buy_prices_gbp_per_mwh: Any = None,
    sell_prices_gbp_per_mwh: Any = None,
    tradable: Any = None,
) -> DispatchResult:
    """The exact perfect-foresight optimum over the whole series (a day to several years).

    Args:
        prices_gbp_per_mwh: Price per interval for both directions (array or Series; a
            tz-aware UTC index defines the days of the cycle cap), or None when both buy
            and sell prices are given [£/MWh].
        battery: The battery.
        interval_h: Interval length [h].
        buy_prices_gbp_per_mwh: Import price when it differs (e.g. a tariff) [£/MWh].
        sell_prices_gbp_per_mwh: Export price when it differs [£/MWh].
        tradable: Optional flags; False means the battery cannot trade in that interval
            (e.g. an APX period with no trades, whose price is then ignored).

    Returns:
        The checked schedule and totals.

    Raises:
        ValidationError: Bad prices or lengths (naming the field and intervals).
        InfeasibleDispatchError: An unreachable final SoC.
    """
    problem = build_problem(
        battery,
        interval_h,
        prices_gbp_per_mwh,
        buy_prices_gbp_per_mwh,
        sell_prices_gbp_per_mwh,
        tradable,
    )
    check_reachable(problem, battery.initial_soc_mwh)
    soc, method = solve_problem(problem, battery.initial_soc_mwh, battery.final_soc_mwh)
    return build_result(problem, problem, soc, method)
