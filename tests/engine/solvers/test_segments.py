"""The piecewise-linear dispatch kernel: exact against a physical MILP, and the two-piece case
equal to the dispatch optimiser's own kernel."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.battery import BatterySpec
from engine.btm.milp import solve_site_milp
from engine.btm.site import SiteIntervals, site_cost_gbp, site_flows, value_points
from engine.dispatch.optimise import optimise_soc_path
from engine.reference import ReferenceData
from engine.solvers.segments import solve_segments


def _random_site(rng: np.random.Generator, n: int, concave_only: bool) -> SiteIntervals:
    load = rng.uniform(0.0, 1.5, n) * (rng.random(n) < 0.9)
    pv = rng.uniform(0.0, 2.0, n) * (rng.random(n) < 0.6)
    if concave_only:
        cost = rng.uniform(20.0, 150.0, n)
        value = cost * rng.uniform(0.0, 1.0, n)
    else:  # negative prices, exports worth more than imports: neither concave nor convex
        cost = rng.normal(50.0, 60.0, n)
        value = rng.normal(30.0, 60.0, n)
    import_limit = np.full(n, load.max() + rng.uniform(0.0, 1.0))
    export_limit = np.full(n, rng.uniform(0.0, 1.0) if rng.random() < 0.8 else 0.0)
    return SiteIntervals(load, pv, cost, value, import_limit, export_limit)


def _random_battery(rng: np.random.Generator) -> BatterySpec:
    energy = float(rng.uniform(0.3, 3.0))
    final = float(rng.uniform(0.1, 0.9)) * energy if rng.random() < 0.3 else None
    soc_min, soc_max = float(rng.uniform(0.0, 0.1)), float(rng.uniform(0.9, 1.0))
    return BatterySpec(
        charge_power_mw=float(rng.uniform(0.2, 2.0)),
        discharge_power_mw=float(rng.uniform(0.2, 2.0)),
        energy_mwh=energy,
        charge_efficiency_frac=float(rng.uniform(0.7, 1.0)),
        discharge_efficiency_frac=float(rng.uniform(0.7, 1.0)),
        soc_min_frac=soc_min,
        soc_max_frac=soc_max,
        # Often exactly at a bound: the first step then has a single state on a kink.
        initial_soc_mwh=float(rng.choice([soc_min, soc_max, rng.uniform(0.1, 0.9)])) * energy,
        final_soc_mwh=final,
        degradation_cost_gbp_per_mwh=float(rng.uniform(0.0, 10.0)),
    )


def _solve(site: SiteIntervals, battery: BatterySpec) -> tuple[np.ndarray, float, bool]:
    points, values = value_points(site, battery, 0.5)
    n = points.shape[0]
    final = battery.final_soc_mwh
    return solve_segments(
        points,
        values,
        np.full(n, battery.soc_min_mwh),
        np.full(n, battery.soc_max_mwh),
        battery.initial_soc_mwh,
        final is not None,
        0.0 if final is None else final,
        1e-9,
    )


@settings(max_examples=100, deadline=None)
@given(seed=st.integers(0, 2**31), n=st.integers(1, 40), concave_only=st.booleans())
def test_equal_to_the_milp_on_random_sites(seed: int, n: int, concave_only: bool) -> None:
    """The DP's optimum equals the MILP's to £0.01 (efficiencies and capacities off-lattice,
    negative prices and exports dearer than imports included), and its path attains it."""
    rng = np.random.default_rng(seed)
    site = _random_site(rng, n, concave_only)
    battery = _random_battery(rng)
    soc, objective, ok = _solve(site, battery)
    if battery.final_soc_mwh is not None and not ok:
        with pytest.raises(Exception, match="HiGHS"):
            solve_site_milp(site, battery)
        return
    assert ok
    _, milp = solve_site_milp(site, battery)
    base = float(site_cost_gbp(site, site_flows(site, site.net_mwh)).sum())
    assert objective == pytest.approx(milp + base, abs=0.01)
    points, values = value_points(site, battery, 0.5)
    delta = np.diff(soc, prepend=battery.initial_soc_mwh)
    attained = sum(np.interp(delta[t], points[t], values[t]) for t in range(n))
    assert attained == pytest.approx(objective, abs=1e-6)
    assert np.all(soc >= battery.soc_min_mwh - 1e-9)
    assert np.all(soc <= battery.soc_max_mwh + 1e-9)


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 2**31), n=st.integers(1, 200))
def test_two_pieces_equal_the_dispatch_kernel(seed: int, n: int) -> None:
    """With one charging and one discharging slope, the same optimum as optimise_soc_path."""
    rng = np.random.default_rng(seed)
    price = rng.normal(50.0, 60.0, n)
    a = -price / 0.9
    b = -(price - 2.0) * 0.95
    rise = np.full(n, 0.9)
    fall = np.full(n, 1.0 / 0.95)
    lo, hi = np.zeros(n), np.full(n, 3.0)
    _, expected = optimise_soc_path(a, b, rise, fall, lo, hi, 1.0)
    points = np.column_stack((-fall, np.zeros(n), rise))
    values = np.column_stack((-b * fall, np.zeros(n), a * rise))
    _, objective, ok = solve_segments(points, values, lo, hi, 1.0, False, 0.0, 1e-9)
    assert ok
    assert objective == pytest.approx(expected, abs=1e-6)


def test_hand_worked_two_intervals() -> None:
    # Interval 0: charging up to 1 MWh costs £10/MWh; interval 1: discharging 1 MWh earns
    # £30 for the first 0.5 MWh and £5 for the next (e.g. site demand, then export).
    # Charge 1, discharge 1: −10 + 15 + 2.5 = £7.5. Charge 0.5, discharge 0.5: −5 + 15 =
    # £10, the optimum (the second half-MWh earns 2.5 but costs 5).
    points = np.array([[-1.0, 0.0, 0.0, 1.0], [-1.0, -0.5, 0.0, 1.0]])
    values = np.array([[0.0, 0.0, 0.0, -10.0], [17.5, 15.0, 0.0, -100.0]])
    soc, objective, ok = solve_segments(
        points, values, np.zeros(2), np.full(2, 2.0), 0.0, False, 0.0, 1e-9
    )
    assert ok
    assert objective == pytest.approx(10.0)
    assert soc == pytest.approx([0.5, 0.0])


def test_equal_to_the_milp_on_a_week_of_real_2024_system_prices(ref: ReferenceData) -> None:
    """336 half-hours around the first negative 2024 system price, PV and a mid-size load,
    imports at price + DUoS-like adders, exports at the price (negative at times)."""
    table = ref.table("system_prices_2024").sort_values("start_time_utc")
    price = table["system_sell_price_gbp_per_mwh"].to_numpy(dtype=float)
    first = max(int(np.flatnonzero(price < 0)[0]) - 100, 0)
    price = price[first : first + 336]
    n = price.shape[0]
    hour = (np.arange(n) % 48) / 2.0
    rng = np.random.default_rng(3)
    load = 0.4 + 0.3 * rng.random(n)
    pv = np.clip(np.sin((hour - 6.0) / 12.0 * np.pi), 0.0, None) * 0.8
    adder = np.where((hour >= 16) & (hour < 19), 16.42, np.where(hour >= 7.5, 2.37, 0.21))
    site = SiteIntervals(load, pv, price + adder, price.copy(), np.full(n, 1.5), np.full(n, 0.25))
    battery = BatterySpec.from_round_trip(1.0, 2.0, 0.88, degradation_cost_gbp_per_mwh=3.0)
    _, objective, ok = _solve(site, battery)
    assert ok
    _, milp = solve_site_milp(site, battery)
    base = float(site_cost_gbp(site, site_flows(site, site.net_mwh)).sum())
    assert objective == pytest.approx(milp + base, abs=0.01)
