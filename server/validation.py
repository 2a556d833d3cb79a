"""Request validation: JSON bodies and query strings parsed into pydantic v2 models.

``parse_body(Model)`` is what every endpoint uses (directly, or through
:meth:`server.api.ApiBlueprint.operation`):

* a body that is not JSON (or not declared as JSON) → 400 / 415 problem naming ``body``;
* JSON that does not fit the model (missing, ``null``, wrong type, out of range, unknown
  key) → 422 problem whose ``errors`` list names every offending field;
* an object with a key given twice → 422 naming the key (RFC 8259 §4 leaves which value
  wins undefined; parsers differ, so a signed body could mean two things);
* a body over the limit → 413 (Flask's ``MAX_CONTENT_LENGTH``, enforced while reading).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from contextlib import AbstractContextManager
from typing import Any, TypeVar

import pydantic
from flask import request
from pydantic import BaseModel, ConfigDict

from engine.battery import (
    MAX_ENERGY_MWH,
    MAX_POWER_MW,
    MIN_ENERGY_MWH,
    MIN_ONE_WAY_EFFICIENCY_FRAC,
    MIN_POWER_MW,
    MIN_ROUND_TRIP_EFFICIENCY_FRAC,
)
from jobs.inputs import fields_named
from server.errors import FieldError, ProblemError

M = TypeVar("M", bound=BaseModel)


#: JSON Schema keywords a wire field publishes (``Field(json_schema_extra=...)``).
SchemaKeywords = dict[str, Any]

# A battery's bounds as JSON Schema keywords, from the one place that enforces them
# (engine/battery.py): the wire models publish them, BatterySpec refuses outside them.
POWER_MW: SchemaKeywords = {"minimum": MIN_POWER_MW, "maximum": MAX_POWER_MW}
ENERGY_MWH: SchemaKeywords = {"minimum": MIN_ENERGY_MWH, "maximum": MAX_ENERGY_MWH}
ONE_WAY: SchemaKeywords = {"minimum": MIN_ONE_WAY_EFFICIENCY_FRAC, "maximum": 1}
ROUND_TRIP: SchemaKeywords = {"minimum": MIN_ROUND_TRIP_EFFICIENCY_FRAC, "maximum": 1}


def present(*names: str) -> dict[str, Any]:
    """JSON Schema: every one of ``names`` is given and not ``null`` (the server reads an
    explicit ``null`` as not given)."""
    return {
        "required": list(names),
        "properties": {name: {"not": {"type": "null"}} for name in names},
    }


def absent(*names: str) -> dict[str, Any]:
    """JSON Schema: none of ``names`` is given (other than as ``null``)."""
    return {"not": {"anyOf": [present(name) for name in names]}}


def tariff_choice_rule(*structure: str) -> dict[str, Any]:
    """JSON Schema of engine/duos/tariffs.py's rule: the tariff is named exactly one way — by
    ``tariff``, by ``llfc``, by the ``structure`` fields (any of them), or by nothing else
    when ``distributor`` is a lookup result that names its tariff (``duos_tariff_name``)."""
    ways = ["tariff", "llfc"]
    from_lookup = {
        "required": ["distributor"],
        "properties": {
            "distributor": {
                "type": "object",
                "required": ["duos_tariff_name"],
                "properties": {"duos_tariff_name": {"type": "string", "minLength": 1}},
            }
        },
    }
    branches: list[dict[str, Any]] = [present(name) for name in ways]
    if structure:
        branches.append({"anyOf": [present(name) for name in structure]})
    branches.append({"allOf": [from_lookup, absent(*ways, *structure)]})
    return {"oneOf": branches}


class ApiModel(BaseModel):
    """Base for request and response models: unknown keys are errors, no NaN/inf."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False, frozen=True)


def wire_names(model: type[BaseModel]) -> dict[str, str]:
    """Each attribute of ``model`` whose HTTP key differs → that key (its alias), e.g.
    ``latitude_deg`` → ``lat``: the request's field names in the caller's words."""
    return {
        name: info.alias
        for name, info in model.model_fields.items()
        if info.alias is not None and info.alias != name
    }


def caller_fields(model: type[BaseModel]) -> AbstractContextManager[None]:
    """A block whose errors name the body's keys, not the request's field names::

    with caller_fields(BtmHttpRequest):
        document = run_btm(request_from(BtmRequest, body), settings)
    """
    return fields_named(wire_names(model))


def field_path(loc: Sequence[int | str]) -> str:
    """A pydantic ``loc`` as a dotted path: ``("sites", 2, "mpan")`` → ``sites[2].mpan``."""
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else str(part)
    return path or "body"


def json_pointer(loc: Sequence[int | str]) -> str:
    """A pydantic ``loc`` as a JSON Pointer fragment (RFC 6901): ``#/sites/2/mpan``."""
    parts = (str(p).replace("~", "~0").replace("/", "~1") for p in loc)
    return "#/" + "/".join(parts) if loc else "#"


def field_errors(error: pydantic.ValidationError) -> list[FieldError]:
    """One :class:`FieldError` per pydantic error, in pydantic's order."""
    out = []
    for item in error.errors(include_url=False, include_input=False):
        # Model validators report on the model itself; their messages start "Value error, ".
        loc = tuple(p for p in item["loc"] if p != "__root__")
        message = str(item["msg"]).removeprefix("Value error, ")
        out.append(FieldError(field=field_path(loc), pointer=json_pointer(loc), detail=message))
    return out


def validation_problem(errors: Sequence[FieldError], *, where: str = "body") -> ProblemError:
    """The 422 problem for ``errors`` (``field`` set when exactly one field is at fault)."""
    fields = list(dict.fromkeys(e.field for e in errors))
    detail = (
        f"{errors[0].field}: {errors[0].detail}"
        if len(errors) == 1
        else f"{len(errors)} invalid fields in the {where}: {', '.join(fields)}"
    )
    return ProblemError(422, detail, field=fields[0] if len(fields) == 1 else None, errors=errors)


def _is_json(mimetype: str) -> bool:
    return mimetype == "application/json" or mimetype.endswith("+json")


def read_body() -> bytes:
    """The raw request body, refusing (413) one longer than ``MAX_CONTENT_LENGTH``.

    Werkzeug cuts a body of undeclared length (chunked upload) off at the limit without
    complaint; one more read past the limit is what makes it raise 413. So a chunked body
    of exactly the limit is refused too.
    """
    data = request.get_data(cache=True)
    limit = request.max_content_length
    if limit is not None and len(data) >= limit and request.content_length != len(data):
        request.stream.read(1)
    return data


def parse_body(model: type[M]) -> M:
    """Validate the current request's JSON body against ``model``.

    Raises:
        ProblemError: 415 if the body is not declared ``application/json``; 400 if it is
            empty or not valid JSON; 422 naming each offending field; 413 (via Flask) if
            larger than the limit.
    """
    raw = read_body()
    if not _is_json(request.mimetype):
        raise ProblemError(
            415,
            f"request body must be application/json, got {request.mimetype or 'nothing'}",
            field="Content-Type",
        )
    if not raw.strip():
        raise ProblemError(
            400,
            "request body is empty; expected a JSON object",
            field="body",
            slug="malformed-json",
        )
    _refuse_duplicate_keys(raw)
    try:
        return model.model_validate_json(raw)
    except pydantic.ValidationError as exc:
        errors = exc.errors(include_url=False, include_input=False)
        if any(e["type"] == "json_invalid" for e in errors):
            reason = str(errors[0].get("ctx", {}).get("error", "invalid JSON"))
            raise ProblemError(
                400,
                f"request body is not valid JSON: {reason}",
                field="body",
                slug="malformed-json",
            ) from None
        raise validation_problem(field_errors(exc)) from None


class _DuplicateKeyError(Exception):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _unique_pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    document = dict(pairs)
    if len(document) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise _DuplicateKeyError(key)
            seen.add(key)
    return document


def _refuse_duplicate_keys(raw: bytes) -> None:
    """422 naming a key that an object of the body gives twice (invalid JSON: left to the
    model's parser, which says why)."""
    try:
        json.loads(raw, object_pairs_hook=_unique_pairs)
    except _DuplicateKeyError as exc:
        raise ProblemError(
            422,
            f"{exc.key}: given more than once in one object; each key must appear once",
            field=exc.key,
        ) from None
    except (ValueError, RecursionError):
        return


def parse_query(model: type[M]) -> M:
    """Validate the query string against ``model`` (repeated keys become lists).

    Raises:
        ProblemError: 422 naming each offending parameter.
    """
    data: dict[str, Any] = {}
    for key in request.args:
        values = request.args.getlist(key)
        data[key] = values if len(values) > 1 else values[0]
    try:
        return model.model_validate(data)
    except pydantic.ValidationError as exc:
        raise validation_problem(field_errors(exc), where="query string") from None
