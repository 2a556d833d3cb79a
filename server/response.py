"""``POST /v1/bess/response-value``: what a held service's response energy is worth per MW.

The wire twin of ``gbess response-value``: the body becomes a
:class:`jobs.response.ResponseValueRequest` in one call (domain checks there). The per-period
rows are not sent over HTTP (a year is 17,568 rows); ``gbess response-value --csv`` prints them.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import ConfigDict, Field

from engine.errors import DataMissingError, ValidationError
from jobs.response import ResponseValueRequest, run_response_value
from server.api import ApiBlueprint
from server.config import server_config
from server.validation import ApiModel

bp = ApiBlueprint("response", __name__)

_DATE: dict[str, Any] = {"format": "date"}


class ResponseValueHttpRequest(ApiModel):
    """A held service, a period, and how its response energy is resold and settled."""

    model_config = ConfigDict(
        extra="forbid", allow_inf_nan=False, frozen=True, populate_by_name=True
    )

    service: Literal["DCL", "DCH", "DML", "DMH", "DRL", "DRH"] = Field(
        "DRH", description="Service held (1 MW)"
    )
    from_date: str = Field(
        alias="from", description="First UK day, YYYY-MM-DD", json_schema_extra=_DATE
    )
    to_date: str = Field(alias="to", description="Last UK day (inclusive)", json_schema_extra=_DATE)
    resale: Literal["imbalance", "apx"] = Field("imbalance", description="Resale market")
    lag_periods: int = Field(3, ge=0, le=480, description="Settlement periods before resale")
    efficiency: float = Field(0.925, gt=0, le=1, description="Efficiency of resold energy [0-1]")
    method: Literal["model", "study"] = Field("model", description="model (ABSVD-aware) or study")
    registration: Literal["bm", "non_bm"] = Field("bm", description="BM-registered or not (ABSVD)")
    utilisation_frac: float | None = Field(
        None, ge=0, le=1, description="Expected utilisation without frequency data [0-1]"
    )
    energy_h: float = Field(
        2.0, gt=0, le=24, description="Model: store per MW held [MWh/MW] (SoC-aware)"
    )
    soc_start_frac: float = Field(
        0.5, ge=0, le=1, description="Model: state of charge the store is held at [0-1]"
    )


class ResponseValueBlock(ApiModel):
    """Figures of one EFA block (1-6) over the period."""

    efa_block: int
    periods: int
    gbp_per_mw_per_period: float | None
    gbp_per_mw_per_h: float | None
    gbp_per_mw_per_efa_block: float | None
    total_gbp_per_mw: float | None


class ResponseValueMonth(ApiModel):
    """Figures of one calendar month (UK settlement dates)."""

    month: str
    periods: int
    gbp_per_mw_per_period: float | None
    gbp_per_mw_per_h: float | None
    gbp_per_mw_per_efa_block: float | None
    total_gbp_per_mw: float | None


class ResponseValuePerMw(ApiModel):
    """Per MW held, over the periods with a figure."""

    periods: int
    periods_missing: int
    gbp_per_mw_per_period: float | None
    gbp_per_mw_per_h: float | None
    gbp_per_mw_per_efa_block: float | None
    gbp_per_mw_per_year_annualised: float | None
    total_gbp_per_mw: float | None
    by_efa_block: list[ResponseValueBlock]
    by_month: list[ResponseValueMonth]


class ResponseValueResponse(ApiModel):
    """The report: request echo, per-MW figures, energy, ABSVD, assumptions."""

    request: dict[str, Any]
    per_mw: ResponseValuePerMw
    energy: dict[str, Any]
    absvd: dict[str, Any]
    assumptions: list[str]


@bp.operation(
    "POST",
    "/bess/response-value",
    request=ResponseValueHttpRequest,
    response=ResponseValueResponse,
    summary="Value per MW of a held frequency service's response energy (e.g. DR-High)",
    errors=(ValidationError, DataMissingError),
    heavy=True,
)
def response_value(body: ResponseValueHttpRequest) -> ResponseValueResponse:
    """Response energy per period, resold later (and settled per ABSVD), summarised per MW."""
    inputs = body.model_dump(by_alias=True)
    request = ResponseValueRequest.from_inputs(inputs)
    document = run_response_value(request, server_config().settings)
    document.pop("periods")
    return ResponseValueResponse.model_validate(document)
