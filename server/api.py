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
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, Response
from pydantic import BaseModel

from engine.errors import GbessError
from server.auth import public as mark_public
from server.validation import parse_body, parse_query

API_PREFIX = "/v1"


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
            public: No authentication (only for ``/health`` and static assets).
        """

        def decorator(fn: Callable[..., Any]) -> Callable[..., Any]:
            @functools.wraps(fn)
            def view(**path_params: Any) -> Any:
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
                )
            )
            return view

        return decorator


def _render(result: Any, status: int) -> Any:
    """A returned model → JSON response with ``status``; anything else goes to Flask."""
    if isinstance(result, BaseModel):
        return Response(
            result.model_dump_json(by_alias=True), status=status, mimetype="application/json"
        )
    if isinstance(result, (dict, list)) and status != 200:
        return result, status
    return result
