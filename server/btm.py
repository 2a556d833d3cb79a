"""``POST /v1/btm``: a behind-the-meter PPA site's margin and what its battery (and PV) adds."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import ConfigDict, Field, field_validator
from pydantic import ValidationError as PydanticValidationError
from pydantic_core import PydanticCustomError

from engine.battery import DEFAULT_ROUND_TRIP_EFFICIENCY_FRAC
from engine.btm import LEVIES, UPPER_BOUND_LABEL
from engine.errors import (
    DataMissingError,
    InfeasibleDispatchError,
    TariffNotFoundError,
    ValidationError,
)
from jobs.btm import BtmRequest, run_btm
from jobs.inputs import request_from
from server.api import ApiBlueprint
from server.config import server_config
from server.inputs import DuosProfile, TariffChoice, profile_of
from server.validation import (
    ENERGY_MWH,
    ONE_WAY,
    POWER_MW,
    ROUND_TRIP,
    ApiModel,
    SchemaKeywords,
    caller_fields,
    tariff_choice_rule,
)

bp = ApiBlueprint("btm", __name__)

Price = Literal["system", "apx"] | float | list[float]
# Published as the server reads it (jobs/btm.py:price_series): a wholesale series, a number
# (or its text) in £/MWh, or one price per half-hour of the load.
PRICE_SCHEMA: SchemaKeywords = {
    "anyOf": [
        {"enum": ["system", "apx"]},
        {"type": "number"},
        {"type": "array", "items": {"type": "number"}},
    ]
}
_AT_LEAST_0: SchemaKeywords = {"minimum": 0}
# Site capacities: above 0 and at most the engine's sanity limit (1e9 kVA, engine/duos/cost.py).
_KVA_ABOVE_0: SchemaKeywords = {"exclusiveMinimum": 0, "maximum": 1e9}


# The wire form of jobs.btm.BtmRequest: attributes named as its fields (the aliases keep
# the public keys), so that request_from translates them.
class BtmHttpRequest(TariffChoice):
    """The site, its tariff (``distributor`` + ``tariff`` or ``llfc``) and PPA, prices, levies,
    an optional battery and PV."""

    model_config = ConfigDict(json_schema_extra=tariff_choice_rule())

    load: DuosProfile = Field(
        description="interval_start (or settlement_date + settlement_period) and import_kwh "
        "(or import_kw), at most two years of half-hours"
    )
    import_capacity_kva: float | None = Field(
        None,
        description="Agreed import capacity [kVA] (required; the name /v1/duos/cost uses)",
        json_schema_extra=_KVA_ABOVE_0,
    )
    capacity_kva: float | None = Field(
        None,
        description="Deprecated old name of import_capacity_kva (accepted, noted in deprecations)",
        json_schema_extra={**_KVA_ABOVE_0, "deprecated": True},
    )
    mode: Literal["forecast", "perfect_foresight"] = Field(
        "forecast",
        description="forecast (default): decided each day at D-1 on forecasts, settled on "
        f"actual prices, with the {UPPER_BOUND_LABEL} beside it; perfect_foresight: the upper "
        "bound alone",
    )
    ppa_gbp_per_mwh: float = Field(
        description="PPA price on the site's consumption [£/MWh]", json_schema_extra=_AT_LEAST_0
    )
    power_mw: float | None = Field(None, json_schema_extra=POWER_MW)
    energy_mwh: float | None = Field(None, json_schema_extra=ENERGY_MWH)
    round_trip_efficiency_frac: float | None = Field(
        None,
        alias="round_trip_efficiency",
        description=f"0.25-1; default {DEFAULT_ROUND_TRIP_EFFICIENCY_FRAC:g} (stated)",
        json_schema_extra=ROUND_TRIP,
    )
    charge_efficiency_frac: float | None = Field(
        None, alias="charge_efficiency", json_schema_extra=ONE_WAY
    )
    discharge_efficiency_frac: float | None = Field(
        None, alias="discharge_efficiency", json_schema_extra=ONE_WAY
    )
    degradation_gbp_per_mwh: float = Field(0.0, json_schema_extra=_AT_LEAST_0)
    initial_soc_mwh: float = Field(0.0, json_schema_extra=_AT_LEAST_0)
    final_soc_mwh: float | None = Field(None, json_schema_extra=_AT_LEAST_0)
    energy_price: Price = Field(
        "system",
        description="system, apx, £/MWh or one per half-hour",
        json_schema_extra=PRICE_SCHEMA,
    )
    export_price: Price | None = Field(
        None,
        description="Default: the energy price if wholesale",
        json_schema_extra={"anyOf": [*PRICE_SCHEMA["anyOf"], {"type": "null"}]},
    )
    import_limit_kva: float | None = Field(
        None, description="Default: the agreed capacity", json_schema_extra=_KVA_ABOVE_0
    )
    export_limit_kw: float = Field(
        0.0, description="Default 0: no export", json_schema_extra=_AT_LEAST_0
    )
    export_tariff: str | None = Field(None, description="Generation DUoS tariff (credits)")
    pv_kwh: list[float] | None = Field(
        None,
        description="PV after the inverter per half-hour",
        json_schema_extra={"items": {"minimum": 0}},
    )
    pv_kwp: float | None = Field(
        None,
        description="Model PV with pvlib instead [kWp]",
        json_schema_extra={"exclusiveMinimum": 0},
    )
    # The pvlib model's GB box and geometry (engine/btm/pv.py:PvSystem).
    latitude_deg: float | None = Field(
        None, alias="lat", json_schema_extra={"minimum": 49.5, "maximum": 61.0}
    )
    longitude_deg: float | None = Field(
        None, alias="lon", json_schema_extra={"minimum": -8.7, "maximum": 2.0}
    )
    tilt_deg: float = Field(30.0, alias="tilt", json_schema_extra={"minimum": 0, "maximum": 90})
    azimuth_deg: float = Field(
        180.0, alias="azimuth", json_schema_extra={"minimum": 0, "exclusiveMaximum": 360}
    )
    inverter_kw: float | None = Field(None, json_schema_extra={"exclusiveMinimum": 0})
    pv_clearness: list[float] | None = Field(
        None,
        description="12 monthly factors 0-1",
        json_schema_extra={"minItems": 12, "maxItems": 12, "items": {"minimum": 0, "maximum": 1}},
    )
    no_levies: bool = False
    without_levies: list[str] = Field(
        default_factory=list, json_schema_extra={"items": {"enum": list(LEVIES)}}
    )
    levy_overrides: dict[str, float] = Field(
        default_factory=dict,
        alias="levies",
        description="NAME → rate overrides",
        json_schema_extra={"propertyNames": {"enum": list(LEVIES)}},
    )
    tnuos_band: str | None = None
    require_levies: bool = Field(
        False,
        description="A levy with no published rate is an error (default: left out, listed in "
        "levies_left_out)",
    )

    @field_validator("energy_price", "export_price", mode="wrap")
    @classmethod
    def _one_price_error(cls, value: Any, handler: Any) -> Any:
        # One message at the field, not one per member of the union ("energy_price.float").
        try:
            return handler(value)
        except PydanticValidationError:
            raise PydanticCustomError(
                "price",
                "give system, apx, a number in £/MWh or one number per half-hour of the load",
            ) from None


class BtmResponse(ApiModel):
    """Issue 7's keys; margins by month and band inside each scenario. ``with_battery`` holds
    the decisions of ``mode``; in forecast mode ``upper_bound`` is the perfect-foresight
    ceiling, labelled."""

    mode: Literal["forecast", "perfect_foresight"]
    battery_value_label: str
    upper_bound: dict[str, Any] | None

    without_battery: dict[str, Any]
    with_battery: dict[str, Any]
    battery_value_gbp: float
    battery_value_by_component: dict[str, Any]
    red_coverage_frac: float | None
    red_band_name: str
    equivalent_cycles: float
    by_month: list[dict[str, Any]]
    assumptions: list[str]
    levies: dict[str, Any]
    levies_left_out: list[dict[str, str]]
    deprecations: list[str]
    tariff: dict[str, str]
    battery: dict[str, float] | None = None


@bp.operation(
    "POST",
    "/btm",
    request=BtmHttpRequest,
    response=BtmResponse,
    summary="Behind-the-meter PPA: supply margin without and with the battery, its value",
    errors=(ValidationError, TariffNotFoundError, DataMissingError, InfeasibleDispatchError),
    heavy=True,
)
def btm(body: BtmHttpRequest) -> BtmResponse:
    """Margins by month and band, the battery's value by component, red coverage, cycles.

    Loads longer than two years (35,136 half-hours) are refused with 413.
    """
    with caller_fields(BtmHttpRequest):
        request = request_from(BtmRequest, body, load=profile_of(body.load, "load"))
        document = run_btm(request, server_config().settings)
    return BtmResponse.model_validate(document)
