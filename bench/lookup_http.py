"""HTTP half of the site-lookup benchmark: ``POST /v1/lookup`` under gunicorn on loopback.

Starts the server exactly as ``gbess serve`` does (``python -m gunicorn --config
python:server.gunicorn_conf "server.app:create_app()"``, the shipped worker class) with
authentication off on loopback, then measures single-query requests two ways:

* **200 requests/s, open loop** (bounded Python client: a fixed schedule of send times,
  16 keep-alive connections, 30 s). Latency is measured from each request's *scheduled*
  send time, so a stalled server cannot hide queueing (no coordinated omission).
* **Saturation**: ``wrk`` (Debian package) with a Lua script rotating the bodies,
  or, without wrk, the Python client as fast as it can go.

Authentication is off: signatures (scheme v2) are single-use, so pre-signed bodies cannot be
replayed by wrk, and what this measures is the lookup path. The cost of verifying a
signature, and lookups beside heavy requests, are measured by ``bench/mixed_load.py``.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import re
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench import _serve
from bench._queries import N_QUERIES, mixed_queries
from engine.reference import ReferenceData
from engine.site import prepare_lookup_tables

RATE_PER_S = 200
RATE_DURATION_S = 30
P99_ANCHOR_MS = 10.0
THROUGHPUT_ANCHOR_PER_S = 1_500
CONNECTIONS = 16
N_BODIES = 256


@contextlib.contextmanager
def serving(data_dir: Path, secret: str, workers: int, threads: int) -> Iterator[int]:
    """gunicorn serving the app on loopback (log in a temporary file); yields the port."""
    port = _serve.free_port()
    env = dict(os.environ)
    env.update(
        GBESS_DATA_DIR=str(data_dir),
        GBESS_AUTH="off",
        GBESS_HOST="127.0.0.1",
        PORT=str(port),
        GBESS_WORKERS=str(workers),
        GBESS_THREADS=str(threads),
    )
    with _serve.serving(env, command=_serve.GUNICORN) as served:
        yield served.port


def signed_bodies(queries: list[str], secret: str) -> list[tuple[bytes, dict[str, str]]]:
    del secret  # authentication is off on the benchmark's loopback server (module docstring)
    out = []
    for query in queries:
        body = json.dumps({"queries": [query]}).encode()
        out.append((body, {"Content-Type": "application/json"}))
    return out


def open_loop(
    port: int, bodies: list[tuple[bytes, dict[str, str]]], rate_per_s: float, duration_s: float
) -> dict[str, Any]:
    """Send ``rate_per_s`` requests/s on a fixed schedule; latency from scheduled time."""
    total = int(rate_per_s * duration_s)
    lock = threading.Lock()
    next_index = [0]
    latencies_ms: list[float] = []
    failures: list[str] = []
    start = time.perf_counter() + 0.5

    def worker() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        while True:
            with lock:
                i = next_index[0]
                next_index[0] += 1
            if i >= total:
                break
            scheduled = start + i / rate_per_s
            delay = scheduled - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            body, headers = bodies[i % len(bodies)]
            try:
                conn.request("POST", "/v1/lookup", body=body, headers=headers)
                response = conn.getresponse()
                response.read()
                ok = response.status == 200
            except OSError as exc:
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                failures.append(repr(exc))
                continue
            done = time.perf_counter()
            with lock:
                latencies_ms.append((done - scheduled) * 1e3)
                if not ok:
                    failures.append(str(response.status))
        conn.close()

    threads = [threading.Thread(target=worker) for _ in range(CONNECTIONS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - start
    return summary(latencies_ms, failures, elapsed)


def summary(latencies_ms: list[float], failures: list[str], elapsed_s: float) -> dict[str, Any]:
    ordered = sorted(latencies_ms)
    quantiles = statistics.quantiles(ordered, n=100, method="inclusive") if ordered else []
    return {
        "requests": len(ordered),
        "failures": len(failures),
        "throughput_per_s": len(ordered) / elapsed_s if elapsed_s else 0.0,
        "p50_ms": quantiles[49] if quantiles else float("nan"),
        "p99_ms": quantiles[98] if quantiles else float("nan"),
        "max_ms": ordered[-1] if ordered else float("nan"),
    }


WRK_SCRIPT = """
local bodies = {}
local headers = {}
local n = 0
for line in io.lines("%s") do
  local sep = line:find("\\t")
  n = n + 1
  bodies[n] = line:sub(sep + 1)
  local ts, sig = line:sub(1, sep - 1):match("([^ ]+) ([^ ]+)")
  headers[n] = {["Content-Type"] = "application/json", ["X-Gbess-Timestamp"] = ts,
                ["X-Gbess-Signature"] = sig}
end
local i = 0
request = function()
  i = i %% n + 1
  return wrk.format("POST", "/v1/lookup", headers[i], bodies[i])
end
"""


def wrk_saturation(
    port: int, bodies: list[tuple[bytes, dict[str, str]]], duration_s: int, connections: int
) -> dict[str, Any]:
    """``wrk -t2 -c<connections>`` against the server; parsed throughput and latency."""
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "bodies.tsv"
        data.write_text(
            "".join(
                f"{h['X-Gbess-Timestamp']} {h['X-Gbess-Signature']}\t{b.decode()}\n"
                for b, h in bodies
            )
        )
        script = Path(tmp) / "lookup.lua"
        script.write_text(WRK_SCRIPT % data)
        output = subprocess.run(
            [
                "wrk",
                "-t2",
                f"-c{connections}",
                f"-d{duration_s}s",
                "--latency",
                "-s",
                str(script),
                f"http://127.0.0.1:{port}/v1/lookup",
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    return {
        "throughput_per_s": _wrk_throughput(output),
        "p50_ms": _wrk_ms(output, "50%"),
        "p99_ms": _wrk_ms(output, "99%"),
        "non_2xx": int(m.group(1)) if (m := re.search(r"Non-2xx.*?:\s+(\d+)", output)) else 0,
        "raw": output,
    }


def _wrk_throughput(output: str) -> float:
    match = re.search(r"Requests/sec:\s+([\d.]+)", output)
    if match is None:
        raise RuntimeError(f"wrk printed no Requests/sec line:\n{output}")
    return float(match.group(1))


def _wrk_ms(output: str, label: str) -> float:
    match = re.search(rf"{re.escape(label)}\s+([\d.]+)(us|ms|s)\b", output)
    if match is None:
        return float("nan")
    value, unit = float(match.group(1)), match.group(2)
    return value / 1e3 if unit == "us" else value * 1e3 if unit == "s" else value


def bench_http(data_dir: Path, workers: int = 2, threads: int = 4) -> None:
    """Run both HTTP phases and print the figures against the anchors."""
    tables = prepare_lookup_tables(ReferenceData(data_dir))
    queries = mixed_queries(tables, N_QUERIES)[:N_BODIES]
    secret = secrets.token_hex(32)
    with serving(data_dir, secret, workers, threads) as port:
        # Warm both workers (first requests pay imports and template builds).
        open_loop(port, signed_bodies(queries, secret), 400, 2)
        rate = open_loop(port, signed_bodies(queries, secret), RATE_PER_S, RATE_DURATION_S)
        print(
            f"HTTP single-query POST /v1/lookup at {RATE_PER_S} req/s for {RATE_DURATION_S} s "
            f"(gunicorn {workers} workers x {threads} threads, open-loop Python client, "
            f"{CONNECTIONS} connections): achieved {rate['throughput_per_s']:.0f} req/s, "
            f"p50 {rate['p50_ms']:.2f} ms, p99 {rate['p99_ms']:.2f} ms, max "
            f"{rate['max_ms']:.1f} ms, {rate['failures']} failures; anchor p99 "
            f"{P99_ANCHOR_MS:.0f} ms -> ratio {rate['p99_ms'] / P99_ANCHOR_MS:.2f}"
        )
        if shutil.which("wrk"):
            for connections in (8, 32):
                sat = wrk_saturation(port, signed_bodies(queries, secret), 20, connections)
                print(
                    f"HTTP saturation (wrk -t2 -c{connections} -d20s): "
                    f"{sat['throughput_per_s']:.0f} req/s, p50 {sat['p50_ms']:.2f} ms, p99 "
                    f"{sat['p99_ms']:.2f} ms, non-2xx {sat['non_2xx']}; anchor "
                    f"{THROUGHPUT_ANCHOR_PER_S:,} req/s -> ratio "
                    f"{sat['throughput_per_s'] / THROUGHPUT_ANCHOR_PER_S:.2f}"
                )
        else:
            sat = open_loop(port, signed_bodies(queries, secret), 100_000, 10)
            print(
                f"HTTP saturation (wrk not installed; Python client, {CONNECTIONS} connections): "
                f"{sat['throughput_per_s']:.0f} req/s, p50 {sat['p50_ms']:.2f} ms, p99 "
                f"{sat['p99_ms']:.2f} ms; anchor {THROUGHPUT_ANCHOR_PER_S:,} req/s -> ratio "
                f"{sat['throughput_per_s'] / THROUGHPUT_ANCHOR_PER_S:.2f}"
            )
