"""Dispatch benchmark (issue 5): the exact DP against a HiGHS LP and energy-py-linear.

Same battery as the issue's landscape (2 MW / 4 MWh, charge efficiency 0.9, discharge 1.0,
SoC 0 → 0), on a fixed-seed synthetic GB-like year and on the real 2024 APX market index
(from the warehouse; no-trade periods cannot trade). Anchors: exact full year ≤ 50 ms
(≥ 5,000× energy-py-linear, ≥ 5× the HiGHS LP); two years ≤ 2.2× one year; peak memory
for one year ≤ 300 MB; 365 daily rolling solves with a one-day look-ahead ≤ 100 ms total.

Run: ``.venv/bin/python bench/dispatch.py`` (add ``--skip-epl`` to leave out the slow
energy-py-linear run). energy-py-linear lives in a separate, git-ignored environment:
``python3 -m venv .bench-venv && .bench-venv/bin/pip install energypylinear``. The machine
is shared, so each timing is the best of several runs, with CPU time beside wall time.
"""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench._timing import best_of
from engine.battery import BatterySpec
from engine.dispatch import (
    build_problem,
    optimise_dispatch,
    optimise_rolling,
    warm_up,
)
from engine.dispatch.milp import solve_milp
from engine.errors import GbessError

ONE_YEAR_ANCHOR_S = 0.050
TWO_YEAR_RATIO_ANCHOR = 2.2
PEAK_MB_ANCHOR = 300.0
ROLLING_ANCHOR_S = 0.100
EPL_RATIO_ANCHOR = 5_000.0
LP_RATIO_ANCHOR = 5.0
BATTERY = BatterySpec(
    charge_power_mw=2.0,
    discharge_power_mw=2.0,
    energy_mwh=4.0,
    charge_efficiency_frac=0.9,
    discharge_efficiency_frac=1.0,
    initial_soc_mwh=0.0,
    final_soc_mwh=0.0,
)
EPL_SCRIPT = """
import importlib.metadata, json, resource, sys, time
import numpy as np
import energypylinear as epl
prices = np.load(sys.argv[1]).tolist()
asset = epl.Battery(power_mw=2.0, capacity_mwh=4.0, efficiency_pct=0.9,
                    electricity_prices=prices, freq_mins=30,
                    initial_charge_mwh=0.0, final_charge_mwh=0.0)
def cpu():
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)  # CBC runs as a child process
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime
config = epl.OptimizerConfig(timeout=3600, relative_tolerance=0.0)
cpu0 = cpu()
start = time.perf_counter()
simulation = asset.optimize(verbose=False, optimizer_config=config)
wall = time.perf_counter() - start
cpu_s = cpu() - cpu0
r = simulation.results
charge = r["battery-electric_charge_mwh"].to_numpy()
discharge = r["battery-electric_discharge_mwh"].to_numpy()
p = np.asarray(prices)
net = float((p * (discharge - charge)).sum())
print(json.dumps({"wall_s": wall, "cpu_s": cpu_s, "net_gbp": net,
                  "version": importlib.metadata.version("energypylinear")}))
"""


def synthetic_year(seed: int, days: int = 365) -> np.ndarray:
    """A GB-like half-hourly price year [£/MWh]: seasonal level, morning and evening
    peaks, a windy AR(1) factor that drives some periods negative (floored at −£95/MWh),
    and rare spikes."""
    rng = np.random.default_rng(seed)
    n = days * 48
    t = np.arange(n)
    hour = (t % 48) / 2.0
    doy = t / 48.0
    level = 75 + 20 * np.cos(2 * np.pi * doy / 365.0)
    shape = (
        -18 * np.exp(-0.5 * ((hour - 3.5) / 2.0) ** 2)
        + 25 * np.exp(-0.5 * ((hour - 8.0) / 1.2) ** 2)
        + 45 * np.exp(-0.5 * ((hour - 18.0) / 1.3) ** 2)
        - 12 * np.exp(-0.5 * ((hour - 13.0) / 2.0) ** 2)
    )
    wind = np.zeros(n)
    shocks = rng.normal(0, 1, n)
    for i in range(1, n):
        wind[i] = 0.995 * wind[i - 1] + 0.1 * shocks[i]
    windy = 25 * np.maximum(wind, 0) ** 1.5
    spikes = np.where(rng.random(n) < 0.003, rng.uniform(150, 500, n), 0.0)
    prices = level + shape - windy + rng.normal(0, 8, n) + spikes
    # Renewables bid down to about minus their subsidy, not without limit.
    floored: np.ndarray = np.maximum(prices, -95.0)
    return floored.round(2)


def apx_2024() -> tuple[np.ndarray, np.ndarray, str]:
    """The real 2024 APX market index (prices, tradable flags, where it came from)."""
    from jobs.settings import Settings
    from jobs.warehouse import open_warehouse, seed_if_needed

    settings = Settings.from_env(os.environ)
    import datetime as dt

    with open_warehouse(settings) as warehouse:
        if warehouse.backend == "duckdb":
            seed_if_needed(warehouse, settings)
        raw = warehouse.query(
            "market_index", from_date=dt.date(2024, 1, 1), to_date=dt.date(2024, 12, 31)
        )
    raw = raw[raw["data_provider"] == "APXMIDP"]
    prices = raw["market_index_price_gbp_per_mwh"].to_numpy(dtype=float)
    return prices, np.isfinite(prices), f"warehouse ({settings.warehouse_backend})"


def peak_rss_mb(prices_path: str, solve: bool) -> float:
    """Peak resident memory of a fresh process that imports (and optionally solves) [MB]."""
    code = (
        "import sys, numpy as np\n"
        f"sys.path.insert(0, {str(REPO)!r})\n"
        "from engine.dispatch.optimise import optimise_dispatch\n"
        "from engine.battery import BatterySpec\n"
        "b = BatterySpec(2.0, 2.0, 4.0, 0.9, 1.0, final_soc_mwh=0.0)\n"
        "p = np.load(sys.argv[1])\n"
        + ("optimise_dispatch(p, b)\n" if solve else "optimise_dispatch(p[:48], b)\n")
        # VmHWM is this address space's peak; ru_maxrss would carry the parent's peak
        # across fork + exec.
        + "hwm = [l for l in open('/proc/self/status') if l.startswith('VmHWM')][0]\n"
        + "print(int(hwm.split()[1]) / 1024)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, prices_path], capture_output=True, text=True, check=True
    )
    return float(out.stdout.strip())


@dataclasses.dataclass(frozen=True)
class EplRun:
    """energy-py-linear's one-year solve, as its script reports it."""

    wall_s: float
    cpu_s: float  # its own process and CBC's [s]
    net_gbp: float
    version: str


def run_epl(prices_path: str) -> EplRun | str:
    """energy-py-linear once, in its own environment; a reason string if it cannot run."""
    python = REPO / ".bench-venv" / "bin" / "python"
    if not python.exists():
        return "not installed (.bench-venv missing; see the module docstring)"
    try:
        out = subprocess.run(
            [str(python), "-c", EPL_SCRIPT, prices_path],
            capture_output=True,
            text=True,
            timeout=3600,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return "did not finish within 3,600 s"
    if out.returncode != 0:
        return "failed: " + (out.stderr.strip().splitlines() or ["?"])[-1]
    doc = json.loads(out.stdout.strip().splitlines()[-1])
    return EplRun(
        float(doc["wall_s"]), float(doc["cpu_s"]), float(doc["net_gbp"]), str(doc["version"])
    )


def line(label: str, value: str, note: str = "") -> None:
    print(f"  {label:<52} {value:>14}  {note}")


def main() -> int:
    skip_epl = "--skip-epl" in sys.argv
    warm_up()
    year = synthetic_year(2024)
    year2 = synthetic_year(2025)
    two_years = np.concatenate([year, year2])
    negative = float(np.mean(year < 0) * 100)
    print(f"Synthetic GB-like year: {year.size:,} half-hours, mean £{year.mean():.2f}/MWh, ")
    print(f"  {negative:.1f} % negative, min £{year.min():.2f}, max £{year.max():.2f}")
    print("Battery: 2 MW / 4 MWh, charge efficiency 0.9, discharge 1.0, SoC 0 → 0\n")

    result = optimise_dispatch(year, BATTERY)
    dp_wall, dp_median, dp_cpu = best_of(lambda: optimise_dispatch(year, BATTERY), 9)
    two_wall, _, two_cpu = best_of(lambda: optimise_dispatch(two_years, BATTERY), 9)
    rolling = optimise_rolling(year, BATTERY, commit_intervals=48, lookahead_intervals=48)
    roll_wall, _, roll_cpu = best_of(
        lambda: optimise_rolling(year, BATTERY, commit_intervals=48, lookahead_intervals=48), 7
    )
    capped_battery = dataclasses.replace(BATTERY, max_cycles_per_day=1.0)
    capped_start, capped_cpu0 = time.perf_counter(), time.process_time()
    capped = optimise_dispatch(year, capped_battery)
    capped_wall = time.perf_counter() - capped_start
    capped_cpu = time.process_time() - capped_cpu0
    problem = build_problem(BATTERY, 0.5, year)
    lp = solve_milp(problem, 0.0, 0.0, binaries="none")
    lp_wall, _, lp_cpu = best_of(lambda: solve_milp(problem, 0.0, 0.0, binaries="none"), 3)
    burn = int(np.sum((lp.charge_mw > 1e-6) & (lp.discharge_mw > 1e-6)))
    milp_start = time.perf_counter()
    milp = solve_milp(problem, 0.0, 0.0, binaries="needed", time_limit_s=900)
    milp_wall = time.perf_counter() - milp_start

    with tempfile.TemporaryDirectory() as tmp:
        path = str(Path(tmp) / "year.npy")
        np.save(path, year)
        base_mb = peak_rss_mb(path, solve=False)
        peak_mb = peak_rss_mb(path, solve=True)
        epl = "skipped (--skip-epl)" if skip_epl else run_epl(path)

    print("Exact optimiser (this repo: DP over exact piecewise-linear value functions)")
    line("net revenue, synthetic year", f"£{result.net_revenue_gbp:,.2f}")
    line(
        "one year, best wall (median) / CPU",
        f"{dp_wall * 1e3:.1f} ms",
        f"(median {dp_median * 1e3:.1f} ms, CPU {dp_cpu * 1e3:.1f} ms; "
        f"anchor ≤ {ONE_YEAR_ANCHOR_S * 1e3:.0f} ms: {ONE_YEAR_ANCHOR_S / dp_wall:.1f}× inside)",
    )
    line(
        "two years, best wall / CPU",
        f"{two_wall * 1e3:.1f} ms",
        f"(CPU {two_cpu * 1e3:.1f} ms) = {two_wall / dp_wall:.2f}× one year on wall time, "
        f"{two_cpu / dp_cpu:.2f}× on CPU (anchor ≤ {TWO_YEAR_RATIO_ANCHOR}×)",
    )
    line(
        "peak RSS, fresh process solving one year",
        f"{peak_mb:.0f} MB",
        f"(import + 1 day: {base_mb:.0f} MB, so the year adds {peak_mb - base_mb:.0f} MB; "
        f"anchor ≤ {PEAK_MB_ANCHOR:.0f} MB)",
    )
    line(
        "365 daily rolling solves, 1-day look-ahead",
        f"{roll_wall * 1e3:.1f} ms",
        f"(CPU {roll_cpu * 1e3:.1f} ms; anchor ≤ {ROLLING_ANCHOR_S * 1e3:.0f} ms); "
        f"revenue £{rolling.net_revenue_gbp:,.2f}",
    )
    line(
        "one year capped at 1 cycle a day (exact), wall / CPU",
        f"{capped_wall:.1f} s",
        f"(CPU {capped_cpu:.1f} s; method {capped.method}); revenue £{capped.net_revenue_gbp:,.2f}",
    )
    print("HiGHS (same problem, highspy 1.15.1)")
    line(
        "LP relaxation, best wall / CPU",
        f"{lp_wall * 1e3:.0f} ms",
        f"(CPU {lp_cpu * 1e3:.0f} ms) = {lp_wall / dp_wall:,.0f}× the DP "
        f"(anchor ≥ {LP_RATIO_ANCHOR:.0f}×)",
    )
    gain = lp.objective_gbp - result.net_revenue_gbp
    line(
        "LP objective − exact (profit from burning)",
        f"£{gain:,.2f}",
        f"({burn} intervals charge and discharge at once)",
    )
    line(
        "MILP, binaries on non-concave intervals",
        f"{milp_wall:.1f} s",
        f"= {milp_wall / dp_wall:,.0f}× the DP; objective − DP = "
        f"£{milp.objective_gbp - result.net_revenue_gbp:+.4f}",
    )
    print("energy-py-linear (PuLP + CBC MILP, separate .bench-venv, run once)")
    if isinstance(epl, EplRun):
        epl_wall, epl_cpu = epl.wall_s, epl.cpu_s
        line(
            "one year, wall",
            f"{epl_wall:,.1f} s",
            f"= {epl_wall / dp_wall:,.0f}× the DP (anchor ≥ {EPL_RATIO_ANCHOR:,.0f}×), "
            f"version {epl.version}",
        )
        line(
            "one year, CPU (PuLP + CBC child)",
            f"{epl_cpu:,.1f} s",
            f"= {epl_cpu / dp_cpu:,.0f}× the DP's CPU",
        )
        line("its net revenue − exact", f"£{epl.net_gbp - result.net_revenue_gbp:+,.2f}")
    else:
        line("energy-py-linear", "n/a", epl)

    try:
        apx, tradable, source = apx_2024()
    except GbessError as exc:
        print(f"\nReal 2024 APX: not available ({exc})")
        return 0
    print(
        f"\nReal 2024 APX market index from the {source}: {apx.size:,} half-hours, "
        f"{int((~tradable).sum())} no-trade periods (not traded)"
    )
    real = optimise_dispatch(apx, BATTERY, tradable=tradable)
    real_wall, _, real_cpu = best_of(lambda: optimise_dispatch(apx, BATTERY, tradable=tradable), 9)
    real_problem = build_problem(BATTERY, 0.5, apx, tradable=tradable)
    real_lp = solve_milp(real_problem, 0.0, 0.0, binaries="none")
    real_lp_wall, _, _ = best_of(lambda: solve_milp(real_problem, 0.0, 0.0, binaries="none"), 3)
    real_roll_wall, _, _ = best_of(
        lambda: optimise_rolling(
            apx, BATTERY, commit_intervals=48, lookahead_intervals=48, tradable=tradable
        ),
        7,
    )
    line(
        "net revenue (exact, perfect foresight)",
        f"£{real.net_revenue_gbp:,.2f}",
        f"{real.equivalent_cycles:,.1f} cycles",
    )
    line("one year, best wall / CPU", f"{real_wall * 1e3:.1f} ms", f"(CPU {real_cpu * 1e3:.1f} ms)")
    line(
        "HiGHS LP, best wall",
        f"{real_lp_wall * 1e3:.0f} ms",
        f"= {real_lp_wall / real_wall:,.0f}× the DP; LP − exact "
        f"£{real_lp.objective_gbp - real.net_revenue_gbp:,.2f}",
    )
    line("366 daily rolling solves, 1-day look-ahead", f"{real_roll_wall * 1e3:.1f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
