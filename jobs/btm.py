"""Behind-the-meter PPA use case shared by the CLI and the HTTP API.

``gbess btm`` and ``POST /v1/btm`` build a :class:`BtmRequest` and call :func:`run_btm`,
which resolves what the engine needs from it: the DUoS tariffs, the energy and export
price series (from the warehouse, a flat figure, or a per-half-hour series) and, in the
default ``forecast`` mode, the day-ahead forecasts of the wholesale ones
(:func:`engine.btm.wholesale_forecast`, from the warehouse's prices before the load), the
levies (published rates, overrides, or none; by default a levy with no published rate is
left out and listed in ``levies_left_out``, ``require_levies`` makes it an error), PV (a
series or a pvlib model) and the battery, then runs :func:`engine.btm.ppa.btm_ppa` and
returns its JSON document. Every choice the request left open is written into
``assumptions``; an old field name used is listed in ``deprecations``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from engine.battery import DEFAULT_ROUND_TRIP_EFFICIENCY_FRAC, ROUND_TRIP_SOURCE, BatterySpec
from engine.btm import (
    LEVIES,
    MODES,
    PvSystem,
    btm_ppa,
    describe_pv,
    model_pv_kw,
    resolve_levies,
    wholesale_forecast,
)
from engine.duos import find_tariff, profile_arrays
from engine.errors import DataMissingError, ValidationError
from engine.reference import ReferenceData, reference_data
from engine.revenue.forecasts import NAIVE_HISTORY_DAYS
from engine.series import listed_intervals, numeric_cells
from engine.settlement import settlement_date_period
from engine.units import kw_to_kwh_per_half_hour
from jobs.btm_report import result_document
from jobs.coverage import dataset_coverage
from jobs.inputs import HalfHourlyProfile, TariffChoice, fields_named
from jobs.settings import Settings
from jobs.warehouse import Warehouse, open_warehouse, seed_if_needed

#: A price as given: "system" or "apx" (from the warehouse), a flat figure, or one per
#: half-hour of the load [£/MWh].
Price = str | float | Sequence[float] | np.ndarray
WHOLESALE = ("system", "apx")
APX_PROVIDER = "APXMIDP"
#: The old name of ``import_capacity_kva`` (``/v1/duos/cost`` and ``gbess duos`` say
#: ``import_capacity_kva``): accepted for one release, with a notice in ``deprecations``.
CAPACITY_DEPRECATION = (
    "capacity_kva is deprecated: use import_capacity_kva (the name the DUoS cost takes); the "
    "old name is accepted for one release"
)


@dataclass(frozen=True, kw_only=True)
class BtmRequest(TariffChoice):
    """Everything a BtM run needs, as given by a user (CLI flags or an HTTP body).

    The tariff choice (``distributor`` + ``tariff`` or ``llfc``) names the site's demand
    DUoS tariff. Prices are ``"system"``, ``"apx"``, a flat £/MWh or one £/MWh per
    half-hour of the load; the export price defaults to the energy price when that is a
    wholesale series. Checked by :func:`run_btm`, which states every default it applies.

    Attributes:
        load: The site's half-hourly import (``import_kwh`` or ``import_kw``).
        import_capacity_kva: Agreed import capacity [kVA].
        capacity_kva: Its deprecated old name (accepted, with a notice).
        ppa_gbp_per_mwh: PPA price on the site's consumption [£/MWh].
        power_mw: Battery power [MW]; with ``energy_mwh``, or neither (no battery).
        energy_mwh: Battery usable energy [MWh].
        charge_efficiency_frac: Charge efficiency, 0-1 (with the discharge one).
        discharge_efficiency_frac: Discharge efficiency, 0-1.
        round_trip_efficiency_frac: Round trip, 0-1, instead (default
            :data:`engine.battery.DEFAULT_ROUND_TRIP_EFFICIENCY_FRAC`, stated).
        degradation_gbp_per_mwh: Degradation cost per MWh discharged [£/MWh].
        initial_soc_mwh: State of charge at the start [MWh].
        final_soc_mwh: Required state of charge at the end [MWh], if any.
        energy_price: Energy price of the site's import [£/MWh or a wholesale series].
        export_price: Price of exported energy [£/MWh or a wholesale series].
        import_limit_kva: Physical import limit [kVA] (default: the capacity).
        export_limit_kw: Export limit [kW] (0: no export).
        export_tariff: Generation DUoS tariff of the export MPAN (credits), if any.
        pv_kwh: PV after the inverter per half-hour of the load [kWh]; or model it:
        pv_kwp: PV DC capacity for the pvlib model [kWp].
        latitude_deg: Site latitude [degrees north].
        longitude_deg: Site longitude [degrees east].
        tilt_deg: Panel tilt [degrees from horizontal].
        azimuth_deg: Panel azimuth [degrees from north].
        inverter_kw: Inverter AC limit [kW].
        pv_clearness: Twelve monthly clearness factors, 0-1, January first.
        no_levies: Leave every levy out.
        without_levies: Levies to leave out (the others apply).
        levy_overrides: Levy rates replacing the published ones [£/MWh; £/site/day for
            TNUoS_TDR].
        tnuos_band: TNUoS demand residual band, e.g. ``HV1``.
        require_levies: A levy with no published rate is an error (default: left out and
            listed in ``levies_left_out``).
        mode: ``forecast`` (default: decided at D-1 on forecasts, settled on actuals, the
            upper bound beside it) or ``perfect_foresight`` (the upper bound alone).
    """

    load: HalfHourlyProfile
    ppa_gbp_per_mwh: float
    import_capacity_kva: float | None = None
    capacity_kva: float | None = None
    power_mw: float | None = None
    energy_mwh: float | None = None
    charge_efficiency_frac: float | None = None
    discharge_efficiency_frac: float | None = None
    round_trip_efficiency_frac: float | None = None
    degradation_gbp_per_mwh: float = 0.0
    initial_soc_mwh: float = 0.0
    final_soc_mwh: float | None = None
    energy_price: Price = "system"
    export_price: Price | None = None
    import_limit_kva: float | None = None
    export_limit_kw: float = 0.0
    export_tariff: str | None = None
    pv_kwh: Sequence[float] | np.ndarray | None = None
    pv_kwp: float | None = None
    latitude_deg: float | None = None
    longitude_deg: float | None = None
    tilt_deg: float = 30.0
    azimuth_deg: float = 180.0
    inverter_kw: float | None = None
    pv_clearness: tuple[float, ...] | None = None
    no_levies: bool = False
    without_levies: tuple[str, ...] = ()
    levy_overrides: Mapping[str, float] = field(default_factory=dict)
    tnuos_band: str | None = None
    require_levies: bool = False
    mode: str = "forecast"

    def __post_init__(self) -> None:
        # Lists from JSON or repeated flags: frozen means tuples.
        if self.pv_clearness is not None and not isinstance(self.pv_clearness, tuple):
            object.__setattr__(self, "pv_clearness", tuple(self.pv_clearness))
        if not isinstance(self.without_levies, tuple):
            object.__setattr__(self, "without_levies", tuple(self.without_levies))


def build_battery(request: BtmRequest, notes: list[str]) -> BatterySpec | None:
    """The battery of a request (None when neither power nor energy is given)."""
    if request.power_mw is None and request.energy_mwh is None:
        notes.append("no battery given: with_battery equals without_battery")
        return None
    if request.power_mw is None or request.energy_mwh is None:
        missing = "power_mw" if request.power_mw is None else "energy_mwh"
        raise ValidationError(f"{missing}: a battery needs power_mw and energy_mwh", field=missing)
    common: dict[str, Any] = {
        "degradation_cost_gbp_per_mwh": request.degradation_gbp_per_mwh,
        "initial_soc_mwh": request.initial_soc_mwh,
        "final_soc_mwh": request.final_soc_mwh,
    }
    if request.charge_efficiency_frac is not None or request.discharge_efficiency_frac is not None:
        if request.round_trip_efficiency_frac is not None:
            raise ValidationError(
                "round_trip_efficiency_frac: give it or the charge/discharge efficiencies, not "
                "both",
                field="round_trip_efficiency_frac",
            )
        return BatterySpec.symmetric(
            request.power_mw,
            request.energy_mwh,
            charge_efficiency_frac=request.charge_efficiency_frac or 1.0,
            discharge_efficiency_frac=request.discharge_efficiency_frac or 1.0,
            **common,
        )
    round_trip = request.round_trip_efficiency_frac
    if round_trip is None:
        round_trip = DEFAULT_ROUND_TRIP_EFFICIENCY_FRAC
        notes.append(
            f"battery round-trip efficiency not given: {round_trip:g} assumed "
            f"({ROUND_TRIP_SOURCE}), split as its square root each way"
        )
    if request.degradation_gbp_per_mwh == 0:
        notes.append("battery degradation cost 0 £/MWh (not given)")
    return BatterySpec.from_round_trip(request.power_mw, request.energy_mwh, round_trip, **common)


def wholesale_series(
    warehouse: Warehouse,
    source: str,
    index: pd.DatetimeIndex,
    field_name: str,
    history_days: int = 0,
) -> tuple[np.ndarray, pd.Series]:
    """The system price or APX index on the load's half-hours, from the warehouse [£/MWh].

    Args:
        warehouse: The warehouse.
        source: ``system`` or ``apx``.
        index: The load's half-hours.
        field_name: The request's field (errors name it).
        history_days: Days of prices before the load to return too (the forecasts' input).

    Returns:
        The prices on ``index``, and the whole series read (history and period).

    Raises:
        DataMissingError: Naming the half-hours with no price (and what the warehouse holds).
    """
    days = settlement_date_period(index)["settlement_date"]
    first, last = days.iloc[0].date(), days.iloc[-1].date()
    first -= pd.Timedelta(days=history_days)
    if source == "system":
        frame = warehouse.query("system_prices", from_date=first, to_date=last)
        column = "system_sell_price_gbp_per_mwh"
    else:
        frame = warehouse.query("market_index", from_date=first, to_date=last)
        frame = frame[frame["data_provider"] == APX_PROVIDER]
        column = "market_index_price_gbp_per_mwh"
    prices = pd.Series(
        frame[column].to_numpy(dtype=float), index=pd.DatetimeIndex(frame["interval_start"])
    )
    aligned = prices.reindex(index).to_numpy(dtype=float)
    missing = np.flatnonzero(~np.isfinite(aligned))
    if missing.size:
        raise DataMissingError(
            f"{field_name}: no {source} price for {missing.size} of {len(index)} half-hours "
            f"({listed_intervals(index, missing)}); the warehouse holds "
            f"{_coverage(warehouse, source)}. "
            "Give a flat £/MWh or a price series instead.",
            field=field_name,
        )
    return aligned, prices.sort_index()


def _coverage(warehouse: Warehouse, source: str) -> str:
    held = dataset_coverage(warehouse, "system_prices" if source == "system" else "market_index")
    return f"{held['label']} for {held['range']}" if held["rows"] else f"no {held['label']}"


def price_series(
    value: Price,
    index: pd.DatetimeIndex,
    field_name: str,
    warehouse: Callable[[], Warehouse],
    notes: list[str],
    mode: str = "perfect_foresight",
) -> tuple[np.ndarray, np.ndarray | None]:
    """A per-half-hour price from ``system``/``apx``, a flat figure or a series [£/MWh].

    Returns:
        The actual price and, in ``forecast`` mode for a wholesale series, its day-ahead
        forecast (:func:`engine.btm.wholesale_forecast`); None for a price known in advance
        (a contract figure or series) or in ``perfect_foresight`` mode.
    """
    if isinstance(value, str):
        source = value.strip().lower()
        if source in WHOLESALE:
            label = "GB system price" if source == "system" else "APX market index (APXMIDP)"
            notes.append(f"{field_name}: {label} from the warehouse")
            history = NAIVE_HISTORY_DAYS + 1 if mode == "forecast" else 0
            actual, read = wholesale_series(warehouse(), source, index, field_name, history)
            if mode != "forecast":
                return actual, None
            return actual, wholesale_forecast(read, index, field_name)
        try:
            value = float(source)
        except ValueError:
            raise ValidationError(
                f"{field_name}: expected system, apx or a number in £/MWh, got {value!r}",
                field=field_name,
            ) from None
    if isinstance(value, int | float):
        notes.append(f"{field_name}: flat {float(value):g} £/MWh (the user's contract)")
        return np.full(len(index), float(value)), None
    array = np.asarray(value, dtype=float)
    if array.shape != (len(index),):
        raise ValidationError(
            f"{field_name}: expected {len(index)} half-hourly prices, got {array.size}",
            field=field_name,
        )
    notes.append(
        f"{field_name}: per-half-hour series supplied by the user (a contract: known in advance)"
    )
    return array, None


def _pv(request: BtmRequest, index: pd.DatetimeIndex, notes: list[str]) -> np.ndarray | None:
    if request.pv_kwh is not None:
        if request.pv_kwp is not None:
            raise ValidationError("pv: give a PV series or a PV model, not both", field="pv_kwp")
        notes.append("PV: half-hourly series supplied by the user (kWh after the inverter)")
        return np.asarray(request.pv_kwh, dtype=float)
    if request.pv_kwp is None:
        return None
    if request.latitude_deg is None or request.longitude_deg is None:
        missing = "latitude_deg" if request.latitude_deg is None else "longitude_deg"
        raise ValidationError(
            f"{missing}: a PV model (pv_kwp) needs latitude_deg and longitude_deg", field=missing
        )
    system = PvSystem(
        capacity_kwp=request.pv_kwp,
        latitude_deg=request.latitude_deg,
        longitude_deg=request.longitude_deg,
        tilt_deg=request.tilt_deg,
        azimuth_deg=request.azimuth_deg,
        inverter_kw=request.inverter_kw,
        clearness_by_month=request.pv_clearness,
    )
    notes.append(describe_pv(system))
    return np.asarray(kw_to_kwh_per_half_hour(model_pv_kw(system, index)), dtype=float)


def run_btm(
    request: BtmRequest,
    settings: Settings,
    *,
    warehouse: Callable[[], Warehouse] | None = None,
) -> dict[str, Any]:
    """Resolve the request, run :func:`engine.btm.btm_ppa` and return its document.

    Args:
        request: The request.
        settings: Settings (the data directory; the warehouse, opened and seeded only
            when a wholesale price is asked).
        warehouse: Opens a warehouse to use instead (one shared across many runs).

    Returns:
        The BtM document (issue 7 keys, ``jobs.btm_report``) with the ``tariff`` and
        ``battery`` used.

    Raises:
        ValidationError: If the request is malformed or inconsistent (naming the field).
        TariffNotFoundError: If no tariff matches.
        DataMissingError: If a wholesale price or a levy rate is missing for the load's
            half-hours (naming them).
    """
    ref = reference_data(settings.data_dir)
    with fields_named(request_fields(request)):
        if warehouse is not None:
            return _btm_document(ref, request, warehouse)
        lazy = LazyWarehouse(settings)
        try:
            return _btm_document(ref, request, lazy)
        finally:
            lazy.close()


#: The engine's names for a BtM request's inputs → the request's fields (so that errors
#: name what the caller gave): the battery, the site's limits, PV and levies.
ENGINE_FIELDS = {
    "charge_power_mw": "power_mw",
    "discharge_power_mw": "power_mw",
    "degradation_cost_gbp_per_mwh": "degradation_gbp_per_mwh",
    "capacity_kva": "import_capacity_kva",
    "lat": "latitude_deg",
    "lon": "longitude_deg",
    "levy": "levy_overrides",
    "levies": "levy_overrides",
    "profile": "load",
    "pv": "pv_kwh",
}


def request_fields(request: BtmRequest) -> dict[str, str]:
    """Engine field names → ``request``'s fields; a load column ``c`` → ``load.c``."""
    names = dict(ENGINE_FIELDS)
    names.update({column: f"load.{column}" for column in request.load.columns()})
    # A caller who used the old name reads it in errors about the capacity.
    old_only = request.capacity_kva is not None and request.import_capacity_kva is None
    capacity = "capacity_kva" if old_only else "import_capacity_kva"
    names["capacity_kva"] = names["import_capacity_kva"] = capacity
    if request.import_limit_kva is None:
        # The limit defaults to the agreed capacity: a bad limit is a bad capacity.
        names["import_limit_kva"] = capacity
    return names


def _btm_document(
    ref: ReferenceData, request: BtmRequest, warehouse: Callable[[], Warehouse]
) -> dict[str, Any]:
    notes: list[str] = []
    deprecations: list[str] = []
    if request.mode not in MODES:
        raise ValidationError(
            f"mode: expected one of {', '.join(MODES)}, got {request.mode!r}", field="mode"
        )
    capacity_kva = _import_capacity(request, deprecations)
    battery = build_battery(request, notes)
    # Forecasts are made only for a battery to decide on.
    mode = request.mode if battery is not None else "perfect_foresight"
    load = request.load.frame()
    start_ns, _ = profile_arrays(load)
    index = pd.DatetimeIndex(pd.to_datetime(start_ns, utc=True), name="interval_start")
    tariff = find_tariff(ref, request.distributor, tariff=request.tariff, llfc=request.llfc)
    export_tariff = (
        None
        if request.export_tariff is None
        else find_tariff(ref, request.distributor, tariff=request.export_tariff)
    )
    energy, energy_fc = price_series(
        request.energy_price, index, "energy_price", warehouse, notes, mode
    )
    export_source = request.export_price
    if export_source is None and request.export_limit_kw > 0:
        if isinstance(request.energy_price, str) and request.energy_price.lower() in WHOLESALE:
            export_source = request.energy_price
            notes.append("export_price not given: the same wholesale series as the energy price")
        else:
            raise ValidationError(
                "export_price: the export limit is above 0 and the energy price is a contract "
                "rate; give the export price (system, apx or £/MWh)",
                field="export_price",
            )
    export, export_fc = (
        (None, None)
        if export_source is None
        else price_series(export_source, index, "export_price", warehouse, notes, mode)
    )
    include: list[str] | None = None
    if request.no_levies:
        include = []
    elif request.without_levies:
        left_out = {name.lower() for name in request.without_levies}
        unknown = left_out - {name.lower() for name in LEVIES}
        if unknown:
            raise ValidationError(
                f"without_levies: unknown levy {sorted(unknown)[0]!r}; known levies are "
                f"{', '.join(LEVIES)}",
                field="without_levies",
            )
        include = [name for name in LEVIES if name.lower() not in left_out]
        notes.append(f"levies left out at the user's request: {', '.join(request.without_levies)}")
    levies = resolve_levies(
        ref.table("non_commodity_rates"),
        index,
        include=include,
        overrides=request.levy_overrides,
        tnuos_band=request.tnuos_band,
        if_missing="raise" if request.require_levies else "leave_out",
    )
    if request.no_levies:
        notes.append(f"levies left out at the user's request (--no-levies): {', '.join(LEVIES)}")
    if levies.left_out:
        notes.append(
            "levies left out: "
            + "; ".join(f"{item['name']}, {item['reason']}" for item in levies.left_out)
            + ". Give a rate (levy NAME=VALUE) to include one, or require_levies to make a "
            "missing rate an error."
        )
    pv = _pv(request, index, notes)
    result = btm_ppa(
        load,
        battery,
        tariff,
        request.ppa_gbp_per_mwh,
        energy,
        levies,
        capacity_kva=capacity_kva,
        pv_kwh=pv,
        import_limit_kva=request.import_limit_kva,
        export_limit_kw=request.export_limit_kw,
        export_prices_gbp_per_mwh=export,
        export_tariff=export_tariff,
        assumptions=tuple(notes),
        mode=request.mode,
        energy_forecast_gbp_per_mwh=energy_fc,
        export_forecast_gbp_per_mwh=export_fc,
    )
    document = result_document(result)
    document["deprecations"] = deprecations
    document["tariff"] = {
        "distributor_id": tariff.distributor_id,
        "tariff_name": tariff.tariff_name,
    }
    if battery is not None:
        document["battery"] = {
            "power_mw": battery.discharge_power_mw,
            "energy_mwh": battery.energy_mwh,
            "charge_efficiency_frac": battery.charge_efficiency_frac,
            "discharge_efficiency_frac": battery.discharge_efficiency_frac,
            "round_trip_efficiency_frac": round(battery.round_trip_efficiency_frac, 9),
            "degradation_cost_gbp_per_mwh": battery.degradation_cost_gbp_per_mwh,
        }
    return document


def _import_capacity(request: BtmRequest, deprecations: list[str]) -> float:
    """The agreed import capacity from ``import_capacity_kva`` or its deprecated old name."""
    new, old = request.import_capacity_kva, request.capacity_kva
    if old is not None:
        deprecations.append(CAPACITY_DEPRECATION)
        if new is not None and new != old:
            raise ValidationError(
                f"import_capacity_kva: given as {new:g} and, under its old name capacity_kva, "
                f"as {old:g}; give import_capacity_kva only",
                field="import_capacity_kva",
            )
        return float(old)
    if new is None:
        raise ValidationError(
            "import_capacity_kva: the site's agreed import capacity [kVA] is required",
            field="import_capacity_kva",
        )
    return float(new)


class LazyWarehouse:
    """Opens the configured warehouse (seeding it if needed) on first use; ``close()`` it."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._warehouse: Warehouse | None = None

    def __call__(self) -> Warehouse:
        if self._warehouse is None:
            self._warehouse = open_warehouse(self._settings)
            seed_if_needed(self._warehouse, self._settings)
        return self._warehouse

    def close(self) -> None:
        """Close the warehouse if it was opened."""
        if self._warehouse is not None:
            self._warehouse.close()
            self._warehouse = None


def series_on_load(
    frame: pd.DataFrame, columns: Sequence[str], load: HalfHourlyProfile, field_name: str
) -> np.ndarray:
    """A half-hourly column of ``frame`` on the load's half-hours, in load order.

    ``frame`` has ``interval_start`` (ISO with offset) or settlement date/period and one of
    ``columns`` (the first present is used; a ``*_kw`` column is converted to kWh).

    Raises:
        ValidationError: Naming the column or the load half-hours the series lacks.
    """
    column = next((c for c in columns if c in frame.columns), None)
    if column is None:
        raise ValidationError(
            f"{field_name}: the file needs a column named {' or '.join(columns)}",
            field=field_name,
        )
    keys = frame.drop(columns=[c for c in frame.columns if c in columns])
    # The profile checks order the rows by time; a row-number column says where each went.
    stamps, ordered = profile_arrays(keys.assign(import_kwh=np.arange(len(frame), dtype=float)))
    rows = ordered["import_kwh"].astype(np.int64)
    values: np.ndarray = numeric_cells(frame[column], column)
    series = pd.Series(values[rows], index=stamps)
    load_ns, _ = profile_arrays(load.frame())
    aligned = series.reindex(load_ns).to_numpy(dtype=float)
    missing = np.flatnonzero(~np.isfinite(aligned))
    if missing.size:
        raise ValidationError(
            f"{field_name}: no value for {missing.size} of the load's half-hours (first at "
            f"{pd.Timestamp(int(load_ns[missing[0]]), tz='UTC').isoformat()})",
            field=field_name,
        )
    if column.endswith("_kw"):
        return np.asarray(kw_to_kwh_per_half_hour(aligned), dtype=float)
    return aligned
