"""The BESS revenue-stack use case: read the warehouse, run the engine, shape the answer.

Shared by ``gbess revenue`` and ``POST /v1/bess/revenue``.
"""

from __future__ import annotations

import datetime as dt
import re
import time
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from engine.battery import BatterySpec
from engine.errors import DataMissingError, ValidationError
from engine.reference import reference_data
from engine.revenue import (
    DYNAMIC_SERVICES,
    ENERGY_MARKETS,
    CapacityMarketTerm,
    MarketData,
    RevenueResult,
    attribute,
    capacity_market_payment,
    check_stack,
    layout,
    optimise_day_ahead,
    optimise_perfect_foresight,
    parse_energy_markets,
    parse_services,
    service_specs,
    trade_markets,
)
from engine.settlement import half_hourly_index, to_date
from jobs.settings import Settings
from jobs.warehouse import open_warehouse, seed_if_needed

APX_PROVIDER = "APXMIDP"
MODES = ("perfect_foresight", "day_ahead")
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
    "Response energy is taken as net zero in expectation (not paid, SoC follows the schedule).",
    "Price-taker: the battery never moves a clearing price and every offered MW clears; no "
    "performance (SPM) deductions; MW are divisible.",
    "Blocks without a published clearing price (e.g. EFA blocks straddling the period's "
    "edges) are not offered.",
    "Quick Reserve is not offered: its delivery duration is not in the shared data.",
    "The battery starts empty (SoC 0) and has no final SoC requirement; degradation and "
    "auxiliary load are zero unless given.",
)


@dataclass(frozen=True)
class RevenueRequest:
    """A validated request.

    Attributes:
        from_date: First UK day.
        to_date: Last UK day (inclusive).
        battery: The battery.
        services: Service codes.
        energy_markets: Energy market names.
        mode: ``perfect_foresight`` or ``day_ahead``.
        capacity_market: ``none``, ``T-1``, ``T-4`` or ``input``.
        cm_price_gbp_per_kw_per_year: User CM price (with ``input``) [£/kW/year].
        cm_derating_factor_frac: User de-rating factor (with ``input``) [0-1].
        min_service_mw: Smallest holding a service accepts (0 = divisible) [MW].
        input_notes: How loosely written input was read (for ``assumptions``).
    """

    from_date: dt.date
    to_date: dt.date
    battery: BatterySpec
    services: tuple[str, ...]
    energy_markets: tuple[str, ...]
    mode: str
    capacity_market: str = "none"
    cm_price_gbp_per_kw_per_year: float | None = None
    cm_derating_factor_frac: float | None = None
    min_service_mw: float = 0.0
    input_notes: tuple[str, ...] = ()


def energy_mwh_value(value: Any, power_mw: float) -> float:
    """Parse an energy capacity, refusing durations written in hours.

    Raises:
        ValidationError: For ``"2h"``-style input or a battery under 15 minutes long.
    """
    if isinstance(value, str) and _HOURS_RE.match(value):
        hours = float(re.sub(r"[^\d.+-]", "", value))
        raise ValidationError(
            f"energy_mwh: {value!r} is a duration, not an energy; give MWh (a {power_mw:g} MW "
            f"battery of {hours:g} h has energy_mwh = {power_mw * hours:g})",
            field="energy_mwh",
        )
    try:
        energy = float(value)
    except (TypeError, ValueError):
        raise ValidationError(
            f"energy_mwh: expected MWh, got {value!r}", field="energy_mwh"
        ) from None
    if energy > 0 and power_mw > 0 and energy / power_mw < MIN_DURATION_H:
        raise ValidationError(
            f"energy_mwh: {energy:g} MWh is only {60 * energy / power_mw:.1f} minutes at "
            f"{power_mw:g} MW; if you meant {energy:g} hours, pass energy_mwh = "
            f"{energy * power_mw:g}",
            field="energy_mwh",
        )
    return energy


def build_request(params: dict[str, Any]) -> RevenueRequest:
    """Validate raw parameters (from the CLI or an HTTP body) into a request.

    Keys: from_date, to_date, power_mw, energy_mwh, round_trip_efficiency (default 0.88),
    services (default all six), energy_markets (default both), mode, degradation_gbp_per_mwh,
    max_cycles_per_day, capacity_market, cm_price_gbp_per_kw_per_year,
    cm_derating_factor, min_service_mw.
    """
    first = to_date(params.get("from_date"), "from")
    last = to_date(params.get("to_date"), "to")
    if last < first:
        raise ValidationError(f"to: {last} is before from {first}", field="to")
    power = params.get("power_mw")
    try:
        power_mw = float(power)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ValidationError(f"power_mw: expected MW, got {power!r}", field="power_mw") from None
    energy = energy_mwh_value(params.get("energy_mwh"), power_mw)
    try:
        battery = BatterySpec.from_round_trip(
            power_mw,
            energy,
            _number(params.get("round_trip_efficiency", 0.88), "round_trip_efficiency"),
            degradation_cost_gbp_per_mwh=_number(
                params.get("degradation_gbp_per_mwh") or 0.0, "degradation_gbp_per_mwh"
            ),
            max_cycles_per_day=params.get("max_cycles_per_day"),
        )
    except ValidationError as error:
        # The engine names its own fields; the caller typed these names.
        raise _renamed(error) from None
    services = params.get("services")
    markets = params.get("energy_markets")
    mode = str(params.get("mode") or "perfect_foresight")
    if mode not in MODES:
        raise ValidationError(
            f"mode: expected one of {', '.join(MODES)}, got {mode!r}", field="mode"
        )
    energy_markets = parse_energy_markets(ENERGY_MARKETS if markets is None else markets)
    chosen = parse_services(DYNAMIC_SERVICES if services is None else services)
    if not energy_markets and not chosen:
        raise ValidationError(
            "energy_markets: choose at least one market or service", field="energy_markets"
        )
    cm = str(params.get("capacity_market") or "none")
    price = params.get("cm_price_gbp_per_kw_per_year")
    factor = params.get("cm_derating_factor")
    if price is not None or factor is not None:
        cm = "input"
    min_mw = _number(params.get("min_service_mw") or 0.0, "min_service_mw")
    if not min_mw >= 0:
        raise ValidationError("min_service_mw: must not be negative", field="min_service_mw")
    return RevenueRequest(
        first,
        last,
        battery,
        chosen,
        energy_markets,
        mode,
        cm,
        None if price is None else float(price),
        None if factor is None else float(factor),
        min_mw,
        _services_notes(services, chosen),
    )


def _services_notes(given: Any, chosen: tuple[str, ...]) -> tuple[str, ...]:
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


def _renamed(error: ValidationError) -> ValidationError:
    field = error.field or ""
    name = _REQUEST_FIELDS.get(field)
    if name is None:
        return error
    return ValidationError(str(error.detail).replace(field, name, 1), field=name)


def _number(value: Any, field: str) -> float:
    """A finite float, or a ValidationError naming ``field``."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValidationError(f"{field}: expected a number, got {value!r}", field=field) from None
    if not np.isfinite(number):
        raise ValidationError(f"{field}: expected a finite number, got {value!r}", field=field)
    return number


def read_market_data(settings: Settings, first: dt.date, last: dt.date) -> MarketData:
    """Prices for UK days ``first..last`` from the warehouse (seeded if embedded).

    Raises:
        DataMissingError: If the warehouse lacks any half-hour of the period, saying what
            it holds.
    """
    index = half_hourly_index(first, last)
    with open_warehouse(settings) as warehouse:
        if warehouse.backend == "duckdb":
            seed_if_needed(warehouse, settings)
        system = warehouse.query("system_prices", from_date=first, to_date=last)
        mid = warehouse.query("market_index", from_date=first, to_date=last)
        response = warehouse.query(
            "dynamic_response", from_date=first, to_date=last + dt.timedelta(days=1)
        )
        coverage = warehouse.run_sql(
            "SELECT MIN(settlement_date) AS first_day, MAX(settlement_date) AS last_day "
            "FROM system_prices"
        )
    held = pd.DatetimeIndex(system["interval_start"])
    if len(held.intersection(index)) != len(index):
        span = coverage.iloc[0]
        raise DataMissingError(
            f"from/to: the warehouse has system prices for {_day(span['first_day'])} to "
            f"{_day(span['last_day'])} only; {first}..{last} is not covered",
            field="from",
        )
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
    return MarketData(index, energy, table)


def _day(value: Any) -> str:
    return "none" if value is None or pd.isna(value) else pd.Timestamp(value).date().isoformat()


def _eligible_services(request: RevenueRequest, settings: Settings) -> tuple[Any, list[str]]:
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
    terms = capacity_market_payment(
        request.from_date,
        request.to_date,
        battery.discharge_power_mw,
        battery.usable_energy_mwh,
        request.capacity_market,
        ref.table("cm_clearing_prices"),
        ref.table("cm_derating_factors_storage"),
        request.cm_price_gbp_per_kw_per_year,
        request.cm_derating_factor_frac,
    )
    notes = [
        f"Capacity Market {t.delivery_year} ({t.auction_type}): {t.derating_factor_frac:g} "
        f"de-rating ({t.duration_class_h:g} h class) x "
        f"£{t.clearing_price_gbp_per_kw_per_year:g}/kW/yr for {t.days_in_period} days, "
        "auction base-year prices without CPI indexation."
        for t in terms
    ]
    return terms, notes


def run_stack(request: RevenueRequest, data: MarketData, settings: Settings) -> dict[str, Any]:
    """Run the requested mode (day-ahead also runs perfect foresight for the capture ratio)."""
    specs, notes = _eligible_services(request, settings)
    terms, cm_notes = _cm_terms(request, settings)
    lay = layout(data, specs, request.energy_markets)
    assumptions = [*BASE_ASSUMPTIONS, *request.input_notes, *notes, *cm_notes]
    started = time.perf_counter()
    pf_schedule = optimise_perfect_foresight(lay, request.battery)
    check_stack(lay, request.battery, pf_schedule)
    buy, sell = trade_markets(lay.energy)
    pf = attribute(
        lay,
        request.battery,
        pf_schedule,
        buy,
        sell,
        terms,
        "perfect_foresight",
        None,
        [*assumptions, "perfect_foresight is an upper bound: every price is known in advance."],
    )
    pf_seconds = time.perf_counter() - started
    if request.mode == "perfect_foresight":
        return result_document(pf, request, pf_seconds)
    started = time.perf_counter()
    da_schedule, buy, sell = optimise_day_ahead(lay, request.battery)
    da = attribute(
        lay,
        request.battery,
        da_schedule,
        buy,
        sell,
        terms,
        "day_ahead",
        None,
        [
            *assumptions,
            "day_ahead: service MW per EFA day from the previous EFA day's clearing prices; "
            "energy on a rolling horizon (commit one EFA day, look ahead one) on the "
            "same-period-last-week forecast, in the market the forecast favoured, settled at "
            "actual prices.",
        ],
    )
    document = result_document(da, request, time.perf_counter() - started)
    document["capture_ratio"] = (
        da.net_revenue_gbp / pf.net_revenue_gbp if pf.net_revenue_gbp > 0 else None
    )
    document["perfect_foresight_net_revenue_gbp"] = pf.net_revenue_gbp
    return document


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
        "from": request.from_date.isoformat(),
        "to": request.to_date.isoformat(),
        "power_mw": battery.discharge_power_mw,
        "energy_mwh": battery.energy_mwh,
        "round_trip_efficiency": battery.round_trip_efficiency_frac,
        "services": list(request.services),
        "energy_markets": list(request.energy_markets),
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


def revenue(params: dict[str, Any], settings: Settings) -> dict[str, Any]:
    """Validate, read the warehouse and run: the whole use case."""
    request = build_request(params)
    data = read_market_data(settings, request.from_date, request.to_date)
    return run_stack(request, data, settings)
