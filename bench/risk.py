"""Benchmark the risk run (issue 15 anchor: 1,000 scenario-years of a 1 MW / 2 MWh battery
with all services, valued by the forecast-mode policy, in ≤ 60 s on this 2-core machine,
memory ≤ 2 GB), with the ratio to 1,000 × one stand-alone forecast-mode year.

Prints: the load average; one stand-alone forecast-mode year (2025,
:func:`engine.revenue.stack.forecast_run`, the policy alone, no ceiling); one scenario-year
of the fast day-ahead policy in this process; then the whole run (2 replays + 998 bootstrap
years of the 2024-2026 regime, stack only, 2 worker processes, shards written to the
warehouse and merged) with its wall time, ratio to the anchor and to 1,000 stand-alone years,
and peak memory (this process + the largest worker × workers, an upper bound).
Run: ``.venv/bin/python bench/risk.py`` (the warehouse must hold 2023-12 .. 2026-03).
"""

from __future__ import annotations

import datetime as dt
import os
import resource
import sys
from pathlib import Path

from engine.battery import BatterySpec
from engine.reference import reference_data
from engine.revenue import DYNAMIC_SERVICES, service_specs
from engine.revenue.stack import forecast_run
from engine.risk import Regime, scenario_calendar, soc_grid, value_scenario
from jobs.revenue import read_history, read_market_data
from jobs.risk import RiskRequest, read_bank, run_risk, scenario_set
from jobs.settings import Settings

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script: find bench/
from bench import _timing

TARGET_S = 60.0
TARGET_GB = 2.0
SCENARIO_YEARS = 1000
WORKERS = 2


def main() -> None:
    settings = Settings.from_env(os.environ)
    print(f"load average at start: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    first, last = dt.date(2025, 1, 1), dt.date(2025, 12, 31)
    data = read_market_data(settings, first, last)
    history = read_history(settings, first)
    specs = service_specs(
        reference_data(settings.data_dir).table("dynamic_response_parameters"), DYNAMIC_SERVICES
    )
    battery = BatterySpec.from_round_trip(1.0, 2.0, 0.88, degradation_cost_gbp_per_mwh=15.0)
    markets = ("apx", "system")
    year_s = _timing.best_of(lambda: forecast_run(data, battery, specs, markets, history), 1)[0]
    print(f"one stand-alone forecast-mode year (2025, 1 MW / 2 MWh): {year_s:.2f} s")
    request = RiskRequest(scenarios=SCENARIO_YEARS - 2, merchant=False)
    bank = read_bank(settings, Regime.parse(request.regime))
    chosen = scenario_set(request, bank)
    scenario = chosen.scenario(5)
    calendar = scenario_calendar(scenario.year)
    grid = soc_grid(battery)
    value_scenario(bank, calendar, scenario, battery, specs, markets, 5.0, grid)  # compile
    one_s = _timing.best_of(
        lambda: value_scenario(bank, calendar, scenario, battery, specs, markets, 5.0, grid), 5
    )[0]
    print(f"one scenario-year, fast day-ahead policy, this process: {one_s * 1000:.0f} ms")
    (document, child_gb), wall_s, _ = _timing.timed(
        lambda: _timing.peak_worker_gb(lambda: run_risk(request, settings, workers=WORKERS))
    )
    total = document["scenarios"]["total"]
    own_gb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2
    memory_gb = own_gb + WORKERS * child_gb
    print(
        f"{total} scenario-years, {WORKERS} workers: {wall_s:.1f} s "
        f"(anchor {TARGET_S:g} s: ratio {wall_s / TARGET_S:.2f}; "
        f"1,000 × one stand-alone year = {SCENARIO_YEARS * year_s:.0f} s: ratio "
        f"{wall_s / (SCENARIO_YEARS * year_s):.3f})"
    )
    print(
        f"peak memory ≤ {memory_gb:.2f} GB (this process {own_gb:.2f} + {WORKERS} × worker "
        f"{child_gb:.2f}; anchor {TARGET_GB:g} GB: ratio {memory_gb / TARGET_GB:.2f})"
    )
    annual = document["annual"]
    print(
        f"annual net: P10 £{annual['p10_gbp']:,.0f}, P50 £{annual['p50_gbp']:,.0f}, "
        f"P90 £{annual['p90_gbp']:,.0f} ({document['label']})"
    )
    print(f"load average at end: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
