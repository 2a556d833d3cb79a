"""Site-lookup benchmark (issue 3): table load, 10,000 mixed queries in-process, and HTTP.

Anchors: table load <= 300 ms; 10,000 mixed queries through ``lookup_site`` <= 50 ms on
one core after load; over HTTP under gunicorn on loopback, p99 <= 10 ms for single-query
requests at 200 requests/s and >= 1,500 single-query requests/s at saturation.

Run: ``.venv/bin/python bench/lookup.py`` (in-process only) or
``.venv/bin/python bench/lookup.py --http`` (also starts gunicorn and drives it with
``wrk`` if installed, else a bounded Python load generator). The machine is shared, so
every timing is the best of several runs, with CPU time (``process_time``) beside wall time.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench._queries import N_QUERIES, mixed_queries
from bench._timing import runs
from engine.reference import ReferenceData
from engine.site import (
    lookup_many,
    lookup_site,
    prepare_lookup_tables,
)
from jobs.settings import Settings

AS_OF = dt.date(2025, 6, 1)
LOAD_ANCHOR_S = 0.300
QUERIES_ANCHOR_S = 0.050


def data_dir() -> Path:
    return Settings.from_env(os.environ).data_dir


def bench_in_process() -> None:
    directory = data_dir()
    load_walls, load_cpus = runs(lambda: prepare_lookup_tables(ReferenceData(directory)), 5)
    print(
        f"table load (7 CSVs read + indexed), best of 5: {min(load_walls) * 1e3:.0f} ms wall, "
        f"{min(load_cpus) * 1e3:.0f} ms CPU; median {statistics.median(load_walls) * 1e3:.0f} ms "
        f"wall; anchor {LOAD_ANCHOR_S * 1e3:.0f} ms -> ratio {min(load_walls) / LOAD_ANCHOR_S:.2f}"
    )

    tables = prepare_lookup_tables(ReferenceData(directory))
    queries = mixed_queries(tables, N_QUERIES)

    def run() -> None:
        for query in queries:
            lookup_site(query, tables, AS_OF)

    cold_wall, cold_cpu = runs(run, 1)  # first pass also builds district/top-line templates
    walls, cpus = runs(run, 7)
    print(
        f"{N_QUERIES:,} mixed queries via lookup_site, first pass (templates built): "
        f"{cold_wall[0] * 1e3:.1f} ms wall, {cold_cpu[0] * 1e3:.1f} ms CPU"
    )
    print(
        f"{N_QUERIES:,} mixed queries via lookup_site, best of 7: {min(walls) * 1e3:.1f} ms wall, "
        f"{min(cpus) * 1e3:.1f} ms CPU; median {statistics.median(walls) * 1e3:.1f} ms wall; "
        f"anchor {QUERIES_ANCHOR_S * 1e3:.0f} ms -> ratio {min(walls) / QUERIES_ANCHOR_S:.2f} "
        f"({min(walls) / N_QUERIES * 1e6:.2f} us/query)"
    )

    with_bad = mixed_queries(tables, N_QUERIES, seed=5, bad_frac=0.02)
    many_walls, _ = runs(lambda: lookup_many(with_bad, tables, AS_OF), 5)
    dict_walls, _ = runs(lambda: [r.to_dict() for r in lookup_many(with_bad, tables, AS_OF)], 5)
    print(
        f"{N_QUERIES:,} via lookup_many with 2% malformed rows, best of 5: "
        f"{min(many_walls) * 1e3:.1f} ms; plus to_dict(): {min(dict_walls) * 1e3:.1f} ms"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--http", action="store_true", help="also run the HTTP load test")
    args = parser.parse_args()
    bench_in_process()
    if args.http:
        from bench.lookup_http import bench_http

        bench_http(data_dir())
    return 0


if __name__ == "__main__":
    sys.exit(main())
