"""Half-hourly prices as a UK-local day x half-hour-slot grid, and back.

Forecast features compare "the same time of day" across days, which is a local clock time,
not a UTC offset or a settlement period number (a 46- or 50-period day shifts the numbers).
Slot ``s`` is the local half-hour starting at ``s * 30`` minutes after local midnight
(0..47). On the spring clock-change day slots 2-3 (01:00-02:00) do not exist (NaN); on the
autumn day the repeated hour's two half-hours fall in the same slots and are averaged.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import numpy.typing as npt
import pandas as pd

from engine.settlement import UK_TZ, to_utc_index

SLOTS_PER_DAY = 48

FloatArray = npt.NDArray[np.float64]


def local_day_slot(index: pd.DatetimeIndex) -> tuple[pd.DatetimeIndex, npt.NDArray[np.int64]]:
    """UK local day (naive midnight) and slot (0..47) of each UTC half-hour start."""
    local = to_utc_index(index).tz_convert(UK_TZ)
    day = local.tz_localize(None).normalize()
    slot = (
        np.asarray(local.hour, dtype=np.int64) * 2 + np.asarray(local.minute, dtype=np.int64) // 30
    )
    return pd.DatetimeIndex(day), slot


def to_grid(series: pd.Series, first_day: dt.date, last_day: dt.date) -> FloatArray:
    """A days x 48 array of the series' values for local days ``first_day..last_day``.

    Days and slots without a value are NaN (also outside the series' span).
    """
    days = pd.date_range(pd.Timestamp(first_day), pd.Timestamp(last_day), freq="D")
    grid = np.full((len(days), SLOTS_PER_DAY), np.nan)
    if series.empty or len(days) == 0:
        return grid
    day, slot = local_day_slot(pd.DatetimeIndex(series.index))
    row = np.asarray((day - days[0]).days, dtype=np.int64)
    values = series.to_numpy(dtype=float)
    keep = (row >= 0) & (row < len(days)) & ~np.isnan(values)
    sums = np.zeros_like(grid)
    counts = np.zeros_like(grid)
    np.add.at(sums, (row[keep], slot[keep]), values[keep])
    np.add.at(counts, (row[keep], slot[keep]), 1.0)
    with np.errstate(invalid="ignore"):
        return np.where(counts > 0, sums / np.maximum(counts, 1.0), np.nan)


def from_grid(grid: FloatArray, first_day: dt.date, index: pd.DatetimeIndex) -> FloatArray:
    """Look each UTC half-hour of ``index`` up in a grid whose row 0 is ``first_day``."""
    day, slot = local_day_slot(index)
    row = np.asarray((day - pd.Timestamp(first_day)).days, dtype=np.int64)
    return np.asarray(grid[row, slot], dtype=float)


def shift_rows(grid: FloatArray, days: int) -> FloatArray:
    """The grid moved down by ``days`` rows (row r holds row r - days), NaN-padded."""
    out = np.full_like(grid, np.nan)
    if days < grid.shape[0]:
        out[days:] = grid[: grid.shape[0] - days]
    return out


def ffill_rows(grid: FloatArray) -> FloatArray:
    """Fill each NaN with the last earlier row's value in the same column (slot)."""
    frame = pd.DataFrame(grid)
    return np.asarray(frame.ffill().to_numpy(), dtype=float)
