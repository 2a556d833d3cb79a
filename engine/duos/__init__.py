"""DUoS: tariff resolution, band classification, site profiles and the network bill."""

from engine.duos.area import resolve_distributor
from engine.duos.bands import BandWindow
from engine.duos.cost import COMPONENT_KEYS, DuosBill, duos_cost, duos_cost_many
from engine.duos.profile import half_hourly_profile, profile_arrays, scale_profile, year_span
from engine.duos.schedule import DuosSchedule, classify_duos_band, duos_schedule
from engine.duos.tariffs import (
    RATE_FIELDS,
    DuosTariff,
    TariffYear,
    available_charging_years,
    find_tariff,
    tariff_names,
)

__all__ = [
    "COMPONENT_KEYS",
    "RATE_FIELDS",
    "BandWindow",
    "DuosBill",
    "DuosSchedule",
    "DuosTariff",
    "TariffYear",
    "available_charging_years",
    "classify_duos_band",
    "duos_cost",
    "duos_cost_many",
    "duos_schedule",
    "find_tariff",
    "half_hourly_profile",
    "profile_arrays",
    "resolve_distributor",
    "scale_profile",
    "tariff_names",
    "year_span",
]
