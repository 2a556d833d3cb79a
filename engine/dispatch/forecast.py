"""Forecasts a non-anticipative dispatch decides on: same period last week.

:func:`naive_forecast` works on the period's own prices: its first ``lag_intervals`` (a week)
are filled from the first day's *actual* prices, so that week is in-sample (a leak). Use
:func:`naive_forecast_from_history` for a forecast made only from history before the period
(it raises when the history is too short); the learned and naive day-ahead forecasts of
:mod:`engine.forecast` never look inside the period.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from engine.errors import ValidationError
from engine.forecast import naive_day_ahead

HALF_HOURS_PER_WEEK = 336


def naive_forecast(prices_gbp_per_mwh: Any, lag_intervals: int = HALF_HOURS_PER_WEEK) -> Any:
    """Same-period-last-week forecast (by default 336 half-hours earlier).

    The first ``lag_intervals`` have no "last week": they are forecast by the same period
    of the first day (``t mod 48`` for half-hours), so the first day is known exactly (an
    in-sample fill: :func:`naive_forecast_from_history` uses history instead). A
    missing (NaN) source price is filled by the forecast just before it. The lag counts
    UTC intervals, so across a clock change it is one hour off local time for a week.

    Args:
        prices_gbp_per_mwh: Actual prices (array or Series) [£/MWh].
        lag_intervals: The lag; 336 half-hours = one week [intervals].

    Returns:
        The forecast, as a Series with the input's index if a Series was given [£/MWh].
    """
    if int(lag_intervals) < 1:
        raise ValidationError(
            f"lag_intervals: expected a positive whole number, got {lag_intervals!r}",
            field="lag_intervals",
        )
    lag = int(lag_intervals)
    values = np.asarray(prices_gbp_per_mwh, dtype=float)
    n = values.shape[0]
    per_day = min(48, lag)
    positions = np.arange(n)
    source = np.where(positions >= lag, positions - lag, positions % per_day)
    forecast = pd.Series(values[source]).ffill().bfill().to_numpy()
    if isinstance(prices_gbp_per_mwh, pd.Series):
        return pd.Series(forecast, index=prices_gbp_per_mwh.index, name=prices_gbp_per_mwh.name)
    return forecast


def naive_forecast_from_history(
    prices_gbp_per_mwh: pd.Series, first_day: object, last_day: object
) -> pd.Series:
    """Same-local-time-last-week forecast of UK days ``first_day..last_day`` from history.

    Day D takes day D-7's price at the same UK clock time (or, where D-7 has none there, the
    latest earlier day's), so nothing at or after D-1 enters; the first day needs seven days
    of history before it.

    Args:
        prices_gbp_per_mwh: Prices on a UTC half-hourly index, covering at least the week
            before ``first_day`` [£/MWh].
        first_day: First UK day to forecast.
        last_day: Last UK day to forecast (inclusive).

    Returns:
        The forecast on the UTC half-hours of the days (46/48/50 a day) [£/MWh].

    Raises:
        ValidationError: Less than a week of history before ``first_day`` (the message says
            how many days exist and how many are needed).
    """
    return naive_day_ahead(prices_gbp_per_mwh, first_day, last_day)
