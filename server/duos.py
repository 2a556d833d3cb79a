"""``POST /v1/duos/rates`` and ``POST /v1/duos/cost``: DUoS tariffs and site bills over HTTP."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import ConfigDict, Field, WithJsonSchema, field_validator
from pydantic_core import PydanticCustomError

import jobs.duos
from engine.errors import DataMissingError, TariffNotFoundError, ValidationError
from jobs.inputs import request_from
from server.api import ApiBlueprint
from server.config import server_config
from server.inputs import DuosProfile, TariffChoice, profile_of
from server.validation import ApiModel, SchemaKeywords, absent, present, tariff_choice_rule

bp = ApiBlueprint("duos", __name__)

_AT_LEAST_0: SchemaKeywords = {"minimum": 0}
_STRUCTURE = ("voltage_level", "tariff_group", "residual_band", "direction")
_SHAPE = ("shape", "annual_kwh", "year")
# Agreed capacities: ≥ 0 and at most the engine's sanity limit (1e9 kVA, engine/duos/cost.py).
_KVA: SchemaKeywords = {"minimum": 0, "maximum": 1e9}


# The wire forms of jobs.duos.DuosRatesRequest and DuosCostRequest: attributes named as
# the request's fields, so that request_from translates them.
#: A charging year as published, e.g. "2025/26" (the second year follows the first).
CHARGING_YEAR_PATTERN = "^[0-9]{4}/[0-9]{2}$"


class DuosRatesRequest(TariffChoice):
    """Which tariff's published charges to return."""

    # date and charging_year are alternatives (jobs.duos.DuosRatesRequest refuses both).
    model_config = ConfigDict(
        json_schema_extra={
            "allOf": [tariff_choice_rule(*_STRUCTURE), {"not": present("date", "charging_year")}]
        },
    )

    voltage_level: str | None = Field(
        None,
        description="LV, LV_SUB or HV",
        json_schema_extra={"enum": ["LV", "LV_SUB", "HV", None]},
    )
    tariff_group: str | None = Field(None, description="e.g. site_specific")
    residual_band: str | None = Field(None, description="e.g. band_1, no_residual")
    direction: str | None = Field(
        None,
        description="demand or generation",
        json_schema_extra={"enum": ["demand", "generation", None]},
    )
    date: str | None = Field(
        None,
        description="UK date YYYY-MM-DD: only its charging year",
        json_schema_extra={"format": "date"},
    )
    charging_year: str | None = Field(
        None,
        description='e.g. "2025/26"; default all years',
        json_schema_extra={"pattern": CHARGING_YEAR_PATTERN},
    )


#: An Elexon profile class, as a number (5) or its text ("5"), as on the command line.
Shape = Annotated[
    str | None,
    WithJsonSchema(
        {
            "description": "Elexon profile class 1-8 (a number or its text) instead of profile",
            "anyOf": [
                {"type": "integer", "minimum": 1, "maximum": 8},
                {"type": "string", "enum": [str(n) for n in range(1, 9)]},
                {"type": "null"},
            ],
        }
    ),
]


class DuosCostRequest(TariffChoice):
    """A profile (or a scaled standard shape) and the site's agreed capacities."""

    # A profile, or a shape scaled to annual_kwh over a year (jobs.duos.run_duos_cost).
    model_config = ConfigDict(
        json_schema_extra={
            "allOf": [
                tariff_choice_rule(),
                {
                    "oneOf": [
                        {"allOf": [present("profile"), absent(*_SHAPE)]},
                        {"allOf": [present(*_SHAPE), absent("profile")]},
                    ]
                },
            ]
        },
    )

    profile: DuosProfile | None = None
    shape: Shape = None
    annual_kwh: float | None = Field(
        None, description="With shape: energy over the year [kWh]", json_schema_extra=_AT_LEAST_0
    )
    year: str | None = Field(
        None,
        description='With shape: calendar or charging year "2025/26"',
        json_schema_extra={"pattern": "^[0-9]{4}(/[0-9]{2})?$"},
    )
    import_capacity_kva: float | None = Field(
        None, description="Agreed import capacity [kVA]", json_schema_extra=_KVA
    )
    export_capacity_kva: float | None = Field(
        None, description="Agreed export capacity [kVA]", json_schema_extra=_KVA
    )
    power_factor: float | None = Field(
        None,
        description="Average power factor if no kVArh",
        json_schema_extra={"exclusiveMinimum": 0, "maximum": 1},
    )

    @field_validator("shape", mode="before")
    @classmethod
    def _shape_as_text(cls, value: Any) -> Any:
        # `gbess duos cost --shape 5` and `"shape": 5` mean the same: the number becomes
        # its text here and jobs.duos checks it once for both faces (1-8, same message).
        if isinstance(value, bool):
            raise PydanticCustomError("shape", "give an Elexon profile class 1-8")
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        return str(value) if isinstance(value, int) else value


class DuosSource(ApiModel):
    """A charging statement the figures were read from."""

    source_doc_id: str
    charging_year: str | None
    title: str | None
    repository: str | None
    path_in_repository: str | None


class DuosTariffIdentity(ApiModel):
    """Identifying fields of a tariff."""

    distributor_id: str
    gsp_group_id: str
    tariff_name: str
    direction: str
    voltage_level: str
    tariff_group: str
    residual_charging_band: str | None
    profile_classes: str | None
    band_scheme: str
    band_names: list[str]


class DuosBandWindow(ApiModel):
    """A published band window in UK clock time, [start, end)."""

    day_type: str
    band: str
    start_uk_clock: str
    end_uk_clock: str
    months: list[int]
    date_exception: str | None


class DuosRatesYear(ApiModel):
    """One charging year's charges in published units (null: no such charge)."""

    charging_year: str
    valid_from: str
    valid_to: str
    tariff_name_as_published: str
    rates: dict[str, float | None]
    band_windows: list[DuosBandWindow]
    llfcs: dict[str, list[str]]
    source_doc_id: str
    band_source_doc_id: str


class DuosRatesResponse(DuosTariffIdentity):
    """A tariff's charges per charging year with their sources."""

    years: list[DuosRatesYear]
    sources: list[DuosSource]


class DuosCostResponse(DuosTariffIdentity):
    """A site's DUoS bill: totals, components, months and itemised lines."""

    total_gbp: float
    by_component: dict[str, float]
    by_month: list[dict[str, Any]]
    effective_p_per_kwh: float | None
    energy_kwh: float
    charging_years: list[str]
    sources: list[DuosSource]
    assumptions: list[str]
    lines: list[dict[str, Any]]


_ERRORS = (ValidationError, TariffNotFoundError, DataMissingError)


@bp.operation(
    "POST",
    "/duos/rates",
    request=DuosRatesRequest,
    response=DuosRatesResponse,
    summary="Published DUoS charges, band windows and sources of a tariff",
    errors=_ERRORS,
)
def duos_rates(body: DuosRatesRequest) -> DuosRatesResponse:
    """Resolve the tariff (by name, LLFC or structure) and return its charges per year."""
    request = request_from(jobs.duos.DuosRatesRequest, body)
    document = jobs.duos.run_duos_rates(request, server_config().settings)
    return DuosRatesResponse.model_validate(document)


@bp.operation(
    "POST",
    "/duos/cost",
    request=DuosCostRequest,
    response=DuosCostResponse,
    summary="The DUoS bill of a half-hourly profile, by component, band and month",
    errors=_ERRORS,
    heavy=True,
)
def duos_cost(body: DuosCostRequest) -> DuosCostResponse:
    """Cost a site's profile (or a scaled Elexon shape) under its tariff.

    Profiles longer than two years of half-hours are refused with 413.
    """
    profile = None if body.profile is None else profile_of(body.profile)
    request = request_from(jobs.duos.DuosCostRequest, body, profile=profile)
    document = jobs.duos.run_duos_cost(request, server_config().settings)
    return DuosCostResponse.model_validate(document)
