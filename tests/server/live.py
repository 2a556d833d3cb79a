"""A real ``gbess serve`` on loopback for tests that need gunicorn itself (slow clients,
signals, header limits): started in its own process group, stopped by that group's id."""

from __future__ import annotations

import contextlib
import http.client
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
START_DEADLINE_S = 30.0


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class LiveServer:
    """A running ``gbess serve``: its process (``gbess``), port and stderr file."""

    process: subprocess.Popen[bytes]
    port: int
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def get(
        self, path: str, headers: Mapping[str, str] | None = None, timeout_s: float = 5.0
    ) -> tuple[int, dict[str, str], bytes]:
        return self.request("GET", path, b"", headers, timeout_s)

    def request(
        self,
        method: str,
        path: str,
        body: bytes,
        headers: Mapping[str, str] | None = None,
        timeout_s: float = 5.0,
    ) -> tuple[int, dict[str, str], bytes]:
        """One request on a fresh connection; (status, lower-cased headers, body)."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout_s)
        try:
            conn.request(method, path, body=body or None, headers=dict(headers or {}))
            response = conn.getresponse()
            data = response.read()
            return response.status, {k.lower(): v for k, v in response.getheaders()}, data
        finally:
            conn.close()


def _wait_ready(server: LiveServer) -> None:
    end = time.monotonic() + START_DEADLINE_S
    last = ""
    while time.monotonic() < end:
        if server.process.poll() is not None:
            raise RuntimeError(
                f"gbess serve exited {server.process.returncode}: {server.log()[-2000:]}"
            )
        try:
            status, _, _ = server.get("/health/live", timeout_s=1.0)
            if status == 200:
                return
            last = f"HTTP {status}"
        except OSError as exc:
            last = str(exc)
        time.sleep(0.05)
    raise RuntimeError(
        f"gbess serve not ready in {START_DEADLINE_S} s ({last}): {server.log()[-2000:]}"
    )


@contextlib.contextmanager
def live_server(env: Mapping[str, str], tmp_path: Path, *args: str) -> Iterator[LiveServer]:
    """Run ``gbess serve --port <free>`` with ``env`` (added to this process's environment)."""
    port = free_port()
    log_path = tmp_path / f"serve-{port}.log"
    full_env = {**os.environ, **env, "PORT": str(port), "GBESS_HOST": "127.0.0.1"}
    if "GUNICORN_CMD_ARGS" not in env:
        full_env.pop("GUNICORN_CMD_ARGS", None)
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "jobs.cli", "serve", *args],
            cwd=REPO,
            env=full_env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    server = LiveServer(process, port, log_path)
    try:
        _wait_ready(server)
        yield server
    finally:
        if process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=5)
        else:
            # gbess itself has gone: make sure nothing it started lingers in its group.
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
