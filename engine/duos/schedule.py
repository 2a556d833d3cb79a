"""Per-period DUoS arrays for one tariff over one half-hourly index, computed once and reused.

A bill needs, for every half-hour, its band, its month and its charging year's rates, and
for every month the days it covers. These depend only on the tariff and the index, so they
are computed once per (tariff, first period, number of periods) and cached; costing a site
is then a handful of numpy reductions (see :mod:`engine.duos.cost`).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from engine.duos.bands import build_band_grid, month_keys
from engine.duos.tariffs import DuosTariff, TariffYear
from engine.errors import ValidationError
from engine.settlement import (
    HALF_HOUR,
    charging_year_label,
    charging_year_start,
    periods_in_day,
    uk_clock_calendar,
)

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
N_BANDS = 3


@dataclass(frozen=True)
class _Calendar:
    day_of_week: IntArray
    clock_half_hour: IntArray
    local_date: pd.DatetimeIndex
    year_start: IntArray  # calendar year in which each period's charging year starts
    month_serial: IntArray  # local year * 12 + month - 1
    day_fraction: FloatArray  # 1 / periods in that UK local day


def _calendar_of(index: pd.DatetimeIndex) -> _Calendar:
    cal = uk_clock_calendar(index)
    local_date = pd.DatetimeIndex(cal["local_date"])
    unique_dates, inverse = np.unique(local_date.values, return_inverse=True)
    per_day = periods_in_day(pd.DatetimeIndex(unique_dates))[inverse]
    return _Calendar(
        day_of_week=cal["day_of_week"].to_numpy(),
        clock_half_hour=cal["clock_half_hour"].to_numpy(),
        local_date=local_date,
        year_start=charging_year_start(index),
        month_serial=np.asarray(local_date.year, dtype=np.int64) * 12 + cal["month"].to_numpy() - 1,
        day_fraction=1.0 / per_day.astype(np.float64),
    )


@functools.lru_cache(maxsize=32)
def _contiguous_calendar(first_ns: int, n_periods: int) -> _Calendar:
    return _calendar_of(contiguous_index(first_ns, n_periods))


def contiguous_index(first_ns: int, n_periods: int) -> pd.DatetimeIndex:
    """The UTC index of ``n_periods`` consecutive half-hours from ``first_ns`` [ns epoch]."""
    values = first_ns + np.arange(n_periods, dtype=np.int64) * HALF_HOUR.value
    # A view of the integers as datetime64[ns]: ~100x faster than pd.to_datetime on them.
    return pd.DatetimeIndex(values.view("datetime64[ns]"), name="interval_start").tz_localize("UTC")


def _years_of(tariff: DuosTariff, year_start: IntArray) -> tuple[IntArray, tuple[TariffYear, ...]]:
    """Index into the tariff's years for each period; rejects periods in years not held."""
    held = {int(y.charging_year[:4]): i for i, y in enumerate(tariff.years)}
    lookup = np.full(int(year_start.max()) - int(year_start.min()) + 1, -1, dtype=np.int64)
    base = int(year_start.min())
    for start, i in held.items():
        if 0 <= start - base < lookup.size:
            lookup[start - base] = i
    year_index = lookup[year_start - base]
    bad = np.flatnonzero(year_index < 0)
    if bad.size:
        missing = sorted({charging_year_label(int(y)) for y in year_start[bad]})
        raise ValidationError(
            f"interval_start: {bad.size} period(s) fall in charging year(s) "
            f"{', '.join(missing)}, first at row {int(bad[0])}; DUoS charges for "
            f"{tariff.tariff_name} exist for {', '.join(tariff.charging_years)}",
            field="interval_start",
        )
    return year_index, tariff.years


def _band_codes(cal: _Calendar, tariff: DuosTariff, year_index: IntArray) -> npt.NDArray[np.int8]:
    codes = np.empty(year_index.shape[0], dtype=np.int8)
    weekend = (cal.day_of_week >= 5).astype(np.int64)
    for i, year in enumerate(tariff.years):
        rows = np.flatnonzero(year_index == i)
        if not rows.size:
            continue
        grid = build_band_grid(year.windows, tariff.band_names)
        keys = month_keys(cal.local_date[rows], weekend[rows], grid)
        codes[rows] = grid.codes[weekend[rows], keys, cal.clock_half_hour[rows]]
    return codes


def classify_duos_band(interval_start: pd.DatetimeIndex, tariff: DuosTariff) -> pd.Series:
    """The DUoS band of each half-hour under a tariff's published windows.

    Each period uses its own charging year's windows, its UK local day type (Monday-Friday
    including bank holidays, or Saturday-Sunday, per the statements' Annex 1) and its UK
    wall-clock time, so clock-change days and split red windows (London 11:00-14:00 and
    16:00-19:00) come out right.

    Args:
        interval_start: Tz-aware half-hour start times (any order).
        tariff: The tariff (its band scheme picks red/amber/green or black/yellow/green).

    Returns:
        Series of band names indexed by UTC ``interval_start``, named ``band``.

    Raises:
        ValidationError: If a period falls in a charging year the tariff does not hold.
    """
    index = pd.DatetimeIndex(interval_start)
    cal = _calendar_of(index)
    year_index, _ = _years_of(tariff, cal.year_start)
    codes = _band_codes(cal, tariff, year_index)
    names = np.array(tariff.band_names, dtype=object)
    return pd.Series(
        names[codes], index=index.tz_convert("UTC").rename("interval_start"), name="band"
    )


@dataclass(frozen=True, eq=False)
class DuosSchedule:
    """Arrays of one tariff over one contiguous half-hourly index (read-only, cached).

    Attributes:
        tariff: The tariff.
        index: UTC ``interval_start`` of every period.
        band_code: Band of each period (0 red/black, 1 amber/yellow, 2 green).
        month_of_period: Month number 0..M-1 of each period (UK local calendar months).
        month_starts: First period of each month (for ``np.maximum.reduceat``).
        months: ``YYYY-MM`` of each month.
        month_years: The tariff year (charges) of each month (a month never spans 1 April).
        days: Days of each month the index covers (each period = 1/46, 1/48 or 1/50 day).
        unit_p_per_kwh: Unit rates per month and band [p/kWh], shape (M, 3).
        fixed_p_per_mpan_per_day, capacity_p_per_kva_per_day,
        exceeded_capacity_p_per_kva_per_day, reactive_power_p_per_kvarh: Per month; a
            charge the statement does not have is 0.
        group: ``month_of_period * 3 + band_code`` (for grouped sums).
    """

    tariff: DuosTariff
    index: pd.DatetimeIndex
    band_code: npt.NDArray[np.int8]
    month_of_period: IntArray
    month_starts: IntArray
    months: tuple[str, ...]
    month_years: tuple[TariffYear, ...]
    days: FloatArray
    unit_p_per_kwh: FloatArray
    fixed_p_per_mpan_per_day: FloatArray
    capacity_p_per_kva_per_day: FloatArray
    exceeded_capacity_p_per_kva_per_day: FloatArray
    reactive_power_p_per_kvarh: FloatArray
    group: IntArray

    @functools.cached_property
    def group_matrix(self) -> FloatArray:
        """One-hot (periods × months·3) matrix: ``kwh_2d @ group_matrix`` sums by month/band."""
        matrix = np.zeros((self.group.shape[0], len(self.months) * N_BANDS))
        matrix[np.arange(self.group.shape[0]), self.group] = 1.0
        return matrix

    @functools.cached_property
    def month_matrix(self) -> FloatArray:
        """One-hot (periods × months) matrix for monthly sums of many sites."""
        matrix = np.zeros((self.group.shape[0], len(self.months)))
        matrix[np.arange(self.group.shape[0]), self.month_of_period] = 1.0
        return matrix


def _rate(value: float | None) -> float:
    return 0.0 if value is None else value


# A schedule is ~0.5 MB (plus ~7 MB of one-hot matrices once used for many sites).
@functools.lru_cache(maxsize=16)
def duos_schedule(tariff: DuosTariff, first_ns: int, n_periods: int) -> DuosSchedule:
    """The cached per-period arrays of ``tariff`` over consecutive half-hours.

    Args:
        tariff: The tariff (all charging years the index touches must be held).
        first_ns: UTC start of the first period [ns since epoch].
        n_periods: Number of consecutive half-hours.

    Raises:
        ValidationError: If a period falls in a charging year the tariff does not hold.
    """
    cal = _contiguous_calendar(first_ns, n_periods)
    year_index, years = _years_of(tariff, cal.year_start)
    band_code = _band_codes(cal, tariff, year_index)
    change = np.flatnonzero(np.diff(cal.month_serial)) + 1
    month_starts = np.concatenate(([0], change)).astype(np.int64)
    month_of_period = np.cumsum(np.isin(np.arange(n_periods), change)).astype(np.int64)
    month_years = tuple(years[int(year_index[s])] for s in month_starts)
    serials = cal.month_serial[month_starts]
    months = tuple(f"{s // 12:04d}-{s % 12 + 1:02d}" for s in serials.tolist())
    # Whole days sum to an integer; rounding removes the float noise of adding 1/48s.
    days: FloatArray = np.round(
        np.bincount(month_of_period, weights=cal.day_fraction, minlength=len(months)), 9
    ).astype(np.float64)
    schedule = DuosSchedule(
        tariff=tariff,
        index=contiguous_index(first_ns, n_periods),
        band_code=band_code,
        month_of_period=month_of_period,
        month_starts=month_starts,
        months=months,
        month_years=month_years,
        days=days,
        unit_p_per_kwh=np.array([y.unit_p_per_kwh for y in month_years], dtype=np.float64),
        fixed_p_per_mpan_per_day=np.array([_rate(y.fixed_p_per_mpan_per_day) for y in month_years]),
        capacity_p_per_kva_per_day=np.array(
            [_rate(y.capacity_p_per_kva_per_day) for y in month_years]
        ),
        exceeded_capacity_p_per_kva_per_day=np.array(
            [_rate(y.exceeded_capacity_p_per_kva_per_day) for y in month_years]
        ),
        reactive_power_p_per_kvarh=np.array(
            [_rate(y.reactive_power_p_per_kvarh) for y in month_years]
        ),
        group=month_of_period * N_BANDS + band_code.astype(np.int64),
    )
    for array in (band_code, month_of_period, month_starts, days, schedule.group):
        array.setflags(write=False)
    return schedule
