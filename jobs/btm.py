"""Behind-the-meter PPA use case shared by the CLI and the HTTP API.

Resolves what the engine needs from a request: the DUoS tariffs, the energy and export
price series (from the warehouse, a flat figure, or a per-half-hour series), the levies
(published rates, overrides, or none), PV (a series or a pvlib model) and the battery,
then runs :func:`engine.btm.ppa.btm_ppa` and returns its JSON document. Every choice the
request left open is written into ``assumptions``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from engine.battery import BatterySpec
from engine.btm import LEVIES, PvSystem, btm_ppa, describe_pv, model_pv_kw, resolve_levies
from engine.duos import find_tariff, profile_arrays
from engine.errors import DataMissingError, ValidationError
from engine.reference import ReferenceData
from engine.series import numeric_cells
from engine.settlement import settlement_date_period
from engine.units import kw_to_kwh_per_half_hour
from jobs.btm_report import result_document
from jobs.settings import Settings
from jobs.warehouse import Warehouse, open_warehouse, seed_if_needed

WHOLESALE = ("system", "apx")
APX_PROVIDER = "APXMIDP"
DEFAULT_ROUND_TRIP_FRAC = 0.9


@dataclass(frozen=True)
class BtmRequest:
    """Everything a BtM run needs, as given by a user (CLI flags or an HTTP body).

    Prices are ``"system"``, ``"apx"``, a flat £/MWh or one £/MWh per half-hour; the
    export price defaults to the energy price when that is a wholesale series.
    """

    load: pd.DataFrame
    distributor: object
    capacity_kva: float
    ppa_gbp_per_mwh: float
    tariff: str | None = None
    llfc: str | None = None
    power_mw: float | None = None
    energy_mwh: float | None = None
    charge_efficiency_frac: float | None = None
    discharge_efficiency_frac: float | None = None
    round_trip_efficiency_frac: float | None = None
    degradation_gbp_per_mwh: float = 0.0
    initial_soc_mwh: float = 0.0
    final_soc_mwh: float | None = None
    energy_price: str | float | Sequence[float] | np.ndarray = "system"
    export_price: str | float | Sequence[float] | np.ndarray | None = None
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
                "round_trip_efficiency: give it or the charge/discharge efficiencies, not both",
                field="round_trip_efficiency",
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
        round_trip = DEFAULT_ROUND_TRIP_FRAC
        notes.append(
            f"battery round-trip efficiency not given: {DEFAULT_ROUND_TRIP_FRAC:g} assumed, "
            "split as its square root each way"
        )
    if request.degradation_gbp_per_mwh == 0:
        notes.append("battery degradation cost 0 £/MWh (not given)")
    return BatterySpec.from_round_trip(request.power_mw, request.energy_mwh, round_trip, **common)


def wholesale_series(
    warehouse: Warehouse, source: str, index: pd.DatetimeIndex, field_name: str
) -> np.ndarray:
    """The system price or APX index on the load's half-hours, from the warehouse [£/MWh].

    Raises:
        DataMissingError: Naming the half-hours with no price (and what the warehouse holds).
    """
    days = settlement_date_period(index)["settlement_date"]
    first, last = days.iloc[0].date(), days.iloc[-1].date()
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
        held = warehouse.status()
        shown = ", ".join(index[int(i)].isoformat() for i in missing[:5])
        more = f" and {missing.size - 5} more" if missing.size > 5 else ""
        raise DataMissingError(
            f"{field_name}: no {source} price for {missing.size} of {len(index)} half-hours "
            f"({shown}{more}); the warehouse holds {_coverage(held, source)}. "
            "Give a flat £/MWh or a price series instead.",
            field=field_name,
        )
    return aligned


def _coverage(status: dict[str, Any], source: str) -> str:
    table = "system_prices" if source == "system" else "market_index"
    for row in status.get("tables", []):
        if row.get("table") == table and row.get("rows"):
            return f"{table} from {row['first_interval_start']} to {row['last_interval_start']}"
    return f"no {table} rows"


def price_series(
    value: str | float | Sequence[float] | np.ndarray,
    index: pd.DatetimeIndex,
    field_name: str,
    warehouse: Callable[[], Warehouse],
    notes: list[str],
) -> np.ndarray:
    """A per-half-hour price from ``system``/``apx``, a flat figure or a series [£/MWh]."""
    if isinstance(value, str):
        source = value.strip().lower()
        if source in WHOLESALE:
            label = "GB system price" if source == "system" else "APX market index (APXMIDP)"
            notes.append(f"{field_name}: {label} from the warehouse")
            return wholesale_series(warehouse(), source, index, field_name)
        try:
            value = float(source)
        except ValueError:
            raise ValidationError(
                f"{field_name}: expected system, apx or a number in £/MWh, got {value!r}",
                field=field_name,
            ) from None
    if isinstance(value, int | float):
        notes.append(f"{field_name}: flat {float(value):g} £/MWh (the user's contract)")
        return np.full(len(index), float(value))
    array = np.asarray(value, dtype=float)
    if array.shape != (len(index),):
        raise ValidationError(
            f"{field_name}: expected {len(index)} half-hourly prices, got {array.size}",
            field=field_name,
        )
    notes.append(f"{field_name}: per-half-hour series supplied by the user")
    return array


def _pv(request: BtmRequest, index: pd.DatetimeIndex, notes: list[str]) -> np.ndarray | None:
    if request.pv_kwh is not None:
        if request.pv_kwp is not None:
            raise ValidationError("pv: give a PV series or a PV model, not both", field="pv_kwp")
        notes.append("PV: half-hourly series supplied by the user (kWh after the inverter)")
        return np.asarray(request.pv_kwh, dtype=float)
    if request.pv_kwp is None:
        return None
    if request.latitude_deg is None or request.longitude_deg is None:
        raise ValidationError("lat: a PV model needs --lat and --lon", field="lat")
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
    ref: ReferenceData,
    request: BtmRequest,
    warehouse: Callable[[], Warehouse],
) -> dict[str, Any]:
    """Resolve the request and return the BtM document (issue 7 keys).

    Args:
        ref: Reference data (tariffs, levy rates).
        request: The request.
        warehouse: Opens the (seeded) warehouse; called only when a wholesale price is asked.
    """
    notes: list[str] = []
    start_ns, _ = profile_arrays(request.load)
    index = pd.DatetimeIndex(pd.to_datetime(start_ns, utc=True), name="interval_start")
    tariff = find_tariff(ref, request.distributor, tariff=request.tariff, llfc=request.llfc)
    export_tariff = (
        None
        if request.export_tariff is None
        else find_tariff(ref, request.distributor, tariff=request.export_tariff)
    )
    energy = price_series(request.energy_price, index, "energy_price", warehouse, notes)
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
    export = (
        None
        if export_source is None
        else price_series(export_source, index, "export_price", warehouse, notes)
    )
    include: list[str] | None = None
    if request.no_levies:
        include = []
    elif request.without_levies:
        left_out = {name.lower() for name in request.without_levies}
        unknown = left_out - {name.lower() for name in LEVIES}
        if unknown:
            raise ValidationError(
                f"without_levy: unknown levy {sorted(unknown)[0]!r}; known levies are "
                f"{', '.join(LEVIES)}",
                field="without_levy",
            )
        include = [name for name in LEVIES if name.lower() not in left_out]
        notes.append(f"levies left out at the user's request: {', '.join(request.without_levies)}")
    levies = resolve_levies(
        ref.table("non_commodity_rates"),
        index,
        include=include,
        overrides=request.levy_overrides,
        tnuos_band=request.tnuos_band,
    )
    if request.no_levies:
        notes.append(f"levies left out at the user's request (--no-levies): {', '.join(LEVIES)}")
    battery = build_battery(request, notes)
    pv = _pv(request, index, notes)
    result = btm_ppa(
        request.load,
        battery,
        tariff,
        request.ppa_gbp_per_mwh,
        energy,
        levies,
        capacity_kva=request.capacity_kva,
        pv_kwh=pv,
        import_limit_kva=request.import_limit_kva,
        export_limit_kw=request.export_limit_kw,
        export_prices_gbp_per_mwh=export,
        export_tariff=export_tariff,
        assumptions=tuple(notes),
    )
    document = result_document(result)
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
            "degradation_cost_gbp_per_mwh": battery.degradation_cost_gbp_per_mwh,
        }
    return document


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


def read_csv(path: Path, field_name: str) -> pd.DataFrame:
    """A CSV file as a raw frame (timestamps kept as text).

    Raises:
        ValidationError: If the file is missing or not a readable CSV.
    """
    try:
        return pd.read_csv(path, dtype={"interval_start": str, "settlement_date": str})
    except FileNotFoundError:
        raise ValidationError(f"{field_name}: no such file {path}", field=field_name) from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise ValidationError(
            f"{field_name}: {path} is not a readable CSV ({exc})", field=field_name
        ) from None


def series_on_load(
    frame: pd.DataFrame, columns: Sequence[str], load: pd.DataFrame, field_name: str
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
    load_ns, _ = profile_arrays(load)
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
