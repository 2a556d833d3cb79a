"""``POST /v1/btm``: a behind-the-meter PPA site's margin and what its battery (and PV) adds."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from engine.errors import (
    DataMissingError,
    InfeasibleDispatchError,
    TariffNotFoundError,
    ValidationError,
)
from jobs.btm import BtmRequest, LazyWarehouse, run_btm
from server.api import ApiBlueprint
from server.config import server_config
from server.duos import DuosProfile, TariffChoice, _profile_frame, _ref
from server.validation import ApiModel

bp = ApiBlueprint("btm", __name__)

Price = Literal["system", "apx"] | float | list[float]


class BtmHttpRequest(TariffChoice):
    """The site, its tariff (``distributor`` + ``tariff`` or ``llfc``) and PPA, prices, levies,
    an optional battery and PV."""

    load: DuosProfile = Field(
        description="interval_start (or settlement_date + settlement_period) and import_kwh "
        "(or import_kw), at most two years of half-hours"
    )
    capacity_kva: float = Field(description="Agreed import capacity [kVA]")
    ppa_gbp_per_mwh: float = Field(description="PPA price on the site's consumption [£/MWh]")
    power_mw: float | None = None
    energy_mwh: float | None = None
    round_trip_efficiency: float | None = Field(None, description="0-1; default 0.9 (stated)")
    charge_efficiency: float | None = None
    discharge_efficiency: float | None = None
    degradation_gbp_per_mwh: float = 0.0
    initial_soc_mwh: float = 0.0
    final_soc_mwh: float | None = None
    energy_price: Price = Field("system", description="system, apx, £/MWh or one per half-hour")
    export_price: Price | None = Field(None, description="Default: the energy price if wholesale")
    import_limit_kva: float | None = Field(None, description="Default: the agreed capacity")
    export_limit_kw: float = Field(0.0, description="Default 0: no export")
    export_tariff: str | None = Field(None, description="Generation DUoS tariff (credits)")
    pv_kwh: list[float] | None = Field(None, description="PV after the inverter per half-hour")
    pv_kwp: float | None = Field(None, description="Model PV with pvlib instead [kWp]")
    lat: float | None = None
    lon: float | None = None
    tilt: float = 30.0
    azimuth: float = 180.0
    inverter_kw: float | None = None
    pv_clearness: list[float] | None = Field(None, description="12 monthly factors 0-1")
    no_levies: bool = False
    without_levies: list[str] = Field(default_factory=list)
    levies: dict[str, float] = Field(default_factory=dict, description="NAME → rate overrides")
    tnuos_band: str | None = None


class BtmResponse(ApiModel):
    """Issue 7's keys; margins by month and band inside each scenario."""

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
    tariff: dict[str, str]
    battery: dict[str, float] | None = None


@bp.operation(
    "POST",
    "/btm",
    request=BtmHttpRequest,
    response=BtmResponse,
    summary="Behind-the-meter PPA: supply margin without and with the battery, its value",
    errors=(ValidationError, TariffNotFoundError, DataMissingError, InfeasibleDispatchError),
)
def btm(body: BtmHttpRequest) -> BtmResponse:
    """Margins by month and band, the battery's value by component, red coverage, cycles.

    Loads longer than two years (35,136 half-hours) are refused with 413.
    """
    config = server_config()
    request = BtmRequest(
        load=_profile_frame(body.load),
        distributor=body.distributor,
        tariff=body.tariff,
        llfc=body.llfc,
        capacity_kva=body.capacity_kva,
        ppa_gbp_per_mwh=body.ppa_gbp_per_mwh,
        power_mw=body.power_mw,
        energy_mwh=body.energy_mwh,
        charge_efficiency_frac=body.charge_efficiency,
        discharge_efficiency_frac=body.discharge_efficiency,
        round_trip_efficiency_frac=body.round_trip_efficiency,
        degradation_gbp_per_mwh=body.degradation_gbp_per_mwh,
        initial_soc_mwh=body.initial_soc_mwh,
        final_soc_mwh=body.final_soc_mwh,
        energy_price=body.energy_price,
        export_price=body.export_price,
        import_limit_kva=body.import_limit_kva,
        export_limit_kw=body.export_limit_kw,
        export_tariff=body.export_tariff,
        pv_kwh=body.pv_kwh,
        pv_kwp=body.pv_kwp,
        latitude_deg=body.lat,
        longitude_deg=body.lon,
        tilt_deg=body.tilt,
        azimuth_deg=body.azimuth,
        inverter_kw=body.inverter_kw,
        pv_clearness=None if body.pv_clearness is None else tuple(body.pv_clearness),
        no_levies=body.no_levies,
        without_levies=tuple(body.without_levies),
        levy_overrides=body.levies,
        tnuos_band=body.tnuos_band,
    )
    warehouse = LazyWarehouse(config.settings)
    try:
        document = run_btm(_ref(), request, warehouse)
    finally:
        warehouse.close()
    return BtmResponse.model_validate(document)
