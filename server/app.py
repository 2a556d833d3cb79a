"""The Flask application factory: config, logging, auth, error mapping and blueprints.

To add an endpoint family, write ``server/<family>.py`` with an
:class:`server.api.ApiBlueprint` named ``bp`` and append one line to ``BLUEPRINTS``.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable

import requests
from flask import Flask, Response, g, request
from werkzeug.exceptions import RequestEntityTooLarge

from server import (
    bess,
    btm,
    dashboard,
    data,
    duos,
    fleet,
    health,
    invest,
    jobs,
    lookup,
    openapi,
    risk,
    runs,
)
from server import response as response_family
from server.api import ApiBlueprint
from server.auth import Authenticator, install_auth
from server.config import ServerConfig, attach_config, load_config
from server.errors import register_error_handlers
from server.logs import REQUEST_ID_HEADER, configure_logging, request_id_from

# Every endpoint family, registered in this order. Add one line per family.
BLUEPRINTS: tuple[ApiBlueprint, ...] = (
    health.bp,
    openapi.bp,
    lookup.bp,
    duos.bp,
    dashboard.bp,
    jobs.bp,
    bess.bp,
    btm.bp,
    fleet.bp,
    response_family.bp,
    data.bp,
    risk.bp,
    runs.bp,
    invest.bp,
)

access_log = logging.getLogger("gbess.server.access")


def create_app(
    config: ServerConfig | None = None,
    *,
    clock: Callable[[], float] = time.time,
    http_session: requests.Session | None = None,
) -> Flask:
    """Build the webhook application.

    Args:
        config: Server configuration; ``None`` reads it from the environment (once).
        clock: Returns the current Unix time [s] (for signed-request windows and the
            certificate cache); tests pass a fixed clock.
        http_session: ``requests`` session for fetching Google's ID-token certificates;
            tests inject one that serves throwaway certificates.
    """
    if config is None:
        config = load_config(os.environ)
    configure_logging()
    app = Flask("gbess")
    app.config.update(MAX_CONTENT_LENGTH=config.max_body_bytes)
    app.json.sort_keys = False  # type: ignore[attr-defined]  # DefaultJSONProvider has it; the base type does not
    attach_config(app, config)
    if config.auth_mode == "off":
        logging.getLogger("gbess.server").warning(
            "GBESS_AUTH=off: authentication is disabled; loopback callers only (%s)",
            config.host,
        )

    _install_request_context(app)
    install_auth(app, Authenticator(config, clock=clock, http_session=http_session))
    register_error_handlers(app)
    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)
    return app


def _install_request_context(app: Flask) -> None:
    """Request id in, request id out, one structured access-log line per request."""

    @app.before_request
    def _start() -> None:
        g.request_id = request_id_from(request.headers.get(REQUEST_ID_HEADER))
        g.started = time.perf_counter()
        # Refuse a declared oversize body before authenticating or reading it; bodies of
        # undeclared length are cut off at the same limit while being read (Werkzeug).
        limit = app.config["MAX_CONTENT_LENGTH"]
        if request.content_length is not None and request.content_length > limit:
            raise RequestEntityTooLarge()

    @app.after_request
    def _finish(response: Response) -> Response:
        request_id = getattr(g, "request_id", None) or request_id_from(None)
        response.headers[REQUEST_ID_HEADER] = request_id
        # Every answer is per caller and typed by its Content-Type: never cached by a shared
        # cache or the browser, never content-sniffed (docs/api.md, "Response headers").
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Cache-Control", "no-store")
        latency_s = time.perf_counter() - getattr(g, "started", time.perf_counter())
        identity = getattr(g, "identity", None)
        access_log.info(
            "%s %s %s",
            request.method,
            request.path,
            response.status_code,
            extra={
                "request_id": request_id,
                "identity": identity.subject if identity else None,
                "httpRequest": {
                    "requestMethod": request.method,
                    "requestUrl": request.path,
                    "status": response.status_code,
                    "latency": f"{latency_s:.3f}s",
                    "remoteIp": request.remote_addr,
                    "userAgent": request.user_agent.string,
                },
            },
        )
        return response
