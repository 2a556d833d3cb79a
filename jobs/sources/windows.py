"""Request windows: the UTC span of UK settlement days, cut into an endpoint's limit."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pandas as pd

from engine.settlement import half_hourly_index


def day_bounds_utc(first: dt.date, last: dt.date) -> tuple[pd.Timestamp, pd.Timestamp]:
    """UTC start of ``first`` and end of ``last`` (UK local days, from engine.settlement)."""
    index = half_hourly_index(first, last)
    return index[0], index[-1] + pd.Timedelta(minutes=30)


def windows(
    start: pd.Timestamp, end: pd.Timestamp, size: dt.timedelta
) -> Iterator[tuple[pd.Timestamp, pd.Timestamp]]:
    """Consecutive ``[from, to)`` windows of at most ``size`` covering ``[start, end)``."""
    step = pd.Timedelta(size)
    cursor = start
    while cursor < end:
        upper = min(cursor + step, end)
        yield cursor, upper
        cursor = upper
