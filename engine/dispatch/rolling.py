"""Rolling-horizon dispatch: decide on a forecast, commit part of it, settle on actuals.

Each step solves ``commit_intervals + lookahead_intervals`` intervals exactly on the
forecast prices, keeps the first ``commit_intervals`` decisions, carries the state of charge
(and, under a cycle cap, what each day has already discharged) and moves on. Cashflows are
settled on the actual prices. A final SoC target is kept reachable throughout (the bounds
are tightened by backward reachability) and is met by the last window.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np

from engine.battery import BatterySpec
from engine.dispatch.optimise import DispatchResult, build_result, solve_problem, tighten_bounds
from engine.dispatch.problem import FloatArray, build_problem, check_reachable
from engine.errors import InfeasibleDispatchError, ValidationError
from engine.solvers import block_holdings, solve_rolling, solve_segments
from engine.solvers.holdings import holding_limits, schedule_flows, service_holdings
from engine.solvers.intraday import gate_closure_flows


def _window_count(value: int, field: str, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < minimum:
        raise ValidationError(
            f"{field}: expected a whole number ≥ {minimum}, got {value!r}", field=field
        )
    return int(value)


def optimise_rolling(
    prices_gbp_per_mwh: Any,
    battery: BatterySpec,
    interval_h: float = 0.5,
    *,
    commit_intervals: int = 48,
    lookahead_intervals: int = 48,
    forecast_prices_gbp_per_mwh: Any = None,
    buy_prices_gbp_per_mwh: Any = None,
    sell_prices_gbp_per_mwh: Any = None,
    forecast_buy_prices_gbp_per_mwh: Any = None,
    forecast_sell_prices_gbp_per_mwh: Any = None,
    tradable: Any = None,
) -> DispatchResult:
    """Rolling-horizon dispatch: decisions on the forecast, cashflows on the actual prices.

    Args:
        prices_gbp_per_mwh: Actual price per interval, both directions [£/MWh].
        battery: The battery.
        interval_h: Interval length [h].
        commit_intervals: Intervals kept from each solve (48 = a day of half-hours).
        lookahead_intervals: Further intervals each solve looks at and discards.
        forecast_prices_gbp_per_mwh: The prices decisions are taken on (e.g.
            :func:`naive_forecast`); None = the actual prices (perfect foresight within each
            window) [£/MWh].
        buy_prices_gbp_per_mwh: Actual import price, if it differs [£/MWh].
        sell_prices_gbp_per_mwh: Actual export price, if it differs [£/MWh].
        forecast_buy_prices_gbp_per_mwh: Forecast import price, if it differs [£/MWh].
        forecast_sell_prices_gbp_per_mwh: Forecast export price, if it differs [£/MWh].
        tradable: Optional flags; False bars trading in that interval.

    Returns:
        The checked schedule, settled on the actual prices (``method`` = ``rolling``).
    """
    commit = _window_count(commit_intervals, "commit_intervals", 1)
    lookahead = _window_count(lookahead_intervals, "lookahead_intervals", 0)
    settle = build_problem(
        battery,
        interval_h,
        prices_gbp_per_mwh,
        buy_prices_gbp_per_mwh,
        sell_prices_gbp_per_mwh,
        tradable,
    )
    forecasts = (
        forecast_prices_gbp_per_mwh,
        forecast_buy_prices_gbp_per_mwh,
        forecast_sell_prices_gbp_per_mwh,
    )
    if all(f is None for f in forecasts):
        decide = settle
    else:
        decide = build_problem(battery, interval_h, *forecasts, tradable)
        if decide.n_intervals != settle.n_intervals:
            raise ValidationError(
                f"forecast_prices_gbp_per_mwh: {decide.n_intervals} intervals, but the actual "
                f"prices have {settle.n_intervals}",
                field="forecast_prices_gbp_per_mwh",
            )
        decide = dataclasses.replace(decide, index=settle.index, day_id=settle.day_id)
    s0 = battery.initial_soc_mwh
    final = battery.final_soc_mwh
    check_reachable(decide, s0)
    rise = decide.max_soc_rise_mwh()
    fall = decide.max_soc_fall_mwh()
    lo, hi = tighten_bounds(decide.soc_lo_mwh, decide.soc_hi_mwh, rise, fall, final)
    decide = dataclasses.replace(decide, soc_lo_mwh=lo, soc_hi_mwh=hi)
    if decide.day_cap_mwh is None:
        soc, ok = solve_rolling(
            decide.charge_value(),
            decide.discharge_value(),
            rise,
            fall,
            lo,
            hi,
            s0,
            final is not None,
            0.0 if final is None else final,
            commit,
            lookahead,
        )
        if not ok:
            raise InfeasibleDispatchError(
                "no rolling schedule meets the state-of-charge bounds", field="final_soc_mwh"
            )
    else:
        soc = _rolling_capped(decide, s0, final, commit, lookahead)
    return build_result(decide, settle, soc, "rolling")


def _rolling_capped(
    decide: Any, s0: float, final: float | None, commit: int, lookahead: int
) -> FloatArray:
    """The rolling loop under a daily cap: each window gets each day's remaining budget."""
    T = decide.n_intervals
    remaining = np.array(decide.day_cap_mwh, dtype=float)
    soc = np.zeros(T)
    eta_d = decide.battery.discharge_efficiency_frac
    s = s0
    k = 0
    while k < T:
        end = min(T, k + commit + lookahead)
        window = decide.slice(k, end)
        first_day = int(decide.day_id[k])
        budget = np.maximum(remaining[first_day : first_day + window.n_days], 0.0)
        window = dataclasses.replace(window, day_cap_mwh=budget)
        path, _ = solve_problem(window, s, final if end == T else None)
        keep = min(commit, T - k)
        soc[k : k + keep] = path[:keep]
        fall = np.maximum(-np.diff(path[:keep], prepend=s), 0.0) * eta_d
        np.subtract.at(remaining, decide.day_id[k : k + keep], fall)
        s = float(path[keep - 1])
        k += keep
    return soc


def warm_up() -> None:
    """Compile (or load from numba's cache) every kernel on a tiny problem.

    ``make install`` and the Docker build run this once so that no test, and no first
    request on a new Cloud Run instance, pays the compile time (tens of seconds).
    """
    battery = BatterySpec.symmetric(1.0, 1.0, max_cycles_per_day=0.5)
    prices = [10.0, 50.0, -5.0, 40.0]
    optimise_rolling(prices, BatterySpec.symmetric(1.0, 1.0), commit_intervals=2)
    optimise_rolling(prices, battery, commit_intervals=2)
    # The behind-the-meter kernel (several value pieces per interval), on two intervals.
    points = np.array([[-1.0, 0.0, 1.0], [-1.0, 0.0, 1.0]])
    values = np.array([[5.0, 0.0, -4.0], [-3.0, 0.0, 2.0]])
    solve_segments(points, values, np.zeros(2), np.ones(2), 0.0, False, 0.0, 1e-9)
    # The revenue search's per-block service holdings, on one block of one interval.
    block_holdings(
        np.array([0, 1], dtype=np.int64), np.ones(1), np.ones(1), 1.0, np.ones((1, 1)), np.ones(1)
    )
    # Its per-step arithmetic (both directions, the flows) and the within-day gate-closure loop.
    one = np.ones(1)
    limits = np.array([0.5, 1.0, 1.0, 0.0, 1.0, 0.9, 0.9])
    low = np.array([True, False])
    service_holdings(
        np.array([0, 1], dtype=np.int64), one, one, one, limits, np.ones((1, 2)), low, np.ones(2)
    )
    schedule_flows(one, 0.5, 0.45, 0.9, 0.5, one, one)
    flag = np.array([True])
    holding_limits(
        np.zeros(1, dtype=np.int64),
        np.ones((1, 2)),
        low,
        np.ones(2),
        one,
        one,
        flag,
        np.array([0.0, 1.0, 0.9, 0.9, 0.5]),
    )
    terms = np.array([0.0, 0.0, 40.0, 0.0, 0.9, 0.9, 0.5, 1e-7])
    gate_closure_flows(one, one, one, one, one, one, one, one, -one, one, one, one, terms)
