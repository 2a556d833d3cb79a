"""How bad can it get (``gbess risk``, ``POST /v1/bess/risk``): scenario-years of the shipped
history valued with the fast day-ahead policy, sharded like Cloud Run Jobs tasks.

A run is cut into shards (``CLOUD_RUN_TASK_INDEX`` of ``CLOUD_RUN_TASK_COUNT`` on Cloud Run,
a process pool locally); scenario ``i`` belongs to shard ``i mod count``. Each shard values
its scenarios under each strategy and upserts them, a chunk at a time, into the warehouse
table ``risk_scenarios`` keyed by ``(run_id, strategy, scenario_id)``: a shard killed
mid-way and run again rewrites the same keys (no duplicate), and the merge refuses a run
with any scenario missing (no gap). Only the merge writes ``status = 'complete'`` (with the
figures) to ``risk_runs``; a failed run is marked ``failed`` and is never read as complete.

Scenario draws depend only on ``(seed, scenario_id)``, so 1 shard and N shards give the same
rows, and the merge (which reads them in scenario order) the same figures to the bit.

A site (``distributor``, ``import_tariff``, ``export_tariff``: the revenue use case's fields,
parsed and resolved by :mod:`jobs.revenue`) adds its DUoS unit charges and generation credits
(:class:`engine.revenue.NetworkCharges`), laid on each scenario calendar's own half-hours
(:func:`calendar_network`), to the plan and the settlement of every scenario-year.

Response energy (issue 20; ``registration``: ``bm`` by default, ``non_bm``, or ``none`` =
not modelled, parsed as :class:`jobs.revenue.RevenueRequest` parses it) is valued in every
scenario-year as the revenue stack values it (:mod:`engine.risk.response`): the expected
utilisation of each held service (:func:`engine.response.expected_response_energy`; the
drawn days' measured frequency is not used) priced on the scenario's own drawn days' system
prices, with ABSVD by the target calendar's date (:func:`calendar_response`).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import json
import os
import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from engine.battery import BatterySpec
from engine.errors import DataMissingError, GbessError, ValidationError
from engine.reference import reference_data
from engine.response import parse_registration, response_envelopes
from engine.revenue import (
    DYNAMIC_SERVICES,
    ENERGY_MARKETS,
    NetworkCharges,
    ServiceSpec,
    service_specs,
)
from engine.risk import (
    BOOTSTRAP_TARGET_YEAR,
    DEFAULT_CONFIDENCE,
    FAST_POLICY_LABEL,
    BootstrapPlan,
    DayBank,
    Regime,
    Scenario,
    ScenarioCalendar,
    ScenarioResponse,
    bootstrap,
    bootstrap_plan,
    calendar_index,
    check_confidence,
    check_threshold,
    day_bank,
    max_drawdown,
    mean_cvar_frontier,
    replay,
    replay_years,
    risk_figures,
    scenario_calendar,
    scenario_response,
    soc_grid,
    tail_attribution,
    value_scenario,
)
from jobs.background import ProgressFn
from jobs.pool import TaskPool, count_units
from jobs.response import expected_energy_by_service
from jobs.revenue import (
    DEFAULT_DEGRADATION_GBP_PER_MWH,
    DEFAULT_ROUND_TRIP_FRAC,
    RESPONSE_NOT_MODELLED,
    RevenueRequest,
    read_span,
    site_network_charges,
)
from jobs.settings import Settings
from jobs.warehouse import open_warehouse

#: Most bootstrap scenarios one run may ask for.
MAX_SCENARIOS = 10_000
#: Most shards one run may be cut into (Cloud Run Jobs allows up to 10,000 tasks).
MAX_SHARDS = 1_000
#: Scenarios valued between two warehouse writes of a shard.
CHUNK_SCENARIOS = 50
#: Strategies the frontier splits MW between (``merchant`` needs an energy market).
STRATEGIES = ("stack", "merchant")
MONTHS = tuple(f"net_m{m:02d}_gbp" for m in range(1, 13))


@dataclass(frozen=True)
class RiskRequest:
    """One battery and the scenario set to value, validated on creation.

    Attributes:
        power_mw: Charge and discharge power [MW].
        energy_mwh: Nameplate energy [MWh].
        round_trip_efficiency_frac: Round trip [0-1].
        degradation_gbp_per_mwh: Wear cost per MWh discharged [£/MWh].
        services: Service codes the battery may hold.
        energy_markets: Energy markets it may trade (``apx``, ``system``).
        regime: Years the bootstrap draws days from, ``YYYY-YYYY``.
        scenarios: Bootstrap scenario-years (0 .. :data:`MAX_SCENARIOS`).
        replay: Also value each fully held historical year of the regime as it happened.
        block_days: Days per bootstrap block (1 = days, 7 = weeks).
        year_anchor: Anchor each bootstrap scenario to one full regime year (see
            :func:`engine.risk.bootstrap`); False pools the days of all years.
        merchant: Also value every scenario with energy markets only, for the frontier's
            services/merchant split (doubles the work).
        seed: Seed of the bootstrap.
        confidence: Confidence levels of VaR/CVaR, each in (0, 1).
        threshold_gbp: Annual revenue the user must clear (e.g. debt service), or None [£].
        toll_price_gbp_per_mw_per_year: Fixed price of a toll for the frontier, or None
            (the frontier then splits MW between the strategies only) [£/MW/yr].
        frontier_confidence: CVaR confidence of the frontier, in (0, 1).
        plan_margin_gbp_per_mwh: Forecast-error margin a planned cycle must beat [£/MWh].
        distributor: The site's distribution licence area (id 10-23 or GSP group), for
            network charges; None = no site (as :class:`jobs.revenue.RevenueRequest`).
        import_tariff: The site's DUoS demand tariff name or LLFC (with ``distributor``).
        export_tariff: The site's DUoS generation tariff name or LLFC (with ``distributor``).
        registration: Who owns the response energy of held DC/DM/DR (issue 20): ``bm``
            (default; ABSVD corrects it out of imbalance), ``non_bm`` (settled at the
            imbalance price until ABSVD covers non-BM units, by the target calendar's date) or
            ``none`` (not modelled: each held MW is paid its clearing price only); the
            revenue use case's field and parsing.
        revenue: The revenue request these fields make (derived; it validates them and is
            what :func:`calendar_network` resolves the tariffs from).
    """

    power_mw: float = 1.0
    energy_mwh: float = 2.0
    round_trip_efficiency_frac: float = DEFAULT_ROUND_TRIP_FRAC
    degradation_gbp_per_mwh: float = DEFAULT_DEGRADATION_GBP_PER_MWH
    services: tuple[str, ...] = DYNAMIC_SERVICES
    energy_markets: tuple[str, ...] = ENERGY_MARKETS
    regime: str = "2024-2026"
    scenarios: int = 200
    replay: bool = True
    block_days: int = 1
    year_anchor: bool = True
    merchant: bool = True
    seed: int = 1
    confidence: tuple[float, ...] = DEFAULT_CONFIDENCE
    threshold_gbp: float | None = None
    toll_price_gbp_per_mw_per_year: float | None = None
    frontier_confidence: float = 0.95
    plan_margin_gbp_per_mwh: float = 5.0
    distributor: str | None = None
    import_tariff: str | None = None
    export_tariff: str | None = None
    registration: str = "bm"
    battery: BatterySpec = field(init=False, repr=False, compare=False)
    revenue: RevenueRequest = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        revenue = RevenueRequest(
            dt.date(2025, 1, 1),
            dt.date(2025, 12, 31),
            float(self.power_mw),
            float(self.energy_mwh),
            round_trip_efficiency_frac=float(self.round_trip_efficiency_frac),
            services=_names(self.services),
            energy_markets=_names(self.energy_markets),
            degradation_gbp_per_mwh=float(self.degradation_gbp_per_mwh),
            distributor=None if self.distributor is None else str(self.distributor),
            import_tariff=self.import_tariff,
            export_tariff=self.export_tariff,
            registration=self.registration,
        )
        put = functools.partial(object.__setattr__, self)
        put("battery", revenue.battery)
        put("revenue", revenue)
        put("distributor", revenue.distributor)
        put("services", revenue.services)
        put("energy_markets", revenue.energy_markets)
        put("registration", revenue.registration)
        put("regime", Regime.parse(self.regime).label)
        count = _integer(self.scenarios, "scenarios")
        if not 0 <= count <= MAX_SCENARIOS:
            raise ValidationError(
                f"scenarios: must lie in 0..{MAX_SCENARIOS}, got {self.scenarios!r}",
                field="scenarios",
            )
        put("scenarios", count)
        if count == 0 and not self.replay:
            raise ValidationError(
                "scenarios: 0 bootstrap scenarios and no replay leaves nothing to value",
                field="scenarios",
            )
        put("block_days", _integer(self.block_days, "block_days"))
        if not 1 <= self.block_days <= 14:
            raise ValidationError(
                f"block_days: must lie in 1..14, got {self.block_days}", field="block_days"
            )
        put("seed", _integer(self.seed, "seed"))
        if self.seed < 0:
            raise ValidationError("seed: must be ≥ 0", field="seed")
        if not self.confidence:
            raise ValidationError("confidence: give at least one level", field="confidence")
        put("confidence", tuple(check_confidence(a) for a in self.confidence))
        check_confidence(self.frontier_confidence, "frontier_confidence")
        if self.threshold_gbp is not None:
            put("threshold_gbp", check_threshold(self.threshold_gbp, "threshold_gbp"))
        if self.toll_price_gbp_per_mw_per_year is not None:
            put(
                "toll_price_gbp_per_mw_per_year",
                check_threshold(
                    self.toll_price_gbp_per_mw_per_year, "toll_price_gbp_per_mw_per_year"
                ),
            )
        check_threshold(self.plan_margin_gbp_per_mwh, "plan_margin_gbp_per_mwh")

    def to_json(self) -> dict[str, Any]:
        """The request's fields (not the derived battery), JSON-ready."""
        return {
            f.name: list(v) if isinstance(v := getattr(self, f.name), tuple) else v
            for f in dataclasses.fields(self)
            if f.init
        }

    @classmethod
    def from_json(cls, document: Mapping[str, Any]) -> RiskRequest:
        """Rebuild a request written by :meth:`to_json`."""
        names = {f.name for f in dataclasses.fields(cls) if f.init}
        values: dict[str, Any] = {
            k: tuple(v) if isinstance(v, list) else v for k, v in document.items()
        }
        return cls(**{k: v for k, v in values.items() if k in names})

    @property
    def site(self) -> dict[str, str] | None:
        """The site's distributor and tariffs, or None without one."""
        if self.distributor is None:
            return None
        return {
            "distributor": str(self.distributor),
            "import_tariff": str(self.import_tariff),
            "export_tariff": str(self.export_tariff),
        }

    @property
    def strategies(self) -> tuple[str, ...]:
        """Strategies valued (``merchant`` only when an energy market and a service exist)."""
        if self.merchant and self.energy_markets and self.services:
            return STRATEGIES
        return ("stack",)


def _names(value: str | Sequence[str]) -> tuple[str, ...]:
    """``"DCL,DCH"`` or a sequence → names ('' = none)."""
    if isinstance(value, str):
        return tuple(part.strip() for part in value.split(",") if part.strip())
    return tuple(value)


def _integer(value: Any, name: str) -> int:
    if isinstance(value, bool):
        raise ValidationError(f"{name}: expected a whole number, got {value!r}", field=name)
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValidationError(
            f"{name}: expected a whole number, got {value!r}", field=name
        ) from None
    if not np.isfinite(number) or number != int(number):
        raise ValidationError(f"{name}: expected a whole number, got {value!r}", field=name)
    return int(number)


def check_shard(index: int, count: int) -> tuple[int, int]:
    """A shard index inside its count.

    Raises:
        ValidationError: A count outside 1..MAX_SHARDS (field ``shard_count``) or an index
            outside 0..count-1 (field ``shard_index``).
    """
    count = _integer(count, "shard_count")
    index = _integer(index, "shard_index")
    if not 1 <= count <= MAX_SHARDS:
        raise ValidationError(
            f"shard_count: must lie in 1..{MAX_SHARDS}, got {count}", field="shard_count"
        )
    if not 0 <= index < count:
        raise ValidationError(
            f"shard_index: must lie in 0..{count - 1} for {count} shards, got {index}",
            field="shard_index",
        )
    return index, count


# --- the scenario set -----------------------------------------------------------------


@dataclass(frozen=True)
class ScenarioSet:
    """The scenarios of a request over the warehouse's history."""

    bank: DayBank
    replays: tuple[int, ...]
    plan: BootstrapPlan | None
    seed: int
    total: int
    year_anchor: bool = True

    def scenario(self, scenario_id: int) -> Scenario:
        """Scenario ``scenario_id`` (replays first, then bootstrap draws)."""
        if scenario_id < len(self.replays):
            return replay(self.bank, self.replays[scenario_id], scenario_id)
        if self.plan is None:
            raise ValidationError(
                f"scenario_id: {scenario_id} is not in the run", field="scenario_id"
            )
        return bootstrap(self.plan, self.seed, scenario_id, self.year_anchor)


def read_bank(settings: Settings, regime: Regime) -> DayBank:
    """The day bank of the regime (and the month before it) from the warehouse.

    Raises:
        DataMissingError: The warehouse holds no complete day in the regime.
    """
    first = dt.date(regime.first_year - 1, 12, 1)
    last = dt.date(regime.last_year, 12, 31)
    data, _ = read_span(settings, first, last)
    return day_bank(data)


def scenario_set(request: RiskRequest, bank: DayBank) -> ScenarioSet:
    """Replays (when asked and held) and the bootstrap plan of a request.

    Raises:
        DataMissingError: Too little history for the regime, saying what exists.
    """
    regime = Regime.parse(request.regime)
    replays = tuple(replay_years(bank, regime)) if request.replay else ()
    plan = bootstrap_plan(bank, regime, request.block_days) if request.scenarios else None
    total = len(replays) + request.scenarios
    if total == 0:
        raise DataMissingError(
            f"regime: {regime.label} has no fully held year to replay and no bootstrap was "
            "asked for",
            field="regime",
        )
    return ScenarioSet(bank, replays, plan, request.seed, total, request.year_anchor)


def calendar_network(
    revenue: RevenueRequest, settings: Settings, calendar: ScenarioCalendar
) -> NetworkCharges | None:
    """The site's DUoS charges on a scenario calendar's year (its own dates, day types and
    charging years; never the drawn days'), resolved as the revenue use case resolves them.

    Args:
        revenue: A revenue request carrying ``distributor``, ``import_tariff`` and
            ``export_tariff`` (None without a site).
        settings: Where the reference data is.
        calendar: The calendar (:func:`engine.risk.scenario_calendar`).

    Raises:
        ValidationError: An unknown distributor or tariff, or a tariff of the wrong direction
            (field ``import_tariff`` / ``export_tariff``, the revenue use case's own errors).
        DataMissingError: No published rates for a charging year the calendar touches.
    """
    return site_network_charges(revenue, settings, calendar.interval_start)


#: Assumption when ``registration`` is ``none``.
RESPONSE_LEFT_OUT_NOTE = (
    "Response energy not modelled (registration none): each held MW is paid its clearing "
    "price only, its delivered energy taken as free, so the figures sit above the revenue "
    "stack's headline (which values it by default)."
)


def calendar_response(
    revenue: RevenueRequest, settings: Settings, calendar: ScenarioCalendar
) -> tuple[ScenarioResponse | None, list[str]]:
    """The response energy of the held services on a scenario calendar (issue 20), to be
    priced on each scenario's own drawn days (:func:`engine.risk.value_scenario`'s
    ``response``), and what it assumed; None with ``registration = none`` or no service.

    Energy per service is the engine's expected utilisation (DR: the 2022 study's figure; DC,
    DM: the frequency-distribution estimate), as :func:`jobs.response.response_value_table`
    uses when measured frequency is not held; a service with neither is left out and named.
    Resale 3 settlement periods later at 92.5 % efficiency, at the system price.

    Args:
        revenue: A revenue request carrying ``services`` and ``registration``.
        settings: Where the reference data is.
        calendar: The calendar (:func:`engine.risk.scenario_calendar`).
    """
    if revenue.registration == RESPONSE_NOT_MODELLED or not revenue.services:
        return None, [RESPONSE_LEFT_OUT_NOTE]
    envelopes = response_envelopes(
        reference_data(settings.data_dir).table("dynamic_response_parameters")
    )
    index = calendar_index(calendar)
    energy, notes = expected_energy_by_service(revenue.services, index, envelopes)
    registration = parse_registration(revenue.registration)
    response = scenario_response(
        calendar, pd.DataFrame(energy, index=index), registration, notes=tuple(notes)
    )
    drift = ", ".join(f"{k} {v:.3f} h" for k, v in response.drift_h.items())
    return response, [
        f"Response energy (issue 20, registration {registration}): each held service's "
        "expected response energy is valued per MW per EFA block at the scenario's own drawn "
        "days' system price (resold or replaced 3 periods later at 92.5 % efficiency; settled "
        "at the imbalance price unless ABSVD applies, by the target calendar's date), added "
        "to the clearing price the plan sees (previous EFA day's clearing price + response "
        "value) and settled as response_energy_<service>; its expected drift is reserved in "
        f"the state of charge ({drift}).",
        *notes,
    ]


def scenario_responses(
    request: RiskRequest,
    settings: Settings,
    calendars: Mapping[int, tuple[ScenarioCalendar, NetworkCharges | None]],
) -> dict[int, ScenarioResponse | None]:
    """The response terms of every calendar of a run (:func:`calendar_response`)."""
    return {
        year: calendar_response(request.revenue, settings, calendar)[0]
        for year, (calendar, _) in calendars.items()
    }


def scenario_calendars(
    request: RiskRequest, settings: Settings, chosen: ScenarioSet
) -> dict[int, tuple[ScenarioCalendar, NetworkCharges | None]]:
    """The calendar of every year the scenario set values, with the site's charges on it
    (built before anything is written, so a bad tariff leaves nothing half-done).

    Raises:
        ValidationError: As :func:`calendar_network`, or (field ``regime``) a replayed year
            in a charging year the site's tariffs do not publish.
    """
    years = sorted({*chosen.replays, *([BOOTSTRAP_TARGET_YEAR] if chosen.plan else [])})
    out = {}
    for year in years:
        calendar = scenario_calendar(year)
        try:
            network = calendar_network(request.revenue, settings, calendar)
        except ValidationError as error:
            if error.field != "interval_start":
                raise
            # The period is the regime's here: a replayed year the tariffs do not cover.
            detail = str(error.detail).removeprefix("interval_start: ")
            raise ValidationError(
                f"regime: the site's DUoS is not published for all of {year} ({detail}); "
                "choose a later regime or leave the replays out",
                field="regime",
            ) from None
        out[year] = (calendar, network)
    return out


def check_site(request: RiskRequest, settings: Settings) -> None:
    """Resolve the request's site (if any) on the bootstrap calendar, so an unknown
    distributor or tariff is refused before a run starts.

    Raises:
        ValidationError, DataMissingError: As :func:`calendar_network`.
    """
    if request.site is not None:
        calendar_network(request.revenue, settings, scenario_calendar(BOOTSTRAP_TARGET_YEAR))


# --- shards ----------------------------------------------------------------------------


def register_run(
    settings: Settings, run_id: str, request: RiskRequest, total: int, shard_count: int
) -> None:
    """Record the run as ``running`` unless it is already recorded with the same request.

    Raises:
        ValidationError: The run id is already used by a different request.
    """
    body = json.dumps(request.to_json(), sort_keys=True)
    with open_warehouse(settings) as warehouse, warehouse.writing():
        held = _run_row(warehouse, run_id)
        if held is not None:
            if held["request_json"] != body:
                raise ValidationError(
                    f"run_id: {run_id!r} is already used by another request", field="run_id"
                )
            return
        warehouse.load(
            "risk_runs",
            pd.DataFrame(
                [
                    {
                        "run_id": run_id,
                        "status": "running",
                        "request_json": body,
                        "scenario_count": total,
                        "shard_count": shard_count,
                        "started_at": pd.Timestamp.now(tz="UTC"),
                    }
                ]
            ),
        )


def _run_row(warehouse: Any, run_id: str) -> dict[str, Any] | None:
    frame = warehouse.run_sql("SELECT * FROM risk_runs WHERE run_id = @run_id", run_id=run_id)
    if frame.empty:
        return None
    return {k: (None if _missing(v) else v) for k, v in frame.iloc[0].to_dict().items()}


def _registered_run(warehouse: Any, run_id: str) -> dict[str, Any]:
    """The run's row.

    Raises:
        DataMissingError: No such run (field ``run_id``).
    """
    held = _run_row(warehouse, run_id)
    if held is None:
        raise DataMissingError(f"run_id: no run {run_id!r}", field="run_id")
    return held


def _missing(value: Any) -> bool:
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def run_shard(
    request: RiskRequest,
    settings: Settings,
    run_id: str,
    shard_index: int,
    shard_count: int,
    *,
    progress: ProgressFn | None = None,
    bank: DayBank | None = None,
) -> int:
    """Value shard ``shard_index`` of ``shard_count`` of the run and write it, chunk by chunk.

    Args:
        request: The request (the same for every shard of the run).
        settings: Where the warehouse is.
        run_id: The run's identifier (the same for every shard).
        shard_index: This shard, 0-based (``CLOUD_RUN_TASK_INDEX``).
        shard_count: Shards of the run (``CLOUD_RUN_TASK_COUNT``).
        progress: Called with (scenarios done, scenarios of the shard) after each chunk.
        bank: The day bank, if already read (else read from the warehouse).

    Returns:
        Scenarios this shard wrote.

    Raises:
        ValidationError: A shard index outside its count, or a run id used by another request.
        DataMissingError: Too little history for the regime.
    """
    shard_index, shard_count = check_shard(shard_index, shard_count)
    run_id = check_run_id(run_id)
    bank = bank if bank is not None else read_bank(settings, Regime.parse(request.regime))
    chosen = scenario_set(request, bank)
    calendars = scenario_calendars(request, settings, chosen)
    responses = scenario_responses(request, settings, calendars)
    register_run(settings, run_id, request, chosen.total, shard_count)
    ids = list(range(shard_index, chosen.total, shard_count))
    specs = service_specs(
        reference_data(settings.data_dir).table("dynamic_response_parameters"), request.services
    )
    strategies = _strategy_specs(request, specs)
    grid = soc_grid(request.battery)
    done = 0
    for start in range(0, len(ids), CHUNK_SCENARIOS):
        rows = []
        for scenario_id in ids[start : start + CHUNK_SCENARIOS]:
            scenario = chosen.scenario(scenario_id)
            calendar, network = calendars[scenario.year]
            for name, (services, markets) in strategies.items():
                value = value_scenario(
                    bank,
                    calendar,
                    scenario,
                    request.battery,
                    services,
                    markets,
                    request.plan_margin_gbp_per_mwh,
                    grid,
                    network,
                    responses[scenario.year],
                )
                rows.append(
                    {
                        "run_id": run_id,
                        "strategy": name,
                        "scenario_id": scenario_id,
                        "shard_index": shard_index,
                        "kind": scenario.kind,
                        "year": scenario.year,
                        "net_gbp": value.net_gbp,
                        "streams_gbp_json": json.dumps(value.streams_gbp, sort_keys=True),
                        **dict(zip(MONTHS, value.monthly_net_gbp.tolist(), strict=True)),
                        "max_drawdown_gbp": max_drawdown(value.daily_net_gbp),
                        "worst_day_gbp": float(value.daily_net_gbp.min()),
                        "discharged_mwh": value.discharged_mwh,
                    }
                )
        with open_warehouse(settings) as warehouse:
            warehouse.load("risk_scenarios", pd.DataFrame(rows))
        done += len(ids[start : start + CHUNK_SCENARIOS])
        if progress is not None:
            progress(done, len(ids))
    return len(ids)


def check_run_id(run_id: str) -> str:
    """A run id of 1-64 letters, digits, ``-`` or ``_``.

    Raises:
        ValidationError: Otherwise (field ``run_id``).
    """
    text = str(run_id)
    if not 1 <= len(text) <= 64 or not all(c.isalnum() or c in "-_" for c in text):
        raise ValidationError(
            f"run_id: 1-64 letters, digits, '-' or '_', got {run_id!r}", field="run_id"
        )
    return text


def _strategy_specs(
    request: RiskRequest, specs: tuple[ServiceSpec, ...]
) -> dict[str, tuple[tuple[ServiceSpec, ...], tuple[str, ...]]]:
    out = {"stack": (specs, request.energy_markets)}
    if "merchant" in request.strategies:
        out["merchant"] = ((), request.energy_markets)
    return out


# --- merge -------------------------------------------------------------------------------


def registered_request(settings: Settings, run_id: str) -> RiskRequest:
    """The request a run was registered with (what a merge or status needs).

    Raises:
        DataMissingError: No such run.
    """
    run_id = check_run_id(run_id)
    with open_warehouse(settings) as warehouse:
        held = _registered_run(warehouse, run_id)
    return RiskRequest.from_json(json.loads(held["request_json"]))


def merge_run(request: RiskRequest, settings: Settings, run_id: str) -> dict[str, Any]:
    """Check every scenario of the run is written, compute the figures, mark it complete.

    Raises:
        DataMissingError: The run is unknown, or some scenario of some strategy is missing
            (a shard has not finished): the run stays ``running``.
    """
    run_id = check_run_id(run_id)
    started = time.perf_counter()
    with open_warehouse(settings) as warehouse:
        held = _registered_run(warehouse, run_id)
        rows = warehouse.run_sql(
            "SELECT * FROM risk_scenarios WHERE run_id = @run_id ORDER BY strategy, scenario_id",
            run_id=run_id,
        )
    total = int(held["scenario_count"])
    for strategy in request.strategies:
        ids = rows.loc[rows["strategy"] == strategy, "scenario_id"].to_numpy()
        missing = sorted(set(range(total)) - {int(i) for i in ids})
        if missing or ids.size != total:
            raise DataMissingError(
                f"run_id: {run_id} is not complete: {strategy} has {ids.size} of {total} "
                f"scenarios (first missing: {missing[:5]}); run the missing shards again",
                field="run_id",
            )
    # What the shards assumed, stated on the bootstrap calendar (its means).
    calendar = scenario_calendar(BOOTSTRAP_TARGET_YEAR)
    network = (
        calendar_network(request.revenue, settings, calendar) if request.site is not None else None
    )
    notes = () if network is None else (network.note(),)
    _, response_notes = calendar_response(request.revenue, settings, calendar)
    document = risk_document(request, rows, run_id, notes, response_notes)
    document["merge_seconds"] = time.perf_counter() - started
    with open_warehouse(settings) as warehouse:
        warehouse.load(
            "risk_runs",
            pd.DataFrame(
                [
                    {
                        **{k: v for k, v in held.items() if k in {"request_json", "started_at"}},
                        "run_id": run_id,
                        "status": "complete",
                        "scenario_count": total,
                        "shard_count": held["shard_count"],
                        "finished_at": pd.Timestamp.now(tz="UTC"),
                        "result_json": json.dumps(document),
                    }
                ]
            ),
        )
    return document


def mark_failed(settings: Settings, run_id: str, detail: str) -> None:
    """Record the run as ``failed`` (its rows stay; it is never read as complete)."""
    with open_warehouse(settings) as warehouse, warehouse.writing():
        held = _run_row(warehouse, run_id) or {"run_id": run_id}
        if held.get("status") == "complete":
            return
        held.update(status="failed", finished_at=pd.Timestamp.now(tz="UTC"), detail=detail)
        warehouse.load("risk_runs", pd.DataFrame([held]))


def run_status(settings: Settings, run_id: str) -> dict[str, Any]:
    """A run's state; the figures only when it is ``complete``.

    Raises:
        DataMissingError: No such run.
    """
    run_id = check_run_id(run_id)
    with open_warehouse(settings) as warehouse:
        held = _registered_run(warehouse, run_id)
        written = warehouse.run_sql(
            "SELECT COUNT(DISTINCT scenario_id) AS n FROM risk_scenarios WHERE run_id = @run_id",
            run_id=run_id,
        )
    out = {
        "run_id": run_id,
        "status": held["status"],
        "scenario_count": int(held["scenario_count"] or 0),
        "scenarios_written": int(written["n"].iloc[0]),
        "detail": held.get("detail"),
    }
    if held["status"] == "complete" and held.get("result_json"):
        out["result"] = json.loads(held["result_json"])
    return out


def risk_document(
    request: RiskRequest,
    rows: pd.DataFrame,
    run_id: str,
    network_notes: Sequence[str] = (),
    response_notes: Sequence[str] = (),
) -> dict[str, Any]:
    """The figures of a complete run from its scenario rows (scenario order);
    ``network_notes`` state the site's charges (:meth:`engine.revenue.NetworkCharges.note`),
    ``response_notes`` the response energy (:func:`calendar_response`)."""
    stack = rows[rows["strategy"] == "stack"].sort_values("scenario_id")
    net = stack["net_gbp"].to_numpy(dtype=float)
    monthly = stack[list(MONTHS)].to_numpy(dtype=float)
    streams = pd.DataFrame([json.loads(s) for s in stack["streams_gbp_json"]]).fillna(0.0)
    figures = risk_figures(net, request.confidence, request.threshold_gbp)
    drawdown = stack["max_drawdown_gbp"].to_numpy(dtype=float)
    power = float(request.power_mw)
    outcomes = np.column_stack(
        [
            rows[rows["strategy"] == name].sort_values("scenario_id")["net_gbp"].to_numpy(float)
            for name in request.strategies
        ]
    )
    toll = request.toll_price_gbp_per_mw_per_year
    points = mean_cvar_frontier(
        outcomes,
        request.strategies,
        None if toll is None else toll * power,
        request.frontier_confidence,
    )
    counts, edges = np.histogram(net, bins=min(20, max(5, net.size // 10)))
    replays = stack[stack["kind"] == "replay"]
    return {
        "run_id": run_id,
        "label": FAST_POLICY_LABEL,
        "battery": {
            "power_mw": power,
            "energy_mwh": float(request.energy_mwh),
            "round_trip_efficiency": float(request.round_trip_efficiency_frac),
            "degradation_gbp_per_mwh": float(request.degradation_gbp_per_mwh),
            "services": list(request.services),
            "energy_markets": list(request.energy_markets),
        },
        "site": request.site,
        "registration": request.registration,
        "regime": request.regime,
        "scenarios": {
            "total": int(net.size),
            "replayed_years": [int(y) for y in replays["year"]],
            "bootstrap": request.scenarios,
            "block_days": request.block_days,
            "year_anchor": request.year_anchor,
            "seed": request.seed,
        },
        "annual": figures,
        "gbp_per_mw_per_year": {
            key: float(figures[key]) / power  # type: ignore[arg-type]  # floats by construction
            for key in ("mean_gbp", "p10_gbp", "p50_gbp", "p90_gbp")
        },
        "replays": [
            {"year": int(y), "net_gbp": float(v)}
            for y, v in zip(replays["year"], replays["net_gbp"], strict=True)
        ],
        "drawdown": {
            "mean_gbp": float(drawdown.mean()),
            "p90_gbp": float(np.percentile(drawdown, 90)),
            "max_gbp": float(drawdown.max()),
            "worst_day_gbp": float(stack["worst_day_gbp"].min()),
        },
        "monthly_fan": [
            {
                "month": m + 1,
                "p10_gbp": float(np.percentile(monthly[:, m], 10)),
                "p50_gbp": float(np.percentile(monthly[:, m], 50)),
                "p90_gbp": float(np.percentile(monthly[:, m], 90)),
                "mean_gbp": float(monthly[:, m].mean()),
            }
            for m in range(12)
        ],
        "distribution": {
            "edges_gbp": [float(e) for e in edges],
            "counts": [int(c) for c in counts],
        },
        "tail_attribution": {
            "tail_frac": 0.10,
            "streams": tail_attribution(net, streams.to_numpy(float), list(streams.columns)),
            "months": tail_attribution(
                net, monthly, [pd.Timestamp(2025, m, 1).strftime("%b") for m in range(1, 13)]
            ),
        },
        "frontier": {
            "confidence": request.frontier_confidence,
            "toll_price_gbp_per_mw_per_year": toll,
            "strategies": list(request.strategies),
            "points": [dataclasses.asdict(p) for p in points],
        },
        "assumptions": [
            soc_grid(request.battery).note(),
            "Scenarios: each fully held year of the regime replayed as it happened, then "
            f"{request.scenarios} seasonal block bootstraps of {request.block_days}-day blocks "
            f"of real days of {request.regime} (all markets of a day drawn together; ±21 days "
            "of season, same clock-change and weekday pattern"
            + ("; each scenario anchored to one full year" if request.year_anchor else "")
            + f"), seed {request.seed}; no price that was not published.",
            "VaR/CVaR: Rockafellar-Uryasev on the revenue shortfall, reported as revenue "
            "levels; CVaR = mean of the worst (1 − confidence) of scenarios.",
            "Frontier: MW split once for the year between a fixed-price toll (if priced) and "
            "the strategies stack (energy + services) and merchant (energy only); maximises "
            "mean + λ·CVaR (HiGHS LP).",
            *response_notes,
            *(
                [
                    *network_notes,
                    f"Site DUoS (distributor {request.distributor}): charged in the D-1 plan "
                    "and settled as duos_import / duos_generation_credit, by the band and "
                    "charging year of each scenario's target-calendar date and time (weekday "
                    "incl. bank holidays vs weekend, UK clock), never the drawn day's (the "
                    f"means above are over the {BOOTSTRAP_TARGET_YEAR} calendar).",
                    "Each scenario-year starts empty; no Capacity Market or cycle cap.",
                ]
                if request.site is not None
                else [
                    "Each scenario-year starts empty; no Capacity Market, network charges or "
                    "cycle cap."
                ]
            ),
        ],
    }


# --- the local run (a process pool running the same shards) ---------------------------


def run_risk(
    request: RiskRequest,
    settings: Settings,
    *,
    workers: int = 2,
    shards: int | None = None,
    run_id: str | None = None,
    progress: ProgressFn | None = None,
) -> dict[str, Any]:
    """Run every shard (in a process pool when ``workers`` > 1) and merge.

    Args:
        request: The request.
        settings: Where the warehouse is.
        workers: Processes (1 = in this process).
        shards: Shards (default ``workers``).
        run_id: The run's id (default a new one).
        progress: Called with (scenarios done, scenarios in all) as chunks finish.

    Raises:
        ValidationError, DataMissingError: Bad input or too little history (the run, if
            registered, is marked failed).
    """
    started = time.perf_counter()
    workers = max(1, min(int(workers), os.cpu_count() or 1, 32))
    count = shards or workers
    check_shard(0, count)
    run_id = check_run_id(run_id or uuid.uuid4().hex)
    bank = read_bank(settings, Regime.parse(request.regime))
    chosen = scenario_set(request, bank)
    scenario_calendars(request, settings, chosen)  # a bad site is refused before any write
    total = chosen.total
    try:
        if min(workers, count) > 1:
            # Registered here first, so the shards never race to create the run row.
            register_run(settings, run_id, request, total, count)
        with TaskPool(min(workers, count)) as pool:
            pool.run(
                _shard_task,
                [(request.to_json(), settings, run_id, i, count, bank) for i in range(count)],
                progress,
                units=total,
            )
        document = merge_run(request, settings, run_id)
    except GbessError as error:
        mark_failed(settings, run_id, error.detail)
        raise
    except Exception as error:
        mark_failed(settings, run_id, f"{type(error).__name__}: {error}")
        raise
    document["seconds"] = time.perf_counter() - started
    return document


def _count(n: int, state: list[int]) -> None:
    """A shard's progress (n scenarios done so far) as units of the pool's count."""
    count_units(n - state[0])
    state[0] = n


def _shard_task(
    request_json: dict[str, Any],
    settings: Settings,
    run_id: str,
    index: int,
    count: int,
    bank: DayBank,
) -> int:
    request = RiskRequest.from_json(request_json)
    state = [0]
    return run_shard(
        request,
        settings,
        run_id,
        index,
        count,
        progress=lambda n, _of: _count(n, state),
        bank=bank,
    )
