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
proven in the tests), negative prices included; see ``engine.solvers.dp``. A daily
cycle cap is met exactly by a relaxation argument (see :func:`_solve_capped`): the uncapped
DP if it meets the caps, else the HiGHS LP with the caps if it burns no energy, else a
MILP with binaries added only where the previous solve burned.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from engine.battery import BatterySpec
from engine.dispatch.problem import (
    ENERGY_TOL_MWH,
    DispatchProblem,
    FloatArray,
    build_problem,
    check_reachable,
    check_schedule,
)
from engine.errors import InfeasibleDispatchError, ValidationError
from engine.solvers import solve_dp

# The power above which an LP/MILP schedule counts as charging and discharging at once.
_BURN_TOL_MW = 1e-7


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
        method: How the optimum was found: ``dp``, ``lp`` (capped, LP relaxation without
            burning), ``milp`` (capped, lazy binaries) or ``rolling``.
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
) -> tuple[FloatArray, float]:
    """Run the kernel on tightened bounds; raise if no path exists."""
    lo, hi = tighten_bounds(lo, hi, rise, fall, final_soc_mwh)
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


def _solve_capped(
    problem: DispatchProblem, s0: float, final_soc_mwh: float | None
) -> tuple[FloatArray, str]:
    """Exact optimum under a daily discharge cap.

    1. The uncapped DP optimum, if it already meets every cap, is optimal (a relaxation).
    2. Otherwise the HiGHS LP relaxation with the caps: where it never charges and
       discharges at once in a non-concave (negative-price) interval, its SoC path is
       feasible for the true model and, as the optimum of a relaxation, optimal. (In a
       concave interval simultaneous use is netted away at no loss: netting never lowers
       the value nor raises the discharge.)
    3. Otherwise binaries are added, lazily, only on the intervals where the last solve
       burned energy, and the MILP is re-solved until no interval does: each solve is a
       relaxation of the true model, so the first schedule without burning is optimal.
    """
    if problem.day_cap_mwh is None:  # callers check
        raise ValidationError("max_cycles_per_day: no cap set", field="max_cycles_per_day")
    soc, _ = _dp(
        problem.charge_value(),
        problem.discharge_value(),
        problem.max_soc_rise_mwh(),
        problem.max_soc_fall_mwh(),
        problem.soc_lo_mwh,
        problem.soc_hi_mwh,
        s0,
        final_soc_mwh,
    )
    if np.all(_day_discharge_mwh(problem, soc, s0) <= problem.day_cap_mwh + ENERGY_TOL_MWH):
        return soc, "dp"
    # Imported here: HiGHS is only needed on this path (it costs memory at import).
    from engine.dispatch.milp import nonconcave_intervals, solve_milp

    kinked = nonconcave_intervals(problem)
    chosen = np.zeros(problem.n_intervals, dtype=bool)
    method = "lp"
    while True:
        try:
            solution = solve_milp(problem, s0, final_soc_mwh, binaries=np.flatnonzero(chosen))
        except InfeasibleDispatchError:
            raise InfeasibleDispatchError(
                "max_cycles_per_day: no schedule meets the daily cycle cap together with the "
                "state-of-charge bounds and the final SoC",
                field="max_cycles_per_day",
            ) from None
        burned = (
            (solution.charge_mw > _BURN_TOL_MW) & (solution.discharge_mw > _BURN_TOL_MW) & kinked
        )
        if not burned.any():
            return solution.soc_mwh, method
        chosen |= burned
        method = "milp"


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
