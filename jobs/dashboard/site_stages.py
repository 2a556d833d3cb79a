"""The stages each Sites row runs through: site lookup, the DUoS bill, the battery stack.

Lookup (issue 3) names the network operator and GSP group from the MPAN and/or postcode.
The DUoS bill (issue 4) resolves the row's tariff for that licence area and this charging
year, builds a year of half-hourly import from a standard Elexon profile-class shape
scaled to the row's annual import (class 8 — maximum-demand non-domestic, load factor
over 40 % — unless the row gives ``profile_class``; stated in the tab's notes), and bills
it with the agreed capacity. A row with a battery (``power_mw`` and ``energy_mwh``) gets
its co-optimised revenue stack (APX and imbalance energy, DC/DM/DR, 88 % round trip, no
Capacity Market) over the last 30 days of market data in ``forecast`` mode (decisions on
forecasts, settled on actual prices: the headline, net £ and £/MW/year, with its equivalent
cycles) beside the ceiling, labelled "upper bound (perfect foresight)"; the tab sums the
streams of every site's battery. A row with a battery and a PPA price also gets its
behind-the-meter PPA economics (issue 7) over the last full calendar year of market data:
the same scaled profile as load, the system price as energy price, the published levies
except those with no published rate for that year (``BTM_LEVIES_LEFT_OUT``, named in the
tab's notes), no PV, no export.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from engine.battery import DEFAULT_ROUND_TRIP_EFFICIENCY_FRAC
from engine.duos import duos_cost, find_tariff, scale_profile
from engine.errors import ValidationError
from engine.reference import ReferenceData, reference_data
from engine.settlement import charging_year_of_date
from engine.site import LookupResult, lookup_site
from jobs.btm import BtmRequest, run_btm
from jobs.dashboard.sites import SiteInput, Stage
from jobs.inputs import HalfHourlyProfile
from jobs.lookup import lookup_tables
from jobs.revenue import RevenueRequest, read_history, read_market_data, run_stack
from jobs.settings import Settings

DEFAULT_PROFILE_CLASS = "8"
LOOKUP_COLUMNS = ("distributor_name", "gsp_group_id", "licence_area", "match")
DUOS_COLUMNS = ("tariff_name", "duos_total_gbp", "duos_effective_p_per_kwh")
REVENUE_COLUMNS = (
    "battery_net_revenue_gbp",
    "battery_gbp_per_mw_per_year",
    "battery_equivalent_cycles",
    "battery_upper_bound_gbp_per_mw_per_year",
)
#: The Sites tab's note on the battery figures (the forecast is the headline).
REVENUE_NOTE = (
    "battery revenue: forecast mode (service MW and APX positions decided at D-1 10:00 on "
    "forecasts, the rest re-optimised within the day on published system prices, settled on "
    "actual prices); 'upper bound (perfect foresight)' knows every price in advance"
)
REVENUE_WINDOW_DAYS = 30
BTM_COLUMNS = (
    "btm_margin_without_battery_gbp",
    "btm_margin_with_battery_gbp",
    "btm_battery_value_gbp",
    "red_coverage_frac",
)
# No published rate in ../shared/data/extra for 2024 (FiT, AAHEDC, the TNUoS demand residual)
# or for half of it (CfD interim levy): left out, and said so, rather than guessed.
BTM_LEVIES_LEFT_OUT = ("FiT", "CfD_ILR", "AAHEDC", "TNUoS_TDR")


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


def revenue_stage(settings: Settings, last_day: dt.date, streams: dict[str, float]) -> Stage:
    """The battery's revenue stack over the 30 days to ``last_day``; adds its streams [£]
    into ``streams``. Rows without a battery are left alone."""
    first = last_day - dt.timedelta(days=REVENUE_WINDOW_DAYS - 1)
    market: list[Any] = []  # read once (period and history), on the first row with a battery

    def run(site: SiteInput, record: dict[str, Any]) -> None:
        if site.power_mw is None or site.energy_mwh is None:
            return
        if not market:
            market.append(read_market_data(settings, first, last_day))
            market.append(read_history(settings, first))
        request = RevenueRequest(first, last_day, site.power_mw, site.energy_mwh)
        document = run_stack(request, market[0], settings, market[1])
        record.update(
            battery_net_revenue_gbp=document["net_revenue_gbp"],
            battery_gbp_per_mw_per_year=document["gbp_per_mw_per_year"],
            battery_equivalent_cycles=document["equivalent_cycles"],
            battery_upper_bound_gbp_per_mw_per_year=document["upper_bound"]["gbp_per_mw_per_year"],
        )
        for name, value in document["streams"].items():
            streams[name] = streams.get(name, 0.0) + float(value)

    return run


def btm_year(last_market_day: dt.date) -> int:
    """The last calendar year the market data covers in full."""
    return (
        last_market_day.year
        if (last_market_day.month, last_market_day.day) == (12, 31)
        else (last_market_day.year - 1)
    )


def btm_stage(settings: Settings, year: int, warehouse: Callable[[], Any]) -> Stage:
    """Behind-the-meter PPA economics of a row with a battery and a PPA price."""
    ref = reference_data(settings.data_dir)

    def run(site: SiteInput, record: dict[str, Any]) -> None:
        if site.power_mw is None or site.energy_mwh is None or site.ppa_gbp_per_mwh is None:
            return
        shape = site.profile_class or DEFAULT_PROFILE_CLASS
        load = scale_profile(ref, shape, site.annual_import_mwh * 1000.0, year)
        request = BtmRequest(
            load=HalfHourlyProfile.from_frame(load.reset_index()),
            distributor=record["_lookup"],
            import_capacity_kva=site.capacity_kva,
            ppa_gbp_per_mwh=site.ppa_gbp_per_mwh,
            tariff=site.tariff,
            power_mw=site.power_mw,
            energy_mwh=site.energy_mwh,
            round_trip_efficiency_frac=DEFAULT_ROUND_TRIP_EFFICIENCY_FRAC,
            without_levies=BTM_LEVIES_LEFT_OUT,
        )
        document = run_btm(request, settings, warehouse=warehouse)
        record.update(
            btm_margin_without_battery_gbp=document["without_battery"]["margin_gbp"],
            btm_margin_with_battery_gbp=document["with_battery"]["margin_gbp"],
            btm_battery_value_gbp=document["battery_value_gbp"],
            red_coverage_frac=document["red_coverage_frac"],
        )

    return run


def site_stages(
    settings: Settings,
    ref: ReferenceData,
    as_of: dt.date,
    last_market_day: dt.date,
    streams: dict[str, float],
    warehouse: Callable[[], Any],
) -> tuple[tuple[str, Stage], ...]:
    """Every available stage, in order, with the name shown in a row's error."""
    return (
        ("lookup", lookup_stage(ref, as_of)),
        ("DUoS", duos_stage(ref, as_of)),
        ("revenue", revenue_stage(settings, last_market_day, streams)),
        ("behind the meter", btm_stage(settings, btm_year(last_market_day), warehouse)),
    )


SITE_OUTPUT_COLUMNS = (
    "site_name",
    "query",
    *LOOKUP_COLUMNS,
    *DUOS_COLUMNS,
    *REVENUE_COLUMNS,
    *BTM_COLUMNS,
    "capacity_kva",
    "annual_import_mwh",
    "power_mw",
    "energy_mwh",
    "ppa_price_gbp_per_mwh",
)
