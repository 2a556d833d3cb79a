"""DUoS use cases shared by the CLI and the HTTP API: a tariff's rates and a site's bill.

``gbess duos rates|cost`` and ``POST /v1/duos/rates|cost`` build a
:class:`DuosRatesRequest` or :class:`DuosCostRequest` and call :func:`run_duos_rates` or
:func:`run_duos_cost`, which return the JSON documents made here.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from engine.duos import (
    RATE_FIELDS,
    DuosBill,
    DuosTariff,
    duos_cost,
    find_tariff,
    scale_profile,
    year_span,
)
from engine.errors import ValidationError
from engine.reference import ReferenceData, reference_data
from engine.settlement import charging_year_of_date
from jobs.inputs import HalfHourlyProfile, TariffChoice, fields_named
from jobs.settings import Settings


@dataclass(frozen=True, kw_only=True)
class DuosRatesRequest(TariffChoice):
    """Which tariff's published charges to return, and for which charging years.

    The tariff is chosen by ``tariff`` name, by ``llfc``, or by structure (the fields
    below, as many as single one out).

    Attributes:
        voltage_level: ``LV``, ``LV_SUB`` or ``HV``.
        tariff_group: e.g. ``site_specific``, ``non_domestic_aggregated``.
        residual_band: e.g. ``band_1``, ``no_residual``.
        direction: ``demand`` or ``generation``.
        date: UK date ``YYYY-MM-DD``: only its charging year.
        charging_year: e.g. ``"2025/26"``: only that year. Neither: every year held.

    Raises:
        ValidationError: If both ``date`` and ``charging_year`` are given.
    """

    voltage_level: str | None = None
    tariff_group: str | None = None
    residual_band: str | None = None
    direction: str | None = None
    date: str | None = None
    charging_year: str | None = None

    def __post_init__(self) -> None:
        if self.date is not None and self.charging_year is not None:
            raise ValidationError("date: give date or charging_year, not both", field="date")


@dataclass(frozen=True, kw_only=True)
class DuosCostRequest(TariffChoice):
    """A site's half-hours (or a scaled standard shape) and its agreed capacities.

    Attributes:
        profile: The metered half-hours; or, instead, the next three.
        shape: Elexon profile class ``1``-``8``, scaled to ``annual_kwh``.
        annual_kwh: With ``shape``: energy over the year [kWh].
        year: With ``shape``: calendar year or charging year (``"2025/26"``).
        import_capacity_kva: Agreed import capacity [kVA].
        export_capacity_kva: Agreed export capacity [kVA].
        power_factor: Average power factor when the profile has no reactive energy.
    """

    profile: HalfHourlyProfile | None = None
    shape: str | None = None
    annual_kwh: float | None = None
    year: str | None = None
    import_capacity_kva: float | None = None
    export_capacity_kva: float | None = None
    power_factor: float | None = None


def _sources(ref: ReferenceData, doc_ids: list[str]) -> list[dict[str, Any]]:
    """Provenance of each source document id, in the order given, without repeats."""
    table = ref.table("duos_source_documents").set_index("source_doc_id")
    out = []
    for doc_id in dict.fromkeys(doc_ids):
        row = table.loc[doc_id] if doc_id in table.index else None
        out.append(
            {
                "source_doc_id": doc_id,
                "charging_year": None if row is None else str(row["charging_year"]),
                "title": None if row is None else str(row["annex1_title_as_published"]),
                "repository": None if row is None else str(row["repository"]),
                "path_in_repository": None if row is None else str(row["path_in_repository"]),
            }
        )
    return out


def tariff_identity_document(tariff: DuosTariff) -> dict[str, Any]:
    """The identifying fields of a tariff."""
    return {
        "distributor_id": tariff.distributor_id,
        "gsp_group_id": tariff.gsp_group_id,
        "tariff_name": tariff.tariff_name,
        "direction": tariff.direction,
        "voltage_level": tariff.voltage_level,
        "tariff_group": tariff.tariff_group,
        "residual_charging_band": tariff.residual_charging_band or None,
        "profile_classes": tariff.profile_classes or None,
        "band_scheme": tariff.band_scheme,
        "band_names": list(tariff.band_names),
    }


def rates_document(ref: ReferenceData, tariff: DuosTariff) -> dict[str, Any]:
    """Published charges, band windows and sources of a tariff, per charging year.

    Rates keep their published units (``null`` = the statement has no such charge); for
    unmetered supplies the red/amber/green fields hold black/yellow/green (see
    ``band_names``).
    """
    years = []
    doc_ids: list[str] = []
    for year in tariff.years:
        doc_ids += [year.source_doc_id, year.band_source_doc_id]
        years.append(
            {
                "charging_year": year.charging_year,
                "valid_from": year.valid_from.isoformat(),
                "valid_to": year.valid_to.isoformat(),
                "tariff_name_as_published": year.tariff_name_as_published,
                "rates": {field: getattr(year, field) for field in RATE_FIELDS},
                "band_windows": [
                    {
                        "day_type": w.day_type,
                        "band": w.band,
                        "start_uk_clock": w.start_uk_clock,
                        "end_uk_clock": w.end_uk_clock,
                        "months": list(w.months),
                        "date_exception": w.date_exception or None,
                    }
                    for w in year.windows
                ],
                "llfcs": {"open": list(year.open_llfcs), "closed": list(year.closed_llfcs)},
                "source_doc_id": year.source_doc_id,
                "band_source_doc_id": year.band_source_doc_id,
            }
        )
    return {**tariff_identity_document(tariff), "years": years, "sources": _sources(ref, doc_ids)}


def _number(value: float) -> float | None:
    return None if value is None or (isinstance(value, float) and math.isnan(value)) else value


def cost_document(ref: ReferenceData, bill: DuosBill) -> dict[str, Any]:
    """The JSON form of a bill (keys as issue 4 fixes them, plus the itemised lines)."""
    lines = [
        {key: _number(value) if isinstance(value, float) else value for key, value in row.items()}
        for row in bill.breakdown.to_dict(orient="records")
    ]
    doc_ids = bill.breakdown["source_doc_id"].tolist() + [
        bill.tariff.year(year).band_source_doc_id for year in bill.charging_years
    ]
    return {
        **tariff_identity_document(bill.tariff),
        "total_gbp": bill.total_gbp,
        "by_component": bill.by_component(),
        "by_month": bill.by_month(),
        "effective_p_per_kwh": bill.effective_p_per_kwh,
        "energy_kwh": bill.energy_kwh,
        "charging_years": bill.charging_years,
        "sources": _sources(ref, doc_ids),
        "assumptions": list(bill.assumptions),
        "lines": lines,
    }


def _check_year_is_held(tariff: DuosTariff, year: object) -> None:
    """Refuse a shape's year whose charging years have no rates (before building it)."""
    held = tariff.charging_years
    for day in year_span(year):
        label = charging_year_of_date(day, "year")
        if label not in held:
            raise ValidationError(
                f"year: {year} includes charging year {label}; DUoS charges for "
                f"{tariff.tariff_name} exist for {', '.join(held)}",
                field="year",
            )


def run_duos_rates(request: DuosRatesRequest, settings: Settings) -> dict[str, Any]:
    """Resolve the tariff (by name, LLFC or structure) and return :func:`rates_document`.

    Raises:
        TariffNotFoundError: If no tariff matches (naming the nearest valid names).
        ValidationError: If the distributor or date is malformed.
    """
    ref = reference_data(settings.data_dir)
    tariff = find_tariff(
        ref,
        request.distributor,
        tariff=request.tariff,
        llfc=request.llfc,
        voltage_level=request.voltage_level,
        tariff_group=request.tariff_group,
        residual_band=request.residual_band,
        direction=request.direction,
        on=request.date or request.charging_year,
    )
    return rates_document(ref, tariff)


def run_duos_cost(request: DuosCostRequest, settings: Settings) -> dict[str, Any]:
    """Resolve the tariff, build or check the profile, cost it: :func:`cost_document`.

    Either ``profile`` or ``shape`` + ``annual_kwh`` + ``year`` (a scaled Elexon
    profile-class shape) gives the half-hours, never both (one would be ignored).

    Raises:
        ValidationError: If the profile or shape is missing, both are given, or the
            profile is malformed (naming the column and rows).
        TariffNotFoundError: If no tariff matches.
        DataMissingError: If the tariff has no rates for a half-hour of the profile.
    """
    if request.profile is not None:
        given = [
            name for name in ("shape", "annual_kwh", "year") if getattr(request, name) is not None
        ]
        if given:
            raise ValidationError(
                f"{given[0]}: give a profile or {', '.join(given)}, not both", field=given[0]
            )
    with fields_named(_request_fields(request)):
        return _cost_document(request, settings)


def _request_fields(request: DuosCostRequest) -> dict[str, str]:
    """Engine field names → the request's: a profile column ``c`` → ``profile.c``, or, for
    a scaled shape, its energy → ``annual_kwh`` (the one number the caller gave)."""
    if request.profile is not None:
        return {column: f"profile.{column}" for column in request.profile.columns()}
    return {"import_kwh": "annual_kwh", "energy_kwh": "annual_kwh"}


def _cost_document(request: DuosCostRequest, settings: Settings) -> dict[str, Any]:
    ref = reference_data(settings.data_dir)
    found = find_tariff(ref, request.distributor, tariff=request.tariff, llfc=request.llfc)
    if request.profile is not None:
        profile = request.profile.frame()
    elif request.shape is None or request.annual_kwh is None or request.year is None:
        raise ValidationError(
            "profile: give a profile, or shape with annual_kwh and year", field="profile"
        )
    else:
        _check_year_is_held(found, request.year)
        profile = scale_profile(ref, request.shape, request.annual_kwh, request.year)
    bill = duos_cost(
        profile,
        found,
        import_capacity_kva=request.import_capacity_kva,
        export_capacity_kva=request.export_capacity_kva,
        power_factor=request.power_factor,
    )
    return cost_document(ref, bill)
