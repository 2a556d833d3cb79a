"""The battery dispatch use case: prices in, the exact optimal schedule and its totals out.

Shared by ``gbess dispatch`` and ``POST /v1/bess/dispatch``: both build one
:class:`DispatchRequest` (validated once, there) and call :func:`run_dispatch`, which reads
warehouse prices if asked, makes the one engine call,
:func:`engine.dispatch.optimise_dispatch`, and shapes the JSON answer.

Given prices (a CSV file or an HTTP body) have ``interval_start`` (ISO 8601 with an offset)
or ``settlement_date`` + ``settlement_period``, and ``price_gbp_per_mwh`` (or both
``buy_price_gbp_per_mwh`` and ``sell_price_gbp_per_mwh``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from engine.battery import DEFAULT_ROUND_TRIP_EFFICIENCY_FRAC, ROUND_TRIP_SOURCE, BatterySpec
from engine.dispatch import DispatchResult, optimise_dispatch
from engine.errors import DataMissingError, ValidationError
from engine.series import check_half_hour_steps, numeric_cells, row_starts_ns
from engine.settlement import iso_utc
from engine.settlement import to_date as parse_date
from jobs.coverage import dataset_coverage, outside_range
from jobs.settings import Settings
from jobs.warehouse import open_warehouse, seed_if_needed

APX_PROVIDER = "APXMIDP"
#: Price series the warehouse offers: the imbalance price, or the APX market index.
WAREHOUSE_SERIES = ("system", "apx")
# The warehouse dataset of each series, whose range an out-of-range request is told.
_DATASET = {"system": "system_prices", "apx": "market_index"}
INTERVAL_H = 0.5


@dataclass(frozen=True, eq=False)
class GivenPrices:
    """Prices given with the request (a CSV file or an HTTP body).

    Attributes:
        table: ``buy_price_gbp_per_mwh`` and ``sell_price_gbp_per_mwh`` [£/MWh] indexed by
            consecutive UTC ``interval_start`` (NaN kept: the engine names the half-hours).
    """

    table: pd.DataFrame


@dataclass(frozen=True)
class WarehousePrices:
    """Prices read from the warehouse at run time.

    Attributes:
        series: ``system`` (buy at the system buy price, sell at the system sell price) or
            ``apx`` (the APX market index; periods without trades cannot be traded).
        from_date: First UK day.
        to_date: Last UK day (inclusive).
    """

    series: str
    from_date: dt.date
    to_date: dt.date

    def __post_init__(self) -> None:
        if self.series not in WAREHOUSE_SERIES:
            raise ValidationError(
                f"prices_from_warehouse: expected {' or '.join(WAREHOUSE_SERIES)}, got "
                f"{self.series!r}",
                field="prices_from_warehouse",
            )
        if self.from_date > self.to_date:
            raise ValidationError(
                f"from: {self.from_date} is after --to {self.to_date}", field="from"
            )


@dataclass(frozen=True)
class DispatchRequest:
    """One battery against one price series, validated on creation.

    Built from typed values or, from input as a caller wrote it (CLI flags, an HTTP body),
    with :meth:`from_inputs`. Errors name the caller's fields (``charge_efficiency``).

    Attributes:
        prices: Where the prices come from.
        power_mw: Charge and discharge power [MW].
        energy_mwh: Energy capacity [MWh].
        charge_efficiency_frac: Stored ÷ grid energy in [0-1] (a missing one of the pair: 1).
        discharge_efficiency_frac: Grid energy out ÷ stored energy out [0-1].
        round_trip_efficiency_frac: Round trip instead, split as its square root each way;
            with no efficiency at all, :data:`engine.battery.DEFAULT_ROUND_TRIP_EFFICIENCY_FRAC`
            (stated in ``round_trip_note``).
        initial_soc_mwh: Stored energy at the start [MWh].
        final_soc_mwh: Required stored energy at the end, or None for free [MWh].
        degradation_gbp_per_mwh: Wear cost per MWh discharged [£/MWh].
        max_cycles_per_day: Cap on equivalent full cycles per UK day, or None [cycles/day].
        schedule_csv: Write the per-interval schedule here (the CLI's ``--schedule``); its
            folder must exist (checked now, so a typo costs no solve).
        battery: The battery these fields describe (derived).
        round_trip_note: How the round trip was chosen (derived).
    """

    prices: GivenPrices | WarehousePrices
    power_mw: float
    energy_mwh: float
    charge_efficiency_frac: float | None = None
    discharge_efficiency_frac: float | None = None
    round_trip_efficiency_frac: float | None = None
    initial_soc_mwh: float = 0.0
    final_soc_mwh: float | None = None
    degradation_gbp_per_mwh: float = 0.0
    max_cycles_per_day: float | None = None
    schedule_csv: Path | None = None
    battery: BatterySpec = field(init=False, repr=False, compare=False)
    round_trip_note: str = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        common: dict[str, Any] = {
            "initial_soc_mwh": self.initial_soc_mwh,
            "final_soc_mwh": self.final_soc_mwh,
            "degradation_cost_gbp_per_mwh": self.degradation_gbp_per_mwh,
            "max_cycles_per_day": self.max_cycles_per_day,
        }
        one_way = (self.charge_efficiency_frac, self.discharge_efficiency_frac)
        round_trip = self.round_trip_efficiency_frac
        try:
            if one_way != (None, None):
                if round_trip is not None:
                    raise ValidationError(
                        "round_trip_efficiency_frac: give it or the charge/discharge "
                        "efficiencies, not both",
                        field="round_trip_efficiency_frac",
                    )
                charge, discharge = (1.0 if x is None else x for x in one_way)
                note = "given (charge × discharge efficiency)"
                battery = BatterySpec.symmetric(
                    self.power_mw,
                    self.energy_mwh,
                    charge_efficiency_frac=charge,
                    discharge_efficiency_frac=discharge,
                    **common,
                )
            else:
                note = "given, split as its square root each way"
                if round_trip is None:
                    round_trip = DEFAULT_ROUND_TRIP_EFFICIENCY_FRAC
                    note = (
                        f"not given: {round_trip:g} assumed ({ROUND_TRIP_SOURCE}), split as its "
                        "square root each way"
                    )
                battery = BatterySpec.from_round_trip(
                    self.power_mw, self.energy_mwh, round_trip, **common
                )
        except ValidationError as error:
            # The engine names its own fields; the caller typed these names.
            raise renamed(error, _REQUEST_FIELDS) from None
        object.__setattr__(self, "battery", battery)
        object.__setattr__(self, "round_trip_note", note)
        if self.schedule_csv is not None and not self.schedule_csv.parent.is_dir():
            raise ValidationError(
                f"schedule: the folder {self.schedule_csv.parent} does not exist",
                field="schedule",
            )

    @classmethod
    def from_inputs(
        cls,
        *,
        power_mw: float,
        energy_mwh: float,
        prices: pd.DataFrame | None = None,
        prices_from_warehouse: str | None = None,
        from_date: str | dt.date | None = None,
        to_date: str | dt.date | None = None,
        charge_efficiency: float | None = None,
        discharge_efficiency: float | None = None,
        round_trip_efficiency: float | None = None,
        initial_soc_mwh: float = 0.0,
        final_soc_mwh: float | None = None,
        degradation_gbp_per_mwh: float = 0.0,
        max_cycles_per_day: float | None = None,
        schedule: str | Path | None = None,
    ) -> DispatchRequest:
        """A request from input as a caller wrote it: the CLI's flags and the HTTP body's keys.

        Args:
            power_mw: Charge and discharge power [MW].
            energy_mwh: Energy capacity [MWh].
            prices: The columns of a price file as read (see the module docstring), or
                None with ``prices_from_warehouse``.
            prices_from_warehouse: ``system`` or ``apx``, with ``from_date`` and ``to_date``.
            from_date: With the warehouse: first UK day.
            to_date: With the warehouse: last UK day (inclusive).
            charge_efficiency: Stored ÷ grid energy in [0-1].
            discharge_efficiency: Grid energy out ÷ stored energy out [0-1].
            round_trip_efficiency: Round trip instead [0-1]; with no efficiency given,
                :data:`engine.battery.DEFAULT_ROUND_TRIP_EFFICIENCY_FRAC`.
            initial_soc_mwh: Stored energy at the start [MWh].
            final_soc_mwh: Required stored energy at the end, or None [MWh].
            degradation_gbp_per_mwh: Wear cost per MWh discharged [£/MWh].
            max_cycles_per_day: Cap on equivalent full cycles per UK day [cycles/day].
            schedule: Where to write the per-interval schedule CSV.

        Raises:
            ValidationError: Naming the input.
        """
        source: GivenPrices | WarehousePrices
        if (prices is None) == (prices_from_warehouse is None):
            raise ValidationError(
                "prices: give prices or prices_from_warehouse (with from and to), "
                + ("not both" if prices is not None else "none was given"),
                field="prices",
            )
        if prices is not None:
            source = GivenPrices(price_table(prices))
        else:
            if from_date is None or to_date is None:
                raise ValidationError(
                    "--from and --to are required with --prices-from-warehouse", field="from"
                )
            source = WarehousePrices(
                str(prices_from_warehouse), parse_date(from_date, "from"), parse_date(to_date, "to")
            )
        return cls(
            prices=source,
            power_mw=power_mw,
            energy_mwh=energy_mwh,
            charge_efficiency_frac=charge_efficiency,
            discharge_efficiency_frac=discharge_efficiency,
            round_trip_efficiency_frac=round_trip_efficiency,
            initial_soc_mwh=initial_soc_mwh,
            final_soc_mwh=final_soc_mwh,
            degradation_gbp_per_mwh=degradation_gbp_per_mwh,
            max_cycles_per_day=max_cycles_per_day,
            schedule_csv=None if schedule is None else Path(schedule),
        )


#: Engine field names → the request's field names (CLI flags and HTTP keys).
_REQUEST_FIELDS = {
    "charge_power_mw": "power_mw",
    "discharge_power_mw": "power_mw",
    "charge_efficiency_frac": "charge_efficiency",
    "discharge_efficiency_frac": "discharge_efficiency",
    "round_trip_efficiency_frac": "round_trip_efficiency",
    "degradation_cost_gbp_per_mwh": "degradation_gbp_per_mwh",
}


def renamed(error: ValidationError, names: Mapping[str, str]) -> ValidationError:
    """``error`` naming the caller's input instead of the engine's field.

    Args:
        error: An error from the engine (e.g. :class:`engine.battery.BatterySpec`).
        names: Engine field name → the request's input name (a CLI flag, an HTTP key).
    """
    name = names.get(error.field or "")
    if name is None or error.field is None:
        return error
    return ValidationError(str(error.detail).replace(error.field, name, 1), field=name)


def read_price_csv(path: Path) -> pd.DataFrame:
    """A price CSV's columns as written (checked by :func:`price_table`).

    Raises:
        ValidationError: A missing, unreadable or empty file.
    """
    try:
        frame = pd.read_csv(path, dtype={"interval_start": str, "settlement_date": str})
    except FileNotFoundError:
        raise ValidationError(f"prices: no such file {path}", field="prices") from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise ValidationError(
            f"prices: {path} is not a readable CSV ({exc})", field="prices"
        ) from None
    if frame.empty:
        raise ValidationError(f"prices: {path} has no rows", field="prices")
    return frame


def price_table(frame: pd.DataFrame) -> pd.DataFrame:
    """Given prices as a frame indexed by consecutive UTC ``interval_start``.

    Args:
        frame: ``interval_start`` or ``settlement_date`` + ``settlement_period``, and
            ``price_gbp_per_mwh`` (or ``buy_price_gbp_per_mwh`` and
            ``sell_price_gbp_per_mwh``) [£/MWh]; rows in any order.

    Returns:
        Columns ``buy_price_gbp_per_mwh`` and ``sell_price_gbp_per_mwh`` [£/MWh] in time
        order (NaN kept: the engine names the intervals).

    Raises:
        ValidationError: No rows, bad timestamps or gaps, no price column, text for a price.
    """
    if len(frame.index) == 0:
        raise ValidationError("prices: no half-hours given", field="prices")
    start_ns = row_starts_ns(frame)
    order = check_half_hour_steps(start_ns)
    index = pd.DatetimeIndex(pd.to_datetime(start_ns[order], utc=True), name="interval_start")
    columns = {}
    for side in ("buy", "sell"):
        name = f"{side}_price_gbp_per_mwh"
        column = name if name in frame.columns else "price_gbp_per_mwh"
        if column not in frame.columns:
            raise ValidationError(
                "price_gbp_per_mwh: the price file needs price_gbp_per_mwh (or both "
                "buy_price_gbp_per_mwh and sell_price_gbp_per_mwh)",
                field="price_gbp_per_mwh",
            )
        columns[name] = numeric_cells(frame[column], column)[order]
    return pd.DataFrame(columns, index=index)


def read_warehouse_prices(
    settings: Settings, source: WarehousePrices
) -> tuple[pd.DataFrame, pd.Series]:
    """Prices from the embedded warehouse (or BigQuery), and which intervals can trade.

    ``system``: buy at the system buy price, sell at the system sell price (equal since
    P305). ``apx``: the APX market index; a period with no trades (NULL price) cannot be
    traded, rather than being treated as £0/MWh. The embedded DuckDB file is seeded from
    the shipped data first if it is not already.

    Raises:
        DataMissingError: The period is not wholly inside the data held (naming the range),
            or a gap leaves it without prices.
    """
    first, last = source.from_date, source.to_date
    with open_warehouse(settings) as warehouse:
        if warehouse.backend == "duckdb":
            seed_if_needed(warehouse, settings)
        if source.series == "system":
            raw = warehouse.query("system_prices", from_date=first, to_date=last)
            buy = raw["system_buy_price_gbp_per_mwh"]
            sell = raw["system_sell_price_gbp_per_mwh"]
        else:
            raw = warehouse.query("market_index", from_date=first, to_date=last)
            raw = raw[raw["data_provider"] == APX_PROVIDER]
            buy = sell = raw["market_index_price_gbp_per_mwh"]
        dataset = _DATASET[source.series]
        held = dataset_coverage(warehouse, dataset)
    inside = held["rows"] and held["first_day"] <= str(first) and str(last) <= held["last_day"]
    if not inside:
        raise outside_range(
            "from", dataset, first, last, held["first_day"], held["last_day"], to_field="to"
        )
    if raw.empty:
        raise DataMissingError(
            f"from: no {source.series} prices for {first} … {last}: a gap in the data held "
            f"({held['range']})",
            field="from",
        )
    index = pd.DatetimeIndex(raw["interval_start"], name="interval_start")
    frame = pd.DataFrame(
        {
            "buy_price_gbp_per_mwh": buy.to_numpy(dtype=float),
            "sell_price_gbp_per_mwh": sell.to_numpy(dtype=float),
        },
        index=index,
    )
    tradable = pd.Series(
        np.isfinite(frame.to_numpy()).all(axis=1) | (source.series == "system"), index=index
    )
    return frame, tradable


def run_dispatch(request: DispatchRequest, settings: Settings) -> dict[str, Any]:
    """The use case: the exact optimum against the request's prices, as a JSON document.

    Writes the per-interval schedule to ``request.schedule_csv`` when given.

    Raises:
        ValidationError: Prices the engine refuses (naming the intervals).
        DataMissingError: No warehouse prices for the period.
        InfeasibleDispatchError: An unreachable final state of charge.
    """
    tradable = None
    if isinstance(request.prices, GivenPrices):
        prices = request.prices.table
    else:
        prices, tradable = read_warehouse_prices(settings, request.prices)
    result = optimise_dispatch(
        None,
        request.battery,
        INTERVAL_H,
        buy_prices_gbp_per_mwh=prices["buy_price_gbp_per_mwh"],
        sell_prices_gbp_per_mwh=prices["sell_price_gbp_per_mwh"],
        tradable=tradable,
    )
    if request.schedule_csv is not None:
        out = result.schedule.copy()
        out.insert(0, "interval_start", iso_utc(out.index))
        out.to_csv(request.schedule_csv, index=False)
    return {
        **dispatch_document(result),
        # sqrt(0.88) squared is 0.8800000000000001: state the round trip as given.
        "round_trip_efficiency": round(request.battery.round_trip_efficiency_frac, 9),
        "round_trip_note": request.round_trip_note,
    }


def dispatch_document(result: DispatchResult) -> dict[str, Any]:
    """The JSON answer: the engine's totals, the span solved and the method used."""
    return {
        **result.totals(),
        "intervals": int(result.schedule.shape[0]),
        "first_interval_start": iso_utc(result.schedule.index[:1])[0],
        "last_interval_start": iso_utc(result.schedule.index[-1:])[0],
        "method": result.method,
    }
