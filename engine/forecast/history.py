"""Inputs checked once: the energy and service frames, and whether enough history precedes.

A forecast for days ``first_day..last_day`` may only look at data before them; when there
is too little, the error says how much history the data holds and how much is needed, so
the caller can widen the data or move the period (it never falls back to peeking).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from engine.errors import ValidationError
from engine.forecast.grid import FloatArray, local_day_slot
from engine.settlement import EFA_BLOCKS_PER_DAY, to_utc_index

ENERGY_COLUMNS = ("apx", "system")
SERVICE_CODES = ("DCL", "DCH", "DML", "DMH", "DRL", "DRH")


def check_energy(energy: pd.DataFrame) -> pd.DataFrame:
    """The energy frame with a UTC index and float columns ``apx`` and ``system``.

    Raises:
        ValidationError: Not a frame, a missing column, or an index that is not UTC times.
    """
    if not isinstance(energy, pd.DataFrame):
        raise ValidationError("energy: expected a DataFrame of half-hourly prices", field="energy")
    missing = [c for c in ENERGY_COLUMNS if c not in energy.columns]
    if missing:
        raise ValidationError(
            f"energy: missing column(s) {', '.join(missing)} (expected apx and system [£/MWh])",
            field="energy",
        )
    index = to_utc_index(energy.index, field="energy")
    out = pd.DataFrame(
        {
            c: pd.to_numeric(energy[c], errors="coerce").to_numpy(dtype=float)
            for c in ENERGY_COLUMNS
        },
        index=index,
    )
    return out.sort_index()


def check_services(services: pd.DataFrame) -> pd.DataFrame:
    """The services frame indexed by ``(efa_date, efa_block)`` with float service columns.

    Raises:
        ValidationError: Wrong index levels, a block outside 1..6, or no service column.
    """
    if not isinstance(services, pd.DataFrame) or services.index.nlevels != 2:
        raise ValidationError(
            "services: expected a DataFrame indexed by (efa_date, efa_block)", field="services"
        )
    dates = pd.DatetimeIndex(pd.to_datetime(services.index.get_level_values(0))).normalize()
    if dates.tz is not None:
        raise ValidationError("services: efa_date must be calendar dates", field="services")
    blocks = np.asarray(services.index.get_level_values(1), dtype=np.int64)
    if blocks.size and (blocks.min() < 1 or blocks.max() > EFA_BLOCKS_PER_DAY):
        raise ValidationError("services: efa_block must be 1..6", field="services")
    if len(services.columns) == 0:
        raise ValidationError("services: no service columns", field="services")
    out = pd.DataFrame(services.apply(pd.to_numeric, errors="coerce").astype(float))
    out.index = pd.MultiIndex.from_arrays([dates, blocks], names=["efa_date", "efa_block"])
    sorted_out: pd.DataFrame = out.sort_index()
    return sorted_out


def observed_days(values: pd.Series, before: dt.date) -> pd.DatetimeIndex:
    """Distinct UK local days before ``before`` on which a half-hourly series has a value."""
    present = values.dropna()
    day, _ = local_day_slot(pd.DatetimeIndex(present.index))
    days = pd.DatetimeIndex(day.unique()).sort_values()
    return days[days < pd.Timestamp(before)]


def require_history(
    days: pd.DatetimeIndex, first_day: dt.date, needed_days: int, *, field: str, method: str
) -> None:
    """Raise unless ``days`` (observed days before ``first_day``) reach back ``needed_days``.

    Raises:
        ValidationError: Naming the field, how much history exists and how much is needed
            (the issue's "bad input": a period too early for the history given, 422/exit 2).
    """
    start = pd.Timestamp(first_day) - pd.Timedelta(days=needed_days)
    if len(days) and days[0] <= start:
        return
    if len(days):
        held = f"it holds {len(days)} day(s) with data, {days[0].date()} .. {days[-1].date()}"
    else:
        held = "it holds none"
    raise ValidationError(
        f"{field}: the {method} forecast from {first_day} needs {needed_days} days of history "
        f"before it (from {start.date()}); {held}",
        field=field,
        extensions={
            "history_days_needed": needed_days,
            "history_days_held": len(days),
            "history_first_day": None if not len(days) else str(days[0].date()),
        },
    )


def service_grid(column: pd.Series, first_day: dt.date, last_day: dt.date) -> FloatArray:
    """A days x 6 array of one service's prices for EFA days ``first_day..last_day``."""
    days = pd.date_range(pd.Timestamp(first_day), pd.Timestamp(last_day), freq="D")
    grid = np.full((len(days), EFA_BLOCKS_PER_DAY), np.nan)
    present = column.dropna()
    dates = pd.DatetimeIndex(present.index.get_level_values(0))
    row = np.asarray((dates - days[0]).days, dtype=np.int64) if len(days) else np.array([])
    block = np.asarray(present.index.get_level_values(1), dtype=np.int64) - 1
    keep = (row >= 0) & (row < len(days))
    grid[row[keep], block[keep]] = present.to_numpy(dtype=float)[keep]
    return grid


def service_days(column: pd.Series, before: dt.date) -> pd.DatetimeIndex:
    """Distinct EFA days before ``before`` on which a service has a price."""
    present = column.dropna()
    days = pd.DatetimeIndex(present.index.get_level_values(0).unique()).sort_values()
    return days[days < pd.Timestamp(before)]
