"""gunicorn settings shared by ``gbess serve``, the Dockerfile and ``app.yaml``.

Loaded with ``gunicorn --config python:server.gunicorn_conf "server.app:create_app()"``.
Bind address, workers and threads come from :func:`server.config.load_config`, so an
unsafe setup (``GBESS_AUTH=off`` on a public address) stops the master before any worker
starts, with one line on stderr. :func:`on_starting` checks the binds again after gunicorn
has merged ``GUNICORN_CMD_ARGS`` and the command line, so ``--bind 0.0.0.0:…`` there cannot
bypass the check.

Slow clients (docs/security.md): the worker is :class:`server.serving.GbessThreadWorker`
(gthread with a total read deadline per request, ``GBESS_READ_TIMEOUT_S``), credentials
are checked before a body is read, and heavy operations are capped per worker
(``GBESS_HEAVY_PER_WORKER``, one by default, :mod:`server.api`), so with the default
2 workers x 8 threads at least 7 threads per worker stay free for lookups.

What Cloud Run's front end does (Google's documentation; docs/security.md): it terminates
TLS and by default downgrades requests to HTTP/1.1 towards the container (HTTP/2 end to
end, h2c, only when configured); HTTP/1 requests are limited to 32 MiB; its request
timeout (300 s by default, at most 3600 s) answers 504 but does not stop the container's
work. Whether it buffers a whole HTTP/1 body before forwarding is not documented, and with
h2c bodies stream, so the read deadlines here are not assumed redundant there; on any
other host they are the only defence.
"""

from __future__ import annotations

import os
import sys
from typing import Any

from server.config import ConfigError, is_loopback, load_config
from server.serving import GbessThreadWorker

try:
    _config = load_config(os.environ)
except ConfigError as exc:
    sys.stderr.write(f"gbess: error: {exc.detail}\n")
    raise SystemExit(2) from None

_host = f"[{_config.host}]" if ":" in _config.host else _config.host
bind = [f"{_host}:{_config.port}"]
# CPU-bound work (dispatch optimisation) scales with processes; threads cover I/O waits
# and keep lookups answered beside the capped heavy requests.
workers = _config.workers
threads = _config.threads
worker_class = "server.serving.GbessThreadWorker"
GbessThreadWorker.read_timeout_s = float(_config.read_timeout_s)
# gunicorn's heartbeat timeout: a worker whose main loop stalls this long is restarted.
# gthread's main loop never runs requests, so a long valuation does not trip it; Cloud Run
# throttling CPU between requests can delay the heartbeat, hence a generous value rather
# than none (0 disabled it, so a wedged worker was never replaced).
timeout = 120
# Idle keep-alive connections are closed after this [s] (Google's front end reuses them).
keepalive = 5
# Header limits: a request line of 4 KiB, at most 50 headers of at most 8 KiB each (an
# ID token is ~1 KiB). Over them the worker answers 431/414 problem+json.
limit_request_line = 4094
limit_request_fields = 50
limit_request_field_size = 8190
# Cloud Run allows 10 s between SIGTERM and SIGKILL.
graceful_timeout = 8
# The app writes its own structured access line with the request id.
accesslog = None
errorlog = "-"
loglevel = "info"


def unsafe_binds(addresses: list[str]) -> list[str]:
    """The bind addresses that are not loopback (a ``unix:`` socket is local)."""
    unsafe = []
    for address in addresses:
        if address.startswith("unix:"):
            continue
        host = address.rsplit(":", 1)[0] if not address.startswith("fd://") else address
        if not is_loopback(host.strip("[]")):
            unsafe.append(address)
    return unsafe


def on_starting(server: Any) -> None:
    """Refuse ``GBESS_AUTH=off`` on any non-loopback bind, whatever set it.

    gunicorn calls this in the master after merging this file, ``GUNICORN_CMD_ARGS`` and
    the command line, before it opens a socket.
    """
    if _config.auth_mode != "off":
        return
    unsafe = unsafe_binds(list(server.cfg.bind))
    if unsafe:
        sys.stderr.write(
            f"gbess: error: GBESS_AUTH=off is only allowed on loopback binds; refusing "
            f"{', '.join(unsafe)} (from GUNICORN_CMD_ARGS or the command line)\n"
        )
        sys.stderr.flush()
        raise SystemExit(2)
