"""Benchmark: seeding the DuckDB warehouse and the dashboard's named queries over a year.

Prints, in one run, against issue 8's anchors:
* seeding a fresh DuckDB file from the shipped 2024 market files (anchor ≤ 10 s), and
  re-seeding the same file (idempotent upsert path);
* every named query with a date range, over the whole of 2024 and over the dashboard's
  windows (last 7 / 30 days), plus the parameterless fleet queries: median of 7 runs
  on one open connection (anchor ≤ 200 ms each), and the first (cold) run.

Run: ``.venv/bin/python bench/warehouse.py`` (or ``make bench``).
"""

from __future__ import annotations

import datetime as dt
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from jobs.settings import Settings
from jobs.warehouse import seed
from jobs.warehouse.dialect import named_query, query_names
from jobs.warehouse.duckdb_backend import DuckDBWarehouse

SEED_ANCHOR_S = 10.0
QUERY_ANCHOR_MS = 200.0
RUNS = 7
YEAR = (dt.date(2024, 1, 1), dt.date(2024, 12, 31))
LAST_30 = (dt.date(2024, 12, 2), dt.date(2024, 12, 31))
LAST_7 = (dt.date(2024, 12, 25), dt.date(2024, 12, 31))


def _time_ms(
    warehouse: DuckDBWarehouse, name: str, params: dict[str, dt.date]
) -> tuple[float, float, int]:
    began = time.perf_counter()
    rows = len(warehouse.query(name, **params))
    cold = (time.perf_counter() - began) * 1000
    samples = []
    for _ in range(RUNS):
        began = time.perf_counter()
        warehouse.query(name, **params)
        samples.append((time.perf_counter() - began) * 1000)
    return cold, statistics.median(samples), rows


def main() -> int:
    settings = Settings.from_env({})
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.duckdb"
        warehouse = DuckDBWarehouse(path)
        began = time.perf_counter()
        loaded = seed(warehouse, settings)
        seed_s = time.perf_counter() - began
        began = time.perf_counter()
        seed(warehouse, settings)
        reseed_s = time.perf_counter() - began
        rows = sum(item["rows"] for item in loaded)
        print(
            f"seed (fresh file, {rows} rows from {len(loaded)} files): {seed_s:.2f} s "
            f"= {seed_s / SEED_ANCHOR_S:.2f} x the {SEED_ANCHOR_S:.0f} s anchor"
        )
        print(
            f"re-seed (same file, upserts): {reseed_s:.2f} s "
            f"= {reseed_s / SEED_ANCHOR_S:.2f} x anchor"
        )
        print()
        header = ("query", "range", "rows", "cold ms", "median ms", "x anchor")
        print("{:<22} {:<8} {:>6} {:>8} {:>10} {:>9}".format(*header))
        worst = 0.0
        for name in query_names():
            parameters = named_query(name).parameters
            ranges = (
                {"year": YEAR, "30 days": LAST_30, "7 days": LAST_7} if parameters else {"-": None}
            )
            for label, bounds in ranges.items():
                params = {"from_date": bounds[0], "to_date": bounds[1]} if bounds else {}
                cold, median, count = _time_ms(warehouse, name, params)
                worst = max(worst, median)
                print(
                    f"{name:<22} {label:<8} {count:>6} {cold:>8.1f} {median:>10.1f} "
                    f"{median / QUERY_ANCHOR_MS:>9.3f}"
                )
        print()
        print(
            f"slowest median: {worst:.1f} ms = {worst / QUERY_ANCHOR_MS:.3f} x the "
            f"{QUERY_ANCHOR_MS:.0f} ms anchor"
        )
        warehouse.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
