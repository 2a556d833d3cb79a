"""Concurrency campaign: simultaneous valuations and a refresh against one DuckDB warehouse.

Starts a real ``gbess serve`` (loopback, HMAC auth, 2 workers x 4 threads by default) over a
fresh ``GBESS_VAR_DIR``, then per round fires ``n`` signed ``POST /v1/bess/revenue`` for one
month at the same instant (a barrier) with a ``gbess refresh --all`` started alongside. The
first round starts from an empty ``var/`` (every request races to seed the warehouse).

It counts first-attempt statuses, retries each 503 or 429 that carries ``Retry-After`` (up to
:data:`MAX_RETRIES` times, waiting at most :data:`MAX_WAIT_S`), and counts the final
statuses, the refresh exit codes, and every problem body that shows a filesystem path,
an interpreter or a PID. Issue 19 defect 1's anchor: 0 failures (every valuation 200 at
the end, none 404, no leak).

    .venv/bin/python bench/concurrency.py [--n 12] [--rounds 3] [--workers 2] [--threads 4]

``tests/server/test_concurrency.py`` runs one bounded round of the same campaign.
"""

from __future__ import annotations

import argparse
import collections
import http.client
import itertools
import json
import os
import re
import secrets
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench._serve import free_port, serving
from jobs.webhook_auth import sign_request

#: One month of one battery: the valuation the campaign fires.
VALUATION = {"from": "2024-06-01", "to": "2024-06-30", "power_mw": 1, "energy_mwh": 2}
#: Answers a client retries after ``Retry-After``: the warehouse is busy (503), or the
#: server's cap on heavy requests in flight is reached (429, issue 19 defect 3).
RETRYABLE = frozenset({429, 503})
#: Retries of a 503/429 + Retry-After before giving up, and the longest wait honoured [s].
MAX_RETRIES = 10
MAX_WAIT_S = 2.0
#: What a problem body must never show: an absolute path, an interpreter, a PID.
LEAK = re.compile(r"(/[\w.-]+/[\w./-]+|python\d|\bPID\b|\bpid\b|\.duckdb|\.venv)")
REQUEST_TIMEOUT_S = 120


@dataclass
class RoundResult:
    """What one round saw."""

    first: collections.Counter[int] = field(default_factory=collections.Counter)
    answers: collections.Counter[int] = field(default_factory=collections.Counter)
    final: collections.Counter[int] = field(default_factory=collections.Counter)
    retries: int = 0
    refresh_exit: int | None = None
    refresh_stderr: str = ""
    leaks: list[str] = field(default_factory=list)
    bodies: dict[int, str] = field(default_factory=dict)  # the first of each non-200 status

    def as_json(self) -> dict[str, Any]:
        """JSON-ready summary (one sample body per non-200 status)."""
        return {
            "first_attempt": dict(sorted(self.first.items())),
            "every_answer": dict(sorted(self.answers.items())),
            "final": dict(sorted(self.final.items())),
            "retries": self.retries,
            "refresh_exit": self.refresh_exit,
            "refresh_stderr_lines": len(self.refresh_stderr.splitlines()),
            "leaks": len(self.leaks),
            "sample_bodies": {str(k): v[:400] for k, v in sorted(self.bodies.items())},
        }


def leaks(text: str) -> bool:
    """Whether a problem body shows a path, interpreter or PID (its ``instance``, the
    request path, aside)."""
    try:
        problem = json.loads(text)
    except ValueError:
        return bool(LEAK.search(text))
    if isinstance(problem, dict):
        problem.pop("instance", None)
    return bool(LEAK.search(json.dumps(problem)))


def server_env(var_dir: Path, secret: str, port: int, workers: int, threads: int) -> dict[str, str]:
    """The environment of the server and of the refresh: one var/ and one warehouse."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GBESS_")}
    env.update(
        GBESS_VAR_DIR=str(var_dir),
        GBESS_HMAC_SECRET=secret,
        GBESS_AUTH="hmac",
        GBESS_HOST="127.0.0.1",
        PORT=str(port),
        GBESS_WORKERS=str(workers),
        GBESS_THREADS=str(threads),
        # The campaign signs with jobs.webhook_auth.sign_request (v1), the scheme every
        # version of the server accepts when this is set.
        GBESS_ALLOW_V1_SIGNATURES="1",
        # Let every thread run a valuation, so all of them reach the warehouse at once
        # (the default cap of heavy requests per worker would queue some behind 429s).
        GBESS_HEAVY_PER_WORKER=str(threads),
    )
    if "GBESS_DATA_DIR" in os.environ:
        env["GBESS_DATA_DIR"] = os.environ["GBESS_DATA_DIR"]
    return env


_SIGNED = itertools.count()


def _post(port: int, secret: str, path: str, payload: Mapping[str, Any]) -> tuple[int, str, str]:
    # Trailing spaces (still the same JSON) give each request its own signature: a server
    # that refuses a signature seen before must not see a replay.
    body = (json.dumps(payload) + " " * (next(_SIGNED) % 4096)).encode()
    headers = sign_request(secret, body, int(time.time()))
    headers["Content-Type"] = "application/json"
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=REQUEST_TIMEOUT_S)
    try:
        conn.request("POST", path, body=body, headers=headers)
        response = conn.getresponse()
        text = response.read().decode(errors="replace")
        return response.status, response.getheader("Retry-After") or "", text
    finally:
        conn.close()


def one_round(
    port: int,
    env: Mapping[str, str],
    n: int,
    *,
    refresh: bool = True,
    valuation: Mapping[str, Any] = VALUATION,
) -> RoundResult:
    """``n`` simultaneous valuations (and a ``gbess refresh --all``), retried on 503/429."""
    result = RoundResult()
    lock = threading.Lock()
    barrier = threading.Barrier(n + 1)
    secret = env["GBESS_HMAC_SECRET"]

    def client() -> None:
        barrier.wait()
        status, retry_after, text = _post(port, secret, "/v1/bess/revenue", valuation)
        with lock:
            result.first[status] += 1
            result.answers[status] += 1
            if status != 200:
                result.bodies.setdefault(status, text)
        for _ in range(MAX_RETRIES):
            if status not in RETRYABLE or not retry_after:
                break
            time.sleep(min(float(retry_after), MAX_WAIT_S))
            with lock:
                result.retries += 1
            status, retry_after, text = _post(port, secret, "/v1/bess/revenue", valuation)
            with lock:
                result.answers[status] += 1
                if status != 200:
                    result.bodies.setdefault(status, text)
        with lock:
            result.final[status] += 1
            if status != 200:
                result.bodies.setdefault(status, text)
                if leaks(text):
                    result.leaks.append(text)

    threads = [threading.Thread(target=client) for _ in range(n)]
    for thread in threads:
        thread.start()
    refresh_process = None
    barrier.wait()
    if refresh:
        refresh_process = subprocess.Popen(
            [sys.executable, "-m", "jobs.cli", "refresh", "--all"],
            cwd=REPO,
            env=dict(env),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
    for thread in threads:
        thread.join()
    if refresh_process is not None:
        _, stderr = refresh_process.communicate(timeout=REQUEST_TIMEOUT_S)
        result.refresh_exit = refresh_process.returncode
        result.refresh_stderr = stderr.decode(errors="replace")
    return result


def campaign(
    var_dir: Path,
    *,
    n: int,
    rounds: int,
    workers: int = 2,
    threads: int = 4,
    valuation: Mapping[str, Any] = VALUATION,
) -> list[RoundResult]:
    """Serve over ``var_dir`` (empty at first) and run ``rounds`` rounds of ``n``."""
    env = server_env(var_dir, secrets.token_hex(32), free_port(), workers, threads)
    with (
        tempfile.TemporaryFile(prefix="gbess-concurrency-") as log,
        serving(env, log=log) as served,
    ):
        return [one_round(served.port, env, n, valuation=valuation) for _ in range(rounds)]


def main() -> int:
    """Run the campaign and print each round and the totals."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=12, help="simultaneous valuations per round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="gbess-var-") as var:
        started = time.perf_counter()
        results = campaign(
            Path(var), n=args.n, rounds=args.rounds, workers=args.workers, threads=args.threads
        )
        elapsed_s = time.perf_counter() - started
    total = args.n * args.rounds
    for index, result in enumerate(results, 1):
        print(f"round {index}: {json.dumps(result.as_json())}")
    failed = sum(r.final.total() - r.final[200] for r in results)
    first_ok = sum(r.first[200] for r in results)
    not_found = sum(r.answers[404] for r in results)
    leaks = sum(len(r.leaks) for r in results)
    refresh_failed = sum(1 for r in results if r.refresh_exit != 0)
    print(
        f"valuations: {total} ({args.n} x {args.rounds} rounds, {args.workers} workers x "
        f"{args.threads} threads) in {elapsed_s:.1f} s; 200 at first attempt {first_ok}, "
        f"failed after retries {failed} (anchor 0), 404s {not_found} (anchor 0), bodies "
        f"leaking a path/PID {leaks} (anchor 0), refreshes failed {refresh_failed}/{args.rounds}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
