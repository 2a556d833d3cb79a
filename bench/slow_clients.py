"""Slow unauthenticated clients beside signed lookups (issue 19 defect 2).

Starts a real ``gbess serve`` on loopback (HMAC auth, the server's default workers x
threads unless told), opens ``--slow`` connections that each send complete headers with a
junk signature and ``Content-Length: 100``, then trickle the body at one byte a second,
and meanwhile sends one signed one-query ``POST /v1/lookup`` every ``--every-s`` seconds
for ``--duration-s`` seconds. Prints the lookups' p50/max latency and errors (a lookup
not answered in 30 s is an error), and how the slow clients were answered. The issue's
anchor: eight such clients stalled a signed lookup for 30 s.

    .venv/bin/python bench/slow_clients.py [--slow 8] [--duration-s 20] [--every-s 0.5]
        [--workers N] [--threads N] [--repo DIR] [--scheme v2|v1]
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import json
import math
import secrets
import socket
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench._serve import add_server_options, free_port, hmac_env, serving
from bench.mixed_load import Lookups

STALL_ANCHOR_S = 30.0


def trickle(port: int, scheme: str, stop: threading.Event, answers: list[bytes]) -> None:
    """One slow client: junk-signed headers, then a body byte a second until ``stop``."""
    headers = {
        "X-Gbess-Timestamp": str(int(time.time())),
        "X-Gbess-Signature": "ab" * 32 if scheme == "v1" else "v2=" + "ab" * 32,
    }
    if scheme == "v2":
        headers |= {"X-Gbess-Nonce": "n" * 24, "X-Gbess-Content-SHA256": "0" * 64}
    lines = ["POST /v1/lookup HTTP/1.1", "Host: 127.0.0.1", "Content-Type: application/json"]
    lines += [f"{k}: {v}" for k, v in headers.items()] + ["Content-Length: 100", "", ""]
    sock = socket.create_connection(("127.0.0.1", port), timeout=1.0)
    received = b""
    try:
        sock.sendall("\r\n".join(lines).encode())
        for _ in range(100):
            if stop.is_set():
                break
            with contextlib.suppress(TimeoutError):
                chunk = sock.recv(65536)
                if not chunk:
                    break
                received += chunk
            try:
                sock.sendall(b" ")
            except OSError:
                break
    except OSError:
        pass
    finally:
        sock.close()
        answers.append(received)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--slow", type=int, default=8, help="slow clients")
    parser.add_argument("--duration-s", type=float, default=20.0, help="lookup phase [s]")
    parser.add_argument("--every-s", type=float, default=0.5, help="one lookup per [s]")
    add_server_options(parser)
    args = parser.parse_args()

    secret = secrets.token_hex(32)
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="gbess-slow-") as tmp:
        env = hmac_env(port, secret, Path(tmp) / "var", args)
        with serving(env, repo=args.repo.resolve()):
            lookups = Lookups(port, secret, args.scheme, ["SW1A 1AA", "EC1A 1BB", "M1 1AE"])
            lookups.run(20, 1)  # warm
            stop = threading.Event()
            answers: list[bytes] = []
            slow = [
                threading.Thread(target=trickle, args=(port, args.scheme, stop, answers))
                for _ in range(args.slow)
            ]
            for thread in slow:
                thread.start()
            time.sleep(1.0)  # the slow clients are connected and sending
            latencies: list[float] = []
            statuses: collections.Counter[Any] = collections.Counter()
            end = time.monotonic() + args.duration_s
            while time.monotonic() < end:
                started = time.perf_counter()
                ms, status = lookups.one("SW1A 1AA", started)
                statuses[status] += 1
                if status == 200:
                    latencies.append(ms)
                time.sleep(max(0.0, args.every_s - (time.perf_counter() - started)))
            stop.set()
            for thread in slow:
                thread.join()
    ordered = sorted(latencies)
    slow_answers = collections.Counter(a.split(b"\r\n", 1)[0].decode() or "(none)" for a in answers)
    report = {
        "command": " ".join(sys.argv),
        "slow_clients": args.slow,
        "lookups": sum(statuses.values()),
        "lookup_p50_ms": round(statistics.median(ordered), 1) if ordered else math.nan,
        "lookup_max_ms": round(ordered[-1], 1) if ordered else math.nan,
        "lookup_errors": sum(n for s, n in statuses.items() if s != 200),
        "lookup_statuses": {str(k): v for k, v in statuses.items()},
        "slow_clients_answered": dict(slow_answers),
        "max_over_stall_anchor": round((ordered[-1] / 1000) / STALL_ANCHOR_S, 4)
        if ordered
        else math.nan,
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
