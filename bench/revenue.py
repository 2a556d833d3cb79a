"""Benchmark the BESS revenue stack on real data (issue 14 anchors: a forecast-mode year,
forecasting included, ≤ 5 s; the perfect-foresight year ≤ 2 s; a 3-year monthly backtest of
one battery ≤ 30 s), with the ratio to the former ``day_ahead`` mode.

Prints, for 2024 (1 MW / 2 MWh, round trip 0.88, six services, APX + imbalance): the
forecast-mode year (forecasts + D-1 plans + intraday re-optimisation), the perfect-foresight
year and the legacy rolling day-ahead year; then the 3-year monthly backtest (2023-01 ..
2025-12, 2 h); then the 2024 and 2025 forecast figures for 1 h and 2 h beside the upper bound.
Run: ``.venv/bin/python bench/revenue.py`` (the warehouse must hold 2022-12 .. 2025-12).

A speed change must not change results: ``--results-out FILE`` writes every figure of two
2024 forecast-mode stacks (1 MW / 2 MWh and 50 MW / 100 MWh, default services and markets:
the answer of ``gbess revenue`` and both schedules, interval by interval) and stops;
``--results-check FILE``, after the change, recomputes them and prints the largest relative
difference (exit 1 above 1e-9).
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from engine.battery import BatterySpec
from engine.reference import reference_data
from engine.revenue import (
    DYNAMIC_SERVICES,
    layout,
    optimise_day_ahead,
    optimise_perfect_foresight,
    service_specs,
)
from engine.revenue.stack import forecast_run
from jobs.backtest import BacktestRequest, run_backtest
from jobs.pool import POOL_WORKERS
from jobs.revenue import (
    RevenueRequest,
    read_history,
    read_market_data,
    run_stack,
    solve_stack,
    stack_document,
)
from jobs.settings import Settings

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script: find bench/
from bench import _timing

FORECAST_TARGET_S = 5.0
PF_TARGET_S = 2.0
BACKTEST_TARGET_S = 30.0


def best_of(fn: Callable[[], object], repeats: int) -> float:
    """Best wall seconds of ``repeats`` calls (the shared timer)."""
    return _timing.best_of(fn, repeats)[0]


RESULT_SIZES = ((1.0, 2.0), (50.0, 100.0))
RESULT_TOLERANCE = 1e-9


def stack_results(settings: Settings) -> dict[str, Any]:
    """Every figure of the 2024 forecast-mode stacks of :data:`RESULT_SIZES` (the JSON answer
    without its wall time, and each schedule's columns), timed."""
    first, last = dt.date(2024, 1, 1), dt.date(2024, 12, 31)
    data = read_market_data(settings, first, last)
    history = read_history(settings, first)
    out: dict[str, Any] = {}
    for power, energy in RESULT_SIZES:
        request = RevenueRequest(first, last, power, energy)
        started = time.perf_counter()
        stack, _engine_s = solve_stack(request, data, settings, history)
        document = stack_document(stack, request, 0.0)
        seconds = time.perf_counter() - started
        document.pop("solve_seconds")
        schedules = {
            label: {name: column.tolist() for name, column in result.schedule.items()}
            for label, result in (
                ("forecast", stack.headline),
                ("upper_bound", stack.perfect_foresight),
            )
            if result is not None
        }
        out[f"{power:g} MW / {energy:g} MWh"] = {"answer": document, "schedules": schedules}
        print(f"  {power:g} MW / {energy:g} MWh: run_stack {seconds:.2f} s", flush=True)
    return out


def largest_difference(before: Any, after: Any, where: str = "") -> tuple[float, str]:
    """The largest relative difference between two results (inf where they differ in
    anything but a number's value)."""
    if isinstance(before, dict) and isinstance(after, dict):
        if before.keys() != after.keys():
            return math.inf, f"{where}: keys differ"
        pairs = [(before[k], after[k], f"{where}/{k}") for k in before]
    elif isinstance(before, list) and isinstance(after, list):
        if len(before) != len(after):
            return math.inf, f"{where}: lengths differ"
        pairs = [
            (b, a, f"{where}[{i}]") for i, (b, a) in enumerate(zip(before, after, strict=True))
        ]
    elif isinstance(before, float | int) and isinstance(after, float | int):
        if before == after or (math.isnan(before) and math.isnan(after)):
            return 0.0, where
        return abs(before - after) / max(abs(before), abs(after)), where
    else:
        return (0.0, where) if before == after else (math.inf, f"{where}: {before!r} → {after!r}")
    worst = (0.0, where)
    for b, a, at in pairs:
        worst = max(worst, largest_difference(b, a, at), key=lambda pair: pair[0])
    return worst


def main() -> None:
    settings = Settings.from_env(os.environ)
    if len(sys.argv) == 3 and sys.argv[1] in ("--results-out", "--results-check"):
        print(f"load average at start: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
        results = stack_results(settings)
        path = Path(sys.argv[2])
        if sys.argv[1] == "--results-out":
            path.write_text(json.dumps(results))
            return
        difference, where = largest_difference(json.loads(path.read_text()), results)
        print(f"largest relative difference: {difference:.3g} ({where or 'none'})")
        sys.exit(0 if difference <= RESULT_TOLERANCE else 1)
    first, last = dt.date(2024, 1, 1), dt.date(2024, 12, 31)
    data = read_market_data(settings, first, last)
    history = read_history(settings, first)
    specs = service_specs(
        reference_data(settings.data_dir).table("dynamic_response_parameters"), DYNAMIC_SERVICES
    )
    battery = BatterySpec.from_round_trip(1.0, 2.0, 0.88)
    markets = ("apx", "system")
    lay = layout(data, specs, markets)
    print(f"load average at start: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    fc = best_of(lambda: forecast_run(data, battery, specs, markets, history), 1)
    pf = best_of(lambda: optimise_perfect_foresight(lay, battery), 2)
    legacy = best_of(lambda: optimise_day_ahead(lay, battery), 1)
    print("2024, 1 MW / 2 MWh, RTE 0.88, six services + APX + imbalance:")
    print(
        f"  forecast mode (forecasts + D-1 plans + intraday): {fc:6.2f} s  "
        f"(target {FORECAST_TARGET_S} s: {fc / FORECAST_TARGET_S:.2f}x of target; "
        f"{fc / legacy:.2f}x the former day_ahead mode)"
    )
    print(
        f"  perfect foresight:                                {pf:6.2f} s  "
        f"(target {PF_TARGET_S} s: {pf / PF_TARGET_S:.2f}x of target)"
    )
    print(f"  former day_ahead mode (rolling, leaky):           {legacy:6.2f} s")
    request = BacktestRequest("2023-01", "2025-12", (2.0,))
    bt = best_of(lambda: run_backtest(request, settings, progress=None), 1)
    print(
        f"  3-year monthly backtest, one 2 h battery (36 months, forecast + ceiling, "
        f"{POOL_WORKERS} processes): {bt:6.1f} s "
        f"(target {BACKTEST_TARGET_S} s: {bt / BACKTEST_TARGET_S:.2f}x of target)"
    )
    print()
    print("£/MW/yr, forecast (headline) beside the upper bound (perfect foresight), deg £0/MWh:")
    for year in (2024, 2025):
        y_first, y_last = dt.date(year, 1, 1), dt.date(year, 12, 31)
        y_data = read_market_data(settings, y_first, y_last)
        y_history = read_history(settings, y_first)
        for hours in (1.0, 2.0):
            req = RevenueRequest(y_first, y_last, 1.0, hours, degradation_gbp_per_mwh=0.0)
            doc = run_stack(req, y_data, settings, y_history)
            bound = doc["upper_bound"]
            print(
                f"  {year} 1 MW / {hours:g} h: forecast £{doc['gbp_per_mw_per_year']:>8,.0f} "
                f"({doc['equivalent_cycles']:.0f} cycles)   upper bound "
                f"£{bound['gbp_per_mw_per_year']:>8,.0f} ({bound['equivalent_cycles']:.0f} "
                f"cycles)   capture {doc['capture_ratio']:.2f}"
            )


if __name__ == "__main__":
    main()
