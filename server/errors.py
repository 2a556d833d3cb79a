"""RFC 9457 problem details: every error the server returns is ``application/problem+json``.

Each :class:`engine.errors.GbessError` class maps to one HTTP status (``ERROR_STATUS``, most
specific class wins) and a stable ``type`` URI built from its ``type_slug``. HTTP errors
raised by routing (404, 405, 413 ...) and by the server itself (401, 403, 415, 400) get
their own slugs. Unhandled exceptions become a bare 500 that names only the request id;
the traceback goes to the log, never to the client.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

from flask import Flask, Response, current_app, g, json, request
from werkzeug.exceptions import HTTPException

from engine.errors import (
    DataMissingError,
    GbessError,
    InfeasibleDispatchError,
    ReferenceDataError,
    SourceUnavailableError,
    StorageUnavailableError,
    TariffNotFoundError,
    UnknownPostcodeError,
    ValidationError,
    WarehouseBusyError,
)

PROBLEM_MEDIA_TYPE = "application/problem+json"
# Stable, absolute and deliberately not dereferenceable (RFC 9457 §3.1.1 allows that): the
# slug is the contract; clients switch on it, never on ``title`` or ``detail``.
PROBLEM_TYPE_PREFIX = "urn:gbess:problem:"

# One status per error class; a subclass not listed inherits its nearest listed base.
# 422: the request was well-formed JSON but its content is wrong or cannot be satisfied.
# 404: the thing asked for (postcode district, tariff, data series) is not there.
# 502: an upstream source failed after bounded retries.
# 503: the server's own reference data is missing or broken (its fault, not the request's;
#      /health reports the same problem).
ERROR_STATUS: dict[type[GbessError], int] = {
    GbessError: 500,
    ValidationError: 422,
    InfeasibleDispatchError: 422,
    UnknownPostcodeError: 404,
    TariffNotFoundError: 404,
    DataMissingError: 404,
    ReferenceDataError: 503,
    SourceUnavailableError: 502,
    # var/ (GBESS_VAR_DIR) missing, read-only or full; the warehouse lock not had in time
    # (WarehouseBusyError also sends Retry-After).
    StorageUnavailableError: 503,
    WarehouseBusyError: 503,
}

# Slugs for errors the HTTP layer itself produces.
HTTP_SLUGS: dict[int, str] = {
    400: "bad-request",
    401: "unauthorized",
    403: "forbidden",
    404: "not-found",
    405: "method-not-allowed",
    413: "payload-too-large",
    415: "unsupported-media-type",
    422: "validation-error",
    500: "internal-error",
    503: "service-unavailable",
}

logger = logging.getLogger("gbess.server")


def problem_type(slug: str) -> str:
    """The ``type`` URI of a problem slug, e.g. ``urn:gbess:problem:invalid-mpan``."""
    return PROBLEM_TYPE_PREFIX + slug


def status_of(error: GbessError) -> int:
    """The HTTP status of a domain error: the entry of its nearest class in the MRO."""
    for cls in type(error).__mro__:
        if cls in ERROR_STATUS:
            return ERROR_STATUS[cls]
    return 500


@dataclass(frozen=True)
class FieldError:
    """One offending input of a multi-field validation failure.

    Attributes:
        field: Dotted path of the input, e.g. ``battery.power_mw`` or ``sites[2].mpan``.
        pointer: The same location as a JSON Pointer into the body (RFC 6901), ``#/...``.
        detail: What is wrong with it.
    """

    field: str
    pointer: str
    detail: str

    def as_json(self) -> dict[str, str]:
        """The member of the problem's ``errors`` list."""
        return {"field": self.field, "pointer": self.pointer, "detail": self.detail}


class ProblemError(HTTPException):
    """An HTTP error the server raises on purpose, carried to the problem handler.

    Args:
        status: HTTP status code.
        detail: Human sentence for the client.
        slug: Problem ``type`` slug (defaults by status).
        field: Offending input, when one is to blame.
        errors: Per-field errors for multi-field validation.
        headers: Extra response headers (e.g. ``WWW-Authenticate``).
    """

    def __init__(
        self,
        status: int,
        detail: str,
        *,
        slug: str | None = None,
        field: str | None = None,
        errors: Sequence[FieldError] = (),
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(description=detail)
        self.code = status
        self.detail = detail
        self.slug = slug or HTTP_SLUGS.get(status, "http-error")
        self.field = field
        self.errors = tuple(errors)
        self.extra_headers = dict(headers or {})


def problem_response(
    status: int,
    slug: str,
    detail: str,
    *,
    field: str | None = None,
    errors: Sequence[FieldError] = (),
    headers: dict[str, str] | None = None,
    title: str | None = None,
    extensions: Mapping[str, Any] | None = None,
) -> Response:
    """Build an ``application/problem+json`` response for the current request.

    Args:
        status: HTTP status code.
        slug: Stable problem slug (becomes ``type``).
        detail: Human explanation specific to this occurrence.
        field: The offending input, if one is to blame.
        errors: Per-field errors (multi-field validation).
        headers: Extra response headers.
        title: Short summary; defaults to the HTTP reason phrase.
        extensions: RFC 9457 extension members (never replacing the standard ones).
    """
    body: dict[str, Any] = {
        "type": problem_type(slug),
        "title": title or _reason(status),
        "status": status,
        "detail": detail,
        "instance": request.path if request else None,
    }
    if field is not None:
        body["field"] = field
    if errors:
        body["errors"] = [e.as_json() for e in errors]
    for name, value in (extensions or {}).items():
        body.setdefault(name, value)
    request_id = getattr(g, "request_id", None)
    if request_id:
        body["request_id"] = request_id
    response = Response(json.dumps(body), status=status, mimetype=PROBLEM_MEDIA_TYPE)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def _title_of(error: GbessError) -> str:
    # "InvalidMpanError" -> "Invalid mpan"; stable per class, human enough for a sidebar.
    name = type(error).__name__.removesuffix("Error")
    words = "".join(f" {c.lower()}" if c.isupper() else c for c in name).strip()
    return words[:1].upper() + words[1:]


def handle_gbess_error(error: GbessError) -> Response:
    """A domain error → its status, its slug, its public detail and field.

    A server fault (5xx) is logged with the full detail (which may name server paths);
    the client gets ``public_detail`` and no ``field``, since no input of theirs is to
    blame (a server fault's ``field`` names a server setting such as ``GBESS_DATA_DIR``).
    """
    status = status_of(error)
    if status >= 500:
        logger.error("domain error %s: %s", type(error).__name__, error.detail)
    return problem_response(
        status,
        error.type_slug,
        error.public_detail,
        field=error.field if status < 500 else None,
        title=_title_of(error),
        extensions=error.extensions,
        headers=(
            {"Retry-After": str(error.retry_after_s)}
            if isinstance(error, WarehouseBusyError)
            else None
        ),
    )


def handle_http_exception(error: HTTPException) -> Response:
    """Routing/HTTP errors (404, 405, 413, our own 400/401/403/415/422) as problems."""
    status = error.code or 500
    headers: dict[str, str] = {}
    if isinstance(error, ProblemError):
        headers.update(error.extra_headers)
        return problem_response(
            status,
            error.slug,
            error.detail,
            field=error.field,
            errors=error.errors,
            headers=headers,
        )
    if status == 405 and error.response is None:
        allow = getattr(error, "valid_methods", None)
        if allow:
            headers["Allow"] = ", ".join(sorted(allow))
    detail = {
        404: f"no resource at {request.path}",
        405: f"{request.method} is not allowed on {request.path}",
        413: f"request body is larger than the limit of {_body_limit()} bytes",
    }.get(status, error.description or _reason(status))
    return problem_response(status, HTTP_SLUGS.get(status, "http-error"), detail, headers=headers)


def _body_limit() -> int | None:
    limit = current_app.config.get("MAX_CONTENT_LENGTH")
    return int(limit) if limit is not None else None


def handle_unexpected(error: Exception) -> Response:
    """Anything else: log it with the request id and answer a bare 500."""
    logger.exception("unhandled %s", type(error).__name__)
    return problem_response(
        500,
        HTTP_SLUGS[500],
        "internal error; quote the request id when reporting it",
    )


def register_error_handlers(app: Flask) -> None:
    """Install the problem+json handlers on ``app``."""
    app.register_error_handler(GbessError, handle_gbess_error)
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(Exception, handle_unexpected)
