"""Level profiles (BOALF, PN, BOD) cut into elementary intervals on which every level is linear.

The three Balancing Mechanism datasets all describe piecewise-linear MW levels: each row is a
segment ``time_from → time_to`` ramping ``level_from_mw → level_to_mw`` (Elexon Insights
``/datasets/BOALF``, ``/datasets/PN`` and ``/datasets/BOD``, renamed into the warehouse's columns
by ``jobs/sources/fields.py``). Cutting a BM unit's timeline at every segment boundary and
every half-hour boundary gives elementary intervals on which each profile is one straight
line, so every integral below is exact (no sampling).

All BM units are processed together: a time is keyed as ``unit index × 10¹⁰ + Unix seconds``
so one sort orders every unit's breakpoints and no interval spans two units.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from engine.settlement import settlement_date_period

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

UNIT_KEY_S = 10**10
"""Key stride per BM unit [s]: larger than any Unix time the data can hold."""
HALF_HOUR_S = 1800
SECONDS_PER_HOUR = 3600.0

SEGMENT_COLUMNS = ("elexon_bm_unit", "time_from", "time_to", "level_from_mw", "level_to_mw")


def as_utc(values: pd.Series) -> pd.DatetimeIndex:
    """UTC instants as a tz-aware index (tz-naive values are read as UTC; text is parsed)."""
    if isinstance(values.dtype, pd.DatetimeTZDtype):
        return pd.DatetimeIndex(values).tz_convert("UTC")
    if pd.api.types.is_datetime64_dtype(values.dtype):
        return pd.DatetimeIndex(values).tz_localize("UTC")
    return pd.DatetimeIndex(pd.to_datetime(values, utc=True))


def unix_seconds(values: pd.Series) -> IntArray:
    """UTC instants → integer Unix seconds (tz-naive values are read as UTC)."""
    stamps = as_utc(values).tz_localize(None).to_numpy(dtype="datetime64[s]")
    return np.asarray(stamps.astype(np.int64), dtype=np.int64)


@dataclass(frozen=True)
class Segments:
    """Linear level segments of one dataset, keyed for the shared timeline.

    Attributes:
        unit: Index of each row's BM unit in the unit list.
        start, end: Keys of ``time_from`` / ``time_to`` (unit × 10¹⁰ + Unix seconds).
        level_from_mw, level_to_mw: Levels at the ends [MW].
        row: Row label in the caller's frame, for messages.
    """

    unit: IntArray
    start: IntArray
    end: IntArray
    level_from_mw: FloatArray
    level_to_mw: FloatArray
    row: npt.NDArray[np.object_]


def segments(frame: pd.DataFrame, units: pd.Index) -> Segments:
    """Key a frame's segments on the shared timeline (rows of unknown units are dropped)."""
    unit = units.get_indexer(pd.Index(frame["elexon_bm_unit"])).astype(np.int64)
    keep = unit >= 0
    base = unit[keep] * UNIT_KEY_S
    return Segments(
        unit=unit[keep],
        start=base + unix_seconds(frame["time_from"])[keep],
        end=base + unix_seconds(frame["time_to"])[keep],
        level_from_mw=frame["level_from_mw"].to_numpy(dtype=np.float64)[keep],
        level_to_mw=frame["level_to_mw"].to_numpy(dtype=np.float64)[keep],
        row=frame.index.to_numpy(dtype=object)[keep],
    )


@dataclass(frozen=True)
class Timeline:
    """Elementary intervals ``[start, end)`` of every unit.

    Attributes:
        breakpoints: Sorted unique keys.
        start, end: Keys of each interval's ends.
        unit: BM unit index of each interval.
        interval_start: UTC start of the settlement period each interval lies in.
        settlement_date, settlement_period: Its UK settlement date and period.
    """

    breakpoints: IntArray
    start: IntArray
    end: IntArray
    unit: IntArray
    interval_start: pd.DatetimeIndex
    settlement_date: pd.DatetimeIndex
    settlement_period: IntArray

    @property
    def duration_h(self) -> FloatArray:
        """Length of each interval [h]."""
        out: FloatArray = (self.end - self.start) / SECONDS_PER_HOUR
        return out


def timeline(*parts: Segments) -> Timeline:
    """Cut every unit's span at each segment end and each half-hour boundary."""
    starts = np.concatenate([p.start for p in parts])
    ends = np.concatenate([p.end for p in parts])
    keys = [starts, ends]
    if starts.size:
        # Half-hour boundaries inside each segment (segments are short: minutes to hours).
        first = (starts // HALF_HOUR_S + 1) * HALF_HOUR_S
        count = np.maximum((ends - first + HALF_HOUR_S - 1) // HALF_HOUR_S, 0)
        owner = np.repeat(np.arange(starts.size), count)
        offset = np.arange(owner.size) - np.repeat(np.cumsum(count) - count, count)
        keys.append(first[owner] + offset * HALF_HOUR_S)
    points = np.unique(np.concatenate(keys))
    unit_of = points // UNIT_KEY_S
    same = unit_of[:-1] == unit_of[1:]
    start, end = points[:-1][same], points[1:][same]
    seconds = start % UNIT_KEY_S
    half_hour = pd.DatetimeIndex(
        pd.to_datetime((seconds // HALF_HOUR_S) * HALF_HOUR_S, unit="s", utc=True)
    )
    calendar = settlement_date_period(half_hour)
    return Timeline(
        breakpoints=points,
        start=start,
        end=end,
        unit=start // UNIT_KEY_S,
        interval_start=half_hour,
        settlement_date=pd.DatetimeIndex(calendar["settlement_date"]),
        settlement_period=calendar["settlement_period"].to_numpy(dtype=np.int64),
    )


@dataclass(frozen=True)
class Pieces:
    """Segments exploded onto the elementary intervals they cover.

    Attributes:
        segment: Index of the source segment.
        interval: Index of the elementary interval.
        level_start_mw, level_end_mw: The segment's level at the interval's ends [MW].
    """

    segment: IntArray
    interval: IntArray
    level_start_mw: FloatArray
    level_end_mw: FloatArray


def explode(part: Segments, line: Timeline) -> Pieces:
    """Each segment's levels on each elementary interval it covers (zero-length dropped)."""
    # Interval i runs from the i-th breakpoint; the timeline drops unit-crossing gaps, so map
    # breakpoint positions to interval indices through the interval starts.
    first = np.searchsorted(line.start, part.start)
    last = np.searchsorted(line.start, part.end)
    count = np.maximum(last - first, 0)
    segment = np.repeat(np.arange(part.start.size), count)
    interval = np.repeat(first, count) + (
        np.arange(segment.size) - np.repeat(np.cumsum(count) - count, count)
    )
    span = (part.end - part.start).astype(np.float64)[segment]
    slope = (part.level_to_mw - part.level_from_mw)[segment] / np.where(span > 0, span, 1.0)
    base = part.level_from_mw[segment]
    at_start = base + slope * (line.start[interval] - part.start[segment])
    at_end = base + slope * (line.end[interval] - part.start[segment])
    return Pieces(segment, interval.astype(np.int64), at_start, at_end)


def positive_part_mwh(g_start: FloatArray, g_end: FloatArray, duration_h: FloatArray) -> FloatArray:
    """∫ max(g, 0) dt over intervals where g is linear from ``g_start`` to ``g_end`` [MW·h]."""
    both = (g_start >= 0) & (g_end >= 0)
    cross = (g_start > 0) != (g_end > 0)
    top = np.maximum(g_start, g_end)
    spread = np.abs(g_start) + np.abs(g_end)
    triangle = duration_h * top * top / (2.0 * np.where(spread > 0, spread, 1.0))
    out: FloatArray = np.where(
        both, duration_h * (g_start + g_end) / 2.0, np.where(cross & ~both, triangle, 0.0)
    )
    return out


def clipped_mwh(
    x_start: FloatArray,
    x_end: FloatArray,
    low_start: FloatArray,
    low_end: FloatArray,
    high_start: FloatArray,
    high_end: FloatArray,
    duration_h: FloatArray,
) -> FloatArray:
    """∫ clip(x, low, high) dt for linear x, low ≤ high on each interval [MW·h].

    ``clip(x, l, h) = x − max(x − h, 0) + max(l − x, 0)``; infinite bounds contribute nothing.
    """
    total = duration_h * (x_start + x_end) / 2.0
    has_high = np.isfinite(high_start)
    has_low = np.isfinite(low_start)
    over = positive_part_mwh(
        x_start - np.where(has_high, high_start, 0.0),
        x_end - np.where(has_high, high_end, 0.0),
        duration_h,
    )
    under = positive_part_mwh(
        np.where(has_low, low_start, 0.0) - x_start,
        np.where(has_low, low_end, 0.0) - x_end,
        duration_h,
    )
    over = np.where(has_high, over, 0.0)
    under = np.where(has_low, under, 0.0)
    out: FloatArray = total - over + under
    return out
