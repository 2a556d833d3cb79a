"""``POST /v1/bess/revenue``: the co-optimised BESS revenue stack over HTTP (the CLI's fields)."""

from __future__ import annotations

from typing import Any

from pydantic import ConfigDict, Field, ValidationInfo, field_validator

from engine.errors import DataMissingError, InfeasibleDispatchError, ValidationError
from jobs.revenue import revenue
from server.api import ApiBlueprint
from server.config import server_config
from server.validation import ApiModel

bp = ApiBlueprint("bess", __name__)
_OPTIONAL = frozenset({"max_cycles_per_day", "cm_price_gbp_per_kw_per_year", "cm_derating_factor"})


class RevenueRequest(ApiModel):
    """A battery, a period of the warehouse and the markets to stack."""

    model_config = ConfigDict(
        extra="forbid", allow_inf_nan=False, frozen=True, populate_by_name=True
    )

    from_date: str = Field(alias="from", description="First UK day, YYYY-MM-DD")
    to_date: str = Field(alias="to", description="Last UK day (inclusive), YYYY-MM-DD")
    power_mw: float = Field(description="Inverter power [MW]")
    energy_mwh: float | str = Field(description="Usable energy [MWh] (not a duration in hours)")
    round_trip_efficiency: float = Field(0.88, description="Round trip, 0 < x ≤ 1")
    services: list[str] | str | None = Field(None, description="Default DCL,DCH,DML,DMH,DRL,DRH")
    energy_markets: list[str] | str | None = Field(None, description="Default apx,system")
    mode: str = Field("perfect_foresight", description="perfect_foresight or day_ahead")
    degradation_gbp_per_mwh: float = Field(0.0, description="Per MWh discharged [£/MWh]")
    max_cycles_per_day: float | None = Field(None, description="Cap on equivalent cycles per day")
    capacity_market: str = Field("none", description="none, T-1 or T-4 (published figures)")
    cm_price_gbp_per_kw_per_year: float | None = Field(None, description="User CM price")
    cm_derating_factor: float | None = Field(None, description="User de-rating factor, 0-1")
    min_service_mw: float = Field(0.0, description="Smallest holding a service accepts [MW]")

    @field_validator(
        "power_mw",
        "energy_mwh",
        "round_trip_efficiency",
        "degradation_gbp_per_mwh",
        "max_cycles_per_day",
        "cm_price_gbp_per_kw_per_year",
        "cm_derating_factor",
        "min_service_mw",
        mode="before",
    )
    @classmethod
    def _a_number(cls, value: Any, info: ValidationInfo) -> Any:
        # One error at the field itself (not one per union member), and true is not 1 MW.
        if value is None and info.field_name in _OPTIONAL:
            return value
        if value is None or isinstance(value, bool) or not isinstance(value, (int, float, str)):
            raise ValueError(f"expected a number, got {value!r}")
        return value

    @field_validator("services", "energy_markets", mode="before")
    @classmethod
    def _names(cls, value: Any) -> Any:
        if value is None or isinstance(value, str):
            return value
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            return value
        raise ValueError(f"expected a list of names or a comma-separated string, got {value!r}")


class RevenueResponse(ApiModel):
    """The stack: totals, streams (summing to the net), months, EFA blocks, assumptions."""

    model_config = ConfigDict(extra="allow", allow_inf_nan=False, frozen=True)

    mode: str
    net_revenue_gbp: float
    gbp_per_mw_per_year: float
    streams: dict[str, float]
    costs: dict[str, float]
    by_month: list[dict[str, Any]]
    by_efa_block: list[dict[str, Any]]
    equivalent_cycles: float
    hours_in_service: dict[str, float]
    capture_ratio: float | None
    assumptions: list[str]


@bp.operation(
    "POST",
    "/bess/revenue",
    request=RevenueRequest,
    response=RevenueResponse,
    summary="Co-optimised revenue stack: APX, imbalance and DC/DM/DR for one battery",
    errors=(ValidationError, DataMissingError, InfeasibleDispatchError),
)
def bess_revenue(body: RevenueRequest) -> RevenueResponse:
    """Optimise the battery over the period and attribute the cash to streams."""
    config = server_config()
    params = body.model_dump()
    document = revenue(params, config.settings)
    return RevenueResponse.model_validate(document)
