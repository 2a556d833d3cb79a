"""``POST /v1/bess/risk``: a risk run as a background job (it outlasts an add-on call).

The body is validated (pydantic, then :class:`jobs.risk.RiskRequest`) before anything runs,
so bad input is a 422 at once; the run itself (reading the warehouse, valuing the
scenario-years in a process pool, merging) happens on a background thread
(:mod:`jobs.background`) and ``GET /v1/jobs/{job_id}`` (:mod:`server.runs`) gives its
progress and, once complete, the figures ``gbess risk --json`` prints. Too little history
for the regime is reported by the job (``failed`` with the field ``regime``). A site's
``distributor``/``import_tariff``/``export_tariff`` (the names ``POST /v1/bess/revenue``
takes) are resolved before the job starts (:func:`jobs.risk.check_site`): an unknown one is a
422 naming its field.
"""

from __future__ import annotations

from typing import Annotated, Literal, get_args

from pydantic import ConfigDict, Field

from engine.battery import DEFAULT_ROUND_TRIP_EFFICIENCY_FRAC
from engine.errors import DataMissingError, ValidationError
from jobs import background
from jobs.risk import MAX_SCENARIOS, RiskRequest, check_site, run_risk
from server.api import ApiBlueprint
from server.config import server_config
from server.inputs import (
    SITE_DUOS_SCHEMA,
    Registration,
    SiteDistributor,
    SiteExportTariff,
    SiteImportTariff,
)
from server.runs import JobAccepted, accepted
from server.validation import ROUND_TRIP, ApiModel

bp = ApiBlueprint("risk", __name__)

Regime = Literal[
    "2019-2019", "2019-2020", "2019-2021", "2019-2022", "2019-2023", "2019-2024", "2019-2025",
    "2019-2026", "2020-2020", "2020-2021", "2020-2022", "2020-2023", "2020-2024", "2020-2025",
    "2020-2026", "2021-2021", "2021-2022", "2021-2023", "2021-2024", "2021-2025", "2021-2026",
    "2022-2022", "2022-2023", "2022-2024", "2022-2025", "2022-2026", "2023-2023", "2023-2024",
    "2023-2025", "2023-2026", "2024-2024", "2024-2025", "2024-2026", "2025-2025", "2025-2026",
    "2026-2026",
]  # fmt: skip
Service = Literal["DCL", "DCH", "DML", "DMH", "DRL", "DRH"]
Market = Literal["apx", "system"]
_ALL_SERVICES: list[Service] = ["DCL", "DCH", "DML", "DMH", "DRL", "DRH"]
_ALL_MARKETS: list[Market] = ["apx", "system"]


#: Every regime the data can name (first year ≤ last year).
REGIMES: tuple[str, ...] = get_args(Regime)


class RiskHttpRequest(ApiModel):
    """A battery and the scenario set to value (``gbess risk``'s fields; the battery is
    given by power and duration so every valid pair is a valid battery)."""

    # Published: site DUoS needs its distributor and both tariffs, or none of them.
    model_config = ConfigDict(
        extra="forbid",
        allow_inf_nan=False,
        frozen=True,
        json_schema_extra=SITE_DUOS_SCHEMA,
    )

    power_mw: float = Field(1.0, description="Inverter power [MW]", ge=0.01, le=1000)
    duration_h: float = Field(
        2.0,
        description="Usable energy ÷ power [h]",
        ge=0.25,
        le=12,
    )
    round_trip_efficiency: float = Field(
        DEFAULT_ROUND_TRIP_EFFICIENCY_FRAC, json_schema_extra=ROUND_TRIP
    )
    degradation_gbp_per_mwh: float = Field(15.0, description="Wear cost [£/MWh]", ge=0, le=1000)
    services: list[Service] = Field(
        default_factory=lambda: list(_ALL_SERVICES), min_length=1, max_length=6
    )
    energy_markets: list[Market] = Field(
        default_factory=lambda: list(_ALL_MARKETS), min_length=1, max_length=2
    )
    regime: Regime = Field("2024-2026", description="Years the bootstrap draws days from")
    scenarios: int = Field(
        200,
        description="Bootstrap scenario-years",
        ge=1,
        le=MAX_SCENARIOS,
    )
    replay: bool = True
    block_days: int = Field(1, ge=1, le=14)
    year_anchor: bool = True
    merchant: bool = True
    seed: int = Field(1, ge=0, le=2**31 - 1)
    confidence: list[Annotated[float, Field(gt=0, lt=1)]] = Field(
        default_factory=lambda: [0.9, 0.95, 0.99], min_length=1, max_length=5
    )
    threshold_gbp: float | None = Field(None, ge=0)
    toll_price_gbp_per_mw_per_year: float | None = Field(None, ge=0)
    frontier_confidence: float = Field(0.95, gt=0, lt=1)
    distributor: SiteDistributor = None
    import_tariff: SiteImportTariff = None
    export_tariff: SiteExportTariff = None
    registration: Registration = "bm"


@bp.operation(
    "POST",
    "/bess/risk",
    request=RiskHttpRequest,
    response=JobAccepted,
    status=202,
    summary="Start a risk run (scenarios, VaR/CVaR, frontier); returns a job id at once",
    errors=(ValidationError, DataMissingError),
)
def bess_risk(body: RiskHttpRequest) -> JobAccepted:
    """Validate the request, submit the run as a background job and return its id."""
    request = RiskRequest(
        power_mw=body.power_mw,
        energy_mwh=body.power_mw * body.duration_h,
        round_trip_efficiency_frac=body.round_trip_efficiency,
        degradation_gbp_per_mwh=body.degradation_gbp_per_mwh,
        services=tuple(body.services),
        energy_markets=tuple(body.energy_markets),
        regime=body.regime,
        scenarios=body.scenarios,
        replay=body.replay,
        block_days=body.block_days,
        year_anchor=body.year_anchor,
        merchant=body.merchant,
        seed=body.seed,
        confidence=tuple(body.confidence),
        threshold_gbp=body.threshold_gbp,
        toll_price_gbp_per_mw_per_year=body.toll_price_gbp_per_mw_per_year,
        frontier_confidence=body.frontier_confidence,
        distributor=body.distributor,
        import_tariff=body.import_tariff,
        export_tariff=body.export_tariff,
        registration=body.registration,
    )
    settings = server_config().settings
    check_site(request, settings)
    text = settings.extra.get("GBESS_RISK_WORKERS", "").strip()
    workers = int(text) if text.isdigit() and int(text) > 0 else 2
    job_id = background.submit(
        settings,
        "risk",
        lambda progress: run_risk(request, settings, workers=workers, progress=progress),
    )
    return accepted(job_id)
