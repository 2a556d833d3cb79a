"""The stages each Sites row runs through: site lookup, then the DUoS bill.

Lookup (issue 3) names the network operator and GSP group from the MPAN and/or postcode.
The DUoS bill (issue 4) resolves the row's tariff for that licence area and this charging
year, builds a year of half-hourly import from a standard Elexon profile-class shape
scaled to the row's annual import (class 8 — maximum-demand non-domestic, load factor
over 40 % — unless the row gives ``profile_class``; stated in the tab's notes), and bills
it with the agreed capacity. The battery revenue stack and behind-the-meter stages are
added here as those features land; until then the tab has no columns for them.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from engine.duos import duos_cost, find_tariff, scale_profile
from engine.errors import ValidationError
from engine.lookup import lookup_site
from engine.lookup_result import LookupResult
from engine.reference import ReferenceData
from engine.settlement import charging_year_of_date
from jobs.dashboard.sites import SiteInput, Stage
from jobs.lookup import lookup_tables

DEFAULT_PROFILE_CLASS = "8"
LOOKUP_COLUMNS = ("distributor_name", "gsp_group_id", "licence_area", "match")
DUOS_COLUMNS = ("tariff_name", "duos_total_gbp", "duos_effective_p_per_kwh")


def lookup_stage(ref: ReferenceData, as_of: dt.date) -> Stage:
    """Site lookup of the row's MPAN and/or postcode (the MPAN is authoritative)."""
    tables = lookup_tables(ref.data_dir)

    def run(site: SiteInput, record: dict[str, Any]) -> None:
        result = lookup_site(site.query, tables, as_of)
        record["_lookup"] = result
        record.update({name: getattr(result, name) for name in LOOKUP_COLUMNS})

    return run


def duos_stage(ref: ReferenceData, as_of: dt.date) -> Stage:
    """This charging year's DUoS bill of the row's scaled standard profile."""
    year = charging_year_of_date(as_of)

    def run(site: SiteInput, record: dict[str, Any]) -> None:
        result: LookupResult = record["_lookup"]
        if result.match == "ambiguous":
            areas = ", ".join(c.licence_area for c in result.candidates)
            raise ValidationError(
                f"the postcode district lies in more than one area ({areas}); give the MPAN",
                field="mpan",
            )
        tariff = find_tariff(ref, result, tariff=site.tariff, on=as_of)
        profile = scale_profile(
            ref, site.profile_class or DEFAULT_PROFILE_CLASS, site.annual_import_mwh * 1000.0, year
        )
        bill = duos_cost(profile, tariff, import_capacity_kva=site.capacity_kva)
        record.update(
            tariff_name=tariff.tariff_name,
            duos_total_gbp=bill.total_gbp,
            duos_effective_p_per_kwh=bill.effective_p_per_kwh,
        )

    return run


def site_stages(ref: ReferenceData, as_of: dt.date) -> tuple[tuple[str, Stage], ...]:
    """Every available stage, in order, with the name shown in a row's error."""
    return (("lookup", lookup_stage(ref, as_of)), ("DUoS", duos_stage(ref, as_of)))


SITE_OUTPUT_COLUMNS = (
    "site_name",
    "query",
    *LOOKUP_COLUMNS,
    *DUOS_COLUMNS,
    "capacity_kva",
    "annual_import_mwh",
    "power_mw",
    "energy_mwh",
    "ppa_price_gbp_per_mwh",
)
