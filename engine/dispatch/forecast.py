"""Forecasts a non-anticipative dispatch decides on: same period last week."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from engine.errors import ValidationError

HALF_HOURS_PER_WEEK = 336


def naive_forecast(prices_gbp_per_mwh: Any, lag_intervals: int = HALF_HOURS_PER_WEEK) -> Any:
    """Same-period-last-week forecast (by default 336 half-hours earlier).

    The first ``lag_intervals`` have no "last week": they are forecast by the same period
    of the first day (``t mod 48`` for half-hours), so the first day is known exactly. A
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
