"""DUoS tariffs: resolve a tariff by name, LLFC or structure and return its published rates.

The rates are Annex 1 ("LV, HV and UMS charges") of each DNO's CDCM schedule of charges,
2022/23-2027/28, as collected in ``duos_tariffs_lv_hv.csv`` (see ``SOURCES.md``); the band
windows are the same annex's time-band table (``duos_time_bands.csv``,
``duos_unmetered_time_bands.csv``). Every figure keeps its published unit and carries the
id of the document it was read from (``duos_source_documents.csv``).

Published names change wording between years ("Domestic Aggregated with Residual" became
"Domestic Aggregated or CT with Residual" in 2025/26) and case between documents
("no RP charge"/"no RP Charge"). A tariff's identity is its name folded to lower case with
" or CT" removed; its canonical name is the spelling used most in the latest year.
"""

from __future__ import annotations

import datetime as dt
import difflib
import functools
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from engine.duos.area import resolve_distributor
from engine.duos.bands import BandWindow, band_windows
from engine.errors import DataMissingError, TariffNotFoundError, ValidationError
from engine.reference import ReferenceData
from engine.settlement import charging_year_of_date, parse_charging_year
from engine.site import (
    LicenceArea,
    LookupResult,
    expand_llfc_list,
    load_lookup_tables,
    normalise_llfc,
)

VOLTAGE_LEVELS = ("LV", "LV_SUB", "HV")
DIRECTIONS = ("demand", "generation")
#: The seven published charges of a tariff year, in statement (column) order.
RATE_FIELDS = (
    "red_p_per_kwh",
    "amber_p_per_kwh",
    "green_p_per_kwh",
    "fixed_p_per_mpan_per_day",
    "capacity_p_per_kva_per_day",
    "exceeded_capacity_p_per_kva_per_day",
    "reactive_power_p_per_kvarh",
)
BAND_NAMES = {
    "red_amber_green": ("red", "amber", "green"),
    "black_yellow_green": ("black", "yellow", "green"),
}


@dataclass(frozen=True)
class TariffYear:
    """One tariff's charges in one charging year, in published units.

    ``None`` means the statement has no such charge (an empty cell); generation tariffs
    publish negative unit rates, which are credits. For unmetered supplies the three unit
    rates are black/yellow/green, held in the red/amber/green fields.
    """

    charging_year: str
    valid_from: dt.date
    valid_to: dt.date
    tariff_name_as_published: str
    red_p_per_kwh: float | None
    amber_p_per_kwh: float | None
    green_p_per_kwh: float | None
    fixed_p_per_mpan_per_day: float | None
    capacity_p_per_kva_per_day: float | None
    exceeded_capacity_p_per_kva_per_day: float | None
    reactive_power_p_per_kvarh: float | None
    source_doc_id: str
    band_source_doc_id: str
    windows: tuple[BandWindow, ...]
    open_llfcs: tuple[str, ...]
    closed_llfcs: tuple[str, ...]

    @property
    def unit_p_per_kwh(self) -> tuple[float, float, float]:
        """The three unit rates in band order, empty cells as 0 [p/kWh]."""
        return (
            self.red_p_per_kwh or 0.0,
            self.amber_p_per_kwh or 0.0,
            self.green_p_per_kwh or 0.0,
        )


@dataclass(frozen=True)
class DuosTariff:
    """A DUoS tariff of one licence area over the charging years asked for.

    Attributes:
        distributor_id: Licence-area distributor id ("10"-"23").
        gsp_group_id: GSP group ("_A"-"_P").
        tariff_name: Canonical name (see module docstring).
        direction: ``demand`` or ``generation`` (generation unit rates are credits).
        voltage_level: ``LV``, ``LV_SUB`` or ``HV``.
        tariff_group: e.g. ``site_specific``, ``non_domestic_aggregated``, ``unmetered``.
        residual_charging_band: e.g. ``band_1``, ``no_residual``; "" where none.
        profile_classes: As published.
        band_scheme: ``red_amber_green`` or ``black_yellow_green`` (unmetered).
        years: Charges per charging year, oldest first.
    """

    distributor_id: str
    gsp_group_id: str
    tariff_name: str
    direction: str
    voltage_level: str
    tariff_group: str
    residual_charging_band: str
    profile_classes: str
    band_scheme: str
    years: tuple[TariffYear, ...]

    @property
    def band_names(self) -> tuple[str, str, str]:
        """Names of the three unit-rate bands, most expensive first."""
        names = BAND_NAMES[self.band_scheme]
        return names[0], names[1], names[2]

    @property
    def charging_years(self) -> tuple[str, ...]:
        """Charging years this object holds, oldest first."""
        return tuple(year.charging_year for year in self.years)

    def year(self, charging_year: str) -> TariffYear:
        """Charges of one charging year.

        Raises:
            ValidationError: If the year is not held, naming the years that are.
        """
        for year in self.years:
            if year.charging_year == charging_year:
                return year
        raise ValidationError(
            f"charging_year: {self.tariff_name} ({self.gsp_group_id}) has no charges for "
            f"{charging_year}; charges exist for {', '.join(self.charging_years)}",
            field="charging_year",
        )


def tariff_identity(name: str) -> str:
    """The identity key of a tariff name: lower case, " or CT" removed, spaces collapsed."""
    folded = " ".join(name.lower().replace("(", " (").split())
    return folded.replace(" or ct ", " ").replace("( ", "(").strip()


def _llfc_codes(cell: Any) -> tuple[str, ...]:
    """LLFCs of a ``dno_open_llfcs``/``dno_closed_llfcs`` cell, read as site lookup reads them."""
    return tuple(expand_llfc_list(cell if isinstance(cell, str) else None))


def _text(value: Any) -> str:
    return "" if pd.isna(value) else str(value)


def _cell(value: Any) -> float | None:
    return None if pd.isna(value) else float(value)


@dataclass(frozen=True)
class _Entry:
    identity: str
    direction: str
    voltage_level: str
    tariff_group: str
    residual_charging_band: str
    profile_classes: str
    band_scheme: str
    years: dict[str, TariffYear]


@dataclass(frozen=True)
class _Catalogue:
    canonical: dict[str, str]  # identity -> canonical name
    entries: dict[str, dict[str, _Entry]]  # distributor id -> identity -> entry
    years: tuple[str, ...]


@functools.lru_cache(maxsize=4)
def _catalogue(ref: ReferenceData) -> _Catalogue:
    table = ref.table("duos_tariffs")
    years = tuple(sorted(table["charging_year"].unique()))
    identity = table["tariff_name"].map(tariff_identity)
    latest = table.assign(identity=identity)
    canonical: dict[str, str] = {}
    for ident, group in latest.groupby("identity"):
        newest = group[group["charging_year"] == group["charging_year"].max()]
        canonical[str(ident)] = str(newest["tariff_name"].value_counts().index[0])
    windows = band_windows(ref)
    entries: dict[str, dict[str, _Entry]] = {}
    for row, ident in zip(table.itertuples(index=False), identity, strict=True):
        did, year = str(row.distributor_id), str(row.charging_year)
        scheme = str(row.unit_rate_band_scheme)
        try:
            band_source, year_windows = windows[(did, year, scheme)]
        except KeyError:
            raise DataMissingError(
                f"duos_time_bands: no {scheme} band windows for distributor {did} in {year}"
            ) from None
        open_llfcs = _llfc_codes(row.dno_open_llfcs)
        closed_llfcs = _llfc_codes(row.dno_closed_llfcs)
        tariff_year = TariffYear(
            charging_year=year,
            valid_from=pd.Timestamp(str(row.valid_from)).date(),
            valid_to=pd.Timestamp(str(row.valid_to)).date(),
            tariff_name_as_published=str(row.tariff_name),
            **{col: _cell(getattr(row, col)) for col in RATE_FIELDS},
            source_doc_id=str(row.primary_source_doc_id),
            band_source_doc_id=band_source,
            windows=year_windows,
            open_llfcs=open_llfcs,
            closed_llfcs=closed_llfcs,
        )
        area = entries.setdefault(did, {})
        entry = area.get(ident)
        if entry is None:
            entry = area[ident] = _Entry(
                identity=ident,
                direction=str(row.direction),
                voltage_level=str(row.voltage_level),
                tariff_group=str(row.tariff_group),
                residual_charging_band=_text(row.residual_charging_band),
                profile_classes=_text(row.profile_classes),
                band_scheme=scheme,
                years={},
            )
        entry.years[year] = tariff_year
    return _Catalogue(canonical, entries, years)


def available_charging_years(ref: ReferenceData) -> tuple[str, ...]:
    """Charging years the tariff table holds, oldest first (e.g. 2022/23-2027/28)."""
    return _catalogue(ref).years


def _charging_year(ref: ReferenceData, on: object | None) -> str | None:
    """The charging year of ``on`` (a date or a label like "2025/26"), checked to exist."""
    if on is None:
        return None
    if isinstance(on, str) and "/" in on:
        parse_charging_year(on, "charging_year")
        label, field = on.strip(), "charging_year"
    else:
        label, field = charging_year_of_date(on, "date"), "date"
    years = available_charging_years(ref)
    if label not in years:
        asked = f"{on} falls in charging year {label}" if field == "date" else f"no {label} rates"
        raise ValidationError(
            f"{field}: {asked}; DUoS charges exist for {years[0]} to {years[-1]} "
            f"({', '.join(years)})",
            field=field,
        )
    return label


def _band_key(value: str | None) -> str | None:
    if value is None:
        return None
    text = "_".join(str(value).strip().lower().replace("-", " ").split())
    if text.isdigit():
        return f"band_{text}"
    return text


def find_tariff(
    ref: ReferenceData,
    distributor: object,
    *,
    tariff: str | None = None,
    llfc: str | None = None,
    voltage_level: str | None = None,
    tariff_group: str | None = None,
    residual_band: str | None = None,
    direction: str | None = None,
    on: object | None = None,
) -> DuosTariff:
    """Resolve one DUoS tariff of a licence area and return its published charges.

    Choose the tariff in exactly one way: by ``tariff`` name (any case, either year's
    wording), by ``llfc`` (from the DNO statements' LLFC lists, as site lookup reads
    them), or by structure (``voltage_level`` with ``tariff_group``, ``residual_band`` and
    ``direction`` as needed to single one out). A site lookup result whose MPAN named a
    tariff needs none of these.

    Args:
        ref: Reference data.
        distributor: Distributor id 10-23, GSP group, or a site lookup result
            (:class:`~engine.site.result.LookupResult` or its JSON dict).
        tariff: Tariff name.
        llfc: Line loss factor class of the MPAN.
        voltage_level: ``LV``, ``LV_SUB`` or ``HV``.
        tariff_group: e.g. ``site_specific``, ``non_domestic_aggregated``.
        residual_band: e.g. ``band_1``, ``1``, ``no_residual``.
        direction: ``demand`` or ``generation``.
        on: A date or a charging year ("2025/26") to return only that year's charges;
            ``None`` returns every year held (for costing profiles that cross 1 April).

    Returns:
        The tariff with its charges per charging year.

    Raises:
        TariffNotFoundError: If no tariff matches, naming the nearest valid names for that
            area and year, or if a structural choice is ambiguous.
        ValidationError: If the distributor, date or arguments are malformed.
    """
    area = resolve_distributor(ref, distributor)
    year = _charging_year(ref, on)
    catalogue = _catalogue(ref)
    entries = catalogue.entries[area.distributor_id]
    structural = (voltage_level, tariff_group, residual_band, direction)
    if tariff is None and llfc is None and all(v is None for v in structural):
        # A site lookup result already names the tariff its MPAN's LLFC is listed under.
        found = distributor.to_dict() if isinstance(distributor, LookupResult) else distributor
        if isinstance(found, Mapping) and found.get("duos_tariff_name"):
            tariff = str(found["duos_tariff_name"])
    ways = sum(x is not None for x in (tariff, llfc)) + any(v is not None for v in structural)
    if ways != 1:
        raise ValidationError(
            "tariff: choose the tariff by name, by LLFC, or by voltage level / tariff group / "
            "residual band — exactly one of these",
            field="tariff",
        )
    if tariff is not None:
        ident = tariff_identity(tariff)
        if ident not in entries:
            raise TariffNotFoundError(
                f"tariff: no tariff {tariff!r} in {area.gsp_group_id} ({area.licence_area})"
                f"{' in ' + year if year else ''}; nearest valid names: "
                f"{_nearest(catalogue, entries, ident, year)}",
                field="tariff",
            )
    elif llfc is not None:
        ident = _identity_by_llfc(ref, catalogue, area, normalise_llfc(llfc), year)
    else:
        ident = _identity_by_structure(catalogue, entries, area, structural)
    return _build(catalogue, area, entries[ident], year)


def _nearest(
    catalogue: _Catalogue, entries: Mapping[str, _Entry], ident: str, year: str | None
) -> str:
    names = {
        catalogue.canonical[key]: key
        for key, entry in entries.items()
        if year is None or year in entry.years
    }
    by_key = {key: name for name, key in names.items()}
    close = difflib.get_close_matches(ident, list(by_key), n=5, cutoff=0.0)
    return "; ".join(repr(by_key[key]) for key in close)


def _identity_by_llfc(
    ref: ReferenceData, catalogue: _Catalogue, area: LicenceArea, code: str, year: str | None
) -> str:
    """The tariff an LLFC is listed under, via site lookup's LLFC → tariff table: in the
    year asked for, else the latest year whose statement lists it."""
    topline = load_lookup_tables(ref).topline
    did = area.distributor_id
    for label in [year] if year is not None else reversed(catalogue.years):
        listed = topline.llfc_duos_tariffs(did, code, str(label)) or ()
        idents = {tariff_identity(t.tariff_name) for t in listed}
        if len(idents) == 1:
            return idents.pop()
        if len(idents) > 1:
            names = "; ".join(sorted(catalogue.canonical[i] for i in idents))
            raise TariffNotFoundError(
                f"llfc: LLFC {code} is listed under {len(idents)} tariffs of distributor {did} "
                f"in {label}: {names}; choose the tariff by name",
                field="llfc",
            )
    record = topline.llfc_record(did, code, dt.date(int(catalogue.years[-1][:4]), 4, 1))
    if record is not None:
        raise TariffNotFoundError(
            f"llfc: LLFC {code} of distributor {did} (MDD: {record.description!r}) is not "
            "listed against an Annex 1 tariff in the charging statements held for that area "
            f"{'in ' + year if year else 'in any year'} (IDNO-mirrored years and "
            "EHV/preserved tariffs carry no DNO LLFC lists); choose the tariff by name",
            field="llfc",
        )
    elsewhere = sorted({key[0] for key in topline.llfc_tariffs if key[2] == code} - {did})
    where = f"; it is listed for distributor(s) {', '.join(elsewhere)}" if elsewhere else ""
    raise TariffNotFoundError(
        f"llfc: LLFC {code} is not a tariff of distributor {did} ({area.gsp_group_id}){where}",
        field="llfc",
    )


def _identity_by_structure(
    catalogue: _Catalogue,
    entries: Mapping[str, _Entry],
    area: LicenceArea,
    structural: tuple[str | None, str | None, str | None, str | None],
) -> str:
    voltage_level, tariff_group, residual_band, direction = structural
    if voltage_level is not None and voltage_level.upper() not in VOLTAGE_LEVELS:
        raise ValidationError(
            f"voltage_level: expected one of {', '.join(VOLTAGE_LEVELS)}, got {voltage_level!r}",
            field="voltage_level",
        )
    if direction is not None and direction.strip().lower() not in DIRECTIONS:
        raise ValidationError(
            f"direction: expected one of {', '.join(DIRECTIONS)}, got {direction!r}",
            field="direction",
        )
    wanted = {
        "voltage_level": voltage_level.upper() if voltage_level else None,
        "tariff_group": _band_key(tariff_group),
        "residual_charging_band": _band_key(residual_band),
        "direction": direction.strip().lower() if direction else None,
    }
    matches = [
        key
        for key, entry in entries.items()
        if all(value is None or getattr(entry, field) == value for field, value in wanted.items())
    ]
    asked = ", ".join(f"{k}={v}" for k, v in wanted.items() if v is not None)
    if len(matches) == 1:
        return matches[0]
    if not matches:
        raise TariffNotFoundError(
            f"tariff: no tariff in {area.gsp_group_id} with {asked}", field="tariff"
        )
    names = "; ".join(sorted(repr(catalogue.canonical[key]) for key in matches))
    raise TariffNotFoundError(
        f"tariff: {asked} matches {len(matches)} tariffs in {area.gsp_group_id}: {names}; "
        "narrow it down or give the name",
        field="tariff",
    )


def _build(catalogue: _Catalogue, area: LicenceArea, entry: _Entry, year: str | None) -> DuosTariff:
    if year is not None and year not in entry.years:
        raise TariffNotFoundError(
            f"tariff: {catalogue.canonical[entry.identity]!r} is not published for "
            f"{area.gsp_group_id} in {year}",
            field="tariff",
        )
    years = tuple(entry.years[y] for y in sorted(entry.years) if year is None or y == year)
    return DuosTariff(
        distributor_id=area.distributor_id,
        gsp_group_id=area.gsp_group_id,
        tariff_name=catalogue.canonical[entry.identity],
        direction=entry.direction,
        voltage_level=entry.voltage_level,
        tariff_group=entry.tariff_group,
        residual_charging_band=entry.residual_charging_band,
        profile_classes=entry.profile_classes,
        band_scheme=entry.band_scheme,
        years=years,
    )


def tariff_names(ref: ReferenceData, distributor: object) -> list[str]:
    """Canonical names of every tariff of a licence area, sorted."""
    area = resolve_distributor(ref, distributor)
    catalogue = _catalogue(ref)
    return sorted(catalogue.canonical[key] for key in catalogue.entries[area.distributor_id])
