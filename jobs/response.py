"""The DR-H (or any held service's) response-energy value report: per MW held, from the warehouse.

Shared by ``gbess response-value`` and ``POST /v1/bess/response-value``: both build one
:class:`ResponseValueRequest` and call :func:`run_response_value`. It reads the period's prices
(:func:`jobs.revenue.read_span`) and, when the warehouse holds every day of it, the system
frequency (:func:`jobs.frequency.read_frequency`); without frequency it uses the engine's
expected-utilisation estimate and says so in ``assumptions``. The value per period is the 2022
study's method (``study``) or the model (``model``, default; ABSVD-aware), see
:mod:`engine.response.value`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from engine.errors import DataMissingError, ValidationError
from engine.reference import reference_data
from engine.response import (
    DEFAULT_EFFICIENCY_FRAC,
    DEFAULT_MAX_GAP_S,
    METHODS,
    NON_BM_ABSVD_FROM,
    RESALE_MARKETS,
    ResponseTerms,
    StoreBounds,
    absvd_applies,
    check_efficiency,
    check_lag,
    envelope_of,
    expected_response_energy,
    model_value_gbp_per_mw,
    parse_registration,
    response_envelopes,
    response_terms,
    study_profit_gbp_per_mw,
    summarise_value,
)
from engine.revenue import MarketData, revenue_stack, service_specs
from engine.settlement import (
    UK_TZ,
    efa_date_block,
    half_hourly_index,
    settlement_date_period,
    to_date,
)
from jobs.frequency import measured_response
from jobs.revenue import (
    HISTORY_DAYS,
    RevenueRequest,
    read_history,
    read_market_data,
    read_span,
    response_terms_for,
)
from jobs.settings import Settings
from jobs.warehouse import open_warehouse

#: Longest period one request may value [days].
MAX_DAYS = 400
_RESALE_COLUMN = {"imbalance": "system", "apx": "apx"}
_STUDY = (
    "2022 DR-High study (issue 20): profit [£/MW] = resale price(t + lag) x (-DR-H power "
    "[MW]) x efficiency x 0.5 h"
)


@dataclass(frozen=True)
class ResponseValueRequest:
    """What a held service's response energy is worth per MW over UK days ``first..last``.

    Attributes:
        service: Service code (``DRH`` default; any of DCL..DRH).
        first: First UK settlement date (``from``).
        last: Last UK settlement date, inclusive (``to``).
        resale: Market the energy is resold in: ``imbalance`` (default) or ``apx``.
        lag_periods: Settlement periods between delivery and resale (3 = a BM unit; 1 outside
            the BM) [periods].
        efficiency_frac: Efficiency of the resold energy [0-1] (0.925, the study's).
        method: ``model`` (default; ABSVD-aware) or ``study``.
        registration: ``bm`` (default) or ``non_bm``: decides ABSVD (model only).
        utilisation_frac: Expected utilisation when no frequency is held [0-1]; default the
            engine's cited figure.
        max_gap_s: Longest gap in the frequency a sample is held across [s].
        energy_h: Store behind each MW held, for the SoC-aware model [MWh/MW] (2.0: a
            1 MW / 2 MWh battery holding 1 MW of the service alone).
        soc_start_frac: State of charge the schedule holds the store at, and to which
            resale returns it [0-1] (0.5).
    """

    service: str = "DRH"
    first: dt.date = dt.date(2024, 1, 1)
    last: dt.date = dt.date(2024, 1, 31)
    resale: str = "imbalance"
    lag_periods: int = 3
    efficiency_frac: float = DEFAULT_EFFICIENCY_FRAC
    method: str = "model"
    registration: str = "bm"
    utilisation_frac: float | None = None
    max_gap_s: float = DEFAULT_MAX_GAP_S
    energy_h: float = 2.0
    soc_start_frac: float = 0.5

    def __post_init__(self) -> None:
        first = to_date(self.first, "from")
        last = to_date(self.last, "to")
        if last < first:
            raise ValidationError(f"to: {last} is before from {first}", field="to")
        if (last - first).days + 1 > MAX_DAYS:
            raise ValidationError(f"to: at most {MAX_DAYS} days per request", field="to")
        service = str(self.service).strip().upper()
        resale = str(self.resale).strip().lower()
        if resale not in RESALE_MARKETS:
            raise ValidationError(
                f"resale: expected one of {', '.join(RESALE_MARKETS)}, got {self.resale!r}",
                field="resale",
            )
        method = str(self.method).strip().lower()
        if method not in METHODS:
            raise ValidationError(
                f"method: expected one of {', '.join(METHODS)}, got {self.method!r}",
                field="method",
            )
        if self.utilisation_frac is not None and not 0.0 <= float(self.utilisation_frac) <= 1.0:
            raise ValidationError(
                f"utilisation_frac: must be within 0-1, got {self.utilisation_frac}",
                field="utilisation_frac",
            )
        if not float(self.max_gap_s) > 0:
            raise ValidationError("max_gap_s: must be > 0 seconds", field="max_gap_s")
        for name in ("energy_h", "soc_start_frac"):
            try:
                object.__setattr__(self, name, float(getattr(self, name)))
            except (TypeError, ValueError):
                raise ValidationError(
                    f"{name}: expected a number, got {getattr(self, name)!r}", field=name
                ) from None
        self.store  # noqa: B018 - checks energy_h and soc_start_frac, naming the field
        for name, value in (
            ("first", first),
            ("last", last),
            ("service", service),
            ("resale", resale),
            ("lag_periods", check_lag(self.lag_periods)),
            ("efficiency_frac", check_efficiency(self.efficiency_frac)),
            ("method", method),
            ("registration", parse_registration(self.registration)),
        ):
            object.__setattr__(self, name, value)

    @property
    def store(self) -> StoreBounds:
        """The store the SoC-aware model keeps the response energy within."""
        return StoreBounds(energy_h=float(self.energy_h), soc_start_frac=float(self.soc_start_frac))

    @classmethod
    def from_inputs(cls, inputs: Mapping[str, Any]) -> ResponseValueRequest:
        """From the user's wording (CLI flags or JSON body): ``from``, ``to``, ``efficiency``."""
        values = {k: v for k, v in inputs.items() if v is not None}
        renames = {
            "from": "first",
            "to": "last",
            "efficiency": "efficiency_frac",
            "soc_start": "soc_start_frac",
        }
        kwargs = {renames.get(k, k): v for k, v in values.items()}
        return cls(**kwargs)


def _energy(
    request: ResponseValueRequest, settings: Settings, index: pd.DatetimeIndex
) -> tuple[pd.Series, dict[str, Any], list[str]]:
    """Response energy per period [MWh per MW held], where it came from, and notes."""
    envelopes = response_envelopes(
        reference_data(settings.data_dir).table("dynamic_response_parameters")
    )
    envelope = envelope_of(request.service, envelopes)
    with open_warehouse(settings) as warehouse:
        measured, missing = measured_response(
            warehouse, request.first, request.last, envelopes, (request.service,), request.max_gap_s
        )
    if measured is not None and measured.samples:
        source = {
            "kind": "frequency",
            "samples": measured.samples,
            "table": "system_frequency",
            "max_gap_s": request.max_gap_s,
            "gaps": measured.gaps,
            "envelope": envelope.__dict__,
        }
        notes = []
        if measured.gaps:
            notes.append(
                f"{measured.gaps} gap(s) in the frequency longer than {request.max_gap_s:g} s: "
                "their periods have no figure"
            )
        return measured.energy[request.service].reindex(index), source, notes
    series, note = expected_response_energy(
        request.service, index, request.utilisation_frac, envelopes=envelopes
    )
    days = ", ".join(d.isoformat() for d in missing[:3]) + (" …" if len(missing) > 3 else "")
    source = {
        "kind": "estimate",
        "samples": 0,
        "table": "system_frequency",
        "max_gap_s": request.max_gap_s,
        "gaps": 0,
        "envelope": envelope.__dict__,
    }
    reason = f"no system frequency in the warehouse for {days}" if missing else "no samples"
    return series, source, [f"{note}; {reason}"]


def run_response_value(request: ResponseValueRequest, settings: Settings) -> dict[str, Any]:
    """The report document (see the module docstring); per-period rows under ``periods``."""
    index = half_hourly_index(request.first, request.last)
    extra_days = request.lag_periods // 46 + 1
    data, coverage = read_span(
        settings, request.first, request.last + dt.timedelta(days=extra_days)
    )
    prices = data.energy_price_gbp_per_mwh
    imbalance = prices["system"]
    if not bool(imbalance.reindex(index).notna().all()):
        raise DataMissingError(
            f"from/to: the warehouse has system prices for {_date_text(coverage[0])} to "
            f"{_date_text(coverage[1])} "
            f"only; {request.first}..{request.last} is not covered",
            field="from",
        )
    energy_in, source, notes = _energy(request, settings, index)
    energy = energy_in.reindex(prices.index)  # the extra days have no energy (NaN)
    resale = prices[_RESALE_COLUMN[request.resale]]
    if request.method == "study":
        value = study_profit_gbp_per_mw(
            energy, resale, request.lag_periods, request.efficiency_frac
        ).reindex(index)
        settlement = pd.Series(np.nan, index=index)
        undelivered = pd.Series(np.nan, index=index)
    else:
        frame = model_value_gbp_per_mw(
            energy,
            resale,
            imbalance,
            request.registration,  # type: ignore[arg-type]  # validated in __post_init__
            request.lag_periods,
            request.efficiency_frac,
            store=request.store,
        ).reindex(index)
        value, settlement = frame["value_gbp_per_mw"], frame["settlement_gbp_per_mw"]
        undelivered = frame["undelivered_mwh_per_mw"]
    summary = summarise_value(value)
    summary["gbp_per_mw_per_year_annualised"] = (
        None if summary["gbp_per_mw_per_h"] is None else summary["gbp_per_mw_per_h"] * 8760.0
    )
    energy_p = energy.reindex(index)
    calendar = settlement_date_period(index)
    efa = efa_date_block(index)
    periods = pd.DataFrame(
        {
            "interval_start": index,
            "settlement_date": calendar["settlement_date"].dt.date.astype(str).to_numpy(),
            "settlement_period": calendar["settlement_period"].to_numpy(),
            "efa_block": efa["efa_block"].to_numpy(),
            "net_import_mwh_per_mw": energy_p.to_numpy(),
            "resale_price_gbp_per_mwh": resale.shift(-request.lag_periods)
            .reindex(index)
            .to_numpy(),
            "imbalance_price_gbp_per_mwh": imbalance.reindex(index).to_numpy(),
            "settlement_gbp_per_mw": settlement.to_numpy(),
            "undelivered_mwh_per_mw": undelivered.to_numpy(),
            "value_gbp_per_mw": value.to_numpy(),
        }
    )
    return {
        "request": {
            "service": request.service,
            "from": request.first.isoformat(),
            "to": request.last.isoformat(),
            "resale": request.resale,
            "lag_periods": request.lag_periods,
            "efficiency_frac": request.efficiency_frac,
            "method": request.method,
            "registration": request.registration,
            "energy_h": float(request.energy_h),
            "soc_start_frac": float(request.soc_start_frac),
        },
        "per_mw": summary,
        "energy": {
            "net_import_mwh_per_mw": _num(energy_p.sum(min_count=1)),
            "import_mwh_per_mw": _num(energy_p.clip(lower=0).sum(min_count=1)),
            "export_mwh_per_mw": _num((-energy_p).clip(lower=0).sum(min_count=1)),
            "undelivered_mwh_per_mw": _num(undelivered.abs().sum(min_count=1)),
            "source": source,
        },
        "absvd": _absvd(request, index),
        "assumptions": [*_assumptions(request), *notes],
        "periods": _records(periods),
    }


def _absvd(request: ResponseValueRequest, index: pd.DatetimeIndex) -> dict[str, Any]:
    days = sorted(set(settlement_date_period(index)["settlement_date"].dt.date))
    covered = [d for d in days if absvd_applies(d, request.registration)]  # type: ignore[arg-type]
    return {
        "registration": request.registration,
        "applies_days": len(covered),
        "days": len(days),
        "rule": (
            "BM units: ABSVD corrects DC/DM/DR energy out of imbalance; non-BM units: from "
            f"{NON_BM_ABSVD_FROM.isoformat()} only (BSC Q6.4, NESO ABSVD Methodology Statement)"
        ),
        "used": request.method == "model",
    }


def _assumptions(request: ResponseValueRequest) -> list[str]:
    out = [
        f"resale {request.lag_periods} settlement period(s) later in "
        f"{'the imbalance price' if request.resale == 'imbalance' else 'APX (market index)'} "
        f"at {request.efficiency_frac:.3f} efficiency",
    ]
    if request.method == "study":
        out.append(f"method: {_STUDY}; ABSVD is not considered (the study's energy is free)")
    else:
        out.append(
            "method: model — resale of energy taken in (x efficiency) or bought back "
            "(÷ efficiency), plus settlement (0 with ABSVD, else -net import x imbalance "
            f"price); SoC-aware for this service held alone: a {float(request.energy_h):g} MWh "
            f"store per MW held at {float(request.soc_start_frac):.0%} takes only what fits "
            "until the energy is resold; energy that does not fit is undelivered and earns "
            "nothing (its availability payment at risk, not priced)"
        )
    return out


def _date_text(value: Any) -> str:
    return "—" if value is None or pd.isna(value) else pd.Timestamp(value).date().isoformat()


def _num(value: Any) -> float | None:
    return None if value is None or pd.isna(value) else float(value)


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    rows = []
    for record in frame.to_dict("records"):
        row: dict[str, Any] = {}
        for key, value in record.items():
            if isinstance(value, pd.Timestamp):
                row[str(key)] = value.isoformat()
            elif isinstance(value, float | np.floating):
                row[str(key)] = None if np.isnan(value) else float(value)
            elif isinstance(value, np.integer):
                row[str(key)] = int(value)
            else:
                row[str(key)] = value
        rows.append(row)
    return rows


def expected_energy_by_service(
    services: Sequence[str], index: pd.DatetimeIndex, envelopes: Any
) -> tuple[dict[str, pd.Series], list[str]]:
    """Each service's expected response energy per period over ``index`` (the engine's
    expected utilisation: :func:`expected_response_energy`), and a note per service; a
    service with no estimate is left out and named."""
    energy: dict[str, pd.Series] = {}
    notes: list[str] = []
    for service in services:
        try:
            energy[service], note = expected_response_energy(service, index, envelopes=envelopes)
            notes.append(note)
        except DataMissingError as exc:
            notes.append(f"{service}: response energy left out ({exc.detail})")
    return energy, notes


def response_value_table(
    settings: Settings,
    data: MarketData,
    services: tuple[str, ...],
    registration: str,
    lag_periods: int = 3,
    efficiency_frac: float = DEFAULT_EFFICIENCY_FRAC,
) -> tuple[ResponseTerms, list[str]]:
    """The stack's response terms (value per block, drift) for a period's prices, and what
    it assumed.

    Response energy per service comes from the warehouse's frequency when every day is held,
    else from the engine's expected utilisation (DR: the study's figure; DC, DM: the
    frequency-distribution estimate of :mod:`engine.response.utilisation`), named in the notes;
    a service with neither is left at 0 and named. Resale is at the imbalance price.
    """
    index = pd.DatetimeIndex(data.interval_start)
    local = index.tz_convert(UK_TZ)
    first, last = local[0].date(), local[-1].date()
    envelopes = response_envelopes(
        reference_data(settings.data_dir).table("dynamic_response_parameters")
    )
    with open_warehouse(settings) as warehouse:
        measured, _missing = measured_response(warehouse, first, last, envelopes, services)
    if measured is not None and measured.samples:
        energy = {service: measured.energy[service].reindex(index) for service in services}
        notes: list[str] = []
    else:
        energy, notes = expected_energy_by_service(services, index, envelopes)
    registered = parse_registration(registration)
    system = data.energy_price_gbp_per_mwh["system"].set_axis(index)
    terms = response_terms(
        index,
        system,
        system,
        pd.DataFrame(energy, index=index),
        registered,
        check_lag(lag_periods),
        check_efficiency(efficiency_frac),
    )
    return terms, notes


def response_holdings(
    settings: Settings, first: dt.date, last: dt.date, registration: str
) -> dict[str, Any]:
    """Issue 20's check: mean MW held per service (per MW of a 1 MW / 2 MWh battery, forecast
    mode) before and after response energy is modelled, the nets and the ceiling."""
    request = RevenueRequest(
        to_date(first, "from"), to_date(last, "to"), 1.0, 2.0, registration=registration
    )
    data = read_market_data(settings, request.from_date, request.to_date)
    history = read_history(settings, request.from_date, HISTORY_DAYS)
    specs = service_specs(
        reference_data(settings.data_dir).table("dynamic_response_parameters"), request.services
    )
    terms, notes = response_terms_for(request, settings, data, history)
    if terms is None:  # never: a registration and six services are always modelled
        raise ValueError(f"registration {registration!r} models no response energy")
    runs = {}
    for label, value in (("before", None), ("after", terms)):
        stack = revenue_stack(
            data,
            request.battery,
            specs,
            request.energy_markets,
            history=history,
            response=value,
        )
        runs[label] = {
            "mean_service_mw": stack.headline.mean_service_mw,
            "net_revenue_gbp": stack.headline.net_revenue_gbp,
            "upper_bound_gbp": stack.upper_bound.net_revenue_gbp,
            "streams": stack.headline.streams,
        }
    drift = {k: round(v, 4) for k, v in terms.drift_h.items()}
    return {"registration": registration, "notes": notes, "drift_h": drift, **runs}
