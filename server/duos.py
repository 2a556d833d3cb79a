"""``POST /v1/duos/rates`` and ``POST /v1/duos/cost``: DUoS tariffs and site bills over HTTP."""

from __future__ import annotations

from typing import Any

import pandas as pd
from pydantic import Field, field_validator
from pydantic import ValidationError as PydanticValidationError
from pydantic_core import PydanticCustomError

from engine.duos import find_tariff
from engine.errors import DataMissingError, TariffNotFoundError, ValidationError
from engine.reference import reference_data
from jobs.duos import cost_profile, rates_document
from server.api import ApiBlueprint
from server.config import server_config
from server.errors import ProblemError
from server.validation import ApiModel

bp = ApiBlueprint("duos", __name__)

#: Longest profile accepted: two years of half-hours, both leap years (2 × 366 × 48).
MAX_PROFILE_PERIODS = 2 * 366 * 48
Distributor = int | str | dict[str, Any]


class TariffChoice(ApiModel):
    """Where and which: a licence area and one way of naming the tariff."""

    distributor: Distributor = Field(
        description="Distributor id 10-23, GSP group (_A-_P), or a /v1/lookup result"
    )
    tariff: str | None = Field(None, description="Tariff name, any case or year's wording")
    llfc: str | None = Field(None, description="Line loss factor class, instead of tariff")

    @field_validator("distributor", mode="wrap")
    @classmethod
    def _one_distributor_error(cls, value: Any, handler: Any) -> Any:
        # One message for the field, not one per member of the union ("distributor.int").
        try:
            return handler(value)
        except PydanticValidationError:
            raise PydanticCustomError(
                "distributor",
                "give a distributor id 10-23, a GSP group (_A-_P) or a /v1/lookup result",
            ) from None


class DuosRatesRequest(TariffChoice):
    """Which tariff's published charges to return."""

    voltage_level: str | None = Field(None, description="LV, LV_SUB or HV")
    tariff_group: str | None = Field(None, description="e.g. site_specific")
    residual_band: str | None = Field(None, description="e.g. band_1, no_residual")
    direction: str | None = Field(None, description="demand or generation")
    date: str | None = Field(None, description="UK date YYYY-MM-DD: only its charging year")
    charging_year: str | None = Field(None, description='e.g. "2025/26"; default all years')


class DuosProfile(ApiModel):
    """Half-hourly columns as parallel arrays (at most two years of half-hours)."""

    interval_start: list[str] | None = Field(None, description="ISO 8601 with UTC offset")
    settlement_date: list[str] | None = None
    settlement_period: list[int] | None = None
    import_kwh: list[float] | None = None
    import_kw: list[float] | None = None
    export_kwh: list[float] | None = None
    export_kw: list[float] | None = None
    reactive_kvarh: list[float] | None = None
    reactive_kvar: list[float] | None = None
    reactive_import_kvarh: list[float] | None = None
    reactive_export_kvarh: list[float] | None = None
    max_demand_kva: list[float] | None = None


class DuosCostRequest(TariffChoice):
    """A profile (or a scaled standard shape) and the site's agreed capacities."""

    profile: DuosProfile | None = None
    shape: str | None = Field(None, description="Elexon profile class 1-8 instead of profile")
    annual_kwh: float | None = Field(None, description="With shape: energy over the year [kWh]")
    year: str | None = Field(None, description='With shape: calendar or charging year "2025/26"')
    import_capacity_kva: float | None = Field(None, description="Agreed import capacity [kVA]")
    export_capacity_kva: float | None = Field(None, description="Agreed export capacity [kVA]")
    power_factor: float | None = Field(None, description="Average power factor if no kVArh")


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


def _ref() -> Any:
    config = server_config()
    return reference_data(config.settings.data_dir)


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
    if body.date is not None and body.charging_year is not None:
        raise ValidationError("date: give date or charging_year, not both", field="date")
    ref = _ref()
    tariff = find_tariff(
        ref,
        body.distributor,
        tariff=body.tariff,
        llfc=body.llfc,
        voltage_level=body.voltage_level,
        tariff_group=body.tariff_group,
        residual_band=body.residual_band,
        direction=body.direction,
        on=body.date or body.charging_year,
    )
    return DuosRatesResponse.model_validate(rates_document(ref, tariff))


def _profile_frame(profile: DuosProfile) -> pd.DataFrame:
    columns = {k: v for k, v in profile.model_dump().items() if v is not None}
    longest = max((len(v) for v in columns.values()), default=0)
    if longest > MAX_PROFILE_PERIODS:
        raise ProblemError(
            413,
            f"profile: {longest} half-hours; at most {MAX_PROFILE_PERIODS} (two years) per "
            "request — split the profile and add the bills (they are additive)",
            field="profile",
        )
    lengths = {k: len(v) for k, v in columns.items()}
    if len(set(lengths.values())) > 1:
        raise ValidationError(
            "profile: arrays differ in length ("
            + ", ".join(f"{k} {n}" for k, n in lengths.items())
            + ")",
            field="profile",
        )
    return pd.DataFrame(columns)


@bp.operation(
    "POST",
    "/duos/cost",
    request=DuosCostRequest,
    response=DuosCostResponse,
    summary="The DUoS bill of a half-hourly profile, by component, band and month",
    errors=_ERRORS,
)
def duos_cost(body: DuosCostRequest) -> DuosCostResponse:
    """Cost a site's profile (or a scaled Elexon shape) under its tariff.

    Profiles longer than two years of half-hours are refused with 413.
    """
    frame = _profile_frame(body.profile) if body.profile is not None else None
    document = cost_profile(
        _ref(),
        frame,
        distributor=body.distributor,
        tariff=body.tariff,
        llfc=body.llfc,
        import_capacity_kva=body.import_capacity_kva,
        export_capacity_kva=body.export_capacity_kva,
        power_factor=body.power_factor,
        shape=body.shape,
        annual_kwh=body.annual_kwh,
        year=body.year,
    )
    return DuosCostResponse.model_validate(document)
