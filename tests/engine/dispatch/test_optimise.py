"""optimise_dispatch: hand-solvable cases, and exactness against a zero-gap MILP."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.battery import BatterySpec
from engine.dispatch.milp import solve_milp
from engine.dispatch.optimise import DispatchResult, optimise_dispatch, optimise_soc_path
from engine.dispatch.problem import build_problem
from engine.errors import InfeasibleDispatchError
from tests.strategies import batteries, prices_gbp_per_mwh

# The reference battery: 2 MW / 4 MWh, charge efficiency 0.9, discharge 1.0.
REF = BatterySpec(
    charge_power_mw=2.0,
    discharge_power_mw=2.0,
    energy_mwh=4.0,
    charge_efficiency_frac=0.9,
    discharge_efficiency_frac=1.0,
)


def _never_both(result: DispatchResult) -> None:
    sched = result.schedule
    assert not ((sched["charge_mw"] > 0) & (sched["discharge_mw"] > 0)).any()


def test_two_periods() -> None:
    result = optimise_dispatch([20.0, 100.0], REF)
    # t0: charge 2 MW × 0.5 h = 1 MWh from the grid (£20), storing 0.9 MWh.
    # t1: discharge the 0.9 MWh stored = 0.9 MWh to the grid (η_d = 1) at £100 = £90.
    assert result.net_revenue_gbp == pytest.approx(70.0)
    assert result.charge_cost_gbp == pytest.approx(20.0)
    assert result.discharge_revenue_gbp == pytest.approx(90.0)
    assert result.schedule["charge_mw"].tolist() == pytest.approx([2.0, 0.0])
    assert result.schedule["discharge_mw"].tolist() == pytest.approx([0.0, 1.8])
    assert result.schedule["soc_mwh"].tolist() == pytest.approx([0.9, 0.0])
    assert result.schedule["cashflow_gbp"].tolist() == pytest.approx([-20.0, 90.0])
    # 0.9 MWh discharged ÷ 4 MWh usable.
    assert result.equivalent_cycles == pytest.approx(0.225)


def test_flat_price_does_nothing_when_soc_must_return() -> None:
    # Round trip 0.9 < 1: any cycle at a flat price loses money.
    result = optimise_dispatch(np.full(48, 50.0), replace(REF, initial_soc_mwh=2, final_soc_mwh=2))
    assert result.net_revenue_gbp == 0.0
    assert result.charged_mwh == 0.0
    assert result.discharged_mwh == 0.0


def test_flat_price_sells_what_is_stored_when_the_end_is_free() -> None:
    result = optimise_dispatch(np.full(48, 50.0), replace(REF, initial_soc_mwh=2))
    # 2 MWh stored × η_d 1.0 × £50 = £100, whenever it is sold.
    assert result.net_revenue_gbp == pytest.approx(100.0)
    assert result.charged_mwh == 0.0


def test_one_spike() -> None:
    prices = np.full(48, 30.0)
    prices[36] = 300.0
    result = optimise_dispatch(prices, replace(REF, final_soc_mwh=0.0))
    # At the spike: 2 MW × 0.5 h = 1 MWh to the grid = 1 MWh stored, which took
    # 1 ÷ 0.9 = 1.1111 MWh from the grid at £30 = £33.33. Net 300 − 33.33 = £266.67.
    assert result.net_revenue_gbp == pytest.approx(300.0 - 30.0 / 0.9)
    assert result.discharged_mwh == pytest.approx(1.0)
    assert result.charged_mwh == pytest.approx(1 / 0.9)
    assert result.schedule["discharge_mw"].iloc[36] == pytest.approx(2.0)
    # 1 MWh ÷ 4 MWh usable.
    assert result.equivalent_cycles == pytest.approx(0.25)


def test_all_negative_prices_fill_but_never_burn() -> None:
    # 1 MW / 0.5 MWh, 0.9 each way, four half-hours at −£10, empty at the start.
    battery = BatterySpec.symmetric(
        1.0, 0.5, charge_efficiency_frac=0.9, discharge_efficiency_frac=0.9
    )
    result = optimise_dispatch(np.full(4, -10.0), battery)
    # Best plan (1 MW × 0.5 h = 0.5 MWh per interval at the grid):
    #   t0 charge 0.5 MWh (+£5), storing 0.45;  t1 top up 0.05 stored = 0.0556 MWh (+£0.556);
    #   t2 discharge 0.45 stored = 0.405 MWh to the grid, paying £4.05 to be rid of it;
    #   t3 charge 0.5 MWh again (+£5).  Total 5 + 0.5556 − 4.05 + 5 = £6.5056.
    assert result.net_revenue_gbp == pytest.approx(5 + 0.05 / 0.9 * 10 - 4.05 + 5)
    assert result.discharged_mwh == pytest.approx(0.405)
    _never_both(result)
    # An LP relaxation instead "burns" energy: charging and discharging at once while full.
    problem = build_problem(battery, 0.5, np.full(4, -10.0))
    relaxed = solve_milp(problem, 0.0, None, binaries="none")
    assert relaxed.objective_gbp > result.net_revenue_gbp + 1.0
    assert ((relaxed.charge_mw > 1e-6) & (relaxed.discharge_mw > 1e-6)).any()


def test_all_negative_prices_with_an_empty_end() -> None:
    result = optimise_dispatch(np.full(4, -10.0), replace(REF, final_soc_mwh=0.0))
    # Charging 1 MWh earns £10 and stores 0.9; selling 0.9 costs £9. Two periods charge,
    # two discharge: 2 × 10 − 1.8 × 10 = £2. (Three charging periods would store 2.7 MWh,
    # more than one 1 MWh discharge can empty.)
    assert result.net_revenue_gbp == pytest.approx(2.0)
    _never_both(result)


@pytest.mark.parametrize(
    ("cycles", "expected_gbp"),
    [
        # Cap 0.5 cycles × 4 MWh = 2 MWh a day: buy 2 MWh at £5, sell at £100: 200 − 10.
        (0.5, 190.0),
        # Cap 0.6 cycles = 2.4 MWh, a part-interval at the margin: 240 − 12.
        (0.6, 228.0),
        # No binding cap: two full cycles of 4 MWh: 800 − 40.
        (3.0, 760.0),
    ],
)
def test_cycle_capped_day(cycles: float, expected_gbp: float) -> None:
    prices = np.tile(np.repeat([5.0, 100.0], 4), 2)
    battery = BatterySpec.symmetric(2.0, 4.0, max_cycles_per_day=cycles)
    result = optimise_dispatch(prices, battery)
    assert result.net_revenue_gbp == pytest.approx(expected_gbp)
    assert result.equivalent_cycles <= cycles + 1e-9
    _never_both(result)


def test_cycle_cap_with_negative_prices_needs_binaries() -> None:
    # Two 12-hour intervals a day; 1 MW / 12 MWh, 0.9 each way, full at the start,
    # cap 0.5 cycles = 6 MWh a day. The LP relaxation would "burn" on day 2.
    battery = BatterySpec.symmetric(
        1.0,
        12.0,
        charge_efficiency_frac=0.9,
        discharge_efficiency_frac=0.9,
        max_cycles_per_day=0.5,
        initial_soc_mwh=12.0,
    )
    result = optimise_dispatch([100.0, 100.0, -10.0, -10.0], battery, interval_h=12.0)
    # Day 1: sell the cap, 6 MWh at £100 = £600 (12 − 6 ÷ 0.9 = 5.333 MWh left).
    # Day 2: sell 0.31 MW × 12 h = 3.72 MWh at −£10 (−£37.20; 5.333 − 3.72 ÷ 0.9 = 1.2 MWh
    # left) to make room, then buy 12 MWh at −£10 (+£120), storing 10.8 → full again.
    assert result.net_revenue_gbp == pytest.approx(600.0 - 37.2 + 120.0)
    assert result.method == "milp"
    _never_both(result)


def test_cycle_cap_counts_uk_settlement_days() -> None:
    # Two UK days (2024-06-01 and 2024-06-02, 48 periods each) from a UTC index.
    index = pd.date_range("2024-05-31T23:00Z", periods=96, freq="30min", name="interval_start")
    day = np.tile(np.repeat([5.0, 100.0], [40, 8]), 2)
    battery = BatterySpec.symmetric(2.0, 4.0, max_cycles_per_day=0.5)
    result = optimise_dispatch(pd.Series(day, index=index), battery)
    # Each day: 2 MWh discharged at £100 after 2 MWh bought at £5 → 190 a day.
    assert result.net_revenue_gbp == pytest.approx(380.0)
    assert result.schedule.index.equals(index)


def test_buy_and_sell_prices_differ() -> None:
    # Import at a tariff of £60, export at £65: a 0.9 round trip loses (60 ÷ 0.9 = 66.7 > 65).
    result = optimise_dispatch(
        None,
        REF,
        buy_prices_gbp_per_mwh=[60.0, 60.0],
        sell_prices_gbp_per_mwh=[65.0, 65.0],
    )
    assert result.net_revenue_gbp == 0.0
    # With export at £80 it pays: buy 1 MWh (£60), store 0.9, sell 0.9 at £80 = £72 → £12.
    result = optimise_dispatch(
        None,
        REF,
        buy_prices_gbp_per_mwh=[60.0, 60.0],
        sell_prices_gbp_per_mwh=[80.0, 80.0],
    )
    assert result.net_revenue_gbp == pytest.approx(12.0)


def test_degradation_and_auxiliary_costs() -> None:
    result = optimise_dispatch(
        [20.0, 100.0], replace(REF, degradation_cost_gbp_per_mwh=10.0, auxiliary_load_mw=0.1)
    )
    # As in two periods, plus £10 × 0.9 MWh wear and 0.1 MW × 0.5 h × (£20 + £100) = £6.
    assert result.degradation_cost_gbp == pytest.approx(9.0)
    assert result.auxiliary_cost_gbp == pytest.approx(6.0)
    assert result.net_revenue_gbp == pytest.approx(70.0 - 9.0 - 6.0)


def test_untradable_intervals_are_skipped() -> None:
    result = optimise_dispatch([20.0, float("nan"), 100.0], REF, tradable=[True, False, True])
    assert result.schedule["charge_mw"].iloc[1] == 0.0
    assert result.schedule["discharge_mw"].iloc[1] == 0.0
    assert result.net_revenue_gbp == pytest.approx(70.0)


def test_unreachable_final_soc() -> None:
    with pytest.raises(InfeasibleDispatchError) as exc:
        optimise_dispatch([10.0, 20.0], replace(REF, final_soc_mwh=4.0))
    # Two half-hours store at most 2 × 0.9 = 1.8 MWh.
    assert exc.value.field == "final_soc_mwh"
    assert "cannot be reached" in exc.value.detail


def test_soc_path_core_matches_hand_value() -> None:
    # One interval, charge value −£10/MWh stored, discharge value −£50: sell 1 MWh at £50.
    soc, objective = optimise_soc_path(
        np.array([-10.0]),
        np.array([-50.0]),
        np.array([1.0]),
        np.array([1.0]),
        np.array([0.0]),
        np.array([2.0]),
        1.0,
    )
    assert soc.tolist() == [0.0]
    assert objective == pytest.approx(50.0)


@st.composite
def instances(draw: st.DrawFn) -> tuple[BatterySpec, list[float], list[float], float]:
    buy = draw(prices_gbp_per_mwh(1, 30, pennies=True))
    spread = draw(st.sampled_from([0.0, 0.0, 7.3, -4.1]))
    sell = [round(p - spread, 2) for p in buy]
    battery = draw(batteries())
    interval_h = draw(st.sampled_from([0.25, 0.5, 1.0]))
    return battery, buy, sell, interval_h


@settings(max_examples=90, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instances())
def test_equals_zero_gap_milp(
    instance: tuple[BatterySpec, list[float], list[float], float],
) -> None:
    battery, buy, sell, interval_h = instance
    problem = build_problem(battery, interval_h, None, buy, sell)
    try:
        reference = solve_milp(
            problem, battery.initial_soc_mwh, battery.final_soc_mwh, binaries="all"
        )
    except InfeasibleDispatchError:
        with pytest.raises(InfeasibleDispatchError):
            optimise_dispatch(
                None, battery, interval_h, buy_prices_gbp_per_mwh=buy, sell_prices_gbp_per_mwh=sell
            )
        return
    result = optimise_dispatch(
        None, battery, interval_h, buy_prices_gbp_per_mwh=buy, sell_prices_gbp_per_mwh=sell
    )
    assert abs(result.net_revenue_gbp - reference.objective_gbp) <= 0.01
    _never_both(result)
    sched = result.schedule
    # Totals add up from the schedule.
    assert result.net_revenue_gbp == pytest.approx(
        result.discharge_revenue_gbp - result.charge_cost_gbp - result.degradation_cost_gbp,
        abs=1e-6,
    )
    assert sched["cashflow_gbp"].sum() == pytest.approx(result.net_revenue_gbp, abs=1e-6)


def test_readme_example_runs() -> None:
    # The example moved with the section from README.md to docs/models.md (issue 18).
    readme = (Path(__file__).resolve().parents[3] / "docs" / "models.md").read_text("utf-8")
    section = readme.split("## Battery dispatch", 1)[1]
    code = section.split("```python", 1)[1].split("```", 1)[0]
    namespace: dict[str, object] = {}
    exec(code, namespace)
    result = namespace["result"]
    assert isinstance(result, DispatchResult)
    assert result.net_revenue_gbp == pytest.approx(70.0)
