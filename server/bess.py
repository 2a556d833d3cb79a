"""``POST /v1/bess/revenue`` and ``POST /v1/bess/dispatch``: one battery's revenue stack and
its exact dispatch over HTTP, with the CLI's fields (``gbess revenue``, ``gbess dispatch``).

The pydantic models here are the JSON wire schema (they feed ``/v1/openapi.json``); each
body becomes the use case's request (:class:`jobs.revenue.RevenueRequest`,
:class:`jobs.dispatch.DispatchRequest`) in one call, where the domain validation happens.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, get_args

import pandas as pd
from pydantic import ConfigDict, Field, ValidationInfo, WithJsonSchema, field_validator

from engine.battery import DEFAULT_ROUND_TRIP_EFFICIENCY_FRAC
from engine.errors import DataMissingError, InfeasibleDispatchError, ValidationError
from engine.revenue import DYNAMIC_SERVICES, ENERGY_MARKETS
from engine.revenue.markets import CM_AUCTIONS
from jobs.dispatch import DispatchRequest, run_dispatch
from jobs.revenue import MIN_CYCLES_PER_YEAR, MODES, RevenueRequest, run_revenue
from server.api import ApiBlueprint
from server.config import server_config
from server.errors import ProblemError
from server.inputs import (
    SITE_DUOS_SCHEMA,
    Registration,
    SiteDistributor,
    SiteExportTariff,
    SiteImportTariff,
)
from server.validation import (
    ENERGY_MWH,
    ONE_WAY,
    POWER_MW,
    ROUND_TRIP,
    ApiModel,
    SchemaKeywords,
    absent,
    present,
)

bp = ApiBlueprint("bess", __name__)

#: Longest price series accepted: two years of half-hours, both leap years (2 × 366 × 48).
MAX_PRICE_PERIODS = 2 * 366 * 48
_ERRORS = (ValidationError, DataMissingError, InfeasibleDispatchError)
# Published constraints (the server's checks, in jobs/revenue.py, jobs/dispatch.py and
# engine/battery.py, refuse outside them; docs/api.md).
_DATE: SchemaKeywords = {"format": "date"}
_AT_LEAST_0: SchemaKeywords = {"minimum": 0}
_ABOVE_0: SchemaKeywords = {"exclusiveMinimum": 0}
_SERVICES: SchemaKeywords = {
    "anyOf": [
        {"type": "array", "items": {"enum": list(DYNAMIC_SERVICES)}},
        {"type": "string", "pattern": "^(|(DC|DM|DR)[LH](,(DC|DM|DR)[LH])*)$"},
        {"type": "null"},
    ]
}
_MARKETS: SchemaKeywords = {
    "anyOf": [
        {"type": "array", "items": {"enum": list(ENERGY_MARKETS)}},
        {"type": "string", "pattern": "^(|(apx|system)(,(apx|system))*)$"},
        {"type": "null"},
    ]
}


class _BessBody(ApiModel):
    """A body of this family: a number field takes a number (``true`` is not 1 MW), and
    ``from``/``to`` are the wire names of ``from_date``/``to_date``."""

    model_config = ConfigDict(
        extra="forbid", allow_inf_nan=False, frozen=True, populate_by_name=True
    )

    @field_validator("*", mode="before")
    @classmethod
    def _a_number(cls, value: Any, info: ValidationInfo) -> Any:
        # One error at the field itself (not one per union member), and true is not 1 MW.
        annotation = cls.model_fields[str(info.field_name)].annotation
        members = get_args(annotation)
        if annotation is not float and float not in members:
            return value
        if value is None and type(None) in members:
            return value
        if value is None or isinstance(value, bool) or not isinstance(value, (int, float, str)):
            raise ValueError(f"expected a number, got {value!r}")
        return value


class RevenueHttpRequest(_BessBody):
    """A battery, a period of the warehouse and the markets to stack."""

    # Published: site DUoS needs its distributor and both tariffs, or none of them.
    model_config = ConfigDict(
        extra="forbid",
        allow_inf_nan=False,
        frozen=True,
        populate_by_name=True,
        json_schema_extra=SITE_DUOS_SCHEMA,
    )

    from_date: str = Field(
        alias="from", description="First UK day, YYYY-MM-DD", json_schema_extra=_DATE
    )
    to_date: str = Field(
        alias="to", description="Last UK day (inclusive), YYYY-MM-DD", json_schema_extra=_DATE
    )
    power_mw: float = Field(description="Inverter power [MW]", json_schema_extra=POWER_MW)
    energy_mwh: Annotated[float | str, WithJsonSchema({"type": "number", **ENERGY_MWH})] = Field(
        description="Usable energy [MWh] (not a duration in hours)"
    )
    round_trip_efficiency: float = Field(
        DEFAULT_ROUND_TRIP_EFFICIENCY_FRAC,
        description="Round trip, 0.25 ≤ x ≤ 1",
        json_schema_extra=ROUND_TRIP,
    )
    services: list[str] | str | None = Field(
        None, description="Default DCL,DCH,DML,DMH,DRL,DRH", json_schema_extra=_SERVICES
    )
    energy_markets: list[str] | str | None = Field(
        None, description="Default apx,system", json_schema_extra=_MARKETS
    )
    mode: str = Field(
        "forecast",
        description="forecast (default: decided on forecasts, settled on actual prices), "
        "perfect_foresight (the upper bound alone) or day_ahead (alias of forecast)",
        json_schema_extra={"enum": list(MODES)},
    )
    forecast_method: str | None = Field(
        None,
        description="naive (default) or learned",
        json_schema_extra={"enum": ["naive", "learned", None]},
    )
    degradation_gbp_per_mwh: float | None = Field(
        None,
        description="Per MWh discharged [£/MWh]; default 15 (docs/revenue.md)",
        json_schema_extra=_AT_LEAST_0,
    )
    max_cycles_per_day: float | None = Field(
        None, description="Cap on equivalent cycles per day", json_schema_extra=_ABOVE_0
    )
    max_cycles_per_year: float | None = Field(
        None,
        description="Cap on cycles per year",
        json_schema_extra={"minimum": MIN_CYCLES_PER_YEAR},
    )
    capacity_market: str = Field(
        "none",
        description="none, T-1 or T-4 (published figures)",
        json_schema_extra={"enum": ["none", *CM_AUCTIONS]},
    )
    cm_price_gbp_per_kw_per_year: float | None = Field(
        None, description="User CM price", json_schema_extra=_AT_LEAST_0
    )
    cm_derating_factor: float | None = Field(
        None,
        description="User de-rating factor, 0-1",
        json_schema_extra={"minimum": 0, "maximum": 1},
    )
    cm_first_delivery_year: str | None = Field(
        None,
        description="CM agreement's first delivery year, e.g. 2024/25",
        json_schema_extra={"pattern": "^[0-9]{4}/[0-9]{2}$"},
    )
    cm_term_years: int | None = Field(
        None, description="CM agreement term [delivery years]", json_schema_extra={"minimum": 1}
    )
    cm_cpi_index: dict[str, float] | None = Field(
        None,
        description="User CPI index per delivery year, for indexation",
        json_schema_extra={"additionalProperties": {"type": "number", "exclusiveMinimum": 0}},
    )
    distributor: SiteDistributor = None
    import_tariff: SiteImportTariff = None
    export_tariff: SiteExportTariff = None
    min_service_mw: float = Field(
        0.0, description="Smallest holding a service accepts [MW]", json_schema_extra=_AT_LEAST_0
    )
    registration: Registration = "bm"

    @field_validator("services", "energy_markets", mode="before")
    @classmethod
    def _names(cls, value: Any) -> Any:
        if value is None or isinstance(value, str):
            return value
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            return value
        raise ValueError(f"expected a list of names or a comma-separated string, got {value!r}")


class UpperBound(ApiModel):
    """The perfect-foresight ceiling, labelled so it is never read as a forecast."""

    model_config = ConfigDict(extra="allow", allow_inf_nan=False, frozen=True)

    label: str = Field(description='Always "upper bound (perfect foresight)"')
    net_revenue_gbp: float
    gbp_per_mw_per_year: float
    equivalent_cycles: float
    streams: dict[str, float]


class RevenueResponse(ApiModel):
    """The stack: the headline (forecast mode unless asked otherwise) totals, streams
    (summing to the net), months, EFA blocks, assumptions; the ceiling in ``upper_bound``."""

    model_config = ConfigDict(extra="allow", allow_inf_nan=False, frozen=True)

    mode: str
    label: str
    net_revenue_gbp: float
    gbp_per_mw_per_year: float
    streams: dict[str, float]
    costs: dict[str, float]
    by_month: list[dict[str, Any]]
    by_efa_block: list[dict[str, Any]]
    equivalent_cycles: float
    hours_in_service: dict[str, float]
    capture_ratio: float | None
    upper_bound: UpperBound
    assumptions: list[str]


@bp.operation(
    "POST",
    "/bess/revenue",
    request=RevenueHttpRequest,
    response=RevenueResponse,
    summary="Co-optimised revenue stack: APX, imbalance and DC/DM/DR for one battery",
    errors=_ERRORS,
    heavy=True,
)
def bess_revenue(body: RevenueHttpRequest) -> RevenueResponse:
    """Optimise the battery over the period and attribute the cash to streams."""
    request = RevenueRequest.from_inputs(**body.model_dump())
    return RevenueResponse.model_validate(run_revenue(request, server_config().settings))


class PricePoint(_BessBody):
    """One half-hour's price: its start (or settlement date and period) and £/MWh."""

    interval_start: str | None = Field(
        None, description="ISO 8601 with UTC offset", json_schema_extra={"format": "date-time"}
    )
    settlement_date: str | None = Field(
        None, description="UK settlement day, YYYY-MM-DD", json_schema_extra=_DATE
    )
    settlement_period: int | None = Field(
        None,
        description="1-50, with settlement_date",
        json_schema_extra={"minimum": 1, "maximum": 50},
    )
    price_gbp_per_mwh: float | None = Field(None, description="Both directions [£/MWh]")
    buy_price_gbp_per_mwh: float | None = Field(None, description="Charging price [£/MWh]")
    sell_price_gbp_per_mwh: float | None = Field(None, description="Discharging price [£/MWh]")


class DispatchHttpRequest(_BessBody):
    """A battery and its prices: given (``prices``) or from the warehouse (with from/to)."""

    # Published: prices, or prices_from_warehouse with from and to (never both).
    model_config = ConfigDict(
        extra="forbid",
        allow_inf_nan=False,
        frozen=True,
        populate_by_name=True,
        json_schema_extra={
            "oneOf": [
                {"allOf": [present("prices"), absent("prices_from_warehouse")]},
                {"allOf": [present("prices_from_warehouse", "from", "to"), absent("prices")]},
            ]
        },
    )

    prices: list[PricePoint] | None = Field(
        None, description="Half-hourly prices, at most two years (35,136 half-hours)"
    )
    prices_from_warehouse: Literal["system", "apx"] | None = Field(
        None, description="system (imbalance) or apx (market index; no-trade periods idle)"
    )
    from_date: str | None = Field(
        None, alias="from", description="With the warehouse: first day", json_schema_extra=_DATE
    )
    to_date: str | None = Field(
        None, alias="to", description="With the warehouse: last UK day", json_schema_extra=_DATE
    )
    power_mw: float = Field(
        description="Charge and discharge power [MW]", json_schema_extra=POWER_MW
    )
    energy_mwh: float = Field(description="Energy capacity [MWh]", json_schema_extra=ENERGY_MWH)
    round_trip_efficiency: float | None = Field(
        None,
        description="Round trip, split as its square root each way; default "
        f"{DEFAULT_ROUND_TRIP_EFFICIENCY_FRAC:g} when no efficiency is given (stated)",
        json_schema_extra=ROUND_TRIP,
    )
    charge_efficiency: float | None = Field(
        None, description="Stored ÷ grid energy in, 0.5 ≤ x ≤ 1", json_schema_extra=ONE_WAY
    )
    discharge_efficiency: float | None = Field(
        None, description="Grid out ÷ stored out, 0.5 ≤ x ≤ 1", json_schema_extra=ONE_WAY
    )
    initial_soc_mwh: float = Field(
        0.0, description="Stored energy at the start [MWh]", json_schema_extra=_AT_LEAST_0
    )
    final_soc_mwh: float | None = Field(
        None, description="Required at the end [MWh]", json_schema_extra=_AT_LEAST_0
    )
    degradation_gbp_per_mwh: float = Field(
        0.0, description="Per MWh discharged [£/MWh]", json_schema_extra=_AT_LEAST_0
    )
    max_cycles_per_day: float | None = Field(
        None, description="Cap on equivalent cycles per day", json_schema_extra=_ABOVE_0
    )


class DispatchResponse(ApiModel):
    """The optimum's totals, the span solved and the method (the CLI's ``--json``)."""

    net_revenue_gbp: float
    charge_cost_gbp: float
    discharge_revenue_gbp: float
    degradation_cost_gbp: float
    auxiliary_cost_gbp: float
    charged_mwh: float
    discharged_mwh: float
    equivalent_cycles: float
    intervals: int
    first_interval_start: str
    last_interval_start: str
    method: str
    round_trip_efficiency: float
    round_trip_note: str


@bp.operation(
    "POST",
    "/bess/dispatch",
    request=DispatchHttpRequest,
    response=DispatchResponse,
    summary="Exact optimal dispatch of one battery against half-hourly prices",
    errors=_ERRORS,
    heavy=True,
)
def bess_dispatch(body: DispatchHttpRequest) -> DispatchResponse:
    """The perfect-foresight optimum and its totals.

    Price series longer than two years (35,136 half-hours) are refused with 413.
    """
    prices = None
    if body.prices is not None:
        if len(body.prices) > MAX_PRICE_PERIODS:
            raise ProblemError(
                413,
                f"prices: {len(body.prices)} half-hours; at most {MAX_PRICE_PERIODS} (two "
                "years) per request — split the series",
                field="prices",
            )
        prices = pd.DataFrame([p.model_dump(exclude_none=True) for p in body.prices])
    request = DispatchRequest.from_inputs(**body.model_dump(exclude={"prices"}), prices=prices)
    return DispatchResponse.model_validate(run_dispatch(request, server_config().settings))
