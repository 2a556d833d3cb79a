"""Request windows: UK days in UTC, cut into windows that tile the span exactly."""

from __future__ import annotations

import datetime as dt
import itertools

import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

from jobs.sources.windows import day_bounds_utc, windows


def test_windows_cover_exactly() -> None:
    start, end = pd.Timestamp("2024-01-01T00:00Z"), pd.Timestamp("2024-01-01T02:30Z")
    parts = list(windows(start, end, dt.timedelta(hours=1)))
    assert parts == [
        (start, pd.Timestamp("2024-01-01T01:00Z")),
        (pd.Timestamp("2024-01-01T01:00Z"), pd.Timestamp("2024-01-01T02:00Z")),
        (pd.Timestamp("2024-01-01T02:00Z"), end),
    ]


def test_day_bounds_follow_uk_clock() -> None:
    # 2024-03-31 (spring change) is 23 h: 00:00 GMT to 00:00 BST (= 23:00Z).
    assert day_bounds_utc(dt.date(2024, 3, 31), dt.date(2024, 3, 31)) == (
        pd.Timestamp("2024-03-31T00:00Z"),
        pd.Timestamp("2024-03-31T23:00Z"),
    )


@given(
    first=st.dates(dt.date(2015, 1, 1), dt.date(2035, 12, 31)),
    days=st.integers(0, 40),
    hours=st.integers(1, 24 * 8),
)
def test_windows_tile_the_span(first: dt.date, days: int, hours: int) -> None:
    start, end = day_bounds_utc(first, first + dt.timedelta(days=days))
    parts = list(windows(start, end, dt.timedelta(hours=hours)))
    assert parts[0][0] == start
    assert parts[-1][1] == end
    for (_, upper), (lower, _) in itertools.pairwise(parts):
        assert upper == lower  # no gap, no overlap
    assert all(b - a <= pd.Timedelta(hours=hours) for a, b in parts)
