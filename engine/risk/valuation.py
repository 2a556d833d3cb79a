"""Value scenario-years: the fast day-ahead policy (:mod:`engine.risk.fast_policy`) run on
each scenario's own past only, settled on its actual prices, summed by stream, month and day.

Every bootstrap scenario shares one calendar (:data:`engine.risk.scenarios.BOOTSTRAP_TARGET_YEAR`),
so the layout of a calendar (EFA blocks, EFA days, months) is built once
(:func:`scenario_calendar`, with :func:`engine.revenue.layout` on a template whose "prices"
are row numbers) and each scenario is only a gather from the day bank.

A site's network charges (:class:`engine.revenue.NetworkCharges`) are a function of the
*target* calendar, not of the drawn days: DUoS bands are DNO windows in UK clock time by day
type (weekday, bank holidays included, vs weekend; :mod:`engine.duos.bands`) and rates are
picked by charging year (1 April - 31 March). So they are built once per calendar, from
:attr:`ScenarioCalendar.interval_start` (:func:`engine.revenue.network_charges`), and a
scenario day drawn from a Wednesday that lands on a Saturday pays Saturday's bands.

Response energy (issue 20, optional; :mod:`engine.risk.response`) is valued as the revenue
stack values it: per EFA block and service an expected value per MW held, priced on the
scenario's own drawn days' system prices (resale and imbalance) with ABSVD by the target
calendar's date. The plan sees clearing forecast + response value (the forecast is the
previous EFA day's clearing price + that day's response value, as the forecast mode's
previous-day forecast includes it), each service's delivery duration is lengthened by its
expected drift (:func:`engine.response.with_drift`), and the settlement pays clearing +
response value per MW held, the latter split out as ``response_energy_<service>``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from engine.battery import BatterySpec
from engine.errors import ValidationError
from engine.response import with_drift
from engine.revenue import DYNAMIC_SERVICES, MarketData, NetworkCharges, ServiceSpec, layout
from engine.revenue.forecasts import NAIVE_DAYS_BACK
from engine.risk.fast_policy import FastResult, SocGrid, fast_policy, soc_grid
from engine.risk.response import ScenarioResponse, block_response_value
from engine.risk.scenarios import (
    MARKETS,
    WARMUP_DAYS,
    DayBank,
    Scenario,
    _periods_of,
    calendar_days,
)
from engine.settlement import UK_TZ, half_hourly_index

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
_DAY_INTERVALS = 48


@dataclass(frozen=True)
class ScenarioCalendar:
    """One calendar year's layout, shared by every scenario of that year.

    Attributes:
        year: The calendar year.
        day_of_interval: ``(T_all,)`` calendar day (0 = first warm-up day) of each half-hour
            of the warm-up and the year.
        position_in_day: ``(T_all,)`` settlement period − 1 of each half-hour.
        first: First half-hour of the year in ``T_all``.
        block_of_interval: ``(T,)`` block of each half-hour of the year.
        efa_block: ``(B,)`` EFA block number of each block.
        block_source: ``(B,)`` calendar day × 6 + block − 1 whose prices the block carries,
            −1 if outside the calendar (the EFA day after the year).
        block_previous: ``(B,)`` the same for the previous EFA day's block of the same
            number (its forecast), −1 if outside.
        day_starts: First half-hour of each EFA day of the year, then ``T``.
        efa_dates: ``(D,)`` EFA date of each EFA day.
        month_of_interval: ``(T,)`` UK month (0-11) of each half-hour.
        interval_start: ``(T,)`` UTC start of each half-hour of the year (what a site's DUoS
            bands and charging years are read from).
    """

    year: int
    day_of_interval: IntArray
    position_in_day: IntArray
    first: int
    block_of_interval: IntArray
    efa_block: IntArray
    block_source: IntArray
    block_previous: IntArray
    day_starts: IntArray
    efa_dates: pd.DatetimeIndex
    month_of_interval: IntArray
    interval_start: pd.DatetimeIndex

    @property
    def n(self) -> int:
        """Half-hours of the year."""
        return int(self.block_of_interval.shape[0])


def scenario_calendar(year: int) -> ScenarioCalendar:
    """The layout of ``year`` (EFA blocks and days as :func:`engine.revenue.layout` has them)."""
    days = calendar_days(year)
    periods = np.array([_periods_of(d) for d in days], dtype=np.int64)
    day_of = np.repeat(np.arange(len(days), dtype=np.int64), periods)
    position = np.arange(day_of.size, dtype=np.int64) - np.repeat(
        np.r_[0, np.cumsum(periods)[:-1]], periods
    )
    first = int(periods[:WARMUP_DAYS].sum())
    index = half_hourly_index(days[WARMUP_DAYS].date(), days[-1].date())
    keys = pd.MultiIndex.from_product([days, range(1, 7)], names=["efa_date", "efa_block"])
    ids = np.arange(len(keys), dtype=float)
    template = MarketData(
        index,
        pd.DataFrame({m: np.zeros(len(index)) for m in MARKETS}, index=index),
        pd.DataFrame({"DCL": ids}, index=keys),
    )
    spec = ServiceSpec("DCL", "DC", "low", 0.25)
    lay = layout(template, (spec,), MARKETS)
    source = lay.service_price[:, 0]
    efa_dates = pd.DatetimeIndex(lay.blocks["efa_date"]).to_numpy()[lay.block_of_interval]
    starts = np.flatnonzero(np.r_[True, efa_dates[1:] != efa_dates[:-1]])
    month = np.asarray(index.tz_convert(UK_TZ).month, dtype=np.int64) - 1
    before = days.get_indexer(pd.DatetimeIndex(lay.blocks["efa_date"]) - pd.Timedelta(days=1))
    numbers = lay.blocks["efa_block"].to_numpy(dtype=np.int64)
    previous = np.where(before >= 0, before * 6 + numbers - 1, -1).astype(np.int64)
    return ScenarioCalendar(
        year,
        day_of,
        position,
        first,
        np.asarray(lay.block_of_interval, dtype=np.int64),
        lay.blocks["efa_block"].to_numpy(dtype=np.int64),
        np.where(np.isfinite(source), np.nan_to_num(source), -1).astype(np.int64),
        previous,
        np.r_[starts, lay.n].astype(np.int64),
        pd.DatetimeIndex(efa_dates[starts]),
        month,
        index,
    )


@dataclass(frozen=True)
class ScenarioValue:
    """What one scenario-year earned under the fast policy.

    Attributes:
        net_gbp: Net revenue of the year (streams summed, wear included) [£].
        streams_gbp: Net by stream (``energy_apx``, ``energy_system``, each service (its
            clearing price), ``response_energy_<service>`` when response energy is modelled,
            ``duos_import`` and ``duos_generation_credit`` for a site, ``degradation``; the
            revenue stack's names) [£].
        monthly_net_gbp: ``(12,)`` net by UK month [£].
        daily_net_gbp: ``(D,)`` net by EFA day (for drawdowns) [£].
        discharged_mwh: Grid energy discharged in the year [MWh].
        charging_cost_gbp: Energy bought to charge, at the price each charge settled at
            (APX where it traded, else the system price) [£] (an investment case's LCOS).
    """

    net_gbp: float
    streams_gbp: dict[str, float]
    monthly_net_gbp: FloatArray
    daily_net_gbp: FloatArray
    discharged_mwh: float
    charging_cost_gbp: float = float("nan")


def scenario_prices(
    bank: DayBank, calendar: ScenarioCalendar, scenario: Scenario
) -> tuple[FloatArray, FloatArray]:
    """``(T_all, 2)`` energy prices of the warm-up and year, ``(B, 6)`` service prices of the
    year's blocks (NaN outside the calendar) of one scenario."""
    if (
        scenario.year != calendar.year
        or scenario.source_days.size != int(calendar.day_of_interval[-1]) + 1
    ):
        raise ValidationError(
            f"scenario {scenario.label}: not on the {calendar.year} calendar", field="scenario"
        )
    source = scenario.source_days
    rows = bank.offsets[source[calendar.day_of_interval]] + calendar.position_in_day
    energy = bank.energy[rows]
    flat = bank.services[source].reshape(-1, len(DYNAMIC_SERVICES))
    services = np.where(
        calendar.block_source[:, None] >= 0, flat[np.maximum(calendar.block_source, 0)], np.nan
    )
    return energy, services


def naive_energy_forecast(energy: FloatArray, first: int) -> FloatArray:
    """The naive day-ahead forecast of every half-hour from ``first`` on: the mean of the same
    UTC half-hour on D-2 .. D-8 where published (the rule of
    :func:`engine.revenue.day_ahead_forecasts`, on arrays) [£/MWh]."""
    n = energy.shape[0]
    back = _DAY_INTERVALS * max(NAIVE_DAYS_BACK)
    padded = np.concatenate([np.full((back, *energy.shape[1:]), np.nan), energy])
    stacked = np.stack(
        [
            padded[back + first - _DAY_INTERVALS * k : back + n - _DAY_INTERVALS * k]
            for k in NAIVE_DAYS_BACK
        ]
    )
    finite = np.isfinite(stacked)
    count = finite.sum(axis=0)
    mean = np.where(finite, stacked, 0.0).sum(axis=0) / np.maximum(count, 1)
    return np.where(count > 0, mean, np.nan)


def scenario_forecasts(
    bank: DayBank, calendar: ScenarioCalendar, scenario: Scenario, services: tuple[ServiceSpec, ...]
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """A scenario's ``(T_all, 2)`` energy prices, ``(B, K)`` service forecasts (the previous
    EFA day's price of the same block, as :func:`engine.revenue.day_ahead_forecasts`) and
    ``(B, K)`` actual service prices of the chosen services."""
    energy, service_all = scenario_prices(bank, calendar, scenario)
    columns = [DYNAMIC_SERVICES.index(s.name) for s in services]
    previous = calendar.block_previous
    flat = bank.services[scenario.source_days].reshape(-1, len(DYNAMIC_SERVICES))[:, columns]
    service_fc = np.where(previous[:, None] >= 0, flat[np.maximum(previous, 0)], np.nan)
    return energy, service_fc, service_all[:, columns]


def settle(
    result: FastResult,
    energy_gbp_per_mwh: FloatArray,
    service_gbp_per_mw_per_h: FloatArray,
    block_of_interval: IntArray,
    battery: BatterySpec,
    services: tuple[ServiceSpec, ...],
    energy_markets: tuple[str, ...],
    interval_h: float = 0.5,
    network: NetworkCharges | None = None,
    response_gbp_per_mw_per_h: FloatArray | None = None,
) -> dict[str, FloatArray]:
    """Cash per interval and stream of the fast policy's decisions on actual prices: flows at
    APX where it traded (and is selected), else at the system price (if selected); held MW at
    the clearing price; with ``response_gbp_per_mw_per_h`` (``(B, K)``, the response energy's
    value per MW held, :func:`engine.risk.response.block_response_value`) each held MW also
    earns that value, as the stream ``response_energy_<service>``; for a site, the DUoS
    import charge on each MWh charged (``duos_import``) and the generation credit on each MWh
    discharged (``duos_generation_credit``), as :func:`engine.revenue.attribution.attribute` settles
    them; wear per MWh discharged [£]."""
    flow = result.discharge_mwh - result.charge_mwh
    apx_ok = np.isfinite(energy_gbp_per_mwh[:, 0]) & ("apx" in energy_markets)
    cash = {
        "energy_apx": np.where(apx_ok, flow * np.nan_to_num(energy_gbp_per_mwh[:, 0]), 0.0),
        "energy_system": np.where(
            ~apx_ok & ("system" in energy_markets),
            flow * np.nan_to_num(energy_gbp_per_mwh[:, 1]),
            0.0,
        ),
    }
    paid = np.nan_to_num(service_gbp_per_mw_per_h) * result.service_mw
    for k, spec in enumerate(services):
        cash[spec.name] = paid[block_of_interval, k] * interval_h
    if response_gbp_per_mw_per_h is not None:
        energy = np.nan_to_num(response_gbp_per_mw_per_h) * result.service_mw
        for k, spec in enumerate(services):
            cash[f"response_energy_{spec.name}"] = energy[block_of_interval, k] * interval_h
    if network is not None:
        cash["duos_import"] = -network.import_charge_gbp_per_mwh * result.charge_mwh
        cash["duos_generation_credit"] = network.export_credit_gbp_per_mwh * result.discharge_mwh
    cash["degradation"] = -battery.degradation_cost_gbp_per_mwh * result.discharge_mwh
    return cash


def value_scenario(
    bank: DayBank,
    calendar: ScenarioCalendar,
    scenario: Scenario,
    battery: BatterySpec,
    services: tuple[ServiceSpec, ...],
    energy_markets: tuple[str, ...],
    plan_margin_gbp_per_mwh: float = 5.0,
    grid: SocGrid | None = None,
    network: NetworkCharges | None = None,
    response: ScenarioResponse | None = None,
) -> ScenarioValue:
    """Value one scenario-year with the fast policy.

    Args:
        bank: The day bank the scenario draws from.
        calendar: The scenario's calendar (:func:`scenario_calendar`).
        scenario: The scenario.
        battery: The battery.
        services: Services it may hold.
        energy_markets: Energy markets it may trade (subset of ``apx``, ``system``).
        plan_margin_gbp_per_mwh: Forecast-error margin a planned cycle must beat [£/MWh].
        grid: The SoC grid (default :func:`engine.risk.fast_policy.soc_grid`).
        network: The site's DUoS charges per half-hour of the calendar's year (built on
            ``calendar.interval_start``), charged in the D-1 plan and settled as the streams
            ``duos_import`` and ``duos_generation_credit``; None = no site.
        response: The response energy's terms on this calendar
            (:func:`engine.risk.response.scenario_response`), priced on this scenario's own
            system prices; None = response energy not modelled (each held MW is paid its
            clearing price only). A service it does not name has no response energy.

    Raises:
        ValidationError: No energy market and no service, an unknown market, or network
            charges or response terms not laid on this calendar's year.
    """
    if not energy_markets and not services:
        raise ValidationError(
            "energy_markets: choose at least one market or service", field="energy_markets"
        )
    unknown = [m for m in energy_markets if m not in MARKETS]
    if unknown:
        raise ValidationError(f"energy_markets: unknown {unknown}", field="energy_markets")
    if network is not None and (
        network.import_charge_gbp_per_mwh.shape != (calendar.n,)
        or network.export_credit_gbp_per_mwh.shape != (calendar.n,)
    ):
        raise ValidationError(
            f"network: charges must cover the {calendar.n} half-hours of {calendar.year}",
            field="network",
        )
    if response is not None and response.year != calendar.year:
        raise ValidationError(
            f"response: terms of {response.year} given for the {calendar.year} calendar",
            field="response",
        )
    energy, service_fc, actual_services = scenario_forecasts(bank, calendar, scenario, services)
    value_now = None
    held_as = services
    if response is not None and services:
        table = block_response_value(response, energy[:, 1])
        columns = [response.services.index(s.name) for s in services if s.name in response.services]
        named = np.array([s.name in response.services for s in services])
        per_key = np.zeros((table.shape[0], len(services)))
        per_key[:, named] = table[:, columns]
        value_now = np.where(
            calendar.block_source[:, None] >= 0, per_key[np.maximum(calendar.block_source, 0)], 0.0
        )
        value_before = np.where(
            calendar.block_previous[:, None] >= 0,
            per_key[np.maximum(calendar.block_previous, 0)],
            0.0,
        )
        service_fc = service_fc + value_before  # NaN (no price) stays NaN
        held_as = with_drift(services, response.drift_h)
    actual = energy[calendar.first :]
    plan_col = 0 if "apx" in energy_markets else 1
    plan_price = (
        naive_energy_forecast(energy[:, plan_col], calendar.first)
        if energy_markets
        else np.full(calendar.n, np.nan)
    )
    result = fast_policy(
        battery,
        grid or soc_grid(battery),
        plan_price,
        service_fc,
        actual_services,
        calendar.block_of_interval,
        calendar.efa_block,
        calendar.day_starts,
        np.array([s.direction == "low" for s in services], dtype=np.bool_),
        np.array([s.delivery_duration_h for s in held_as], dtype=np.float64),
        plan_margin_gbp_per_mwh,
        import_charge_gbp_per_mwh=None if network is None else network.import_charge_gbp_per_mwh,
        export_credit_gbp_per_mwh=None if network is None else network.export_credit_gbp_per_mwh,
    )
    cash = settle(
        result,
        actual,
        actual_services,
        calendar.block_of_interval,
        battery,
        services,
        energy_markets,
        network=network,
        response_gbp_per_mw_per_h=value_now,
    )
    total = np.sum(list(cash.values()), axis=0)
    monthly = np.bincount(calendar.month_of_interval, weights=total, minlength=12).astype(
        np.float64
    )
    daily = np.add.reduceat(total, calendar.day_starts[:-1])
    apx_ok = np.isfinite(actual[:, 0]) & ("apx" in energy_markets)
    system = np.nan_to_num(actual[:, 1]) if "system" in energy_markets else 0.0
    paid = np.where(apx_ok, np.nan_to_num(actual[:, 0]), system)
    return ScenarioValue(
        float(total.sum()),
        {name: float(values.sum()) for name, values in cash.items()},
        monthly,
        daily,
        float(result.discharge_mwh.sum()),
        float((result.charge_mwh * paid).sum()),
    )
