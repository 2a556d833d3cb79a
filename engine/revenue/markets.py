"""GB market and service definitions for a battery: energy markets, DC/DM/DR and Capacity Market.

Rules implemented:

* **Dynamic Containment / Moderation / Regulation** (NESO "New Dynamic Services (DC/DM/DR)"
  technical requirements; EAC service terms): availability is paid per contracted MW per hour
  of the EFA block at the block's clearing price (pay-as-clear, negative prices since the
  Nov 2023 EAC launch are paid *by* the provider); contracted MW are held for the whole EFA
  block. Low services (DCL, DML, DRL) deliver on low frequency by *exporting* more (or
  importing less); high services (DCH, DMH, DRH) deliver on high frequency by *importing*
  more. An energy-limited provider must be able to sustain full delivery for the service's
  delivery duration: DC 15 min, DM 30 min, DR 60 min (the durations are read from
  ``extra/neso_dynamic_response_service_parameters.csv``, never hard-coded).
* **Energy markets**: ``apx`` is the Elexon Market Index (APXMIDP), the short-term traded
  price proxy; an APX period with zero traded volume is *no trade* (unavailable), never a
  £0/MWh price. ``system`` is the single imbalance price (BSC P305, SSP = SBP since Nov
  2015); spilling to or taking from imbalance is always available.
* **Capacity Market**: an agreement (:class:`CapacityAgreement`) is paid its auction's
  clearing price [£/kW/year] for every delivery year of its term (1 October - 30 September),
  x the de-rating factor of the battery's duration class, pro rata by day. The class is
  judged on the duration *at the meter* (usable energy x discharge efficiency ÷ export
  power, rounded down to the published half-hour class). Prices are in the auction's
  base-year terms; with a user-given CPI index they are indexed by the ratio of the delivery
  year's index to the first delivery year's (no CPI series is invented).
  :func:`capacity_market_payment` is the older per-delivery-year lookup (each year at its own
  auction's price), kept for callers that want the market's price in each year.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

import pandas as pd

from engine.errors import DataMissingError, ValidationError

Direction = Literal["low", "high"]

#: The six dynamic response services traded in the EAC, in display order.
DYNAMIC_SERVICES: tuple[str, ...] = ("DCL", "DCH", "DML", "DMH", "DRL", "DRH")
#: Energy markets the battery can trade (see module docstring).
ENERGY_MARKETS: tuple[str, ...] = ("apx", "system")
#: Capacity Market auction types a battery can hold an agreement from.
CM_AUCTIONS: tuple[str, ...] = ("T-1", "T-4")

_SERVICE_FAMILY = {
    "DC": "Dynamic Containment",
    "DM": "Dynamic Moderation",
    "DR": "Dynamic Regulation",
}


@dataclass(frozen=True)
class ServiceSpec:
    """One frequency-response service as the optimiser needs it.

    Attributes:
        name: Service code, e.g. ``"DCL"``.
        family: ``"DC"``, ``"DM"`` or ``"DR"``.
        direction: ``"low"`` (export on low frequency) or ``"high"`` (import on high frequency).
        delivery_duration_h: Full-delivery duration an energy-limited provider must sustain [h].
    """

    name: str
    family: str
    direction: Direction
    delivery_duration_h: float


def parse_services(names: str | Sequence[str], field: str = "services") -> tuple[str, ...]:
    """Validate a list of service codes (comma-separated string or sequence).

    Args:
        names: e.g. ``"DCL,DCH"`` or ``["DCL", "DCH"]``; an empty string means none.
        field: Input name for error messages.

    Returns:
        Upper-case codes in the order given, without duplicates.

    Raises:
        ValidationError: On an unknown code, naming it and the known ones.
    """
    return _known_names(
        names,
        DYNAMIC_SERVICES,
        str.upper,
        field,
        "service",
        " (Quick Reserve is not offered: its delivery duration is not in the shared data)",
    )


def parse_energy_markets(
    names: str | Sequence[str], field: str = "energy_markets"
) -> tuple[str, ...]:
    """Validate a list of energy market names (``apx``, ``system``).

    Raises:
        ValidationError: On an unknown market name.
    """
    return _known_names(names, ENERGY_MARKETS, str.lower, field, "energy market", "")


def _known_names(
    names: str | Sequence[str],
    known: Sequence[str],
    fold: Callable[[str], str],
    field: str,
    what: str,
    hint: str,
) -> tuple[str, ...]:
    """Comma-separated text or a sequence → known names, folded, in order, without repeats."""
    items = names.split(",") if isinstance(names, str) else list(names)
    out: list[str] = []
    for raw in items:
        name = fold(str(raw).strip())
        if not name:
            continue
        if name not in known:
            raise ValidationError(
                f"{field}: unknown {what} {raw!r}; known {what.split()[-1]}s are "
                f"{', '.join(known)}{hint}",
                field=field,
            )
        if name not in out:
            out.append(name)
    return tuple(out)


def service_specs(parameters: pd.DataFrame, names: Sequence[str]) -> tuple[ServiceSpec, ...]:
    """Build service definitions from the NESO service-parameter table.

    Args:
        parameters: The ``dynamic_response_parameters`` reference table (columns ``service``,
            ``parameter``, ``value``, ``unit``).
        names: Service codes (already validated by :func:`parse_services`).

    Returns:
        One :class:`ServiceSpec` per name, in order.

    Raises:
        DataMissingError: If a family's ``energy_delivery_duration`` is not in the table.
    """
    rows = parameters[parameters["parameter"] == "energy_delivery_duration"]
    specs = []
    for name in names:
        family = name[:2]
        match = rows[rows["service"] == family]
        if match.empty:
            raise DataMissingError(
                f"services: no energy_delivery_duration for {_SERVICE_FAMILY.get(family, family)} "
                "in extra/neso_dynamic_response_service_parameters.csv",
                field="services",
            )
        value = float(match["value"].iloc[0])
        unit = str(match["unit"].iloc[0]).strip().lower()
        hours = value / 60.0 if unit == "min" else value / 3600.0 if unit == "s" else value
        direction: Direction = "low" if name.endswith("L") else "high"
        specs.append(ServiceSpec(name, family, direction, hours))
    return tuple(specs)


@dataclass(frozen=True)
class CapacityMarketTerm:
    """Capacity Market payment for one delivery year's share of the period.

    Attributes:
        delivery_year: CM delivery year, e.g. ``"2024/25"`` (1 Oct 2024 - 30 Sep 2025).
        auction_type: ``"T-1"``, ``"T-4"`` or ``"input"`` (user-supplied figures).
        clearing_price_gbp_per_kw_per_year: Clearing price [£/kW/year].
        derating_factor_frac: Storage de-rating factor for the duration class [0-1].
        duration_class_h: Duration class used [h].
        days_in_period: Days of the delivery year inside the period [d].
        payment_gbp: De-rated kW x price x indexation x days / days in delivery year [£].
        indexation_frac: CPI index of the delivery year ÷ that of the agreement's first
            delivery year (1 without an index) [-].
    """

    delivery_year: str
    auction_type: str
    clearing_price_gbp_per_kw_per_year: float
    derating_factor_frac: float
    duration_class_h: float
    days_in_period: int
    payment_gbp: float
    indexation_frac: float = 1.0


def cm_delivery_year_of(day: dt.date) -> str:
    """The CM delivery year (1 October - 30 September) containing a date, e.g. ``"2024/25"``."""
    start = day.year if day.month >= 10 else day.year - 1
    return f"{start}/{(start + 1) % 100:02d}"


def _cm_year_bounds(label: str) -> tuple[dt.date, dt.date]:
    start = int(label[:4])
    return dt.date(start, 10, 1), dt.date(start + 1, 9, 30)


def capacity_market_payment(
    first_date: dt.date,
    last_date: dt.date,
    power_mw: float,
    energy_mwh: float,
    auction_type: str,
    clearing_prices: pd.DataFrame | None = None,
    derating_factors: pd.DataFrame | None = None,
    price_gbp_per_kw_per_year: float | None = None,
    derating_factor_frac: float | None = None,
) -> tuple[CapacityMarketTerm, ...]:
    """Capacity Market payment over a period, one term per CM delivery year touched.

    Either ``auction_type`` names an auction held in the published tables (``"T-1"`` or
    ``"T-4"``) and the price and de-rating factor are read from them, or the caller passes
    ``price_gbp_per_kw_per_year`` and ``derating_factor_frac`` (``auction_type="input"``).
    There is no default: a delivery year without published figures raises.

    Args:
        first_date: First UK day of the period.
        last_date: Last UK day of the period (inclusive).
        power_mw: Connection (export) capacity [MW].
        energy_mwh: Usable energy, to pick the duration class [MWh].
        auction_type: ``"T-1"``, ``"T-4"`` or ``"input"``.
        clearing_prices: ``cm_clearing_prices`` reference table.
        derating_factors: ``cm_derating_factors_storage`` reference table.
        price_gbp_per_kw_per_year: User clearing price [£/kW/year] (with ``"input"``).
        derating_factor_frac: User de-rating factor [0-1] (with ``"input"``).

    Returns:
        The terms; their ``payment_gbp`` sum to the period's CM revenue.

    Raises:
        ValidationError: On an unknown auction type or inconsistent user figures.
        DataMissingError: If the tables hold no price or factor for a delivery year.
    """
    duration_h = energy_mwh / power_mw
    class_h = math.floor(duration_h * 2.0 + 1e-9) / 2.0
    user_figures: tuple[float, float] | None = None
    if auction_type == "input":
        if price_gbp_per_kw_per_year is None or derating_factor_frac is None:
            raise ValidationError(
                "capacity_market: with user figures give both the clearing price [£/kW/year] "
                "and the de-rating factor [0-1]",
                field="capacity_market",
            )
        if not (math.isfinite(price_gbp_per_kw_per_year) and price_gbp_per_kw_per_year >= 0):
            raise ValidationError(
                "cm_price_gbp_per_kw_per_year: must be a finite price ≥ 0 [£/kW/year], got "
                f"{price_gbp_per_kw_per_year}",
                field="cm_price_gbp_per_kw_per_year",
            )
        if not 0.0 < derating_factor_frac <= 1.0:
            raise ValidationError(
                f"cm_derating_factor: must be in (0, 1], got {derating_factor_frac}",
                field="cm_derating_factor",
            )
        user_figures = (float(price_gbp_per_kw_per_year), float(derating_factor_frac))
    elif auction_type not in CM_AUCTIONS:
        raise ValidationError(
            f"capacity_market: expected T-1, T-4, none or user figures, got {auction_type!r}",
            field="capacity_market",
        )
    elif class_h < 0.5:
        raise ValidationError(
            f"capacity_market: a {duration_h:.2f} h battery is below the shortest published "
            "storage de-rating class (0.5 h)",
            field="capacity_market",
        )
    terms = []
    day = first_date
    while day <= last_date:
        label = cm_delivery_year_of(day)
        year_first, year_last = _cm_year_bounds(label)
        stop = min(year_last, last_date)
        days = (stop - day).days + 1
        year_days = (year_last - year_first).days + 1
        if user_figures is not None:
            price, factor = user_figures
        else:
            price, factor = _published_cm_figures(
                label, auction_type, class_h, clearing_prices, derating_factors
            )
        payment = power_mw * 1000.0 * factor * price * days / year_days
        terms.append(CapacityMarketTerm(label, auction_type, price, factor, class_h, days, payment))
        day = stop + dt.timedelta(days=1)
    return tuple(terms)


def _published_cm_figures(
    label: str,
    auction_type: str,
    class_h: float,
    clearing_prices: pd.DataFrame | None,
    derating_factors: pd.DataFrame | None,
) -> tuple[float, float]:
    if clearing_prices is None or derating_factors is None:
        raise DataMissingError(
            "capacity_market: the published CM tables were not supplied", field="capacity_market"
        )
    hint = "; pass the clearing price and de-rating factor as inputs instead"
    price = _published_price(label, auction_type, clearing_prices)
    if price is None:
        raise DataMissingError(
            f"capacity_market: no {auction_type} clearing price for delivery year {label} in "
            f"extra/cm_auction_clearing_prices.csv{hint}",
            field="capacity_market",
        )
    factor = _published_factor(label, auction_type, class_h, derating_factors)
    if factor is None:
        raise DataMissingError(
            f"capacity_market: no storage de-rating factor for a {class_h:g} h battery in the "
            f"{label} {auction_type} auction (extra/cm_derating_factors_storage.csv){hint}",
            field="capacity_market",
        )
    return price, factor


@dataclass(frozen=True)
class CapacityAgreement:
    """A Capacity Market agreement: awarded in one auction, paid at its clearing price for
    its term (Capacity Market Rules: the clearing price of the auction in which the agreement
    was awarded applies for every delivery year of the agreement, in the auction's base-year
    prices, indexed to CPI).

    Attributes:
        auction_type: ``"T-1"``, ``"T-4"`` or ``"input"`` (figures given by the user).
        first_delivery_year: First delivery year of the agreement, e.g. ``"2024/25"``.
        term_years: Delivery years the agreement runs (1 to 15) [years].
        price_gbp_per_kw_per_year: The clearing price if not the published one [£/kW/year].
        derating_factor_frac: The de-rating factor if not the published one [0-1].
        cpi_index: User-given CPI index per delivery year (``(("2024/25", 133.9), ...)``);
            empty = no indexation. No CPI series is invented.
    """

    auction_type: str
    first_delivery_year: str
    term_years: int = 1
    price_gbp_per_kw_per_year: float | None = None
    derating_factor_frac: float | None = None
    cpi_index: tuple[tuple[str, float], ...] = ()


def deliverable_duration_h(
    usable_energy_mwh: float, discharge_efficiency_frac: float, power_mw: float
) -> float:
    """Duration at the meter for the CM de-rating class: usable energy x discharge
    efficiency ÷ export power [h] (the class is judged on energy the meter sees)."""
    return usable_energy_mwh * discharge_efficiency_frac / power_mw


def capacity_agreement_payment(
    first_date: dt.date,
    last_date: dt.date,
    power_mw: float,
    duration_at_meter_h: float,
    agreement: CapacityAgreement,
    clearing_prices: pd.DataFrame | None,
    derating_factors: pd.DataFrame | None,
) -> tuple[tuple[CapacityMarketTerm, ...], tuple[str, ...]]:
    """Payments of one agreement over a period: one term per delivery year inside its term.

    Args:
        first_date: First UK day of the period.
        last_date: Last UK day of the period (inclusive).
        power_mw: Connection (export) capacity [MW].
        duration_at_meter_h: :func:`deliverable_duration_h` [h].
        agreement: The agreement.
        clearing_prices: ``cm_clearing_prices`` reference table.
        derating_factors: ``cm_derating_factors_storage`` reference table.

    Returns:
        (terms inside the agreement, delivery years of the period outside it).

    Raises:
        ValidationError: An agreement outside the published auctions without a price (naming
            ``cm_price_gbp_per_kw_per_year``) or de-rating factor (``cm_derating_factor``);
            a CPI index missing a year it is needed for (``cm_cpi_index``); a bad term or year.
    """
    label = agreement.first_delivery_year
    if not _DELIVERY_YEAR_RE.match(label):
        raise ValidationError(
            f"cm_first_delivery_year: expected a delivery year like 2024/25, got {label!r}",
            field="cm_first_delivery_year",
        )
    if not 1 <= agreement.term_years <= 15:
        raise ValidationError(
            f"cm_term_years: agreements run 1 to 15 delivery years, got {agreement.term_years}",
            field="cm_term_years",
        )
    if agreement.auction_type not in (*CM_AUCTIONS, "input"):
        raise ValidationError(
            f"capacity_market: expected T-1, T-4, none or user figures, got "
            f"{agreement.auction_type!r}",
            field="capacity_market",
        )
    class_h = math.floor(duration_at_meter_h * 2.0 + 1e-9) / 2.0
    price = agreement.price_gbp_per_kw_per_year
    factor = agreement.derating_factor_frac
    held = _held_auctions(clearing_prices)
    if price is None:
        match = _published_price(label, agreement.auction_type, clearing_prices)
        if match is None:
            raise ValidationError(
                f"cm_price_gbp_per_kw_per_year: no published {agreement.auction_type} auction "
                f"for delivery year {label} (published: {held}); give the agreement's "
                "clearing price",
                field="cm_price_gbp_per_kw_per_year",
            )
        price = match
    if factor is None:
        factor = _published_factor(label, agreement.auction_type, class_h, derating_factors)
        if factor is None:
            raise ValidationError(
                f"cm_derating_factor: no published storage de-rating factor for a {class_h:g} h "
                f"(at the meter) battery in the {label} {agreement.auction_type} auction; give "
                "the agreement's de-rating factor",
                field="cm_derating_factor",
            )
    if not (math.isfinite(price) and price >= 0):
        raise ValidationError(
            f"cm_price_gbp_per_kw_per_year: must be a finite price ≥ 0, got {price}",
            field="cm_price_gbp_per_kw_per_year",
        )
    if not 0.0 < factor <= 1.0:
        raise ValidationError(
            f"cm_derating_factor: must be in (0, 1], got {factor}", field="cm_derating_factor"
        )
    cpi = dict(agreement.cpi_index)
    start_year = int(label[:4])
    terms: list[CapacityMarketTerm] = []
    outside: list[str] = []
    day = first_date
    while day <= last_date:
        year_label = cm_delivery_year_of(day)
        year_first, year_last = _cm_year_bounds(year_label)
        stop = min(year_last, last_date)
        days = (stop - day).days + 1
        offset = int(year_label[:4]) - start_year
        if 0 <= offset < agreement.term_years:
            indexation = 1.0
            if cpi:
                missing = [y for y in (label, year_label) if y not in cpi]
                if missing:
                    raise ValidationError(
                        f"cm_cpi_index: no index for {', '.join(missing)} (needed to index the "
                        f"{label} price to {year_label})",
                        field="cm_cpi_index",
                    )
                indexation = cpi[year_label] / cpi[label]
            year_days = (year_last - year_first).days + 1
            payment = power_mw * 1000.0 * factor * price * indexation * days / year_days
            terms.append(
                CapacityMarketTerm(
                    year_label,
                    agreement.auction_type,
                    price,
                    factor,
                    class_h,
                    days,
                    payment,
                    indexation,
                )
            )
        else:
            outside.append(year_label)
        day = stop + dt.timedelta(days=1)
    return tuple(terms), tuple(outside)


_DELIVERY_YEAR_RE = re.compile(r"^\d{4}/\d{2}$")


def _held_auctions(clearing_prices: pd.DataFrame | None) -> str:
    if clearing_prices is None or clearing_prices.empty:
        return "none"
    rows = clearing_prices[["delivery_year", "auction_type"]].astype(str)
    return ", ".join(f"{t} {y}" for y, t in rows.itertuples(index=False))


def _published_price(
    label: str, auction_type: str, clearing_prices: pd.DataFrame | None
) -> float | None:
    if clearing_prices is None or auction_type == "input":
        return None
    rows = clearing_prices[
        (clearing_prices["delivery_year"] == label)
        & (clearing_prices["auction_type"] == auction_type)
    ]
    return None if rows.empty else float(rows["clearing_price_gbp_per_kw_per_year"].iloc[0])


def _published_factor(
    label: str, auction_type: str, class_h: float, derating_factors: pd.DataFrame | None
) -> float | None:
    if derating_factors is None or auction_type == "input" or class_h < 0.5:
        return None
    factors = derating_factors[
        (derating_factors["delivery_year"] == label)
        & (derating_factors["auction_type"] == auction_type)
        & derating_factors["duration_h"].notna()
    ]
    if "duration_open_ended" in factors.columns:
        factors = factors[factors["duration_open_ended"].astype(str).str.lower() != "yes"]
    eligible = factors[factors["duration_h"] <= class_h + 1e-9]
    if eligible.empty:
        return None
    # The longest published class not above the battery's duration (classes stop where the
    # factor reaches its plateau, so longer batteries take the last class).
    return float(eligible.sort_values("duration_h").iloc[-1]["derating_factor_fraction"])
