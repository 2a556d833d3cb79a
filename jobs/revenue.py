"""The BESS revenue-stack use case: read the warehouse, run the engine, shape the answer.

Shared by ``gbess revenue`` and ``POST /v1/bess/revenue``: both build one
:class:`RevenueRequest` (validated once, there) and call :func:`run_revenue`, which reads the
warehouse and makes the one engine call, :func:`engine.revenue.revenue_stack`.
"""

from __future__ import annotations

import datetime as dt
import re
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from engine.battery import DEFAULT_ROUND_TRIP_EFFICIENCY_FRAC, BatterySpec
from engine.duos import find_tariff
from engine.errors import TariffNotFoundError, ValidationError
from engine.reference import reference_data
from engine.response import ResponseTerms, parse_registration
from engine.revenue import (
    DYNAMIC_SERVICES,
    ENERGY_MARKETS,
    UPPER_BOUND_LABEL,
    CapacityAgreement,
    CapacityMarketTerm,
    MarketData,
    NetworkCharges,
    RevenueResult,
    RevenueStack,
    ServiceSpec,
    canonical_mode,
    capacity_agreement_payment,
    deliverable_duration_h,
    network_charges,
    parse_energy_markets,
    parse_services,
    revenue_stack,
    service_specs,
)
from engine.revenue import (
    MODES as ENGINE_MODES,
)
from engine.revenue.markets import cm_delivery_year_of
from engine.settlement import half_hourly_index
from engine.settlement import to_date as parse_date
from jobs.coverage import outside_range
from jobs.dispatch import renamed
from jobs.settings import Settings
from jobs.warehouse import open_warehouse, seed_if_needed

APX_PROVIDER = "APXMIDP"
#: Modes a request may name (``day_ahead`` is an alias of ``forecast``).
MODES: tuple[str, ...] = ENGINE_MODES
#: Days of prices read before the period for the forecasts (the naive stand-in needs 8).
HISTORY_DAYS = 14
#: Days read before the period for the learned forecasts (a year of training, plus lags).
LEARNED_HISTORY_DAYS = 380
DEFAULT_ROUND_TRIP_FRAC = DEFAULT_ROUND_TRIP_EFFICIENCY_FRAC
_LLFC_RE = re.compile(r"^[A-Za-z0-9]{1,3}$")
_HOURS_RE = re.compile(r"^\s*[-+]?\d+(\.\d+)?\s*(h|hr|hrs|hour|hours)\s*$", re.IGNORECASE)
#: Below this duration an "energy" figure is almost surely hours typed as MWh [h].
MIN_DURATION_H = 0.25

BASE_ASSUMPTIONS = (
    "Energy: in each half-hour the battery charges, discharges or idles, never both; charge is "
    "bought in the cheapest available selected market and discharge sold in the dearest "
    "(buying in APX and later selling at the imbalance price is allowed; no position without "
    "a physical flow). APX periods with zero traded volume are no-trade, not £0/MWh.",
    "Imbalance is settled at the single system price (BSC P305, SSP = SBP).",
    "DC/DM/DR: MW held for whole EFA blocks at the block's clearing price (negative prices "
    "cost money); low services need discharge headroom and high services charge headroom "
    "against the inverter, on top of the energy schedule; stored energy covers every held "
    "service's full delivery (DC 15 min, DM 30 min, DR 60 min, NESO technical requirements) "
    "at every half-hour boundary.",
    "Price-taker: the battery never moves a clearing price and every offered MW clears; no "
    "performance (SPM) deductions; MW are divisible.",
    "Blocks without a published clearing price (e.g. EFA blocks straddling the period's "
    "edges) are not offered.",
    "Quick Reserve is not offered: its delivery duration is not in the shared data.",
    "The battery starts empty (SoC 0) and has no final SoC requirement; auxiliary load is "
    "zero unless given.",
)
#: Default wear cost per MWh discharged [£/MWh]: a 2 h GB system cost ~£600k/MW in 2024
#: (£300k per MWh of capacity; Modo Energy, "Ten key trends for battery energy storage in
#: 2024", https://modoenergy.com/research/bess-great-britain-ten-key-trends-battery-energy-storage-2024)
#: and keeps ~60 % of its capacity after 8,000 full cycles (Modo Energy forecast methodology,
#: "Battery degradation", https://forecastdocs.modoenergy.com/v2.0/docs/battery-degredation):
#: 0.40 / 8000 of £300k per MWh cycled = £15/MWh. Set 0 to compare with revenue indices,
#: which exclude degradation (Modo Benchmark FAQ).
DEFAULT_DEGRADATION_GBP_PER_MWH = 15.0


@dataclass(frozen=True)
class RevenueRequest:
    """One battery, one period of the warehouse and the markets to stack, validated on creation.

    Built from typed values (``RevenueRequest(first, last, 1.0, 2.0)``) or, from input as a
    caller wrote it (CLI flags, an HTTP body), with :meth:`from_inputs`. Errors name the
    caller's fields (``round_trip_efficiency``, ``cm_derating_factor``, ``to``), not these.

    Attributes:
        from_date: First UK day.
        to_date: Last UK day (inclusive).
        power_mw: Charge and discharge power [MW].
        energy_mwh: Nameplate energy [MWh].
        round_trip_efficiency_frac: Charge × discharge efficiency, split as its square root
            each way [0-1].
        services: Service codes (canonical upper case, each once).
        energy_markets: Energy market names (``apx``, ``system``).
        mode: ``forecast`` (default; decisions on forecasts, settled on actuals),
            ``perfect_foresight`` (the upper bound alone) or ``day_ahead`` (alias of
            ``forecast``).
        forecast_method: ``naive`` (default) or ``learned`` (engine.forecast's walk-forward
            models) for the forecast mode.
        degradation_gbp_per_mwh: Wear cost per MWh discharged [£/MWh].
        max_cycles_per_day: Cap on equivalent full cycles per UK day, or None [cycles/day].
        max_cycles_per_year: Cap on equivalent full cycles per year, or None; applied as an
            even daily budget (÷ 365) together with the daily cap [cycles/year].
        capacity_market: ``none``, ``T-1``, ``T-4`` or ``input`` (set when a CM price or
            de-rating factor is given).
        cm_price_gbp_per_kw_per_year: User CM price (with ``input``) [£/kW/year].
        cm_derating_factor_frac: User de-rating factor (with ``input``) [0-1].
        cm_first_delivery_year: First delivery year of the CM agreement (default: the one
            containing ``from_date``), e.g. ``2024/25``.
        cm_term_years: Delivery years the agreement runs [years].
        cm_cpi_index: User CPI index per delivery year, for indexation (none = not indexed).
        min_service_mw: Smallest holding a service accepts (0 = divisible) [MW].
        distributor: The site's distribution licence area (id 10-23 or GSP group), for
            network charges; None = transmission-connected or charges left out.
        import_tariff: The site's DUoS demand tariff name or LLFC (with ``distributor``).
        export_tariff: The site's DUoS generation tariff name or LLFC (with ``distributor``).
        registration: Who owns the energy delivered while holding DC/DM/DR (issue 20): ``bm``
            (default; a BM unit, response energy corrected out of imbalance by ABSVD),
            ``non_bm`` (settled at the imbalance price until ABSVD covers non-BM units), or
            ``none`` (response energy not modelled: every held MW is pure availability).
        input_notes: How loosely written input was read (for ``assumptions``).
        battery: The battery these fields describe (derived).
    """

    from_date: dt.date
    to_date: dt.date
    power_mw: float
    energy_mwh: float
    round_trip_efficiency_frac: float = DEFAULT_ROUND_TRIP_FRAC
    services: tuple[str, ...] = DYNAMIC_SERVICES
    energy_markets: tuple[str, ...] = ENERGY_MARKETS
    mode: str = "forecast"
    forecast_method: str = "naive"
    degradation_gbp_per_mwh: float = DEFAULT_DEGRADATION_GBP_PER_MWH
    max_cycles_per_day: float | None = None
    max_cycles_per_year: float | None = None
    capacity_market: str = "none"
    cm_price_gbp_per_kw_per_year: float | None = None
    cm_derating_factor_frac: float | None = None
    cm_first_delivery_year: str | None = None
    cm_term_years: int = 1
    cm_cpi_index: tuple[tuple[str, float], ...] = ()
    min_service_mw: float = 0.0
    distributor: str | None = None
    import_tariff: str | None = None
    export_tariff: str | None = None
    registration: str = "bm"
    input_notes: tuple[str, ...] = ()
    battery: BatterySpec = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        def put(name: str, value: object) -> None:
            object.__setattr__(self, name, value)

        if self.to_date < self.from_date:
            raise ValidationError(f"to: {self.to_date} is before from {self.from_date}", field="to")
        energy, power = self.energy_mwh, self.power_mw
        if energy > 0 and power > 0 and energy / power < MIN_DURATION_H:
            raise ValidationError(
                f"energy_mwh: {energy:g} MWh is only {60 * energy / power:.1f} minutes at "
                f"{power:g} MW; if you meant {energy:g} hours, pass energy_mwh = "
                f"{energy * power:g}",
                field="energy_mwh",
            )
        daily = _daily_cap(self.max_cycles_per_day, self.max_cycles_per_year)
        try:
            battery = BatterySpec.from_round_trip(
                power,
                energy,
                self.round_trip_efficiency_frac,
                degradation_cost_gbp_per_mwh=self.degradation_gbp_per_mwh,
                max_cycles_per_day=daily,
            )
        except ValidationError as error:
            # The engine names its own fields; the caller typed these names.
            raise renamed(error, _REQUEST_FIELDS) from None
        put("battery", battery)
        put("mode", canonical_mode(self.mode))
        if self.forecast_method not in ("naive", "learned"):
            raise ValidationError(
                f"forecast_method: expected naive or learned, got {self.forecast_method!r}",
                field="forecast_method",
            )
        put("energy_markets", parse_energy_markets(self.energy_markets))
        put("services", parse_services(self.services))
        if not self.energy_markets and not self.services:
            raise ValidationError(
                "energy_markets: choose at least one market or service", field="energy_markets"
            )
        if (
            self.cm_price_gbp_per_kw_per_year is not None
            or self.cm_derating_factor_frac is not None
        ):
            put("capacity_market", "input")
        site = (self.distributor, self.import_tariff, self.export_tariff)
        if any(v is not None for v in site) and not all(v for v in site):
            missing = [
                name
                for name, value in zip(
                    ("distributor", "import_tariff", "export_tariff"), site, strict=True
                )
                if not value
            ]
            raise ValidationError(
                f"{missing[0]}: network charges need the distributor, the import (demand) "
                "tariff and the export (generation) tariff",
                field=missing[0],
            )
        if self.registration != RESPONSE_NOT_MODELLED:
            put("registration", parse_registration(self.registration))
        minimum = _number(self.min_service_mw, "min_service_mw")
        if minimum < 0:
            raise ValidationError("min_service_mw: must not be negative", field="min_service_mw")

    @classmethod
    def from_inputs(
        cls,
        *,
        from_date: str | dt.date,
        to_date: str | dt.date,
        power_mw: float | str,
        energy_mwh: float | str,
        round_trip_efficiency: float | str | None = DEFAULT_ROUND_TRIP_FRAC,
        services: str | Sequence[str] | None = None,
        energy_markets: str | Sequence[str] | None = None,
        mode: str | None = None,
        forecast_method: str | None = None,
        degradation_gbp_per_mwh: float | None = None,
        max_cycles_per_day: float | None = None,
        max_cycles_per_year: float | None = None,
        capacity_market: str | None = None,
        cm_price_gbp_per_kw_per_year: float | None = None,
        cm_derating_factor: float | None = None,
        cm_first_delivery_year: str | None = None,
        cm_term_years: int | None = None,
        cm_cpi_index: str | Mapping[str, float] | None = None,
        min_service_mw: float | None = None,
        distributor: str | None = None,
        import_tariff: str | None = None,
        export_tariff: str | None = None,
        registration: str | None = None,
    ) -> RevenueRequest:
        """A request from input as a caller wrote it: the CLI's flags and the HTTP body's keys.

        Dates may be ISO strings; ``energy_mwh`` may be text (``"2h"`` is refused as a
        duration); ``services`` and ``energy_markets`` may be comma-separated (default: all
        six services, both markets; codes in any case, a repeat held once, said in
        ``input_notes``); None means the default for every optional input.

        Raises:
            ValidationError: Naming the input (``round_trip_efficiency``, not the
                engine's ``round_trip_efficiency_frac``).
        """
        first = parse_date(from_date, "from")
        last = parse_date(to_date, "to")
        try:
            power = float(power_mw)
        except (TypeError, ValueError):
            raise ValidationError(
                f"power_mw: expected MW, got {power_mw!r}", field="power_mw"
            ) from None
        chosen = parse_services(DYNAMIC_SERVICES if services is None else services)
        return cls(
            from_date=first,
            to_date=last,
            power_mw=power,
            energy_mwh=_energy_mwh(energy_mwh, power),
            round_trip_efficiency_frac=_number(
                DEFAULT_ROUND_TRIP_FRAC if round_trip_efficiency is None else round_trip_efficiency,
                "round_trip_efficiency",
            ),
            services=chosen,
            energy_markets=parse_energy_markets(
                ENERGY_MARKETS if energy_markets is None else energy_markets
            ),
            mode=mode or "forecast",
            forecast_method=forecast_method or "naive",
            degradation_gbp_per_mwh=_number(
                DEFAULT_DEGRADATION_GBP_PER_MWH
                if degradation_gbp_per_mwh is None
                else degradation_gbp_per_mwh,
                "degradation_gbp_per_mwh",
            ),
            max_cycles_per_day=max_cycles_per_day,
            max_cycles_per_year=_optional_number(max_cycles_per_year, "max_cycles_per_year"),
            capacity_market=capacity_market or "none",
            cm_price_gbp_per_kw_per_year=_optional_number(
                cm_price_gbp_per_kw_per_year, "cm_price_gbp_per_kw_per_year"
            ),
            cm_derating_factor_frac=_optional_number(cm_derating_factor, "cm_derating_factor"),
            cm_first_delivery_year=cm_first_delivery_year,
            cm_term_years=int(_number(cm_term_years or 1, "cm_term_years")),
            cm_cpi_index=_cpi_index(cm_cpi_index),
            min_service_mw=_number(min_service_mw or 0.0, "min_service_mw"),
            distributor=None if distributor is None else str(distributor),
            import_tariff=import_tariff,
            export_tariff=export_tariff,
            registration=registration or "bm",
            input_notes=_services_notes(services, chosen),
        )


#: ``registration`` value that leaves response energy out (the pre-issue-20 model).
RESPONSE_NOT_MODELLED = "none"

#: The smallest annual cycle cap taken [cycles/yr] (published as the schema's minimum).
MIN_CYCLES_PER_YEAR = 0.001


def _daily_cap(per_day: float | None, per_year: float | None) -> float | None:
    """The daily cycle budget from the daily and annual caps (annual spread evenly).

    Raises:
        ValidationError: An annual cap that is not positive, or one above 366 x the daily cap
            (it could never bind: the two caps contradict each other).
    """
    if per_year is None:
        return per_day
    if not per_year >= MIN_CYCLES_PER_YEAR:  # a smaller cap spread over 365 days underflows
        raise ValidationError(
            f"max_cycles_per_year: must be at least {MIN_CYCLES_PER_YEAR:g}, got {per_year:g}",
            field="max_cycles_per_year",
        )
    if per_day is not None and per_year > 366 * per_day:
        raise ValidationError(
            f"max_cycles_per_year: {per_year:g} cycles a year contradicts max_cycles_per_day "
            f"{per_day:g} (at most {366 * per_day:g} a year); lower one of them",
            field="max_cycles_per_year",
        )
    even = per_year / 365.0
    return even if per_day is None else min(per_day, even)


def _energy_mwh(value: float | str, power_mw: float) -> float:
    """An energy capacity [MWh], refusing durations written in hours (``"2h"``)."""
    if isinstance(value, str) and _HOURS_RE.match(value):
        hours = float(re.sub(r"[^\d.+-]", "", value))
        raise ValidationError(
            f"energy_mwh: {value!r} is a duration, not an energy; give MWh (a {power_mw:g} MW "
            f"battery of {hours:g} h has energy_mwh = {power_mw * hours:g})",
            field="energy_mwh",
        )
    try:
        return float(value)
    except (TypeError, ValueError):
        raise ValidationError(
            f"energy_mwh: expected MWh, got {value!r}", field="energy_mwh"
        ) from None


def _services_notes(given: str | Sequence[str] | None, chosen: tuple[str, ...]) -> tuple[str, ...]:
    """Say how ``services`` was read when it was not exactly the codes kept."""
    if given is None:
        return ()
    items = given.split(",") if isinstance(given, str) else list(given)
    written = [str(item).strip() for item in items if str(item).strip()]
    if written == list(chosen):
        return ()
    return (
        f"services: read {', '.join(repr(w) for w in written)} as {', '.join(chosen)} "
        "(codes are case-insensitive; a service listed twice is held once).",
    )


#: Engine field names → the request's field names (CLI flags and HTTP keys).
_REQUEST_FIELDS = {
    "round_trip_efficiency_frac": "round_trip_efficiency",
    "degradation_cost_gbp_per_mwh": "degradation_gbp_per_mwh",
}


def _number(value: Any, field: str) -> float:
    """A finite float, or a ValidationError naming ``field``."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValidationError(f"{field}: expected a number, got {value!r}", field=field) from None
    if not np.isfinite(number):
        raise ValidationError(f"{field}: expected a finite number, got {value!r}", field=field)
    return number


def _optional_number(value: Any, field: str) -> float | None:
    return None if value is None else _number(value, field)


def read_market_data(settings: Settings, first: dt.date, last: dt.date) -> MarketData:
    """Prices for UK days ``first..last`` from the warehouse (seeded if embedded).

    Raises:
        DataMissingError: If the warehouse lacks any half-hour of the period, saying what
            it holds.
    """
    data, coverage = read_span(settings, first, last)
    index = data.interval_start
    held = data.energy_price_gbp_per_mwh["system"].notna()
    if not bool(held.all()):
        raise outside_range(
            "from", "system_prices", first, last, coverage[0], coverage[1], to_field="to"
        )
    return MarketData(index, data.energy_price_gbp_per_mwh, data.service_price_gbp_per_mw_per_h)


def read_history(settings: Settings, first: dt.date, days: int = HISTORY_DAYS) -> MarketData:
    """The ``days`` before ``first`` as far as the warehouse holds them (the forecasts say
    when there is too little)."""
    data, _ = read_span(settings, first - dt.timedelta(days=days), first - dt.timedelta(days=1))
    held = data.energy_price_gbp_per_mwh["system"].notna().to_numpy()
    start = int(np.argmax(held)) if held.any() else len(held)
    return MarketData(
        data.interval_start[start:],
        data.energy_price_gbp_per_mwh.iloc[start:],
        data.service_price_gbp_per_mw_per_h,
    )


def read_span(
    settings: Settings, first: dt.date, last: dt.date
) -> tuple[MarketData, tuple[Any, Any]]:
    """Prices for UK days ``first..last`` as held (NaN where missing) and the first and last
    day with system prices in the warehouse."""
    index = half_hourly_index(first, last)
    with open_warehouse(settings) as warehouse:
        if warehouse.backend == "duckdb":
            seed_if_needed(warehouse, settings)
        system = warehouse.query("system_prices", from_date=first, to_date=last)
        mid = warehouse.query("market_index", from_date=first, to_date=last)
        response = warehouse.query(
            "dynamic_response",
            from_date=first - dt.timedelta(days=1),
            to_date=last + dt.timedelta(days=1),
        )
        coverage = warehouse.run_sql(
            "SELECT MIN(settlement_date) AS first_day, MAX(settlement_date) AS last_day "
            "FROM system_prices"
        )
    span = coverage.iloc[0]
    held = pd.DatetimeIndex(system["interval_start"])
    sys_price = system.set_index(held)["system_sell_price_gbp_per_mwh"].reindex(index)
    apx = mid[mid["data_provider"].str.strip() == APX_PROVIDER]
    apx_price = apx.set_index(pd.DatetimeIndex(apx["interval_start"]))[
        "market_index_price_gbp_per_mwh"
    ].reindex(index)
    energy = pd.DataFrame(
        {"apx": apx_price.to_numpy(dtype=float), "system": sys_price.to_numpy(dtype=float)},
        index=index,
    )
    response = response.assign(efa_date=pd.to_datetime(response["efa_date"]))
    table = response.pivot_table(
        index=["efa_date", "efa_block"],
        columns="service",
        values="clearing_price_gbp_per_mw_per_h",
        aggfunc="first",
    )
    for name in DYNAMIC_SERVICES:
        if name not in table.columns:
            table[name] = np.nan
    return MarketData(index, energy, table), (span["first_day"], span["last_day"])


def _day(value: Any) -> str:
    return "none" if value is None or pd.isna(value) else pd.Timestamp(value).date().isoformat()


def _eligible_services(
    request: RevenueRequest, settings: Settings
) -> tuple[tuple[ServiceSpec, ...], list[str]]:
    specs = service_specs(
        reference_data(settings.data_dir).table("dynamic_response_parameters"), request.services
    )
    battery = request.battery
    kept, notes = [], []
    for spec in specs:
        power = battery.discharge_power_mw if spec.direction == "low" else battery.charge_power_mw
        eta = (
            battery.discharge_efficiency_frac
            if spec.direction == "low"
            else 1.0 / battery.charge_efficiency_frac
        )
        holdable = min(power, battery.usable_energy_mwh * eta / spec.delivery_duration_h)
        if request.min_service_mw > 0 and holdable < request.min_service_mw:
            notes.append(
                f"{spec.name}: 0 MW — the battery can hold at most {holdable:.3f} MW (its usable "
                f"{battery.usable_energy_mwh:g} MWh must cover {spec.delivery_duration_h * 60:g} "
                f"min of full delivery), below the {request.min_service_mw:g} MW minimum"
            )
        else:
            kept.append(spec)
    return tuple(kept), notes


def _cpi_index(value: str | Mapping[str, float] | None) -> tuple[tuple[str, float], ...]:
    """``"2024/25=133.9,2025/26=137.2"`` or a mapping → sorted pairs (CPI is never invented)."""
    if value is None or value == "":
        return ()
    if isinstance(value, str):
        pairs = []
        for item in value.split(","):
            year, sep, number = item.partition("=")
            if not sep:
                raise ValidationError(
                    f"cm_cpi_index: expected delivery_year=index pairs, got {item!r}",
                    field="cm_cpi_index",
                )
            pairs.append((year.strip(), number.strip()))
        items: list[tuple[str, Any]] = pairs
    else:
        items = [(str(k), v) for k, v in value.items()]
    out = []
    for year, number in items:
        index = _number(number, "cm_cpi_index")
        if index <= 0:
            raise ValidationError(
                f"cm_cpi_index: index values must be > 0, got {index:g} for {year}",
                field="cm_cpi_index",
            )
        out.append((year, index))
    return tuple(sorted(out))


def _cm_terms(
    request: RevenueRequest, settings: Settings
) -> tuple[tuple[CapacityMarketTerm, ...], list[str]]:
    if request.capacity_market == "none":
        return (), [
            "Capacity Market not included (pass capacity_market T-1 or T-4, or a price and "
            "de-rating factor)."
        ]
    ref = reference_data(settings.data_dir)
    battery = request.battery
    agreement = CapacityAgreement(
        request.capacity_market,
        request.cm_first_delivery_year or cm_delivery_year_of(request.from_date),
        request.cm_term_years,
        request.cm_price_gbp_per_kw_per_year,
        request.cm_derating_factor_frac,
        request.cm_cpi_index,
    )
    duration = deliverable_duration_h(
        battery.usable_energy_mwh, battery.discharge_efficiency_frac, battery.discharge_power_mw
    )
    terms, outside = capacity_agreement_payment(
        request.from_date,
        request.to_date,
        battery.discharge_power_mw,
        duration,
        agreement,
        ref.table("cm_clearing_prices"),
        ref.table("cm_derating_factors_storage"),
    )
    indexed = "CPI-indexed from the given index" if agreement.cpi_index else "not CPI-indexed"
    notes = [
        f"Capacity Market agreement ({agreement.auction_type}, first delivery year "
        f"{agreement.first_delivery_year}, {agreement.term_years} year(s)): "
        f"{t.delivery_year} paid £{t.clearing_price_gbp_per_kw_per_year:g}/kW/yr x "
        f"{t.indexation_frac:.4f} indexation x {t.derating_factor_frac:g} de-rating "
        f"({t.duration_class_h:g} h class at the meter: {duration:.2f} h) for "
        f"{t.days_in_period} days; auction base-year prices, {indexed}."
        for t in terms
    ]
    notes += [
        f"Capacity Market: delivery year {y} is outside the agreement's term: no payment."
        for y in outside
    ]
    return terms, notes


def site_network_charges(
    request: RevenueRequest, settings: Settings, index: pd.DatetimeIndex
) -> NetworkCharges | None:
    """The site's DUoS charges over the period, or None without a site (one resolution and
    one set of errors: the revenue stack and the risk calendars both use it)."""
    if request.distributor is None:
        return None
    ref = reference_data(settings.data_dir)
    tariffs = []
    for field_name, name in (
        ("import_tariff", request.import_tariff),
        ("export_tariff", request.export_tariff),
    ):
        text = str(name).strip()
        chosen = {"llfc": text} if _LLFC_RE.match(text) else {"tariff": text}
        try:
            tariffs.append(find_tariff(ref, request.distributor, **chosen))
        except (TariffNotFoundError, ValidationError) as error:
            # The lookup names its own field (tariff:, llfc:); the caller's field replaces it.
            detail = re.sub(r"^(tariff|llfc): ", "", str(error.detail))
            raise ValidationError(f"{field_name}: {detail}", field=field_name) from None
    return network_charges(index, tariffs[0], tariffs[1])


def run_revenue(request: RevenueRequest, settings: Settings) -> dict[str, Any]:
    """The use case (``gbess revenue``, ``POST /v1/bess/revenue``): read the period's prices
    (and, in forecast mode, the history before it) from the warehouse, run the stack and
    shape the JSON answer."""
    data = read_market_data(settings, request.from_date, request.to_date)
    days = LEARNED_HISTORY_DAYS if request.forecast_method == "learned" else HISTORY_DAYS
    history = (
        read_history(settings, request.from_date, days) if request.mode == "forecast" else None
    )
    return run_stack(request, data, settings, history)


#: The response energy's terms for a period's prices and the services held, with what they
#: assumed (:func:`response_terms_for`).
Response = tuple[ResponseTerms | None, list[str]]


def run_stack(
    request: RevenueRequest,
    data: MarketData,
    settings: Settings,
    history: MarketData | None = None,
    response: Response | None = None,
    upper_bound: bool = True,
) -> dict[str, Any]:
    """The stack on prices already read (the dashboard reads a period once for many sites;
    the investment case values many usable energies on one price year, so it derives the
    ``response`` terms of those prices once, :func:`response_terms_for`, and leaves the
    ``upper_bound`` out where it bounds the battery from its nameplate's).

    ``solve_seconds`` is the wall time of the one engine call (:func:`revenue_stack`):
    laying the period out, forecasting, the forecast-mode decisions and the perfect-foresight
    ceiling with their checks and attribution. Reading the warehouse and the reference
    tables is not counted.
    """
    stack, seconds = solve_stack(request, data, settings, history, response, upper_bound)
    return stack_document(stack, request, seconds)


def solve_stack(
    request: RevenueRequest,
    data: MarketData,
    settings: Settings,
    history: MarketData | None = None,
    response: Response | None = None,
    upper_bound: bool = True,
) -> tuple[RevenueStack, float]:
    """The engine's stack for a request on prices already read (eligibility, Capacity
    Market, site DUoS and response energy resolved as :func:`run_stack` does, the response
    terms unless given; the perfect-foresight ceiling unless ``upper_bound`` is False),
    and the wall seconds of the engine call; for a caller that needs the schedules too."""
    specs, notes = _eligible_services(request, settings)
    terms, cm_notes = _cm_terms(request, settings)
    network = site_network_charges(request, settings, data.interval_start)
    terms_response, response_notes = (
        response if response is not None else response_terms_for(request, settings, data, history)
    )
    started = time.perf_counter()
    stack = revenue_stack(
        data,
        request.battery,
        specs,
        request.energy_markets,
        cm_terms=terms,
        mode=request.mode,
        history=history,
        network=network,
        forecast_method=request.forecast_method,
        assumptions=[*BASE_ASSUMPTIONS, *request.input_notes, *notes, *cm_notes, *response_notes],
        response=terms_response,
        upper_bound=upper_bound,
    )
    return stack, time.perf_counter() - started


def response_terms_for(
    request: RevenueRequest,
    settings: Settings,
    data: MarketData,
    history: MarketData | None,
) -> Response:
    """The response energy of the services held (issue 20; :mod:`jobs.response`), unless the
    caller chose ``registration = none`` or holds no service."""
    if request.registration == RESPONSE_NOT_MODELLED or not request.services:
        return None, ["response energy not modelled (registration none): each held MW is "
                      "paid availability only, its delivered energy taken as free"]  # fmt: skip
    from jobs.response import response_value_table  # jobs.response builds on this module

    joined = data
    if history is not None:
        joined = MarketData(
            pd.DatetimeIndex(history.interval_start.append(data.interval_start)),
            pd.concat([history.energy_price_gbp_per_mwh, data.energy_price_gbp_per_mwh]),
            data.service_price_gbp_per_mw_per_h,
        )
    return response_value_table(settings, joined, request.services, request.registration)


def stack_document(stack: RevenueStack, request: RevenueRequest, seconds: float) -> dict[str, Any]:
    """The answer: the headline (forecast) figures, and the ceiling labelled as such (None
    when it was left out)."""
    document = result_document(stack.headline, request, seconds)
    document["capture_ratio"] = stack.capture_ratio
    bound = stack.perfect_foresight
    document["upper_bound"] = None if bound is None else upper_bound_document(bound)
    return document


def upper_bound_document(result: RevenueResult) -> dict[str, Any]:
    """The perfect-foresight ceiling, labelled so it is never read as a forecast."""
    return {
        "label": UPPER_BOUND_LABEL,
        "net_revenue_gbp": result.net_revenue_gbp,
        "gbp_per_mw_per_year": result.gbp_per_mw_per_year,
        "equivalent_cycles": result.equivalent_cycles,
        "streams": result.streams,
    }


def result_document(
    result: RevenueResult, request: RevenueRequest, seconds: float
) -> dict[str, Any]:
    """The JSON answer (keys fixed by the issue, plus detail)."""
    by_month = [
        {"month": month, **{k: float(v) for k, v in row.items()}}
        for month, row in result.by_month.iterrows()
    ]
    by_block = [
        {"efa_block": int(str(block)), **{k: float(v) for k, v in row.items()}}
        for block, row in result.by_efa_block.iterrows()
    ]
    battery = request.battery
    return {
        "mode": result.mode,
        "label": UPPER_BOUND_LABEL if result.mode == "perfect_foresight" else "forecast",
        "from": request.from_date.isoformat(),
        "to": request.to_date.isoformat(),
        "power_mw": battery.discharge_power_mw,
        "energy_mwh": battery.energy_mwh,
        "round_trip_efficiency": battery.round_trip_efficiency_frac,
        "services": list(request.services),
        "energy_markets": list(request.energy_markets),
        "registration": request.registration,
        "net_revenue_gbp": result.net_revenue_gbp,
        "gbp_per_mw_per_year": result.gbp_per_mw_per_year,
        "streams": result.streams,
        "costs": result.costs,
        "by_month": by_month,
        "by_efa_block": by_block,
        "equivalent_cycles": result.equivalent_cycles,
        "hours_in_service": result.hours_in_service,
        "mean_service_mw": result.mean_service_mw,
        "capture_ratio": None,
        "solve_seconds": seconds,
        "assumptions": result.assumptions,
    }
