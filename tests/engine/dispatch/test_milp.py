"""The HiGHS reference model: the MILP never burns energy; the LP relaxation does."""

from __future__ import annotations

import pytest

from engine.battery import BatterySpec
from engine.dispatch.milp import nonconcave_intervals, solve_milp
from engine.dispatch.problem import build_problem
from engine.errors import InfeasibleDispatchError


def test_two_periods_by_hand() -> None:
    battery = BatterySpec.symmetric(2.0, 4.0, charge_efficiency_frac=0.9)
    solution = solve_milp(build_problem(battery, 0.5, [20.0, 100.0]), 0.0, None)
    # Buy 1 MWh at £20, store 0.9, sell it at £100: £70.
    assert solution.objective_gbp == pytest.approx(70.0)
    assert solution.soc_mwh.tolist() == pytest.approx([0.9, 0.0])


def test_binaries_only_where_the_value_is_not_concave() -> None:
    battery = BatterySpec.symmetric(1.0, 1.0, charge_efficiency_frac=0.9)
    problem = build_problem(battery, 0.5, [50.0, -5.0, 0.0])
    # At −£5: selling earns −5 × 1.0 per MWh stored, buying −(−5) ÷ 0.9 = 5.56: not concave.
    assert nonconcave_intervals(problem).tolist() == [False, True, False]


def test_relaxation_burns_at_negative_prices_and_the_milp_does_not() -> None:
    battery = BatterySpec.symmetric(
        1.0, 0.5, charge_efficiency_frac=0.9, discharge_efficiency_frac=0.9, initial_soc_mwh=0.5
    )
    problem = build_problem(battery, 0.5, [-10.0])
    exact = solve_milp(problem, 0.5, 0.5, binaries="all")
    relaxed = solve_milp(problem, 0.5, 0.5, binaries="none")
    # One half-hour, full at the start and the end: the only gain is burning.
    assert exact.objective_gbp == pytest.approx(0.0, abs=1e-6)
    # Burning: buy 0.5 MWh (+£5), store 0.45, sell 0.45 × 0.9 = 0.405 MWh (−£4.05).
    assert relaxed.objective_gbp == pytest.approx(0.95)


def test_infeasible() -> None:
    battery = BatterySpec.symmetric(1.0, 4.0)
    with pytest.raises(InfeasibleDispatchError):
        solve_milp(build_problem(battery, 0.5, [1.0]), 0.0, 4.0)
