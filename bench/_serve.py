"""A real server on loopback for the benchmarks that need gunicorn itself.

:func:`serving` starts ``gbess serve`` (or gunicorn, as ``gbess serve`` runs it) with a given
environment in its own process group, waits until ``/health/live`` answers, yields the port
and the process, and stops the whole group (gbess, the gunicorn master and its workers) by
the group's id. :func:`hmac_env` is the environment of an HMAC-authenticated server.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

REPO = Path(__file__).resolve().parents[1]
#: ``gbess serve``.
GBESS_SERVE = ("-m", "jobs.cli", "serve")
#: gunicorn exactly as ``gbess serve`` starts it.
GUNICORN = ("-m", "gunicorn", "--config", "python:server.gunicorn_conf", "server.app:create_app()")
START_DEADLINE_S = 60.0
STOP_TIMEOUT_S = 15.0


def free_port() -> int:
    """A free loopback TCP port."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def data_dir() -> Path:
    """``GBESS_DATA_DIR``, else the shared data beside the checkout."""
    return Path(os.environ.get("GBESS_DATA_DIR") or REPO.parent / "shared" / "data")


def add_server_options(parser: argparse.ArgumentParser, *, heavy_per_worker: bool = False) -> None:
    """``--workers``, ``--threads`` (``--heavy-per-worker``), ``--repo`` and ``--scheme``: the
    options :func:`hmac_env` and :func:`serving` read."""
    parser.add_argument("--workers", type=int, help="gunicorn workers (server default)")
    parser.add_argument("--threads", type=int, help="threads per worker (server default)")
    if heavy_per_worker:
        parser.add_argument(
            "--heavy-per-worker", type=int, help="GBESS_HEAVY_PER_WORKER (server default)"
        )
    parser.add_argument("--repo", type=Path, default=REPO, help="checkout whose code is served")
    parser.add_argument("--scheme", choices=("v2", "v1"), default="v2", help="signing scheme")


def hmac_env(port: int, secret: str, var_dir: Path, options: argparse.Namespace) -> dict[str, str]:
    """This environment without ``GBESS_*``/``GUNICORN*``, plus an HMAC server on ``port``
    as ``options`` (of :func:`add_server_options`) ask: v1 signatures allowed for scheme v1;
    workers, threads and the heavy cap when given."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GBESS_", "GUNICORN"))}
    env.update(
        GBESS_DATA_DIR=str(data_dir()),
        GBESS_VAR_DIR=str(var_dir),
        GBESS_HMAC_SECRET=secret,
        GBESS_AUTH="hmac",
        GBESS_HOST="127.0.0.1",
        PORT=str(port),
    )
    if options.scheme == "v1":
        env["GBESS_ALLOW_V1_SIGNATURES"] = "1"
    if options.workers:
        env["GBESS_WORKERS"] = str(options.workers)
    if options.threads:
        env["GBESS_THREADS"] = str(options.threads)
    if getattr(options, "heavy_per_worker", None):
        env["GBESS_HEAVY_PER_WORKER"] = str(options.heavy_per_worker)
    return env


@dataclass(frozen=True)
class Served:
    """A running server: its port and the process that leads its group."""

    port: int
    process: subprocess.Popen[bytes]


@contextlib.contextmanager
def serving(
    env: Mapping[str, str],
    *,
    repo: Path = REPO,
    command: Sequence[str] = GBESS_SERVE,
    log: IO[bytes] | None = None,
) -> Iterator[Served]:
    """``python <command>`` of ``repo`` on ``env["PORT"]`` in its own process group, stopped
    by that group's id; output to ``log`` (a temporary file when not given)."""
    with contextlib.ExitStack() as stack:
        if log is None:
            log = stack.enter_context(tempfile.TemporaryFile(prefix="gbess-bench-log-"))
        port = int(env["PORT"])
        process = subprocess.Popen(
            [sys.executable, *command],
            cwd=repo,
            env={**env, "PYTHONPATH": str(repo)},
            stdout=log,
            stderr=log,
            start_new_session=True,
        )
        try:
            _wait_until_up(process, port, log)
            yield Served(port, process)
        finally:
            _stop(process)


def _wait_until_up(process: subprocess.Popen[bytes], port: int, log: IO[bytes]) -> None:
    """Until ``/health/live`` answers (any status: the app is up)."""
    deadline = time.monotonic() + START_DEADLINE_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            log.seek(0)
            raise RuntimeError(f"server exited:\n{log.read().decode(errors='replace')}")
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        try:
            conn.request("GET", "/health/live")
            conn.getresponse().read()
            return
        except OSError:
            time.sleep(0.1)
        finally:
            conn.close()
    raise RuntimeError(f"server did not answer /health/live within {START_DEADLINE_S:.0f} s")


def _stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM to the process group, SIGKILL if it has not gone in :data:`STOP_TIMEOUT_S`."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=STOP_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()
