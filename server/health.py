"""``GET /health`` (readiness) and ``GET /health/live`` (liveness), both unauthenticated.

Which probe uses which path (Cloud Run; App Engine's ``readiness_check`` and
``liveness_check`` the same way):

* **startup probe → ``/health``**: 200 ``ok`` only when every reference table loads and the
  warehouse opens read-only and holds data (:func:`jobs.health.check_health`), else 503
  ``degraded`` naming each problem. Traffic waits until it answers 200. Also for uptime
  checks and the add-on's *Test connection*.
* **liveness probe → ``/health/live``**: 200 while the process serves requests; no I/O.
  A liveness failure restarts the container, which must not happen because the warehouse
  is briefly locked by a writer or a reference file is missing (a restart fixes neither).

The bodies name tables and checks but no filesystem path, PID or secret: the routes are
public. The full details go to the log, once each time the set of problems changes.
"""

from __future__ import annotations

import logging
import threading
from importlib import metadata
from typing import Literal

from flask import Flask, Response, current_app
from flask.blueprints import BlueprintSetupState

from jobs.health import HealthReport, check_health
from server.api import ApiBlueprint
from server.config import server_config
from server.validation import ApiModel

bp = ApiBlueprint("health", __name__, url_prefix="")

logger = logging.getLogger("gbess.server.health")

# Probes must see the state now, never a proxy's copy.
_NO_STORE = {"Cache-Control": "no-store"}


class HealthProblem(ApiModel):
    """One thing that keeps the service from answering correctly.

    Attributes:
        component: ``reference`` (the data directory) or ``warehouse``.
        name: The reference table (``distributors``), ``data_dir``, ``lookup_tables``,
            warehouse table (``system_prices``) or ``warehouse`` at fault.
        check: The check that failed: ``file-missing``, ``unreadable``,
            ``missing-columns``, ``bad-value``, ``data-dir-missing``, ``build``;
            ``empty-file``, ``locked``, ``busy``, ``no-tables``, ``table-missing``,
            ``no-rows``, ``unreachable`` ...
        detail: What is wrong and what fixes it, without paths.
    """

    component: Literal["reference", "warehouse"]
    name: str
    check: str
    detail: str


class Health(ApiModel):
    """What ``/health`` reports (no paths or secrets: the route is unauthenticated).

    Attributes:
        status: ``ok`` (HTTP 200) when nothing is wrong, else ``degraded`` (HTTP 503).
        version: Installed gbess version.
        warehouse_backend: ``duckdb`` or ``bigquery``.
        auth_mode: ``both``, ``hmac``, ``oidc`` or ``off``.
        problems: Every problem found; empty when ``ok``.
    """

    status: Literal["ok", "degraded"]
    version: str
    warehouse_backend: str
    auth_mode: str
    problems: list[HealthProblem]


class Liveness(ApiModel):
    """What ``/health/live`` reports: the process is serving."""

    status: Literal["alive"]


def gbess_version() -> str:
    """The installed package version (``0+unknown`` when run from an uninstalled tree)."""
    try:
        return metadata.version("gbess")
    except metadata.PackageNotFoundError:
        return "0+unknown"


class _ProblemLog:
    """Logs the problems when they change (not on every probe), and when they clear."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._last: frozenset[tuple[str, str, str]] = frozenset()

    def note(self, report: HealthReport) -> None:
        current = frozenset((p.component, p.name, p.check) for p in report.problems)
        with self._lock:
            changed, self._last = current != self._last, current
        if not changed:
            return
        if report.ok:
            logger.info("health: ok again")
        for problem in report.problems:
            logger.error(
                "health: %s %s failed %s: %s",
                problem.component,
                problem.name,
                problem.check,
                problem.log_detail or problem.detail,
            )


_LOG_KEY = "gbess_health_log"


@bp.record_once
def _attach_problem_log(state: BlueprintSetupState) -> None:
    state.app.extensions[_LOG_KEY] = _ProblemLog()


def _problem_log(app: Flask) -> _ProblemLog:
    log: _ProblemLog = app.extensions[_LOG_KEY]
    return log


@bp.operation(
    "GET",
    "/health",
    response=Health,
    public=True,
    summary="Readiness (Cloud Run startup probe): 200 ok, or 503 degraded naming each problem",
)
def health() -> Response:
    """Check every reference table and that the warehouse opens read-only and holds data.

    200 with ``status: ok``; 503 with ``status: degraded`` and the same body shape, whose
    ``problems`` name the table or file and the check that failed. Use it as the startup
    (readiness) probe, never as the liveness probe: see ``/health/live``.
    """
    config = server_config()
    report = check_health(config.settings)
    _problem_log(current_app).note(report)
    body = Health(
        status="ok" if report.ok else "degraded",
        version=gbess_version(),
        warehouse_backend=report.warehouse_backend,
        auth_mode=config.auth_mode,
        problems=[
            HealthProblem(component=p.component, name=p.name, check=p.check, detail=p.detail)
            for p in report.problems
        ],
    )
    return Response(
        body.model_dump_json(),
        status=200 if report.ok else 503,
        mimetype="application/json",
        headers=_NO_STORE,
    )


@bp.operation(
    "GET",
    "/health/live",
    response=Liveness,
    public=True,
    summary="Liveness (Cloud Run liveness probe): 200 while the process serves; no I/O",
)
def live() -> Response:
    """Answer 200 at once: no data, warehouse or network is touched.

    A liveness failure restarts the container, so this must not depend on anything a
    restart cannot fix (a busy warehouse, a missing file); ``/health`` reports those.
    """
    return Response(
        Liveness(status="alive").model_dump_json(),
        mimetype="application/json",
        headers=_NO_STORE,
    )
