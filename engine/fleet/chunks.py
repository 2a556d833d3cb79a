"""Long spans processed a UTC day at a time (bounded memory; results are identical).

A UTC midnight is a half-hour boundary, so no elementary interval and no settlement period
crosses a chunk edge: each chunk takes every segment overlapping it, and its results are kept
only for the settlement periods starting inside it.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence

import pandas as pd

from engine.fleet.profiles import as_utc

CHUNK = pd.Timedelta(days=1)


def windows(frames: Sequence[pd.DataFrame]) -> list[tuple[pd.Timestamp, pd.Timestamp]]:
    """UTC-day windows covering every segment of ``frames`` (one window if there is no data)."""
    starts = [as_utc(f["time_from"]).min() for f in frames if len(f)]
    ends = [as_utc(f["time_to"]).max() for f in frames if len(f)]
    if not starts:
        return []
    first = min(starts).floor("D")
    last = max(ends)
    edges = pd.date_range(first, last.ceil("D") + CHUNK, freq="D")
    return [(a, b) for a, b in itertools.pairwise(edges) if a < last]


def overlapping(frame: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp) -> pd.DataFrame:
    """Rows of ``frame`` whose segment overlaps ``[start, end)``."""
    time_from = as_utc(frame["time_from"])
    time_to = as_utc(frame["time_to"])
    kept: pd.DataFrame = frame[(time_from < end) & (time_to > start)]
    return kept


def inside(frame: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp) -> pd.DataFrame:
    """Result rows whose settlement period starts in ``[start, end)``."""
    stamps = as_utc(frame["interval_start"])
    kept: pd.DataFrame = frame[(stamps >= start) & (stamps < end)]
    return kept


def chunked(
    frames: Sequence[pd.DataFrame],
    compute: Callable[..., tuple[list[pd.DataFrame], tuple[str, ...]]],
    *,
    span_days: int = 2,
) -> tuple[list[pd.DataFrame], tuple[str, ...]]:
    """Run ``compute(*frames)`` per UTC day when the data spans more than ``span_days``.

    ``compute`` returns result frames (each with ``interval_start``) and warnings.
    """
    spans = windows(frames)
    if len(spans) <= span_days:
        return compute(*frames)
    parts: list[list[pd.DataFrame]] = []
    warnings: dict[str, None] = {}
    bounds = [(as_utc(f["time_from"]), as_utc(f["time_to"])) for f in frames]  # parsed once
    for start, end in spans:
        selected = [
            f[(time_from < end) & (time_to > start)]
            for f, (time_from, time_to) in zip(frames, bounds, strict=True)
        ]
        if not len(selected[0]) and not len(selected[1]):
            continue
        results, notes = compute(*selected)
        parts.append([inside(r, start, end) for r in results])
        warnings.update(dict.fromkeys(notes))
    if not parts:
        return compute(*frames)
    merged = [pd.concat([p[i] for p in parts], ignore_index=True) for i in range(len(parts[0]))]
    return merged, tuple(warnings)
