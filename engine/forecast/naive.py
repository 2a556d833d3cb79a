"""The naive forecast: the same local time (energy) or EFA block (services) one week before.

Only history is used: the value for day D comes from day D-7 (which is public at D-1's
decision time), or, where D-7 has no value at that time of day (a gap, or the hour the
spring clock change skips), from the latest earlier day that has one. The first forecast
day therefore needs seven days of history before it; with less, the error says how much
there is.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from engine.forecast.grid import FloatArray, ffill_rows, from_grid, shift_rows, to_grid
from engine.forecast.history import (
    ENERGY_COLUMNS,
    observed_days,
    require_history,
    service_days,
    service_grid,
)
from engine.settlement import EFA_BLOCKS_PER_DAY, half_hourly_index, to_date, to_utc_index

NAIVE_LAG_DAYS = 7


def naive_energy(
    energy: pd.DataFrame, first_day: dt.date, last_day: dt.date, index: pd.DatetimeIndex
) -> pd.DataFrame:
    """Same-local-time-last-week forecast of each energy column for the half-hours ``index``.

    Args:
        energy: Checked energy frame (UTC index, ``apx``, ``system``) [£/MWh].
        first_day: First UK day forecast.
        last_day: Last UK day forecast.
        index: The UTC half-hours of ``first_day..last_day``.

    Raises:
        ValidationError: Fewer than 7 days of history before ``first_day`` in a column.
    """
    return pd.DataFrame(
        {
            column: naive_series(energy[column], first_day, last_day, index, f"energy.{column}")
            for column in ENERGY_COLUMNS
        },
        index=index,
    )


def naive_series(
    series: pd.Series,
    first_day: dt.date,
    last_day: dt.date,
    index: pd.DatetimeIndex,
    field: str,
) -> FloatArray:
    """One half-hourly series' same-local-time-last-week forecast for ``index``.

    Raises:
        ValidationError: Fewer than 7 days of history before ``first_day``.
    """
    require_history(
        observed_days(series, first_day), first_day, NAIVE_LAG_DAYS, field=field, method="naive"
    )
    start = pd.Timestamp(first_day) - pd.Timedelta(days=NAIVE_LAG_DAYS)
    # Only values of days before last_day - 6 can be a lag-7 source: nothing later enters
    # the grid, so nothing later can leak in.
    history = series[series.index < _local_midnight(last_day - dt.timedelta(days=6))]
    grid = to_grid(history, start.date(), last_day)
    lagged = shift_rows(ffill_rows(grid), NAIVE_LAG_DAYS)
    return from_grid(lagged, start.date(), index)


def naive_day_ahead(prices: pd.Series, first_day: object, last_day: object) -> pd.Series:
    """Same-local-time-last-week forecast of UK days ``first_day..last_day`` from history.

    Args:
        prices: Values on a UTC half-hourly index, covering the week before ``first_day``.
        first_day: First UK day.
        last_day: Last UK day (inclusive).

    Returns:
        The forecast on the days' UTC half-hours (``interval_start``).

    Raises:
        ValidationError: Fewer than 7 days of history before ``first_day``.
        ValidationError: ``last_day`` before ``first_day``, or an index that is not UTC.
    """
    first = to_date(first_day, "first_day")
    last = to_date(last_day, "last_day")
    index = half_hourly_index(first, last)
    series = pd.Series(
        pd.to_numeric(prices, errors="coerce").to_numpy(dtype=float),
        index=to_utc_index(prices.index, field="prices"),
    ).sort_index()
    values = naive_series(series, first, last, index, "prices")
    return pd.Series(values, index=index, name=prices.name)


def naive_services(
    services: pd.DataFrame, first_day: dt.date, last_day: dt.date, index: pd.MultiIndex
) -> pd.DataFrame:
    """Same-EFA-block-last-week forecast of each service for the EFA blocks ``index``.

    Raises:
        ValidationError: Fewer than 7 EFA days of history before ``first_day`` in a column.
    """
    start = pd.Timestamp(first_day) - pd.Timedelta(days=NAIVE_LAG_DAYS)
    n_days = len(index) // EFA_BLOCKS_PER_DAY
    out = {}
    for column in services.columns:
        series = services[column]
        require_history(
            service_days(series, first_day),
            first_day,
            NAIVE_LAG_DAYS,
            field=f"services.{column}",
            method="naive",
        )
        grid = service_grid(series, start.date(), last_day)
        # A lag-7 source is at most last_day - 7: later rows are dropped before filling.
        grid[grid.shape[0] - NAIVE_LAG_DAYS :] = np.nan
        lagged = shift_rows(ffill_rows(grid), NAIVE_LAG_DAYS)[NAIVE_LAG_DAYS:]
        out[str(column)] = lagged[:n_days].reshape(-1)
    return pd.DataFrame(out, index=index)


def _local_midnight(day: dt.date) -> pd.Timestamp:
    return pd.Timestamp(day).tz_localize("Europe/London").tz_convert("UTC")
