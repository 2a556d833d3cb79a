"""``POST /v1/lookup``: MPANs and postcodes → distributor, licence area, GSP group, tariff.

Body ``{"queries": [...], "as_of": "YYYY-MM-DD"?}`` with at most 10,000 queries; the answer
is ``{"results": [...]}``, one row per query in order. A query that cannot be answered
(malformed, outside GB, not a string, ``null`` ...) is ``{"query": ..., "error": {"type",
"detail"}}`` in its place; the request as a whole fails only when the body itself is
wrong (not JSON → 400, no ``queries`` list → 422, more than 10,000 → 413).
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Annotated, Any

from flask.blueprints import BlueprintSetupState
from pydantic import AfterValidator, Field, JsonValue

import jobs.lookup
from engine.errors import DataMissingError, GbessError
from engine.site import LookupResult
from jobs.inputs import request_from
from jobs.lookup import lookup_tables
from server.api import ApiBlueprint
from server.config import server_config
from server.errors import ProblemError
from server.validation import ApiModel

bp = ApiBlueprint("lookup", __name__)

MAX_QUERIES = 10_000


def _strict_json(value: JsonValue) -> JsonValue:
    # Python's JSON parser (and pydantic's) accepts NaN, Infinity and -Infinity, which RFC
    # 8259 does not; echoed back in an error row they would make the whole response
    # unreadable to a strict parser (JavaScript's JSON.parse in Apps Script).
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"{value} is not a JSON number (RFC 8259 has no NaN or Infinity)")
    if isinstance(value, list):
        for item in value:
            _strict_json(item)
    elif isinstance(value, dict):
        for item in value.values():
            _strict_json(item)
    return value


StrictJsonValue = Annotated[JsonValue, AfterValidator(_strict_json)]


class LookupRequest(ApiModel):  # the wire form of jobs.lookup.LookupRequest
    """Queries to look up.

    Attributes:
        queries: Each an MPAN (13-digit core or full 21-character MPAN), a postcode,
            outward code or area, or an MPAN and a postcode in one string. Non-strings
            are answered with a per-row error (NaN/Infinity, which are not JSON,
            → 422 naming the row). At most 10,000 (more → 413).
        as_of: UK date the answers are for (LLFC records, DUoS charging year); default
            today in the UK.
    """

    queries: list[StrictJsonValue]
    # strict: a JSON number would otherwise be read as Unix seconds (0 → 1970-01-01).
    as_of: dt.date | None = Field(default=None, strict=True, json_schema_extra={"format": "date"})


class LookupRowError(ApiModel):
    """Why one query could not be answered."""

    type: str = Field(description="Error slug, e.g. invalid-mpan, invalid-postcode")
    detail: str


class LookupFailureRow(ApiModel):
    """A query that could not be answered, in its place."""

    query: JsonValue
    error: LookupRowError


class LookupResponse(ApiModel):
    """One row per query, in order."""

    results: list[LookupResult | LookupFailureRow]


@bp.record_once
def _load_tables(state: BlueprintSetupState) -> None:
    # Load the tables when the app is built, not on the first request (~0.1-0.5 s). If
    # they cannot load, the app still starts so that GET /health can answer 503 naming the
    # table (it re-runs the same load: jobs.health.check_reference), and each lookup
    # answers the same problem (503 for the server's own reference data). Said in the
    # start-up log too, so the failure is never silent.
    app = state.app
    config = server_config(app)
    try:
        lookup_tables(config.settings.data_dir)
    except GbessError as exc:
        app.logger.error(
            "lookup tables not loaded at start-up (%s): %s; GET /health reports it",
            type(exc).__name__,
            exc.detail,
        )


@bp.operation(
    "POST",
    "/lookup",
    request=LookupRequest,
    response=LookupResponse,
    errors=(DataMissingError,),
    summary="MPANs and/or postcodes to network operator, GSP group and DUoS tariff",
)
def lookup(body: LookupRequest) -> Any:
    """Answer each query in order; a failing query is an error row in its place."""
    if len(body.queries) > MAX_QUERIES:
        raise ProblemError(
            413,
            f"queries: {len(body.queries):,} given; at most {MAX_QUERIES:,} per request "
            f"(split the list)",
            field="queries",
        )
    request = request_from(jobs.lookup.LookupRequest, body)
    # Rows are plain dicts already in the documented shape; building 10,000 pydantic
    # models would cost more than the lookups themselves.
    return {"results": jobs.lookup.run_lookup(request, server_config().settings)}
