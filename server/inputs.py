"""Request pieces shared by several endpoints, on the wire: a tariff choice and a half-hourly
profile (DUoS, BtM) and their translation into :mod:`jobs.inputs`; a battery's site DUoS and
its registration (revenue, risk, investment).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, WithJsonSchema, field_validator
from pydantic import ValidationError as PydanticValidationError
from pydantic_core import PydanticCustomError

from jobs.inputs import HalfHourlyProfile, fields_named
from server.errors import ProblemError
from server.validation import ApiModel, SchemaKeywords, absent, present

#: Longest profile accepted: two years of half-hours, both leap years (2 × 366 × 48).
MAX_PROFILE_PERIODS = 2 * 366 * 48

# What the server accepts as a licence area, published exactly (engine/duos/area.py): a
# DNO's distributor id 10-23 (a number or its text), a GSP group with or without its
# underscore (the 14 groups _A-_P; there is no _I or _O), or a /v1/lookup result naming one.
_DISTRIBUTOR_ID = {"type": "integer", "minimum": 10, "maximum": 23}
_DISTRIBUTOR_TEXT = {"type": "string", "pattern": "^(1[0-9]|2[0-3]|_?[A-HJ-NPa-hj-np])$"}
_GSP_GROUP = {"type": "string", "pattern": "^_?[A-HJ-NPa-hj-np]$"}
DISTRIBUTOR_SCHEMA: dict[str, Any] = {
    "description": "Distributor id 10-23, GSP group (_A-_P), or a /v1/lookup result",
    "anyOf": [
        _DISTRIBUTOR_ID,
        _DISTRIBUTOR_TEXT,
        {
            "type": "object",
            "description": "A /v1/lookup result: its GSP group, else its DNO's id",
            "anyOf": [
                {"required": ["gsp_group_id"], "properties": {"gsp_group_id": _GSP_GROUP}},
                {
                    "required": ["distributor_id"],
                    "properties": {
                        "distributor_id": {"anyOf": [_DISTRIBUTOR_ID, _DISTRIBUTOR_TEXT]},
                        "gsp_group_id": {"enum": [None, ""]},
                        "candidates": {
                            "anyOf": [{"type": "null"}, {"type": "array", "maxItems": 0}]
                        },
                    },
                },
            ],
        },
    ],
}
Distributor = Annotated[int | str | dict[str, Any], WithJsonSchema(DISTRIBUTOR_SCHEMA)]
#: A finite quantity per half-hour, ≥ 0 (direction is in the column's name).
_QUANTITIES: SchemaKeywords = {"items": {"minimum": 0}}


class TariffChoice(ApiModel):
    """Where and which: a licence area and one way of naming the tariff."""

    distributor: Distributor
    tariff: str | None = Field(None, description="Tariff name, any case or year's wording")
    llfc: str | None = Field(
        None,
        description="Line loss factor class, instead of tariff",
        json_schema_extra={"pattern": "^[A-Za-z0-9]{1,3}$"},
    )

    @field_validator("distributor", mode="wrap")
    @classmethod
    def _one_distributor_error(cls, value: Any, handler: Any) -> Any:
        # One message for the field, not one per member of the union ("distributor.int").
        try:
            parsed = handler(value)
        except PydanticValidationError:
            raise PydanticCustomError(
                "distributor",
                "give a distributor id 10-23, a GSP group (_A-_P) or a /v1/lookup result",
            ) from None
        return _lookup_result(parsed) if isinstance(parsed, dict) else parsed


def _lookup_result(result: dict[str, Any]) -> dict[str, Any]:
    # The engine reads a lookup result's GSP group, distributor id and candidate list;
    # anything else in their place is the caller's error, not a server fault. A JSON
    # integer may arrive as 14.0 (the same number to JSON Schema): read as 14.
    result = dict(result)
    for key in ("gsp_group_id", "distributor_id"):
        value = result.get(key)
        if isinstance(value, float) and value.is_integer():
            result[key] = value = int(value)
        if not isinstance(value, str | int | None) or isinstance(value, bool):
            raise PydanticCustomError(
                "distributor", f"a lookup result's {key} is a string or an id (or absent)"
            )
    candidates = result.get("candidates")
    if candidates is not None and not (
        isinstance(candidates, list) and all(isinstance(c, dict) for c in candidates)
    ):
        raise PydanticCustomError(
            "distributor", "a lookup result's candidates are a list of lookup rows"
        )
    return result


class DuosProfile(ApiModel):
    """Half-hourly columns as parallel arrays (at most two years of half-hours)."""

    interval_start: list[str] | None = Field(
        None,
        description="ISO 8601 with UTC offset",
        json_schema_extra={"items": {"format": "date-time"}},
    )
    settlement_date: list[str] | None = Field(
        None, description="UK settlement date", json_schema_extra={"items": {"format": "date"}}
    )
    settlement_period: list[int] | None = Field(
        None, json_schema_extra={"items": {"minimum": 1, "maximum": 50}}
    )
    import_kwh: list[float] | None = Field(None, json_schema_extra=_QUANTITIES)
    import_kw: list[float] | None = Field(None, json_schema_extra=_QUANTITIES)
    export_kwh: list[float] | None = Field(None, json_schema_extra=_QUANTITIES)
    export_kw: list[float] | None = Field(None, json_schema_extra=_QUANTITIES)
    reactive_kvarh: list[float] | None = None
    reactive_kvar: list[float] | None = None
    reactive_import_kvarh: list[float] | None = Field(None, json_schema_extra=_QUANTITIES)
    reactive_export_kvarh: list[float] | None = Field(None, json_schema_extra=_QUANTITIES)
    max_demand_kva: list[float] | None = Field(None, json_schema_extra=_QUANTITIES)


def profile_of(wire: DuosProfile, field: str = "profile") -> HalfHourlyProfile:
    """The profile of a request body.

    Args:
        wire: The profile as sent.
        field: Its key in the body (``profile``; BtM's is ``load``), named by errors.

    Raises:
        ProblemError: 413 past two years of half-hours (the bills are additive: split it).
        ValidationError: If the arrays differ in length (naming ``field``).
    """
    columns = wire.model_dump(exclude_none=True)
    longest = max((len(values) for values in columns.values()), default=0)
    if longest > MAX_PROFILE_PERIODS:
        raise ProblemError(
            413,
            f"{field}: {longest} half-hours; at most {MAX_PROFILE_PERIODS} (two years) per "
            "request — split the profile and add the bills (they are additive)",
            field=field,
        )
    with fields_named({"profile": field}):
        return HalfHourlyProfile(**columns)


#: A battery's site: its DUoS needs the distributor and both tariffs, or none of them
#: (published as the model's ``anyOf``; jobs/revenue.py:site_network_charges resolves them).
SITE_DUOS = ("distributor", "import_tariff", "export_tariff")
SITE_DUOS_SCHEMA: SchemaKeywords = {"anyOf": [absent(*SITE_DUOS), present(*SITE_DUOS)]}
SiteDistributor = Annotated[
    str | None,
    Field(
        description="Site licence area (10-23 or GSP group) for DUoS",
        json_schema_extra={"pattern": "^(1[0-9]|2[0-3]|_?[A-HJ-NPa-hj-np])$"},
    ),
]
SiteImportTariff = Annotated[
    str | None,
    Field(description="Site DUoS demand tariff name or LLFC", json_schema_extra={"minLength": 1}),
]
SiteExportTariff = Annotated[
    str | None,
    Field(description="Site DUoS generation tariff or LLFC", json_schema_extra={"minLength": 1}),
]
#: Who owns the response energy of held services (jobs/revenue.py: RevenueRequest).
Registration = Annotated[
    Literal["bm", "non_bm", "none"],
    Field(
        description="Who owns the response energy of held DC/DM/DR: bm (ABSVD corrects it out "
        "of imbalance), non_bm (settled at the imbalance price until ABSVD covers non-BM "
        "units), none (not modelled)",
    ),
]
