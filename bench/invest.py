"""Benchmark the investment case on replayed history (issue 16 anchors: a 15-year project
≤ 10 s; a 1-4 h sizing sweep ≤ 60 s), with the ratio to naively re-valuing every
project-year (one revenue stack per project-year and size, one after another), and the
interpolation error of the usable-energy grid, measured; and the same project over 100
scenario paths (anchor ≤ 120 s; each project-year valued once with the fast day-ahead
policy). The stacks run on :mod:`jobs.pool` (the machine's cores); CPU includes the pool's.
Every timed run starts with an empty stack store (:mod:`jobs.stack_store`), except the case
re-run with new finance inputs, which shows what the store saves.

The project: 50 MW / 100 MWh, round trip 0.88, six services, APX + imbalance, forecast mode
(the default), £100/kW + £250/kWh, £10k/MW/yr fixed and £1/MWh variable opex, augmentation
to 1.0 below 0.8 at £150/kWh, a 15-year T-4 agreement from 2026/27, 8 % real, 2026-2040,
price years 2023-2025 replayed in turn; the sweep is 1-4 h in 0.5 h steps at 50 MW. Run:
``.venv/bin/python bench/invest.py`` (``--quick`` values one price year and sweeps 1-4 h in
1 h steps; ``--scenarios-only`` runs only the scenario paths).
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
import tempfile
from pathlib import Path

from engine.invest import blend
from jobs.invest import InvestRequest, node_revenue, read_price_years, run_invest
from jobs.pool import POOL_WORKERS, run_tasks
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
    case, wall, cpu = _timing.timed(lambda: run_invest(paths, cold(settings)))
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


def cold(settings: Settings) -> Settings:
    """The settings with an empty stack store (a fresh ``GBESS_VAR_DIR``; the same
    warehouse), so a run solves every stack it needs."""
    return dataclasses.replace(settings, var_dir=Path(tempfile.mkdtemp(prefix="gbess-bench-")))


def grid_error(request: InvestRequest, settings: Settings) -> None:
    """The interpolation error of the usable-energy grid on 2024, measured: a case's nodes
    (1.0 and 0.7 of nameplate, interpolated at 0.85) and a sweep's (the 2 h and 1.5 h sizes'
    nameplates, interpolated at 1.7 h), each against a stack solved there; and how far the
    ceiling a faded year takes from its nameplate lies above the one solved there."""
    year = read_price_years(dataclasses.replace(request, price_years=(2024,)), settings)[0]
    energies = (100.0, 85.0, 70.0, 75.0)
    exact, wall, _ = _timing.timed(
        lambda: run_tasks(node_revenue, [(request, year, e, settings) for e in energies])
    )
    at = dict(zip(energies, exact, strict=True))
    print(f"grid error, 2024 ({len(energies)} stacks on the pool in {wall:.1f} s):")
    for where, low, weight in (
        ("case nodes 1.0/0.7 at 0.85", 70.0, 0.5),
        ("sweep nodes 2 h/1.5 h at 1.7 h", 75.0, 0.4),
    ):
        got = blend(at[low], at[100.0], weight).revenue_gbp
        want = at[85.0].revenue_gbp
        print(
            f"  {where}, forecast: £{got:,.0f} interpolated vs £{want:,.0f} solved = "
            f"{100 * (got - want) / want:+.2f} %"
        )
    # A faded year's ceiling is its nameplate's (RevenueGrid.value), in the case and the sweep.
    ceiling, solved = at[100.0].upper_bound_gbp, at[85.0].upper_bound_gbp
    if ceiling is not None and solved is not None:
        above = 100 * (ceiling - solved) / solved
        print(
            f"  at 0.85 of nameplate, upper bound (perfect foresight): £{ceiling:,.0f} the "
            f"nameplate's vs £{solved:,.0f} solved there = {above:+.2f} %"
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
    print(
        f"load average at start: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores; "
        f"{POOL_WORKERS} pool processes"
    )
    if args.scenarios_only:
        scenarios(request, settings, STACK_S)
        print(f"load average at end: {os.getloadavg()[0]:.1f}")
        return
    store = cold(settings)
    case, wall, cpu = _timing.timed(lambda: run_invest(request, store))
    stacks, years = case["stacks_solved"], case["project_years_valued"]
    per_stack = cpu / stacks
    print(
        f"15-year case: {wall:.1f} s wall ({cpu:.1f} s CPU), {stacks} stacks for {years} "
        f"project-years; NPV £{case['npv_gbp']:,.0f}, IRR {case['irr_frac']:.4f}, payback "
        f"{case['payback_year']}, LCOS £{case['lcos_gbp_per_mwh']:.1f}/MWh, upper bound NPV "
        f"£{case['upper_bound']['npv_gbp']:,.0f}"
    )
    print(
        f"  vs the {CASE_TARGET_S:g} s anchor: {wall / CASE_TARGET_S:.2f}x; naive "
        f"re-valuation = {years} stacks one after another ≈ {years * per_stack:.0f} s: "
        f"{years * per_stack / wall:.1f}x the time ({years / stacks:.2f}x fewer stacks)"
    )
    finance = dataclasses.replace(request, capex_gbp_per_kwh=200.0, discount_rate_real_frac=0.07)
    again, wall, cpu = _timing.timed(lambda: run_invest(finance, store))
    print(
        f"  the same case re-run with new finance inputs (£200/kWh, 7 %): {wall:.1f} s wall "
        f"({cpu:.1f} s CPU), {again['stacks_reused']} stacks read from the stack store, "
        f"{again['stacks_solved']} solved; NPV £{again['npv_gbp']:,.0f}"
    )
    sweep_request = dataclasses.replace(
        request, sweep=True, duration_step_h=1.0 if args.quick else 0.5
    )
    sweep, wall, cpu = _timing.timed(lambda: run_invest(sweep_request, cold(settings)))
    stacks, years = sweep["stacks_solved"], sweep["project_years_valued"]
    print(
        f"1-4 h sweep: {wall:.1f} s wall ({cpu:.1f} s CPU), {stacks} stacks for {years} "
        f"project-years; best {sweep['best_duration_h']:g} h"
    )
    for row in sweep["sweep"]:
        print(f"  {row['duration_h']:g} h: NPV £{row['npv_gbp']:,.0f}, IRR {row['irr_frac']}")
    print(
        f"  vs the {SWEEP_TARGET_S:g} s anchor: {wall / SWEEP_TARGET_S:.2f}x; naive = {years} "
        f"stacks one after another ≈ {years * per_stack:.0f} s: "
        f"{years * per_stack / wall:.1f}x the time ({years / stacks:.2f}x fewer stacks)"
    )
    if not args.quick:
        grid_error(request, settings)
    scenarios(request, settings, per_stack)
    print(f"load average at end: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
