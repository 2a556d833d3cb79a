"""Blueprints that declare their operations once: route, models and docs together.

A family module (``server/lookup.py`` …) does::

    bp = ApiBlueprint("lookup", __name__)

    @bp.operation("POST", "/lookup", request=LookupRequest, response=LookupResponse,
                  summary="Postcode or MPAN to network operator and tariff",
                  errors=(InvalidPostcodeError, UnknownPostcodeError))
    def lookup(body: LookupRequest) -> LookupResponse:
        return LookupResponse(...)

and appends ``lookup.bp`` to ``BLUEPRINTS`` in ``server/app.py``. The view receives the
validated ``body`` (and ``query``, and any path parameters); returning a pydantic model
serialises it as JSON. ``/v1/openapi.json`` is generated from these declarations.

``heavy=True`` marks an operation that can keep a thread busy for seconds (valuations,
dispatch, refresh, long profiles): at most ``GBESS_HEAVY_PER_WORKER`` of them run at once
in a worker process, and one more is refused at once with 429 and ``Retry-After``, so the
remaining threads stay free for lookups (docs/security.md).
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, Flask, Response, current_app
from pydantic import BaseModel

from engine.errors import GbessError
from server.auth import public as mark_public
from server.config import server_config
from server.errors import ProblemError
from server.validation import parse_body, parse_query

API_PREFIX = "/v1"
# What a refused heavy request is told to wait before retrying [s].
HEAVY_RETRY_AFTER_S = 5
_GATE_KEY = "gbess_heavy_gate"
_gate_lock = threading.Lock()


@dataclass(frozen=True)
class Operation:
    """One documented HTTP operation.

    Attributes:
        method: HTTP method (upper case).
        rule: Flask URL rule relative to the blueprint prefix, e.g. ``/lookup``.
        endpoint: Flask endpoint name (``<blueprint>.<function>``).
        summary: One line for the OpenAPI document.
        description: Longer text (defaults to the view's docstring).
        request: Pydantic model of the JSON body, if any.
        query: Pydantic model of the query string, if any.
        response: Pydantic model of the success body, if JSON.
        status: Success status code.
        content_type: Media type of the success body.
        errors: Domain errors the operation can raise (documented with their status).
        public: Reachable without authentication.
        tag: OpenAPI tag (the blueprint's family).
        heavy: Capped per worker (429 + ``Retry-After`` beyond the cap).
        also: Other success answers ``(status, description, model)``, e.g. a 202 when the
            work runs as a background job.
    """

    method: str
    rule: str
    endpoint: str
    summary: str
    description: str
    request: type[BaseModel] | None
    query: type[BaseModel] | None
    response: type[BaseModel] | None
    status: int
    content_type: str
    errors: tuple[type[GbessError], ...]
    public: bool
    tag: str
    heavy: bool = False
    also: tuple[tuple[int, str, type[BaseModel]], ...] = ()


class ApiBlueprint(Blueprint):
    """A Flask blueprint whose routes are declared with :meth:`operation`.

    Args:
        name: Blueprint (family) name, also the OpenAPI tag.
        import_name: ``__name__`` of the defining module.
        url_prefix: Prefix of every rule (``/v1`` unless the family is unversioned).
    """

    def __init__(
        self, name: str, import_name: str, *, url_prefix: str = API_PREFIX, **kwargs: Any
    ) -> None:
        super().__init__(name, import_name, url_prefix=url_prefix, **kwargs)
        self.operations: list[Operation] = []

    def operation(
        self,
        method: str,
        rule: str,
        *,
        summary: str,
        request: type[BaseModel] | None = None,
        query: type[BaseModel] | None = None,
        response: type[BaseModel] | None = None,
        status: int = 200,
        content_type: str = "application/json",
        errors: Sequence[type[GbessError]] = (),
        public: bool = False,
        heavy: bool = False,
        also: Sequence[tuple[int, str, type[BaseModel]]] = (),
    ) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        """Register ``method rule`` and document it; decorate the view with it.

        Args:
            method: HTTP method.
            rule: URL rule under the blueprint prefix (Flask syntax, ``<int:id>``).
            summary: One-line summary for the docs.
            request: Model the JSON body is validated against; passed as ``body=``.
            query: Model the query string is validated against; passed as ``query=``.
            response: Model of the success body (a returned model is serialised).
            status: Success status code.
            content_type: Media type of the success body (e.g. ``text/html``).
            errors: Domain errors this operation raises, for the docs.
            public: No authentication (``/health``, ``/v1/openapi.json``, static assets).
            heavy: Long-running: at most ``GBESS_HEAVY_PER_WORKER`` at once per worker.
            also: Other success answers ``(status, description, model)`` for the docs (the
                view returns them itself as a :class:`flask.Response`).
        """

        def decorator(fn: Callable[..., Any]) -> Callable[..., Any]:
            @functools.wraps(fn)
            def view(**path_params: Any) -> Any:
                if heavy:
                    # The slot covers parsing too (a year of prices is a large body).
                    with heavy_slot():
                        return call(path_params)
                return call(path_params)

            def call(path_params: dict[str, Any]) -> Any:
                kwargs = dict(path_params)
                if request is not None:
                    kwargs["body"] = parse_body(request)
                if query is not None:
                    kwargs["query"] = parse_query(query)
                return _render(fn(**kwargs), status)

            if public:
                mark_public(view)
            self.add_url_rule(rule, endpoint=fn.__name__, view_func=view, methods=[method])
            self.operations.append(
                Operation(
                    method=method.upper(),
                    rule=rule,
                    endpoint=f"{self.name}.{fn.__name__}",
                    summary=summary,
                    description=(fn.__doc__ or "").strip(),
                    request=request,
                    query=query,
                    response=response,
                    status=status,
                    content_type=content_type,
                    errors=tuple(errors),
                    public=public,
                    tag=self.name,
                    heavy=heavy,
                    also=tuple(also),
                )
            )
            return view

        return decorator


class HeavyGate:
    """At most ``limit`` heavy requests at once in this process; no queue.

    Args:
        limit: Heavy requests allowed in flight.
    """

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._slots = threading.BoundedSemaphore(limit)

    def __enter__(self) -> HeavyGate:
        if not self._slots.acquire(blocking=False):
            raise ProblemError(
                429,
                f"this server is already running {self.limit} long requests (valuations, "
                f"refresh) per worker; retry in {HEAVY_RETRY_AFTER_S} s",
                slug="too-many-requests",
                headers={"Retry-After": str(HEAVY_RETRY_AFTER_S)},
            )
        return self

    def __exit__(self, *exc: object) -> None:
        self._slots.release()


def heavy_slot(app: Flask | None = None) -> HeavyGate:
    """The app's heavy-request gate (made on first use from ``GBESS_HEAVY_PER_WORKER``)."""
    target = app if app is not None else current_app
    gate: HeavyGate | None = target.extensions.get(_GATE_KEY)
    if gate is None:
        with _gate_lock:
            gate = target.extensions.get(_GATE_KEY)
            if gate is None:
                gate = HeavyGate(server_config(target).heavy_per_worker)
                target.extensions[_GATE_KEY] = gate
    return gate


def _render(result: Any, status: int) -> Any:
    """A returned model → JSON response with ``status``; anything else goes to Flask."""
    if isinstance(result, BaseModel):
        return Response(
            result.model_dump_json(by_alias=True), status=status, mimetype="application/json"
        )
    if isinstance(result, (dict, list)) and status != 200:
        return result, status
    return result
