"""The battery investment case use case: replay price years, value each project year, shape the
answer (``gbess invest``, ``POST /v1/bess/invest``).

One :class:`InvestRequest` (validated once, on creation: every bad input names its field before
anything is read or solved) and :func:`run_invest`, which reads each price year from the
warehouse once and hands the engine (:func:`engine.invest.invest_case`,
:func:`engine.invest.sizing_sweep`) a valuer that runs the same stack as ``gbess revenue``
(:func:`jobs.revenue.run_stack`: forecast mode, eligibility, site DUoS, assumptions).
Every figure is real (the replayed years' prices taken as today's money).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import math
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from engine.battery import DEFAULT_ROUND_TRIP_EFFICIENCY_FRAC, MIN_ENERGY_MWH
from engine.errors import DataMissingError, GbessError, ValidationError
from engine.invest import (
    BOUND_CYCLES_PER_YEAR,
    DEFAULT_CYCLES_CURVE,
    DEFAULT_YEARS_CURVE,
    MAX_SCENARIO_PATHS,
    CapacityMarket,
    Fade,
    FadeCurve,
    InvestCase,
    PathRevenue,
    Project,
    RevenueGrid,
    SizeShare,
    Toll,
    YearRevenue,
    check_capacity_market,
    curve_from_pairs,
    distribution_sweep,
    fast_valuer,
    invest_case,
    lowest_usable_frac,
    npv_distribution,
    path_scenarios,
    sizing_sweep,
    sweep_durations_h,
)
from engine.reference import reference_data
from engine.revenue import (
    UPPER_BOUND_LABEL,
    CapacityAgreement,
    MarketData,
    NetworkCharges,
    service_specs,
)
from engine.revenue.markets import CM_AUCTIONS, cm_delivery_year_of
from engine.risk import (
    BOOTSTRAP_TARGET_YEAR,
    FAST_POLICY_LABEL,
    WARMUP_DAYS,
    BootstrapPlan,
    DayBank,
    Regime,
    ScenarioResponse,
    bootstrap_plan,
    check_threshold,
    scenario_calendar,
)
from jobs import stack_store
from jobs.background import ProgressFn
from jobs.dispatch import renamed
from jobs.pool import POOL_WORKERS, TaskPool, count_units
from jobs.revenue import (
    HISTORY_DAYS,
    LEARNED_HISTORY_DAYS,
    Response,
    RevenueRequest,
    read_history,
    read_market_data,
    response_terms_for,
    run_stack,
)
from jobs.risk import calendar_network, calendar_response, read_bank
from jobs.settings import Settings

#: Price years replayed by default: the three latest whole years with every market's prices.
DEFAULT_PRICE_YEARS: tuple[int, ...] = (2023, 2024, 2025)
#: Default usable-energy grid spacing (fraction of nameplate): points at 1.0, 0.7, 0.4 ...
DEFAULT_GRID_STEP_FRAC = 0.3
#: Default Capacity Market agreement term for a new-build project [delivery years].
DEFAULT_CM_TERM_YEARS = 15
#: Default regime the scenario paths draw their days from (docs/risk.md).
DEFAULT_REGIME = "2024-2026"
#: Engine field names → the request's input names.
_FIELDS = {"round_trip_efficiency_frac": "round_trip_efficiency"}


@dataclass(frozen=True)
class InvestRequest:
    """A battery project, the price years to replay and the options, validated on creation.

    Money is real (constant money of the prices replayed). Field names are the CLI's flags
    and the HTTP body's keys; an error names one of them.

    Attributes:
        power_mw: Connection power [MW].
        energy_mwh: Nameplate energy [MWh] (with ``sweep``: replaced by each duration's).
        round_trip_efficiency: Round trip [0-1].
        capex_gbp_per_kw: Power capex [£/kW].
        capex_gbp_per_kwh: Energy capex [£/kWh].
        fixed_opex_gbp_per_mw_per_year: Fixed opex [£/MW/yr].
        variable_opex_gbp_per_mwh: Per MWh discharged [£/MWh].
        augmentation_gbp_per_kwh: Augmentation price [£/kWh].
        augmentation_threshold_frac: Augment below this fraction of nameplate (None never).
        augmentation_target_frac: Fraction restored to [0-1].
        life_years: Operating years (1-50).
        start_year: First operating calendar year.
        discount_rate_real_frac: Real discount rate, a fraction in (-1, 1).
        decommissioning_gbp: End-of-life cost [£].
        fade_cycles_curve: ``((cycles, remaining_frac), ...)``, default Modo Energy's.
        fade_years_curve: ``((years, remaining_frac), ...)``, default no calendar fade.
        price_years: Calendar years of the warehouse replayed in turn.
        services: Service codes (default all six).
        energy_markets: Energy markets (default apx, system).
        mode: ``forecast`` (default) or ``perfect_foresight`` (the upper bound alone).
        forecast_method: ``naive`` (default) or ``learned``.
        degradation_gbp_per_mwh: Wear hurdle of the dispatch [£/MWh] (not a cashflow).
        capacity_market: ``none``, ``T-1``, ``T-4`` or ``input`` (a price given).
        cm_price_gbp_per_kw_per_year: The agreement's price if not published [£/kW/yr].
        cm_derating_factor: The agreement's de-rating factor if not published [0-1].
        cm_first_delivery_year: First delivery year (default: the one holding 1 January of
            ``start_year``).
        cm_term_years: Delivery years of the agreement (default 15).
        cm_cpi_index: The user's index per delivery year (none invented; real terms: give a
            real index or none).
        cm_rerate: Re-rate the de-rating class on each year's faded energy.
        registration: Who owns held services' response energy: ``bm`` (default), ``non_bm``
            or ``none`` (not modelled), as ``gbess revenue``.
        distributor: Site licence area for DUoS (with both tariffs), or None.
        import_tariff: DUoS demand tariff name or LLFC.
        export_tariff: DUoS generation tariff name or LLFC.
        grid_step_frac: Usable-energy grid spacing (fraction of nameplate).
        sweep: Value durations ``duration_from_h..duration_to_h`` at ``power_mw``.
        duration_from_h: Shortest duration of the sweep [h].
        duration_to_h: Longest duration [h].
        duration_step_h: Step [h].
        scenarios: Scenario paths (0: replay ``price_years``; 1..MAX_SCENARIO_PATHS: NPV as
            a distribution, each project year on its own bootstrap scenario-year valued
            with the fast day-ahead policy).
        regime: Years the scenario-years draw their days from, ``YYYY-YYYY``.
        seed: Seed of the scenario paths (≥ 0).
        toll_share_frac: Share of the MW under a fixed-price toll [0-1].
        toll_price_gbp_per_mw_per_year: The toll's price [£/MW/yr] (needed with a share).
        max_stacks: Refuse a case needing more stacks than this (None = unbounded).
        project: The engine's project (derived).
        revenue: The revenue request of the first price year at nameplate (derived; checks
            every revenue input once).
    """

    power_mw: float
    energy_mwh: float
    round_trip_efficiency: float = DEFAULT_ROUND_TRIP_EFFICIENCY_FRAC
    capex_gbp_per_kw: float = 0.0
    capex_gbp_per_kwh: float = 0.0
    fixed_opex_gbp_per_mw_per_year: float = 0.0
    variable_opex_gbp_per_mwh: float = 0.0
    augmentation_gbp_per_kwh: float = 0.0
    augmentation_threshold_frac: float | None = None
    augmentation_target_frac: float = 1.0
    life_years: int = 15
    start_year: int = 2026
    discount_rate_real_frac: float = 0.08
    decommissioning_gbp: float = 0.0
    fade_cycles_curve: Sequence[Sequence[float]] | str = DEFAULT_CYCLES_CURVE.points
    fade_years_curve: Sequence[Sequence[float]] | str = DEFAULT_YEARS_CURVE.points
    price_years: tuple[int, ...] = DEFAULT_PRICE_YEARS
    services: str | tuple[str, ...] | None = None
    energy_markets: str | tuple[str, ...] | None = None
    mode: str = "forecast"
    forecast_method: str = "naive"
    degradation_gbp_per_mwh: float | None = None
    capacity_market: str = "none"
    cm_price_gbp_per_kw_per_year: float | None = None
    cm_derating_factor: float | None = None
    cm_first_delivery_year: str | None = None
    cm_term_years: int = DEFAULT_CM_TERM_YEARS
    cm_cpi_index: str | Mapping[str, float] | None = None
    cm_rerate: bool = False
    registration: str = "bm"
    distributor: str | None = None
    import_tariff: str | None = None
    export_tariff: str | None = None
    grid_step_frac: float = DEFAULT_GRID_STEP_FRAC
    sweep: bool = False
    duration_from_h: float = 1.0
    duration_to_h: float = 4.0
    duration_step_h: float = 0.5
    scenarios: int = 0
    regime: str = DEFAULT_REGIME
    seed: int = 1
    toll_share_frac: float = 0.0
    toll_price_gbp_per_mw_per_year: float | None = None
    max_stacks: int | None = None
    project: Project = field(init=False, repr=False, compare=False)
    revenue: RevenueRequest = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        fade = Fade(
            _curve(self.fade_cycles_curve, "fade_cycles_curve"),
            _curve(self.fade_years_curve, "fade_years_curve"),
            self.augmentation_threshold_frac,
            self.augmentation_target_frac,
        )
        try:
            project = Project(
                power_mw=self.power_mw,
                energy_mwh=self.energy_mwh,
                round_trip_efficiency_frac=self.round_trip_efficiency,
                capex_gbp_per_kw=self.capex_gbp_per_kw,
                capex_gbp_per_kwh=self.capex_gbp_per_kwh,
                fixed_opex_gbp_per_mw_per_year=self.fixed_opex_gbp_per_mw_per_year,
                variable_opex_gbp_per_mwh=self.variable_opex_gbp_per_mwh,
                augmentation_gbp_per_kwh=self.augmentation_gbp_per_kwh,
                life_years=self.life_years,
                start_year=self.start_year,
                discount_rate_real_frac=self.discount_rate_real_frac,
                decommissioning_gbp=self.decommissioning_gbp,
                fade=fade,
            )
        except ValidationError as error:
            raise renamed(error, _FIELDS) from None
        if not self.price_years:
            raise ValidationError("price_years: give at least one year", field="price_years")
        for year in self.price_years:
            if isinstance(year, bool) or not isinstance(year, int) or not 2000 <= year <= 2100:
                raise ValidationError(
                    f"price_years: calendar years like 2024, got {year!r}", field="price_years"
                )
        if self.capacity_market not in ("none", "input", *CM_AUCTIONS):
            raise ValidationError(
                f"capacity_market: expected none, T-1 or T-4, got {self.capacity_market!r}",
                field="capacity_market",
            )
        step = self.grid_step_frac
        if not (math.isfinite(step) and 0.0 < step <= 1.0):
            raise ValidationError(
                f"grid_step_frac: a fraction of nameplate in (0, 1], got {step:g}",
                field="grid_step_frac",
            )
        if self.sweep:
            sweep_durations_h(self.duration_from_h, self.duration_to_h, self.duration_step_h)
        first = self.price_years[0]
        revenue = RevenueRequest.from_inputs(
            from_date=dt.date(first, 1, 1),
            to_date=dt.date(first, 12, 31),
            power_mw=self.power_mw,
            energy_mwh=self.energy_mwh,
            round_trip_efficiency=self.round_trip_efficiency,
            services=self.services,
            energy_markets=self.energy_markets,
            mode=self.mode,
            forecast_method=self.forecast_method,
            degradation_gbp_per_mwh=self.degradation_gbp_per_mwh,
            cm_cpi_index=self.cm_cpi_index,
            registration=self.registration,
            distributor=self.distributor,
            import_tariff=self.import_tariff,
            export_tariff=self.export_tariff,
        )
        object.__setattr__(self, "project", project)
        object.__setattr__(self, "revenue", revenue)
        self._check_scenarios()
        self.toll()  # the share and price, before anything is read
        if self.max_stacks is not None and len(self.price_years) * len(self.durations_h) > (
            self.max_stacks
        ):
            raise ValidationError(
                f"price_years: {len(self.price_years)} price years x {len(self.durations_h)} "
                f"sizes need more than the {self.max_stacks} revenue stacks one request may "
                "solve; replay fewer years, sweep fewer sizes or use the CLI (gbess invest)",
                field="price_years",
            )

    def _check_scenarios(self) -> None:
        count = self.scenarios
        if isinstance(count, bool) or not isinstance(count, int):
            raise ValidationError(
                f"scenarios: a whole number of paths, got {count!r}", field="scenarios"
            )
        if not 0 <= count <= MAX_SCENARIO_PATHS:
            raise ValidationError(
                f"scenarios: must lie in 0..{MAX_SCENARIO_PATHS} paths, got {count}",
                field="scenarios",
            )
        Regime.parse(self.regime)
        if isinstance(self.seed, bool) or not isinstance(self.seed, int) or self.seed < 0:
            raise ValidationError(f"seed: a whole number ≥ 0, got {self.seed!r}", field="seed")
        if not count:
            return
        sizes = len(self.durations_h)
        if count * sizes > MAX_SCENARIO_PATHS:
            raise ValidationError(
                f"scenarios: {count} paths x {sizes} sizes is {count * sizes} path-cases; at "
                f"most {MAX_SCENARIO_PATHS} (fewer paths, or a wider duration_step_h)",
                field="scenarios",
            )
        refused = {
            "mode": (self.mode != "forecast", "the scenario paths are valued in forecast mode"),
            "forecast_method": (
                self.forecast_method != "naive",
                "the fast policy plans on the naive forecasts only",
            ),
        }
        for name, (bad, why) in refused.items():
            if bad:
                raise ValidationError(f"{name}: not with scenarios: {why}", field=name)

    def toll(self) -> Toll | None:
        """The fixed-price floor, or None without a share.

        Raises:
            ValidationError: A share outside [0, 1], a price not finite or negative, or a
                share without a price.
        """
        price = self.toll_price_gbp_per_mw_per_year
        if price is not None:
            check_threshold(price, "toll_price_gbp_per_mw_per_year")
        toll = Toll(self.toll_share_frac, 0.0 if price is None else price, self.power_mw)
        if toll.share_frac == 0:
            return None
        if price is None:
            raise ValidationError(
                "toll_price_gbp_per_mw_per_year: give the toll's price with toll_share_frac",
                field="toll_price_gbp_per_mw_per_year",
            )
        return toll

    @property
    def durations_h(self) -> tuple[float, ...]:
        """The sweep's durations, or the one project's [h]."""
        if not self.sweep:
            return (self.energy_mwh / self.power_mw,)
        return sweep_durations_h(self.duration_from_h, self.duration_to_h, self.duration_step_h)

    def agreement(self) -> CapacityAgreement | None:
        """The Capacity Market agreement, or None."""
        auction = self.capacity_market
        if self.cm_price_gbp_per_kw_per_year is not None and auction == "none":
            auction = "input"
        if auction == "none":
            return None
        first = self.cm_first_delivery_year or cm_delivery_year_of(dt.date(self.start_year, 1, 1))
        return CapacityAgreement(
            auction,
            first,
            self.cm_term_years,
            self.cm_price_gbp_per_kw_per_year,
            self.cm_derating_factor,
            self.revenue.cm_cpi_index,
        )


def _curve(points: Sequence[Sequence[float]] | str, name: str) -> FadeCurve:
    """A curve from pairs or ``"x:remaining,x:remaining"`` text."""
    if isinstance(points, str):
        pairs: list[list[float]] = []
        for item in points.split(","):
            x, sep, y = item.partition(":")
            if not sep:
                raise ValidationError(
                    f"{name}: expected x:remaining pairs like 0:1,365:0.956, got {item!r}",
                    field=name,
                )
            try:
                pairs.append([float(x), float(y)])
            except ValueError:
                raise ValidationError(
                    f"{name}: points are numbers, got {item!r}", field=name
                ) from None
        points = pairs
    curve = curve_from_pairs(points, name)
    if curve is None:  # pragma: no cover - points is never None here
        raise ValidationError(f"{name}: give the curve's points", field=name)
    return curve


class ReadYear(NamedTuple):
    """One price year as the job read it from the warehouse, with what every usable
    energy's stack on it shares (the engine's own valuer takes
    :class:`engine.invest.PriceYear`; this one feeds :func:`jobs.revenue.run_stack`)."""

    label: str
    data: MarketData
    history: MarketData | None  # before ``data`` (forecast mode), else None
    response: Response  # the held services' response-energy terms on these prices


def read_price_years(request: InvestRequest, settings: Settings) -> list[ReadYear]:
    """Each price year's prices (and, in forecast mode, its history) from the warehouse,
    and the response-energy terms of the services held on them (derived once a year, not
    once a stack: they do not depend on the battery).

    Raises:
        DataMissingError: A year the warehouse does not cover, naming ``price_years``.
    """
    days = LEARNED_HISTORY_DAYS if request.forecast_method == "learned" else HISTORY_DAYS
    years = []
    for year in request.price_years:
        first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
        try:
            data = read_market_data(settings, first, last)
        except DataMissingError as error:
            raise DataMissingError(
                f"price_years: {year} — {str(error.detail).removeprefix('from/to: ')}",
                field="price_years",
            ) from None
        history = (
            read_history(settings, first, days) if request.revenue.mode == "forecast" else None
        )
        response = response_terms_for(
            _node_request(request, str(year), request.energy_mwh), settings, data, history
        )
        years.append(ReadYear(str(year), data, history, response))
    return years


def node_revenue(
    request: InvestRequest,
    year: ReadYear,
    usable_mwh: float,
    settings: Settings,
    state: str | None = None,
    upper_bound: bool = True,
) -> YearRevenue:
    """One price year valued for the request's battery power at a usable energy with the
    revenue use case's own stack (:func:`jobs.revenue.run_stack`; its perfect-foresight
    ceiling unless ``upper_bound`` is False), kept in the stack store under ``state``
    (:func:`jobs.stack_store.fingerprint`; None = not kept); a pool task (module-level,
    picklable arguments)."""
    revenue = _node_request(request, year.label, usable_mwh)
    document = run_stack(
        revenue, year.data, settings, year.history, year.response, upper_bound=upper_bound
    )
    cash = {k: float(v) for k, v in document["streams"].items() if k != "degradation"}
    bound = document["upper_bound"]
    value = YearRevenue(
        cash,
        float(document["costs"]["charging_cost_gbp"]),
        float(document["equivalent_cycles"]) * usable_mwh,
        None
        if bound is None
        else float(sum(v for k, v in bound["streams"].items() if k != "degradation")),
        tuple(
            a
            for a in document["assumptions"]
            if not str(a).startswith("Capacity Market not included")
        ),
    )
    if state is not None:
        stack_store.keep(settings, stack_store.stack_key(state, revenue), dataclasses.asdict(value))
    return value


def _node_request(request: InvestRequest, label: str, usable_mwh: float) -> RevenueRequest:
    """The revenue request of one price year at one usable energy."""
    calendar_year = int(label)
    return dataclasses.replace(
        request.revenue,
        from_date=dt.date(calendar_year, 1, 1),
        to_date=dt.date(calendar_year, 12, 31),
        power_mw=request.power_mw,
        energy_mwh=usable_mwh,
    )


def _kept_revenue(
    request: InvestRequest, label: str, usable_mwh: float, settings: Settings, state: str
) -> YearRevenue | None:
    """The stack store's value of one price year at one usable energy, or None."""
    kept = stack_store.load(
        settings, stack_store.stack_key(state, _node_request(request, label, usable_mwh))
    )
    if kept is None:
        return None
    return YearRevenue(
        {str(k): float(v) for k, v in kept["streams_gbp"].items()},
        float(kept["charging_cost_gbp"]),
        float(kept["discharged_mwh"]),
        None if kept["upper_bound_gbp"] is None else float(kept["upper_bound_gbp"]),
        tuple(str(a) for a in kept["assumptions"]),
    )


@dataclass(frozen=True)
class ScenarioSource:
    """The day bank and bootstrap plan scenario paths draw from (read once)."""

    bank: DayBank
    plan: BootstrapPlan


def scenario_source(request: InvestRequest, settings: Settings) -> ScenarioSource:
    """Read the regime's days and plan the bootstrap (about a second).

    Raises:
        ValidationError: The regime holds too few complete days, naming ``regime`` and
            saying what the history holds (bad input: another regime would do).
    """
    regime = Regime.parse(request.regime)
    try:
        bank = read_bank(settings, regime)
        plan = bootstrap_plan(bank, regime)
    except DataMissingError as error:
        if error.field != "regime":
            raise
        raise ValidationError(str(error.detail), field="regime") from None
    return ScenarioSource(bank, plan)


def run_invest(
    request: InvestRequest,
    settings: Settings,
    progress: ProgressFn | None = None,
    *,
    source: ScenarioSource | None = None,
    workers: int = POOL_WORKERS,
) -> dict[str, Any]:
    """The use case (``gbess invest``, ``POST /v1/bess/invest``): read the price years once,
    value the project (or each size of the sweep, or each scenario path) and shape the JSON
    answer; the answer is also kept as the ``Investment`` dashboard tab's latest case.

    Args:
        request: The request.
        settings: Where the warehouse and reference data are.
        progress: Called with (units done, units in all): revenue stacks solved of those
            planned so far (a later point the fade reaches adds to the plan), or scenario
            paths valued.
        source: The scenario paths' days, if already read (:func:`scenario_source`).
        workers: Processes the revenue stacks run on (:mod:`jobs.pool`; 1 = this one).
    """
    started = time.perf_counter()
    cm = _capacity_market(request, settings)
    # The stack store's state, taken once (jobs.stack_store.fingerprint), when stacks are kept.
    state = None if request.scenarios else stack_store.fingerprint(settings)
    # The pool's processes start now (warm, jobs.pool) while the data is read;
    # a case left with one stack at most to solve (the stack store holds the rest) needs none.
    needed = request.scenarios or stacks_to_solve(request, settings, state)
    with TaskPool(workers if needed > 1 else 1) as pool:
        if request.scenarios:
            source = source or scenario_source(request, settings)
            document = _run_scenarios(request, settings, cm, progress, source, pool)
        else:
            assert state is not None  # taken above for replayed years
            document = _run_replayed(request, settings, cm, progress, pool, state)
    document["seconds"] = time.perf_counter() - started
    save_latest(document, settings)
    return document


def _capacity_market(request: InvestRequest, settings: Settings) -> CapacityMarket | None:
    """The agreement with the published tables, every size's class checked before anything
    is read or solved."""
    ref = reference_data(settings.data_dir)
    agreement = request.agreement()
    if agreement is None:
        return None
    cm = CapacityMarket(
        agreement,
        ref.table("cm_clearing_prices"),
        ref.table("cm_derating_factors_storage"),
        request.cm_rerate,
    )
    for duration in request.durations_h:
        sized = dataclasses.replace(request.project, energy_mwh=request.power_mw * duration)
        check_capacity_market(sized if request.sweep else request.project, cm)
    return cm


def _run_replayed(
    request: InvestRequest,
    settings: Settings,
    cm: CapacityMarket | None,
    progress: ProgressFn | None,
    pool: TaskPool,
    state: str,
) -> dict[str, Any]:
    years = read_price_years(request, settings)
    reused = [0]
    grid = _revenue_grid(request, years, settings, progress, pool, state, reused)
    toll = request.toll()
    notes = _input_notes(request)
    if request.sweep:
        sweep = sizing_sweep(
            request.project,
            request.durations_h,
            lambda sized: SizeShare(grid, sized.energy_mwh),
            capacity_market=cm,
            toll=toll,
        )
        best = int(np.flatnonzero(sweep.table["best"].to_numpy())[0])
        case = sweep.cases[best]
        document = case_document(
            case,
            request,
            dataclasses.replace(
                request.project, energy_mwh=float(sweep.table["energy_mwh"].iloc[best])
            ),
            notes,
        )
        document["sweep"] = _records(sweep.table)
        document["best_duration_h"] = sweep.best_duration_h
        document["project_years_valued"] = len(request.durations_h) * request.project.life_years
    else:
        case = invest_case(request.project, grid, capacity_market=cm, assumptions=notes, toll=toll)
        document = case_document(case, request, request.project, [])
    document["stacks_solved"] = grid.solves - reused[0]
    document["stacks_reused"] = reused[0]
    if reused[0]:
        document["assumptions"].append(
            f"{reused[0]} of the {grid.solves} stacks were read from the stack store, kept "
            "from an earlier run with the same battery, price year, data, reference files "
            "and code (jobs/stack_store.py)."
        )
    return document


def stacks_to_solve(request: InvestRequest, settings: Settings, state: str | None = None) -> int:
    """Most revenue stacks a case may still have to solve (0 with scenarios): price years
    used x the grid points the fade could reach at
    :data:`engine.invest.BOUND_CYCLES_PER_YEAR`, every size's on the sweep's shared grid,
    less those the stack store holds under ``state`` (default: taken now,
    :func:`jobs.stack_store.fingerprint`). Decided without reading any price: the server
    answers at once when this is small."""
    if request.scenarios:
        return 0
    sizes = tuple(request.power_mw * d for d in request.durations_h)
    labels = tuple(str(y) for y in request.price_years[: request.life_years])
    grid = RevenueGrid(_never, labels, max(sizes), request.grid_step_frac, sizes_mwh=sizes)
    nodes: set[int] = set()
    for energy in sizes:
        sized = dataclasses.replace(request.project, energy_mwh=energy)
        lowest = lowest_usable_frac(sized, BOUND_CYCLES_PER_YEAR) * energy
        nodes.update(grid.nodes_for(energy, lowest))
    energies = [grid.nodes_mwh[j] for j in sorted(nodes) if grid.nodes_mwh[j] >= MIN_ENERGY_MWH]
    if state is None:
        try:
            state = stack_store.fingerprint(settings)
        except GbessError:  # no usable warehouse: nothing is kept
            return len(labels) * len(energies)
    kept = {
        (y, e): stack_store.load(
            settings, stack_store.stack_key(state, _node_request(request, y, e))
        )
        for y in labels
        for e in energies
    }
    return sum(
        value is None or (grid.bounded(e) and value["upper_bound_gbp"] is None)
        for (_, e), value in kept.items()
    )


def _never(index: int, usable_mwh: float) -> YearRevenue:
    raise AssertionError("stacks_to_solve values nothing")  # pragma: no cover - never called


#: Margin on the most cycles a price year ran at nameplate when choosing the lower nodes to
#: solve up front (a faded battery cycles a little more per MWh of nameplate) [-].
_CYCLES_MARGIN = 1.25


def _revenue_grid(
    request: InvestRequest,
    years: Sequence[ReadYear],
    settings: Settings,
    progress: ProgressFn | None,
    pool: TaskPool,
    state: str,
    reused: list[int],
) -> RevenueGrid:
    """The revenue grid of the case (or of every size of the sweep, shared), with the nodes
    it will need solved up front on the ``pool``: first each size's nameplate
    and the node below it for every price year used, then the nodes down to the lowest usable
    energy the fade reaches at the cycles those nameplate years ran (x :data:`_CYCLES_MARGIN`).
    Any other node a case reaches is solved when first needed. A node the stack store
    (:mod:`jobs.stack_store`) holds under ``state`` is read, not solved, and counted in
    ``reused[0]``."""
    solved = [0]
    planned = [0]

    def report(done: int) -> None:
        solved[0] = done
        if progress is not None:
            progress(done, max(planned[0], done))

    def one(index: int, usable_mwh: float) -> YearRevenue:
        return batch([(index, usable_mwh)])[0]

    def batch(points: Sequence[tuple[int, float]]) -> list[YearRevenue]:
        values = [_kept_revenue(request, years[i].label, e, settings, state) for i, e in points]
        # Only a size's nameplate needs its ceiling (RevenueGrid.value); a kept stack
        # without one does not serve a point that needs it.
        bounded = [grid.bounded(e) for _, e in points]
        missing = [
            k
            for k, value in enumerate(values)
            if value is None or (bounded[k] and value.upper_bound_gbp is None)
        ]
        reused[0] += len(points) - len(missing)
        before = solved[0]
        planned[0] = before + len(missing)
        solves = pool.run(
            node_revenue,
            [
                (request, years[points[k][0]], points[k][1], settings, state, bounded[k])
                for k in missing
            ],
            lambda done, _total: report(before + done),
        )
        solved[0] = before + len(missing)
        for k, value in zip(missing, solves, strict=True):
            values[k] = value
        return [value for value in values if value is not None]

    sizes = tuple(request.power_mw * d for d in request.durations_h)
    grid = RevenueGrid(
        one,
        tuple(year.label for year in years),
        max(sizes),
        request.grid_step_frac,
        request.max_stacks,
        sizes_mwh=sizes,
        batch=batch,
    )
    used = range(min(len(years), request.life_years))
    tops = [grid.nodes_for(e, e * (1.0 - 1e-6)) for e in sizes]
    grid.presolve(used, sorted({j for nodes in tops for j in nodes}))
    deeper: set[int] = set()
    for energy, nodes in zip(sizes, tops, strict=True):
        cycles = max(grid.solved[(y, nodes[0])].discharged_mwh / energy for y in used)
        sized = dataclasses.replace(request.project, energy_mwh=energy)
        lowest = lowest_usable_frac(sized, _CYCLES_MARGIN * cycles) * energy
        deeper.update(grid.nodes_for(energy, lowest))
    missing = {(y, j) for y in used for j in deeper} - grid.solved.keys()
    if request.max_stacks is None or grid.solves + len(missing) <= request.max_stacks:
        grid.presolve(used, sorted(deeper))
    return grid


def _run_scenarios(
    request: InvestRequest,
    settings: Settings,
    cm: CapacityMarket | None,
    progress: ProgressFn | None,
    source: ScenarioSource,
    pool: TaskPool,
) -> dict[str, Any]:
    """Each of ``request.scenarios`` paths valued as one case (for each size of a sweep, on
    the same paths), in chunks on the ``pool``; NPV as a distribution. The
    answer's cashflow is the median path's (the path at the lower median of NPV) of the one
    size, or of the best size of a sweep (highest mean NPV)."""
    regime = Regime.parse(request.regime)
    sizes = [request.power_mw * d for d in request.durations_h]
    per_task = math.ceil(request.scenarios / (2 * max(pool.workers, 1)))
    chunks = [
        range(first, min(first + per_task, request.scenarios))
        for first in range(0, request.scenarios, per_task)
    ]
    # The site's DUoS on the scenario calendar's own dates and day types (a bad tariff or a
    # charging year without published rates fails here, before any path is valued).
    calendar = scenario_calendar(BOOTSTRAP_TARGET_YEAR)
    network = calendar_network(request.revenue, settings, calendar)
    # The held services' response energy (registration bm by default), priced on each
    # scenario's own drawn days, as the replayed years' stacks value it.
    response, response_notes = calendar_response(request.revenue, settings, calendar)
    tasks = [
        (request, settings, source, cm, energy, chunk, network, response)
        for energy in sizes
        for chunk in chunks
    ]
    total = request.scenarios * len(sizes)
    results = pool.run(path_cases, tasks, progress, units=total)
    by_size = [
        [case for chunk in results[i * len(chunks) : (i + 1) * len(chunks)] for case in chunk]
        for i in range(len(sizes))
    ]
    best = 0
    sweep = None
    if request.sweep:
        sweep = distribution_sweep(request.project, request.durations_h, by_size)
        best = int(np.flatnonzero(sweep.table["best"].to_numpy())[0])
    cases = by_size[best]
    project = dataclasses.replace(request.project, energy_mwh=sizes[best])
    npvs = [c.npv_gbp for c in cases]
    median = int(np.argsort(npvs, kind="stable")[(len(npvs) - 1) // 2])
    document = case_document(cases[median], request, project, [])
    document["label"] = FAST_POLICY_LABEL
    document["scenario_path_shown"] = median
    document["assumptions"].extend(response_notes)
    document["npv_distribution"] = {
        **npv_distribution(npvs),
        "regime": regime.label,
        "seed": request.seed,
        "npv_gbp_by_path": npvs,
        "irr_frac_by_path": [c.irr_frac for c in cases],
    }
    if sweep is not None:
        document["sweep"] = _records(sweep.table)
        document["best_duration_h"] = sweep.best_duration_h
        for row in document["sweep"]:
            row["lcos_gbp_per_mwh"] = None
    # The fast policy holds services most blocks and discharges little, so a cost per MWh
    # discharged would be a figure nobody should act on.
    document["lcos_gbp_per_mwh"] = None
    document["assumptions"].append(
        "LCOS not given for scenario paths: the fast policy holds services most blocks and "
        "discharges little, so a cost per MWh discharged would mislead; see the replayed case."
    )
    document["stacks_solved"] = sum(c.stacks_solved for size in by_size for c in size)
    document["project_years_valued"] = total * request.life_years
    return document


def path_cases(
    request: InvestRequest,
    settings: Settings,
    source: ScenarioSource,
    cm: CapacityMarket | None,
    energy_mwh: float,
    paths: Sequence[int],
    network: NetworkCharges | None = None,
    response: ScenarioResponse | None = None,
) -> list[InvestCase]:
    """The cases of some scenario paths for the request's battery at a nameplate energy,
    each year valued with the fast policy (a pool task: module-level, picklable
    arguments)."""
    regime = Regime.parse(request.regime)
    calendar = scenario_calendar(BOOTSTRAP_TARGET_YEAR)
    services = service_specs(
        reference_data(settings.data_dir).table("dynamic_response_parameters"),
        request.revenue.services,
    )
    # The fast policy sees the same wear hurdle as the forecast-mode stack would.
    project = dataclasses.replace(
        request.project,
        energy_mwh=energy_mwh,
        degradation_gbp_per_mwh=request.revenue.degradation_gbp_per_mwh,
    )
    toll = request.toll()
    notes = _scenario_notes(request, regime)
    cases = []
    for path in paths:
        scenarios = path_scenarios(source.plan, request.seed, path, request.life_years)
        valuer = fast_valuer(
            source.bank,
            calendar,
            scenarios,
            project,
            services,
            request.revenue.energy_markets,
            network=network,
            response=response,
        )
        labels = tuple(f"{s.label} (path {path})" for s in scenarios)
        revenue = PathRevenue(valuer, labels, FAST_POLICY_LABEL)
        cases.append(
            invest_case(project, revenue, capacity_market=cm, assumptions=notes, toll=toll)
        )
        count_units(1)
    return cases


def _scenario_notes(request: InvestRequest, regime: Regime) -> list[str]:
    return [
        f"Revenue: {request.scenarios} scenario paths of {request.life_years} independent "
        f"bootstrap scenario-years each (engine/risk/scenarios.py: seasonal block bootstrap of "
        f"real days of {regime.label}, each year anchored to one full regime year, on the "
        f"{BOOTSTRAP_TARGET_YEAR} calendar with {WARMUP_DAYS} warm-up days), seed "
        f"{request.seed}; prices taken as real (today's money), no trend or inflation added.",
        f"Each year valued with the {FAST_POLICY_LABEL}: it plans day-ahead on the naive "
        "forecasts with energy or services per EFA block, with no intraday re-optimisation "
        "and no cycle cap; the held services' response energy is valued as the stack values "
        f"it (registration {request.revenue.registration}). On whole replayed years it earns "
        "0.93-0.95 x the forecast mode (2 h, BM unit, response energy in both) and always "
        "less than the perfect-foresight upper bound (docs/risk.md). No upper bound is "
        "computed for scenario paths.",
        "The cashflow shown is the median path's (the lower median of NPV); P10/P50/P90 and "
        "the probability of NPV < 0 are over all paths, equally likely.",
        (
            "No network charges (no site given)."
            if request.distributor is None
            else f"The site's DUoS ({request.distributor}: import {request.import_tariff}, "
            f"export {request.export_tariff}) charged in the plan and in settlement on the "
            f"{BOOTSTRAP_TARGET_YEAR} calendar's own dates and day types (docs/risk.md)."
        ),
        *(
            [
                "Capacity Market indexed by the given index: in a real-terms case give a real "
                "index (a CPI-indexed agreement is flat in real terms)."
            ]
            if request.revenue.cm_cpi_index
            else []
        ),
    ]


def _input_notes(request: InvestRequest) -> list[str]:
    years = ", ".join(str(y) for y in request.price_years)
    return [
        f"Revenue: price years {years} replayed in turn over the {request.life_years}-year "
        "life, their prices taken as real (today's money), no trend or inflation added.",
        *(
            [
                "Capacity Market indexed by the given index: in a real-terms case give a real "
                "index (a CPI-indexed agreement is flat in real terms)."
            ]
            if request.revenue.cm_cpi_index
            else []
        ),
    ]


def case_document(
    case: InvestCase, request: InvestRequest, project: Project, notes: Sequence[str]
) -> dict[str, Any]:
    """The JSON answer of one case (keys are the glossary's names)."""
    mode = request.revenue.mode
    return {
        "label": UPPER_BOUND_LABEL if mode == "perfect_foresight" else "forecast",
        "mode": mode,
        "power_mw": project.power_mw,
        "energy_mwh": project.energy_mwh,
        "duration_h": project.energy_mwh / project.power_mw,
        "life_years": project.life_years,
        "start_year": project.start_year,
        "discount_rate_real_frac": project.discount_rate_real_frac,
        "capex_gbp": project.capex_gbp,
        "price_years": [] if request.scenarios else list(request.price_years),
        "npv_gbp": case.npv_gbp,
        "irr_frac": case.irr_frac,
        "payback_year": case.payback_year,
        "lcos_gbp_per_mwh": case.lcos_gbp_per_mwh,
        "upper_bound": {"label": case.upper_bound_label, "npv_gbp": case.upper_bound_npv_gbp},
        "cashflow": _records(case.cashflow),
        "stacks_solved": case.stacks_solved,
        "project_years_valued": project.life_years,
        "assumptions": [*notes, *case.assumptions],
    }


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as JSON-ready dicts: numpy → Python, NaN and "" → None."""
    out = []
    for row in frame.to_dict(orient="records"):
        clean: dict[str, Any] = {}
        for key, value in row.items():
            if isinstance(value, (np.bool_, bool)):
                clean[str(key)] = bool(value)
            elif isinstance(value, (np.integer, int)):
                clean[str(key)] = int(value)
            elif isinstance(value, (np.floating, float)):
                clean[str(key)] = None if not math.isfinite(float(value)) else float(value)
            else:
                clean[str(key)] = value if value != "" else None
        out.append(clean)
    return out


def latest_path(settings: Settings) -> Path:
    """Where the latest case is kept for the ``Investment`` tab."""
    return settings.var_dir / "invest" / "latest.json"


def save_latest(document: Mapping[str, Any], settings: Settings) -> None:
    """Keep the answer for the dashboard (written whole, then renamed: never half a file)."""
    path = latest_path(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(
        "w", encoding="utf-8", dir=path.parent, suffix=".part", delete=False
    ) as part:  # one file per writer: threads and workers never share a part file
        part.write(json.dumps(document, allow_nan=False, default=str))
    Path(part.name).replace(path)


def load_latest(settings: Settings) -> dict[str, Any] | None:
    """The latest case kept by :func:`run_invest`, or None when none was run."""
    path = latest_path(settings)
    if not path.exists():
        return None
    loaded: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return loaded
