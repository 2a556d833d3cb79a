"""Benchmark the investment case on replayed history (issue 16 anchors: a 15-year project
≤ 10 s; a 1-4 h sizing sweep ≤ 60 s), with the ratio to naively re-valuing every
project-year (one revenue stack per project-year and size), and the interpolation error of
the usable-energy grid, measured; and the same project over 100 scenario paths (anchor
≤ 120 s; each project-year valued once with the fast day-ahead policy).

The project: 50 MW / 100 MWh, round trip 0.88, six services, APX + imbalance, forecast mode
(the default), £100/kW + £250/kWh, £10k/MW/yr fixed and £1/MWh variable opex, augmentation
to 1.0 below 0.8 at £150/kWh, a 15-year T-4 agreement from 2026/27, 8 % real, 2026-2040,
price years 2023-2025 replayed in turn. Run: ``.venv/bin/python bench/invest.py``
(``--quick`` values one price year and sweeps 1-4 h in 1 h steps; ``--scenarios-only`` runs
only the scenario paths).
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
from pathlib import Path

from engine.invest import RevenueGrid, blend
from jobs.invest import InvestRequest, read_price_years, run_invest, year_valuer
from jobs.settings import Settings

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script: find bench/
from bench import _timing

CASE_TARGET_S = 10.0
SWEEP_TARGET_S = 60.0
SCENARIOS_TARGET_S = 120.0
SCENARIO_PATHS = 100
#: A forecast-mode year stack on this machine (docs/invest.md: ~5-13 s), for the naive
#: figure when the replayed case is not run in the same invocation [s].
STACK_S = 5.0


def scenarios(request: InvestRequest, settings: Settings, per_stack_s: float) -> None:
    """The 15-year case over :data:`SCENARIO_PATHS` paths, against its anchor."""
    paths = dataclasses.replace(request, scenarios=SCENARIO_PATHS)
    case, wall, cpu = _timing.timed(lambda: run_invest(paths, settings))
    spread = case["npv_distribution"]
    years = case["project_years_valued"]
    print(
        f"15-year case over {SCENARIO_PATHS} scenario paths ({spread['label']}): {wall:.1f} s "
        f"wall ({cpu:.1f} s CPU), {case['stacks_solved']} scenario-years valued; NPV P10 "
        f"£{spread['p10_gbp']:,.0f}, P50 £{spread['p50_gbp']:,.0f}, P90 £{spread['p90_gbp']:,.0f}"
        f", P(NPV < 0) {spread['probability_npv_negative']:.2f}"
    )
    print(
        f"  vs the {SCENARIOS_TARGET_S:g} s anchor: {wall / SCENARIOS_TARGET_S:.2f}x; naive = "
        f"{years} forecast-mode stacks ≈ {years * per_stack_s:.0f} s: "
        f"{years * per_stack_s / wall:.0f}x the time"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--scenarios-only", action="store_true")
    args = parser.parse_args()
    settings = Settings.from_env(os.environ)
    request = InvestRequest(
        50.0,
        100.0,
        capex_gbp_per_kw=100.0,
        capex_gbp_per_kwh=250.0,
        fixed_opex_gbp_per_mw_per_year=10_000.0,
        variable_opex_gbp_per_mwh=1.0,
        augmentation_gbp_per_kwh=150.0,
        augmentation_threshold_frac=0.8,
        capacity_market="T-4",
        cm_first_delivery_year="2026/27",
        price_years=(2024,) if args.quick else (2023, 2024, 2025),
    )
    print(f"load average at start: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    if args.scenarios_only:
        scenarios(request, settings, STACK_S)
        print(f"load average at end: {os.getloadavg()[0]:.1f}")
        return
    case, wall, cpu = _timing.timed(lambda: run_invest(request, settings))
    stacks, years = case["stacks_solved"], case["project_years_valued"]
    per_stack = wall / stacks
    print(
        f"15-year case: {wall:.1f} s wall ({cpu:.1f} s CPU), {stacks} stacks for {years} "
        f"project-years; NPV £{case['npv_gbp']:,.0f}, IRR {case['irr_frac']}, payback "
        f"{case['payback_year']}, LCOS {case['lcos_gbp_per_mwh']}"
    )
    print(
        f"  vs the {CASE_TARGET_S:g} s anchor: {wall / CASE_TARGET_S:.2f}x; naive "
        f"re-valuation = {years} stacks ≈ {years * per_stack:.0f} s: {years / stacks:.2f}x "
        "fewer stacks"
    )
    # The grid's error: one price year at 1.0 and 0.7 of nameplate, interpolated at 0.85,
    # against a stack solved at 0.85.
    year = read_price_years(dataclasses.replace(request, price_years=(2024,)), settings)
    grid = RevenueGrid(year_valuer(request, year, settings), ("2024",), 100.0, 0.3)
    exact = grid.valuer(0, 85.0)
    interpolated = blend(grid.value(0, 100.0), grid.value(0, 70.0), 0.5)
    for what, got, want in (
        ("forecast", interpolated.revenue_gbp, exact.revenue_gbp),
        ("upper bound (perfect foresight)", interpolated.upper_bound_gbp, exact.upper_bound_gbp),
    ):
        if got is None or want is None:
            continue
        print(
            f"  grid error at 0.85 of nameplate (2024, points 1.0 and 0.7), {what}: "
            f"£{got:,.0f} interpolated vs £{want:,.0f} solved = {100 * (got - want) / want:+.1f} %"
        )
    sweep_request = dataclasses.replace(
        request, sweep=True, duration_step_h=1.0 if args.quick else 0.5
    )
    sweep, wall, cpu = _timing.timed(lambda: run_invest(sweep_request, settings))
    stacks, years = sweep["stacks_solved"], sweep["project_years_valued"]
    print(
        f"1-4 h sweep: {wall:.1f} s wall ({cpu:.1f} s CPU), {stacks} stacks for {years} "
        f"project-years; best {sweep['best_duration_h']:g} h"
    )
    for row in sweep["sweep"]:
        print(f"  {row['duration_h']:g} h: NPV £{row['npv_gbp']:,.0f}, IRR {row['irr_frac']}")
    print(
        f"  vs the {SWEEP_TARGET_S:g} s anchor: {wall / SWEEP_TARGET_S:.2f}x; naive = {years} "
        f"stacks ≈ {years * wall / stacks:.0f} s: {years / stacks:.2f}x fewer stacks"
    )
    scenarios(request, settings, per_stack)
    print(f"load average at end: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
