"""Mixed load: custom-function lookups at a steady rate beside year-long valuations.

Issue 19 defect 3 (head-of-line blocking). Starts a real ``gbess serve`` on loopback (HMAC
auth; the server's default workers x threads unless told), then:

1. **alone**: signed one-query ``POST /v1/lookup`` at ``--rate`` per second (open loop: each
   request is sent at its scheduled instant, latency counted from that instant, so a queue
   shows) for ``--alone-s`` seconds;
2. **mixed**: the same lookups for ``--duration-s`` seconds while ``--heavy`` clients each
   send year-long ``POST /v1/bess/dispatch`` valuations back to back (a 429 is honoured:
   the client waits its ``Retry-After``, at most 2 s, and sends again).

Prints lookup p50/p99/max and errors for both phases, the valuation answers by status,
and the workers' resident memory (peak sampled once a second), with the ratio of mixed to
alone p99 and against the issue's anchors (2.7 ms alone, 3,804 ms mixed before the fix).

    .venv/bin/python bench/mixed_load.py [--rate 200] [--duration-s 30] [--heavy 8]
        [--workers N] [--threads N] [--heavy-per-worker N] [--repo DIR] [--scheme v2|v1]

``--repo`` serves another checkout of the code (e.g. ``git archive`` of an older commit
into a directory) with this interpreter; ``--scheme v1`` signs for servers older than
the v2 scheme.
"""

from __future__ import annotations

import argparse
import collections
import concurrent.futures
import contextlib
import http.client
import json
import math
import secrets
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench._queries import mixed_queries
from bench._serve import add_server_options, data_dir, free_port, hmac_env, serving
from engine.reference import ReferenceData
from engine.site import prepare_lookup_tables
from jobs import webhook_auth

ALONE_P99_ANCHOR_MS = 2.7
MIXED_P99_BEFORE_ANCHOR_MS = 3_804.0
LOOKUP_TIMEOUT_S = 30.0
HEAVY_TIMEOUT_S = 300.0
MAX_RETRY_WAIT_S = 2.0
HALF_HOURS_PER_YEAR = 17_520


def sign(scheme: str, secret: str, method: str, path: str, body: bytes) -> dict[str, str]:
    """Auth headers for one request in the chosen scheme."""
    now_s = int(time.time())
    if scheme == "v1":
        return webhook_auth.sign_request(secret, body, now_s)
    v2: Any = getattr(webhook_auth, "sign_request_v2")  # noqa: B009  # absent before v2
    headers: dict[str, str] = v2(secret, method, path, "", body, now_s)
    return headers


def _children(pid: int) -> list[int]:
    out: list[int] = []
    with contextlib.suppress(OSError):
        for task in Path(f"/proc/{pid}/task").iterdir():
            text = (task / "children").read_text()
            out += [int(p) for p in text.split()]
    return out


def _rss_mib(pid: int) -> float:
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def worker_rss_mib(serve_pid: int) -> dict[int, float]:
    """RSS of each gunicorn worker (grandchildren of ``gbess serve``) [MiB]."""
    workers = [w for master in _children(serve_pid) for w in _children(master)]
    return {pid: _rss_mib(pid) for pid in workers}


class Lookups:
    """Open-loop lookups: one per 1/rate s, each on a kept-alive connection of its thread."""

    def __init__(self, port: int, secret: str, scheme: str, queries: list[str]) -> None:
        self.port, self.secret, self.scheme, self.queries = port, secret, scheme, queries
        self.local = threading.local()
        self.lock = threading.Lock()

    def _conn(self) -> http.client.HTTPConnection:
        conn: http.client.HTTPConnection | None = getattr(self.local, "conn", None)
        if conn is None:
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=LOOKUP_TIMEOUT_S)
            self.local.conn = conn
        return conn

    def one(self, query: str, scheduled: float) -> tuple[float, int | str]:
        body = json.dumps({"queries": [query]}).encode()
        headers = sign(self.scheme, self.secret, "POST", "/v1/lookup", body)
        headers["Content-Type"] = "application/json"
        try:
            conn = self._conn()
            conn.request("POST", "/v1/lookup", body=body, headers=headers)
            response = conn.getresponse()
            response.read()
            status: int | str = response.status
        except (OSError, http.client.HTTPException) as exc:
            self.local.conn = None
            status = type(exc).__name__
        return (time.perf_counter() - scheduled) * 1000, status

    def run(self, rate: float, duration_s: float) -> tuple[list[float], collections.Counter[Any]]:
        n = int(rate * duration_s)
        start = time.perf_counter() + 0.2
        futures = []
        with concurrent.futures.ThreadPoolExecutor(max_workers=128) as pool:
            for i in range(n):
                scheduled = start + i / rate
                delay = scheduled - time.perf_counter()
                if delay > 0:
                    time.sleep(delay)
                query = self.queries[i % len(self.queries)]
                futures.append(pool.submit(self.one, query, scheduled))
            results = [f.result() for f in futures]
        latencies = [ms for ms, status in results if status == 200]
        statuses = collections.Counter(status for _, status in results)
        return latencies, statuses


def year_of_prices() -> bytes:
    """A year of half-hourly prices (a deterministic daily shape), as a dispatch body."""
    prices = []
    start = 1_704_067_200  # 2024-01-01T00:00Z
    for i in range(HALF_HOURS_PER_YEAR):
        stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(start + 1800 * i))
        price = 60 + 40 * math.sin(2 * math.pi * (i % 48) / 48) + (i % 7)
        prices.append({"interval_start": stamp, "price_gbp_per_mwh": round(price, 2)})
    body = {"prices": prices, "power_mw": 1, "energy_mwh": 2, "charge_efficiency": 0.95}
    return json.dumps(body).encode()


def heavy_client(
    port: int,
    secret: str,
    scheme: str,
    body: bytes,
    stop: threading.Event,
    out: collections.Counter[Any],
    lock: threading.Lock,
) -> None:
    """Send valuations back to back until ``stop``; count answers by status."""
    while not stop.is_set():
        headers = sign(scheme, secret, "POST", "/v1/bess/dispatch", body)
        headers["Content-Type"] = "application/json"
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=HEAVY_TIMEOUT_S)
        retry_after = 0.0
        try:
            conn.request("POST", "/v1/bess/dispatch", body=body, headers=headers)
            response = conn.getresponse()
            response.read()
            status: int | str = response.status
            retry_after = float(response.getheader("Retry-After") or 0)
        except (OSError, http.client.HTTPException) as exc:
            status = type(exc).__name__
        finally:
            conn.close()
        with lock:
            out[status] += 1
        if status == 429:
            stop.wait(min(retry_after or 1.0, MAX_RETRY_WAIT_S))


def summary(latencies: list[float], statuses: collections.Counter[Any]) -> dict[str, Any]:
    """p50/p99/max [ms] of the answered lookups and the count of errors."""
    ordered = sorted(latencies)
    errors = sum(n for status, n in statuses.items() if status != 200)

    def pct(p: float) -> float:
        return ordered[min(len(ordered) - 1, int(p * len(ordered)))] if ordered else math.nan

    return {
        "lookups": sum(statuses.values()),
        "p50_ms": round(pct(0.50), 1),
        "p99_ms": round(pct(0.99), 1),
        "max_ms": round(ordered[-1], 1) if ordered else math.nan,
        "mean_ms": round(statistics.fmean(ordered), 1) if ordered else math.nan,
        "errors": errors,
        "statuses": {str(k): v for k, v in sorted(statuses.items(), key=str)},
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rate", type=float, default=200.0, help="lookups per second")
    parser.add_argument("--duration-s", type=float, default=30.0, help="mixed phase [s]")
    parser.add_argument("--alone-s", type=float, default=10.0, help="lookups-alone phase [s]")
    parser.add_argument("--heavy", type=int, default=8, help="concurrent valuation clients")
    add_server_options(parser, heavy_per_worker=True)
    args = parser.parse_args()

    queries = mixed_queries(prepare_lookup_tables(ReferenceData(data_dir())), 4_000)
    secret = secrets.token_hex(32)
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="gbess-mixed-") as tmp:
        env = hmac_env(port, secret, Path(tmp) / "var", args)
        with serving(env, repo=args.repo.resolve()) as served:
            process = served.process
            lookups = Lookups(port, secret, args.scheme, queries)
            lookups.run(50, 2)  # warm: imports, tables, connections
            alone = summary(*lookups.run(args.rate, args.alone_s))
            body = year_of_prices()
            stop, lock = threading.Event(), threading.Lock()
            heavy: collections.Counter[Any] = collections.Counter()
            clients = [
                threading.Thread(
                    target=heavy_client, args=(port, secret, args.scheme, body, stop, heavy, lock)
                )
                for _ in range(args.heavy)
            ]
            peak: dict[int, float] = {}

            def sample() -> None:
                while not stop.is_set():
                    for pid, rss in worker_rss_mib(process.pid).items():
                        peak[pid] = max(peak.get(pid, 0.0), rss)
                    stop.wait(1.0)

            sampler = threading.Thread(target=sample)
            sampler.start()
            for client in clients:
                client.start()
            mixed = summary(*lookups.run(args.rate, args.duration_s))
            stop.set()
            for client in clients:
                client.join()
            sampler.join()
    ratio = mixed["p99_ms"] / alone["p99_ms"] if alone["p99_ms"] else math.nan
    report = {
        "command": " ".join(sys.argv),
        "repo": str(args.repo),
        "workers_threads": f"{args.workers or 'default'} x {args.threads or 'default'}",
        "alone": alone,
        "mixed": mixed,
        "valuations": {str(k): v for k, v in sorted(heavy.items(), key=str)},
        "worker_rss_peak_mib": [round(v, 1) for v in sorted(peak.values())],
        "mixed_over_alone_p99": round(ratio, 1),
        "anchors_ms": {
            "alone_p99": ALONE_P99_ANCHOR_MS,
            "mixed_p99_before": MIXED_P99_BEFORE_ANCHOR_MS,
        },
        "mixed_p99_over_before_anchor": round(mixed["p99_ms"] / MIXED_P99_BEFORE_ANCHOR_MS, 3),
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
