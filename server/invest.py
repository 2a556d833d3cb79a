"""``POST /v1/bess/invest``: will this battery pay back — the investment case (or, with
``sweep``, NPV and IRR by duration) over replayed price years, with the CLI's fields
(``gbess invest``).

Synchronous when it fits the add-on's wait, else a background job: Apps Script's
``UrlFetchApp`` gives up after about 60 s and one forecast-mode year stack takes ~5-13 s
here, so a request whose case may solve more than :data:`MAX_SYNC_STACKS` revenue stacks
(:func:`jobs.invest.stacks_to_solve`: price years x the grid points the fade could reach at
two cycles a day, every size's, less those the stack store already holds; decided before
any price is read) or that asks for scenario paths is answered at once with 202 and a job id
(:func:`server.runs.accepted`); ``GET /v1/jobs/{job_id}`` gives its progress and, once
complete, the same document. OpenAPI documents both: the 200 (:class:`InvestResponse`) and
the 202 (:class:`server.runs.JobAccepted`, as ``POST /v1/bess/risk`` answers).

The pydantic models are the JSON wire schema only; the body becomes
:class:`jobs.invest.InvestRequest` in one call, where every domain check happens.
"""

from __future__ import annotations

from typing import Any

from flask import Response
from pydantic import ConfigDict, Field

from engine.battery import DEFAULT_ROUND_TRIP_EFFICIENCY_FRAC
from engine.errors import DataMissingError, InfeasibleDispatchError, ValidationError
from engine.invest import MAX_SCENARIO_PATHS, SWEEP_LIMITS_H
from engine.revenue import DYNAMIC_SERVICES, ENERGY_MARKETS
from engine.revenue.markets import CM_AUCTIONS
from jobs import background
from jobs.invest import (
    DEFAULT_CM_TERM_YEARS,
    DEFAULT_GRID_STEP_FRAC,
    DEFAULT_PRICE_YEARS,
    InvestRequest,
    run_invest,
    scenario_source,
    stacks_to_solve,
)
from jobs.revenue import MODES
from server.api import ApiBlueprint
from server.config import server_config
from server.inputs import (
    SITE_DUOS_SCHEMA,
    Registration,
    SiteDistributor,
    SiteExportTariff,
    SiteImportTariff,
)
from server.risk import Regime
from server.runs import JobAccepted, accepted
from server.validation import (
    ENERGY_MWH,
    POWER_MW,
    ROUND_TRIP,
    ApiModel,
    SchemaKeywords,
)

bp = ApiBlueprint("invest", __name__)

#: Revenue stacks one synchronous request may solve (4 x 5-13 s, inside the add-on's ~60 s);
#: a case that may need more runs as a background job.
MAX_SYNC_STACKS = 4
#: Price years one request may replay (the warehouse holds 2019 on).
MAX_PRICE_YEARS = 10
_MONEY: SchemaKeywords = {"minimum": 0}
_FRACTION: SchemaKeywords = {"exclusiveMinimum": 0, "maximum": 1}
_DURATION: SchemaKeywords = {"minimum": SWEEP_LIMITS_H[0], "maximum": SWEEP_LIMITS_H[1]}
_CURVE: SchemaKeywords = {
    "minItems": 1,
    "items": {
        "type": "array",
        "minItems": 2,
        "maxItems": 2,
        "items": {"type": "number", "minimum": 0},
    },
}


class InvestHttpRequest(ApiModel):
    """A battery project in real terms, the price years to replay and the options."""

    # Published: site DUoS needs its distributor and both tariffs, or none of them.
    model_config = ConfigDict(
        extra="forbid",
        allow_inf_nan=False,
        frozen=True,
        json_schema_extra=SITE_DUOS_SCHEMA,
    )

    power_mw: float = Field(description="Connection power [MW]", json_schema_extra=POWER_MW)
    energy_mwh: float = Field(description="Nameplate energy [MWh]", json_schema_extra=ENERGY_MWH)
    round_trip_efficiency: float = Field(
        DEFAULT_ROUND_TRIP_EFFICIENCY_FRAC, description="0.25-1", json_schema_extra=ROUND_TRIP
    )
    capex_gbp_per_kw: float = Field(0.0, description="[£/kW]", json_schema_extra=_MONEY)
    capex_gbp_per_kwh: float = Field(0.0, description="[£/kWh]", json_schema_extra=_MONEY)
    fixed_opex_gbp_per_mw_per_year: float = Field(0.0, json_schema_extra=_MONEY)
    variable_opex_gbp_per_mwh: float = Field(
        0.0, description="Per MWh discharged [£/MWh]", json_schema_extra=_MONEY
    )
    augmentation_gbp_per_kwh: float = Field(0.0, json_schema_extra=_MONEY)
    augmentation_threshold_frac: float | None = Field(
        None,
        description="Augment below this fraction of nameplate (none: never)",
        json_schema_extra=_FRACTION,
    )
    augmentation_target_frac: float = Field(
        1.0, description="Restore to, ≥ threshold, ≤ 1", json_schema_extra=_FRACTION
    )
    life_years: int = Field(15, description="1-50", json_schema_extra={"minimum": 1, "maximum": 50})
    start_year: int = Field(
        2026,
        description="First operating calendar year",
        json_schema_extra={"minimum": 2000, "maximum": 2100},
    )
    discount_rate_real_frac: float = Field(
        0.08,
        description="Real, a fraction in (-1, 1): 0.08 for 8 %",
        json_schema_extra={"exclusiveMinimum": -1, "exclusiveMaximum": 1},
    )
    decommissioning_gbp: float = Field(0.0, json_schema_extra=_MONEY)
    fade_cycles_curve: list[list[float]] | None = Field(
        None,
        description="[[cycles, remaining_frac], ...] from [0, 1], never rising; default "
        "Modo Energy's",
        json_schema_extra=_CURVE,
    )
    fade_years_curve: list[list[float]] | None = Field(
        None,
        description="[[years, remaining_frac], ...] from [0, 1], never rising; default none",
        json_schema_extra=_CURVE,
    )
    price_years: list[int] = Field(
        list(DEFAULT_PRICE_YEARS),
        description="Warehouse years replayed in turn",
        json_schema_extra={
            "minItems": 1,
            "maxItems": MAX_PRICE_YEARS,
            "items": {"type": "integer", "minimum": 2000, "maximum": 2100},
        },
    )
    services: list[str] | None = Field(
        None,
        description="Default all six",
        json_schema_extra={"items": {"enum": list(DYNAMIC_SERVICES)}},
    )
    energy_markets: list[str] | None = Field(
        None,
        description="Default apx,system",
        json_schema_extra={"items": {"enum": list(ENERGY_MARKETS)}},
    )
    mode: str = Field(
        "forecast",
        description="forecast or perfect_foresight (the upper bound alone)",
        json_schema_extra={"enum": list(MODES)},
    )
    forecast_method: str = Field(
        "naive", description="naive or learned", json_schema_extra={"enum": ["naive", "learned"]}
    )
    degradation_gbp_per_mwh: float | None = Field(
        None, description="Wear hurdle of the dispatch [£/MWh]", json_schema_extra=_MONEY
    )
    capacity_market: str = Field(
        "none",
        description="none, T-1 or T-4 (published figures)",
        json_schema_extra={"enum": ["none", *CM_AUCTIONS]},
    )
    cm_price_gbp_per_kw_per_year: float | None = Field(None, json_schema_extra=_MONEY)
    cm_derating_factor: float | None = Field(
        None, json_schema_extra={"exclusiveMinimum": 0, "maximum": 1}
    )
    cm_first_delivery_year: str | None = Field(
        None, description="e.g. 2027/28", json_schema_extra={"pattern": "^[0-9]{4}/[0-9]{2}$"}
    )
    cm_term_years: int = Field(
        DEFAULT_CM_TERM_YEARS, json_schema_extra={"minimum": 1, "maximum": 15}
    )
    cm_cpi_index: dict[str, float] | None = Field(
        None,
        description="The user's index per delivery year (none invented)",
        json_schema_extra={"additionalProperties": {"type": "number", "exclusiveMinimum": 0}},
    )
    cm_rerate: bool = False
    distributor: SiteDistributor = None
    import_tariff: SiteImportTariff = None
    export_tariff: SiteExportTariff = None
    registration: Registration = "bm"
    grid_step_frac: float = Field(DEFAULT_GRID_STEP_FRAC, json_schema_extra=_FRACTION)
    sweep: bool = False
    duration_from_h: float = Field(1.0, json_schema_extra=_DURATION)
    duration_to_h: float = Field(4.0, json_schema_extra=_DURATION)
    duration_step_h: float = Field(0.5, json_schema_extra={"exclusiveMinimum": 0})
    scenarios: int = Field(
        0,
        description="Scenario paths (0: replay price_years); with paths NPV is a distribution "
        "(fast day-ahead policy, forecast mode); with sweep, per size",
        json_schema_extra={"minimum": 0, "maximum": MAX_SCENARIO_PATHS},
    )
    regime: Regime = Field("2024-2026", description="Years scenario-years draw days from")
    seed: int = Field(1, json_schema_extra={"minimum": 0, "maximum": 2**31 - 1})
    toll_share_frac: float = Field(
        0.0,
        description="Share of MW under a fixed-price toll",
        json_schema_extra={"minimum": 0, "maximum": 1},
    )
    toll_price_gbp_per_mw_per_year: float | None = Field(
        None, description="The toll's price [£/MW/yr]", json_schema_extra=_MONEY
    )


class InvestUpperBound(ApiModel):
    """The NPV with every year's revenue under perfect foresight, labelled."""

    label: str
    npv_gbp: float | None


class InvestResponse(ApiModel):
    """NPV, IRR, payback, LCOS, the cashflow by year (and the sweep), with assumptions."""

    model_config = ConfigDict(extra="allow", allow_inf_nan=False, frozen=True)

    label: str
    mode: str
    npv_gbp: float
    irr_frac: float | None
    payback_year: int | None
    lcos_gbp_per_mwh: float | None
    upper_bound: InvestUpperBound
    cashflow: list[dict[str, Any]]
    stacks_solved: int
    project_years_valued: int
    assumptions: list[str]


@bp.operation(
    "POST",
    "/bess/invest",
    request=InvestHttpRequest,
    response=InvestResponse,
    summary="Investment case of one battery: NPV, IRR, payback, LCOS (real), or a sizing sweep",
    errors=(ValidationError, DataMissingError, InfeasibleDispatchError),
    heavy=True,
    also=((202, "Accepted as a background job: poll GET /v1/jobs/{job_id}", JobAccepted),),
)
def bess_invest(body: InvestHttpRequest) -> InvestResponse | Response:
    """Value the project at once when it may solve at most MAX_SYNC_STACKS stacks; else (or
    with scenarios) submit it as a background job and answer 202 with its id."""
    inputs = {k: v for k, v in body.model_dump().items() if v is not None}
    for name in ("price_years", "services", "energy_markets"):
        if name in inputs:
            inputs[name] = tuple(inputs[name])
    request = InvestRequest(**inputs)
    settings = server_config().settings
    if request.scenarios or stacks_to_solve(request, settings) > MAX_SYNC_STACKS:
        # A regime with too few days is bad input: read it here (about a second), so it is
        # a 422 at once, and hand the days to the job.
        source = scenario_source(request, settings) if request.scenarios else None
        job_id = background.submit(
            settings,
            "invest",
            lambda progress: run_invest(request, settings, progress, source=source),
        )
        return Response(accepted(job_id).model_dump_json(), status=202, mimetype="application/json")
    return InvestResponse.model_validate(run_invest(request, settings))
