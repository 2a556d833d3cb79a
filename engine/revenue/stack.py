"""The revenue stack in one call: lay the period out, optimise, check and attribute.

Modes:

* ``forecast`` (the default): decisions made only on what is public at the time
  (:mod:`engine.revenue.forecast_mode`), settled on actual prices. Perfect foresight is run
  beside it as the labelled upper bound and the denominator of the capture ratio.
* ``perfect_foresight``: the upper bound alone (every price known in advance).
* ``day_ahead``: an alias of ``forecast`` kept for old callers (the former rolling mode,
  :func:`engine.revenue.day_ahead.optimise_day_ahead`, committed imbalance positions a day
  ahead, earned less with more options and leaked the first week's prices; it is kept only
  as the benchmark's reference).

Each schedule is checked (:func:`engine.revenue.search.check_stack`) before it is attributed.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from engine.battery import BatterySpec
from engine.errors import ValidationError
from engine.revenue.attribution import RevenueResult, attribute
from engine.revenue.forecast_mode import ForecastPolicy, ForecastRun, optimise_forecast
from engine.revenue.forecasts import (
    INTRADAY_INFORMATION_LAG_INTERVALS,
    Forecasts,
    aligned,
    day_ahead_forecasts,
)
from engine.revenue.layout import Layout, MarketData, layout, trade_markets
from engine.revenue.markets import CapacityMarketTerm, ServiceSpec
from engine.revenue.model import FloatArray
from engine.revenue.network import NetworkCharges
from engine.revenue.search import Schedule, check_stack, optimise_perfect_foresight
from engine.settlement import UK_TZ

if TYPE_CHECKING:  # issue 20: engine.response imports engine.revenue's modules at run time
    from engine.response.stack_terms import ResponseTerms

MODES = ("forecast", "perfect_foresight", "day_ahead")
UPPER_BOUND_LABEL = "upper bound (perfect foresight)"
PERFECT_FORESIGHT_NOTE = (
    "perfect_foresight is an upper bound: every price is known in advance; no operator earns it."
)


@dataclass(frozen=True)
class RevenueStack:
    """The stack of one battery over one period.

    Attributes:
        perfect_foresight: The upper bound: every price known in advance; None when the
            caller asked for the forecast run alone (``upper_bound=False``).
        forecast: Decided on forecasts and settled on actuals (the headline); None in
            ``perfect_foresight`` mode.
    """

    perfect_foresight: RevenueResult | None
    forecast: RevenueResult | None = None

    def __post_init__(self) -> None:
        if self.perfect_foresight is None and self.forecast is None:
            raise ValueError("a revenue stack holds a forecast run, an upper bound or both")

    @property
    def headline(self) -> RevenueResult:
        """The figure to show first: the forecast one when run, else the upper bound."""
        shown = self.forecast if self.forecast is not None else self.perfect_foresight
        assert shown is not None  # __post_init__
        return shown

    @property
    def upper_bound(self) -> RevenueResult:
        """The perfect-foresight result, for a caller that solved it (the default).

        Raises:
            ValueError: This stack was solved without it (``upper_bound=False``).
        """
        if self.perfect_foresight is None:
            raise ValueError("this revenue stack was solved without its upper bound")
        return self.perfect_foresight

    @property
    def capture_ratio(self) -> float | None:
        """Forecast net ÷ perfect-foresight net [-]; None without both runs or when
        perfect foresight earns nothing (the ratio would mean nothing)."""
        bound = self.perfect_foresight
        if self.forecast is None or bound is None or bound.net_revenue_gbp <= 0:
            return None
        return self.forecast.net_revenue_gbp / bound.net_revenue_gbp


def canonical_mode(mode: str, field: str = "mode") -> str:
    """``forecast`` or ``perfect_foresight`` (``day_ahead`` is an alias of ``forecast``).

    Raises:
        ValidationError: On any other name.
    """
    if mode not in MODES:
        raise ValidationError(
            f"{field}: expected one of {', '.join(MODES)}, got {mode!r}", field=field
        )
    return "forecast" if mode == "day_ahead" else mode


def revenue_stack(
    data: MarketData,
    battery: BatterySpec,
    services: tuple[ServiceSpec, ...],
    energy_markets: tuple[str, ...],
    *,
    cm_terms: Sequence[CapacityMarketTerm] = (),
    mode: str = "forecast",
    history: MarketData | None = None,
    forecasts: Forecasts | None = None,
    policy: ForecastPolicy | None = None,
    network: NetworkCharges | None = None,
    forecast_method: str = "naive",
    assumptions: Sequence[str] = (),
    response: ResponseTerms | None = None,
    upper_bound: bool = True,
) -> RevenueStack:
    """Co-optimise energy trading and DC/DM/DR holdings for one battery and attribute the cash.

    Args:
        data: The period's actual prices (energy per half-hour, services per EFA block).
        battery: The battery.
        services: Services the battery may hold (already judged eligible by the caller).
        energy_markets: Energy markets it may trade (subset of ``apx``, ``system``).
        cm_terms: Capacity Market terms falling in the period (paid as a stream) [£].
        mode: ``forecast`` (default; ``day_ahead`` is its alias) or ``perfect_foresight``.
        history: Prices before the period (forecast mode: the forecasts' inputs and the
            newest system prices known at the first gate closures).
        forecasts: Day-ahead forecasts for the period; default the naive stand-in made from
            ``history`` and ``data``.
        policy: The forecast mode's margins (default :class:`ForecastPolicy`).
        network: DUoS import charges and generation credits per interval (a site), if any.
        forecast_method: ``naive`` (the mean of the same half-hour on D-2..D-8, previous EFA
            day's service prices; :mod:`engine.revenue.forecasts`) or ``learned``
            (:func:`engine.forecast.day_ahead_forecasts`, walk-forward models).
        assumptions: Sentences stated on every result; each mode adds its own last.
        response: Issue 20, optional (None = response energy left out, as before): each
            service's expected response-energy value per MW held per EFA block and its
            expected state-of-charge drift (:class:`engine.response.ResponseTerms`).
        upper_bound: In forecast mode, solve the perfect-foresight ceiling too (False: the
            forecast run alone, for a caller that bounds this battery from elsewhere).

    Returns:
        The perfect-foresight result (unless left out) and, in forecast mode, the forecast
        one.

    Raises:
        ValidationError: A market or service without prices, a non-contiguous period, or
            an unknown mode.
        ValidationError: Forecast mode without enough history before the period (field
            ``from``).
        InfeasibleDispatchError: A schedule failed its check (a bug, never expected).
    """
    mode = canonical_mode(mode)
    policy = policy or ForecastPolicy()
    # --- issue 20 (response energy, optional): the optimiser sees clearing + response value
    response_value = None if response is None else response.value_gbp_per_mw_per_h
    if response is not None and response_value is not None:
        from engine.response.stack_terms import RESPONSE_NOTE, add_response_value, with_drift

        data = add_response_value(data, response_value)
        history = None if history is None else add_response_value(history, response_value)
        services = with_drift(services, response.drift_h)
        assumptions = [*assumptions, RESPONSE_NOTE]
    # --- end issue 20
    if network is not None:
        assumptions = [*assumptions, network.note()]
    if mode == "perfect_foresight":
        lay = layout(data, services, energy_markets, network=network)
        return RevenueStack(_upper_bound(lay, battery, cm_terms, assumptions, (), response_value))
    lay, run = forecast_run(
        data,
        battery,
        services,
        energy_markets,
        history,
        forecasts,
        policy,
        network,
        forecast_method,
    )
    fc = settle_forecast(data, lay, battery, run, cm_terms, [*assumptions, policy.note()])
    fc = _response_streams(fc, lay, run.schedule, response_value)  # issue 20
    if not upper_bound:
        return RevenueStack(None, fc)
    # Started from the policy's holdings too, so the bound is never below the forecast run.
    pf = _upper_bound(
        lay, battery, cm_terms, assumptions, (run.schedule.service_mw,), response_value
    )
    return RevenueStack(pf, fc)


def settle_forecast(
    data: MarketData,
    lay: Layout,
    battery: BatterySpec,
    run: ForecastRun,
    cm_terms: Sequence[CapacityMarketTerm],
    assumptions: Sequence[str],
) -> RevenueResult:
    """Attribute a forecast run on actual prices.

    Flow not matched by a filled APX position when the imbalance price is not a selected
    market is energy imbalance all the same (BSC Section T: any contract position not matched
    by metered flow is settled at the single imbalance price), so it settles at the system
    price of ``data``; where that is missing too, its cash is missing (NaN), never £0.
    """
    notes = list(assumptions)
    settle, market = lay, run.market_mwh
    volume = np.abs(run.imbalance_mwh)
    if volume.sum() > 0:
        prices = data.energy_price_gbp_per_mwh
        if "system" not in prices.columns:
            prices = prices.assign(system=np.nan)
        settle = layout(
            MarketData(data.interval_start, prices, data.service_price_gbp_per_mw_per_h),
            lay.services,
            (*lay.markets, "system"),
        )
        settle = dataclasses.replace(
            settle, import_charge=lay.import_charge, export_credit=lay.export_credit
        )
        market = np.c_[run.market_mwh, run.imbalance_mwh]
        unpriced = float(volume[~np.isfinite(settle.energy[:, -1])].sum())
        notes.append(
            f"{volume.sum():.1f} MWh of APX positions fell in periods without APX trades (or "
            "the flow differed from them): settled as energy imbalance at the system price "
            "(BSC Section T), as any unmatched contract position is."
        )
        if unpriced > 0:
            notes.append(
                f"{unpriced:.1f} MWh of it fell where the system price is missing too: that "
                "cash is missing (NaN), not £0."
            )
    buy, sell = trade_markets(settle.energy)
    return attribute(
        settle, battery, run.schedule, buy, sell, cm_terms, "forecast", None, notes,
        market_mwh=market,
    )  # fmt: skip


def _upper_bound(
    lay: Layout,
    battery: BatterySpec,
    cm_terms: Sequence[CapacityMarketTerm],
    assumptions: Sequence[str],
    extra_starts: tuple[FloatArray, ...] = (),
    response_value: pd.DataFrame | None = None,
) -> RevenueResult:
    """The perfect-foresight optimum of the layout, checked and attributed (labelled)."""
    schedule = optimise_perfect_foresight(lay, battery, extra_starts=extra_starts)
    check_stack(lay, battery, schedule)
    buy, sell = trade_markets(lay.energy)
    result = attribute(
        lay,
        battery,
        schedule,
        buy,
        sell,
        cm_terms,
        "perfect_foresight",
        None,
        [*assumptions, PERFECT_FORESIGHT_NOTE],
    )
    return _response_streams(result, lay, schedule, response_value)  # issue 20


def _response_streams(
    result: RevenueResult, lay: Layout, schedule: Schedule, response_value: pd.DataFrame | None
) -> RevenueResult:
    """Issue 20: split each service's response-energy value into its own stream (if any)."""
    if response_value is None:
        return result
    from engine.response.stack_terms import split_response_streams

    return split_response_streams(result, lay, schedule, response_value)


def forecast_run(
    data: MarketData,
    battery: BatterySpec,
    services: tuple[ServiceSpec, ...],
    energy_markets: tuple[str, ...],
    history: MarketData | None,
    forecasts: Forecasts | None = None,
    policy: ForecastPolicy | None = None,
    network: NetworkCharges | None = None,
    forecast_method: str = "naive",
) -> tuple[Layout, ForecastRun]:
    """The forecast mode's committed decisions (before attribution); see :func:`revenue_stack`."""
    lay = layout(data, services, energy_markets, network=network)
    energy_all, services_all = _joined(history, data)
    if forecasts is None:
        local = lay.index.tz_convert(UK_TZ)
        forecasts = _forecasts(
            energy_all, services_all, local[0].date(), local[-1].date(), forecast_method
        )
    energy_fc, service_fc = aligned(
        forecasts, lay.index, lay.markets, lay.blocks, tuple(s.name for s in services)
    )
    lag = INTRADAY_INFORMATION_LAG_INTERVALS
    before = energy_all["system"].reindex(lay.index[:lag] - pd.Timedelta(minutes=30 * lag))
    run = optimise_forecast(
        lay,
        battery,
        energy_fc,
        service_fc,
        before.to_numpy(dtype=float),
        policy or ForecastPolicy(),
    )
    return lay, run


def _forecasts(
    energy: pd.DataFrame,
    services: pd.DataFrame,
    first: dt.date,
    last: dt.date,
    method: str,
) -> Forecasts:
    """The day-ahead forecasts of the chosen method (both leak-free by construction)."""
    if method == "naive":
        return day_ahead_forecasts(energy, services, first, last, method="naive")
    if method != "learned":
        raise ValidationError(
            f"forecast_method: expected naive or learned, got {method!r}", field="forecast_method"
        )
    from engine.forecast import day_ahead_forecasts as learned  # heavy, on demand

    try:
        made = learned(energy, services, first, last, method="learned")
    except ValidationError as error:
        raise ValidationError(f"forecast_method: {error.detail}", field="forecast_method") from None
    return Forecasts(made.energy, made.services)


def _joined(history: MarketData | None, data: MarketData) -> tuple[pd.DataFrame, pd.DataFrame]:
    """History and period as one energy frame (``apx``, ``system``) and one service table."""
    frames = [data.energy_price_gbp_per_mwh.set_axis(data.interval_start)]
    tables = [data.service_price_gbp_per_mw_per_h]
    if history is not None:
        frames.insert(0, history.energy_price_gbp_per_mwh.set_axis(history.interval_start))
        tables.insert(0, history.service_price_gbp_per_mw_per_h)
    energy = pd.concat(frames)
    energy = energy[~energy.index.duplicated(keep="last")].sort_index()
    for column in ("apx", "system"):
        if column not in energy.columns:
            energy[column] = np.nan
    table = pd.concat(tables)
    table = table[~table.index.duplicated(keep="last")].sort_index()
    return energy, table
