"""``gbess serve``: run the webhook under gunicorn (``127.0.0.1:$PORT`` unless told otherwise).

The server is started as a gunicorn subprocess named by strings, so ``jobs`` never
imports ``server`` (imports run server → jobs → engine). ``gbess serve`` stays in the
foreground as gunicorn's parent and passes SIGTERM, SIGINT, SIGHUP and SIGQUIT on to the
gunicorn master, then waits for it: stopping ``gbess serve`` (a container runtime, systemd,
a test) stops the server with it instead of leaving the master serving as an orphan.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import subprocess
import sys
from collections.abc import Mapping
from types import FrameType
from typing import Any

from jobs.settings import Settings

GUNICORN_CONFIG = "python:server.gunicorn_conf"
WSGI_APP = "server.app:create_app()"
# Signals passed on to the gunicorn master (TERM/INT/QUIT stop it, HUP reloads workers).
FORWARDED_SIGNALS = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGQUIT)


def register(sub: Any) -> None:
    """Add the ``serve`` subcommand."""
    parser = sub.add_parser(
        "serve",
        help="run the HTTP webhook under gunicorn (binds 127.0.0.1 by default)",
        description=(
            "Run the webhook. Auth settings come from the environment (GBESS_AUTH, "
            "GBESS_HMAC_SECRET, GBESS_OIDC_AUDIENCES, GBESS_ALLOWED_EMAILS); see docs/http.md "
            "(auth) and docs/deployment.md."
        ),
    )
    parser.add_argument("--host", help="address to bind (default GBESS_HOST or 127.0.0.1)")
    parser.add_argument("--port", type=int, help="port to bind (default PORT or 8080)")
    parser.add_argument("--workers", type=int, help="gunicorn worker processes (default 2)")
    parser.add_argument("--threads", type=int, help="threads per worker (default 4)")
    parser.add_argument(
        "--check", action="store_true", help="load the configuration and the app, then exit"
    )
    parser.set_defaults(handler=handle)


def serve_command(
    args: argparse.Namespace, environ: Mapping[str, str]
) -> tuple[list[str], dict[str, str]]:
    """The gunicorn command line and the environment it runs with.

    Args:
        args: Parsed ``serve`` arguments; given flags override the environment.
        environ: The current environment, passed on to the server process.
    """
    env = dict(environ)
    overrides = {
        "GBESS_HOST": args.host,
        "PORT": args.port,
        "GBESS_WORKERS": args.workers,
        "GBESS_THREADS": args.threads,
    }
    env.update({name: str(value) for name, value in overrides.items() if value is not None})
    command = [sys.executable, "-m", "gunicorn", "--config", GUNICORN_CONFIG]
    if args.check:
        command.append("--check-config")
    command.append(WSGI_APP)
    return command, env


def run_forwarding_signals(command: list[str], env: Mapping[str, str]) -> int:
    """Run ``command`` as a child, pass :data:`FORWARDED_SIGNALS` on to it, return its code.

    Args:
        command: The program and its arguments.
        env: Its environment.
    """
    child = subprocess.Popen(command, env=dict(env))

    def forward(signum: int, _frame: FrameType | None) -> None:
        with contextlib.suppress(ProcessLookupError):
            child.send_signal(signum)

    previous = {sig: signal.signal(sig, forward) for sig in FORWARDED_SIGNALS}
    try:
        while True:
            try:
                return child.wait()
            except KeyboardInterrupt:  # pragma: no cover - SIGINT is forwarded instead
                continue
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def handle(args: argparse.Namespace, settings: Settings) -> int:
    """Run gunicorn in the foreground, forwarding stop signals; return its exit code."""
    command, env = serve_command(args, os.environ)
    return run_forwarding_signals(command, env)
