"""DUoS use cases shared by the CLI and the HTTP API: JSON documents for rates and bills."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pandas as pd

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
from engine.reference import ReferenceData
from engine.settlement import charging_year_of_date


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


def read_profile_csv(path: Path) -> pd.DataFrame:
    """A profile CSV as a raw frame (columns as in ``engine.duos.half_hourly_profile``).

    Raises:
        ValidationError: If the file cannot be read as CSV.
    """
    try:
        return pd.read_csv(path, dtype={"interval_start": str, "settlement_date": str})
    except FileNotFoundError:
        raise ValidationError(f"profile: no such file {path}", field="profile") from None
    except OSError as exc:  # a directory, no permission
        raise ValidationError(
            f"profile: cannot read {path} ({exc.strerror})", field="profile"
        ) from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise ValidationError(
            f"profile: {path} is not a readable CSV ({exc})", field="profile"
        ) from None


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


def cost_profile(
    ref: ReferenceData,
    profile: pd.DataFrame | None,
    *,
    distributor: object,
    tariff: str | None = None,
    llfc: str | None = None,
    import_capacity_kva: float | None = None,
    export_capacity_kva: float | None = None,
    power_factor: float | None = None,
    shape: str | None = None,
    annual_kwh: float | None = None,
    year: str | None = None,
) -> dict[str, Any]:
    """Resolve the tariff, build or check the profile, cost it, and return the document.

    Either ``profile`` (a raw frame) or ``shape`` + ``annual_kwh`` + ``year`` (a scaled
    Elexon profile-class shape) gives the half-hours, never both (one would be ignored).
    """
    if profile is not None:
        given = [
            name
            for name, value in (("shape", shape), ("annual_kwh", annual_kwh), ("year", year))
            if value is not None
        ]
        if given:
            raise ValidationError(
                f"{given[0]}: give a profile or {', '.join(given)}, not both", field=given[0]
            )
    found = find_tariff(ref, distributor, tariff=tariff, llfc=llfc)
    if profile is None:
        if shape is None or annual_kwh is None or year is None:
            raise ValidationError(
                "profile: give a profile, or shape with annual_kwh and year", field="profile"
            )
        _check_year_is_held(found, year)
        profile = scale_profile(ref, shape, annual_kwh, year)
    bill = duos_cost(
        profile,
        found,
        import_capacity_kva=import_capacity_kva,
        export_capacity_kva=export_capacity_kva,
        power_factor=power_factor,
    )
    return cost_document(ref, bill)
