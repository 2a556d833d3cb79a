"""gunicorn settings shared by ``gbess serve``, the Dockerfile and ``app.yaml``.

Loaded with ``gunicorn --config python:server.gunicorn_conf "server.app:create_app()"``.
Bind address, workers and threads come from :func:`server.config.load_config`, so an
unsafe setup (``GBESS_AUTH=off`` on a public address) stops the master before any worker
starts, with one line on stderr.
"""

from __future__ import annotations

import os
import sys

from server.config import ConfigError, load_config

try:
    _config = load_config(os.environ)
except ConfigError as exc:
    sys.stderr.write(f"gbess: error: {exc.detail}\n")
    raise SystemExit(2) from None

_host = f"[{_config.host}]" if ":" in _config.host else _config.host
bind = [f"{_host}:{_config.port}"]
# CPU-bound work (dispatch optimisation) scales with processes; threads cover I/O waits.
workers = _config.workers
threads = _config.threads
worker_class = "gthread"
# Cloud Run / App Engine enforce request deadlines and throttle CPU between requests,
# which trips gunicorn's heartbeat; Google's guidance is to disable the worker timeout.
timeout = 0
# Cloud Run allows 10 s between SIGTERM and SIGKILL.
graceful_timeout = 8
# The app writes its own structured access line with the request id.
accesslog = None
errorlog = "-"
loglevel = "info"
