"""Half-hourly input series: each row's UTC start from any accepted form, and step checks.

Site profiles (DUoS, behind-the-meter loads) and price files arrive either with an
``interval_start`` (ISO 8601 with an offset) or with ``settlement_date`` and
``settlement_period``; both are turned into UTC starts here, through
:mod:`engine.settlement`, and then checked to be whole half-hours with no duplicates or
gaps. Row numbers in errors are 0-based positions in the input as given.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
import pandas as pd

from engine.errors import ValidationError
from engine.settlement import HALF_HOUR, epoch_ns, interval_start_from_settlement

_MAX_ROWS_LISTED = 10


def row_list(positions: Sequence[int] | npt.NDArray[np.int64]) -> str:
    listed = ", ".join(str(int(p)) for p in list(positions)[:_MAX_ROWS_LISTED])
    more = len(positions) - _MAX_ROWS_LISTED
    return f"row{'s' if len(positions) > 1 else ''} {listed}" + (
        f" (+{more} more)" if more > 0 else ""
    )


def listed_intervals(index: pd.Index, positions: npt.NDArray[np.integer]) -> str:
    """The first five intervals at ``positions`` (ISO 8601 when timestamps) and how many more.

    For error messages that name the half-hours at fault without flooding the reader.
    """
    labels = [
        label.isoformat() if isinstance(label, pd.Timestamp) else str(label)
        for label in (index[int(p)] for p in positions[:5])
    ]
    more = f" and {positions.size - 5} more" if positions.size > 5 else ""
    return ", ".join(labels) + more


def numeric_cells(raw: pd.Series, column: str) -> npt.NDArray[np.float64]:
    """A column's cells as floats; empty cells stay NaN (callers name the half-hours).

    Args:
        raw: The column as read from a file (text or numbers).
        column: Its name, for the message.

    Raises:
        ValidationError: A cell holds text that is not a plain number (``£20``, ``1,020``):
            refused naming the rows, rather than later reported as a missing value.
    """
    values = pd.to_numeric(raw, errors="coerce")
    text = np.flatnonzero((raw.notna() & values.isna()).to_numpy())
    if text.size:
        raise ValidationError(
            f"{column}: not a plain number at {row_list(text)} (first {raw.iloc[text[0]]!r}); "
            "write plain numbers, without currency signs or thousands separators",
            field=column,
        )
    return np.asarray(values.to_numpy(dtype=float), dtype=np.float64)


def row_starts_ns(frame: pd.DataFrame) -> npt.NDArray[np.int64]:
    """UTC start of each row [ns since epoch]; when both ways of saying it are given
    (``interval_start`` and settlement keys, as exported files often carry), they must agree.
    """
    start_ns = _given_timestamps(frame)
    if "interval_start" in frame.columns and {"settlement_date", "settlement_period"} <= set(
        frame.columns
    ):
        keyed = _given_timestamps(frame.drop(columns="interval_start"))
        differ = np.flatnonzero(keyed != start_ns)
        if differ.size:
            first = int(differ[0])
            raise ValidationError(
                f"settlement_period: disagrees with interval_start at {row_list(differ)} (first: "
                f"{frame['settlement_date'].iloc[first]} period "
                f"{frame['settlement_period'].iloc[first]} starts "
                f"{pd.Timestamp(int(keyed[first]), tz='UTC').isoformat()}, interval_start says "
                f"{pd.Timestamp(int(start_ns[first]), tz='UTC').isoformat()})",
                field="settlement_period",
            )
    return start_ns


def _given_timestamps(frame: pd.DataFrame) -> npt.NDArray[np.int64]:
    """UTC start of each row [ns since epoch], from ``interval_start`` or settlement keys."""
    if "interval_start" not in frame.columns and isinstance(frame.index, pd.DatetimeIndex):
        if frame.index.tz is None:
            raise ValidationError(
                "interval_start: timestamps must carry a UTC offset (e.g. 2025-06-01T00:00Z)",
                field="interval_start",
            )
        return epoch_ns(frame.index)
    if "interval_start" in frame.columns or frame.index.name == "interval_start":
        raw = (
            frame["interval_start"]
            if "interval_start" in frame.columns
            else frame.index.to_series()
        )
        if pd.api.types.is_datetime64_any_dtype(raw.dtype):
            if getattr(raw.dt, "tz", None) is None:
                raise ValidationError(
                    "interval_start: timestamps must carry a UTC offset (e.g. 2025-06-01T00:00Z)",
                    field="interval_start",
                )
            parsed = raw.dt.tz_convert("UTC")
        else:
            text = raw.astype(str).str.strip()
            naive = np.flatnonzero(
                ~text.str.contains(r"(?:Z|[+-]\d{2}:?\d{2})$", regex=True).to_numpy()
            )
            if naive.size:
                raise ValidationError(
                    f"interval_start: timestamps need a UTC offset (Z or +01:00); none at "
                    f"{row_list(naive)} (first {text.iloc[int(naive[0])]!r})",
                    field="interval_start",
                )
            parsed = pd.to_datetime(text, utc=True, format="ISO8601", errors="coerce")
        bad = np.flatnonzero(parsed.isna().to_numpy())
        if bad.size:
            raise ValidationError(
                f"interval_start: not an ISO 8601 timestamp at {row_list(bad)}",
                field="interval_start",
            )
        return epoch_ns(pd.DatetimeIndex(parsed))
    if {"settlement_date", "settlement_period"} <= set(frame.columns):
        dates = pd.to_datetime(frame["settlement_date"], format="ISO8601", errors="coerce")
        bad = np.flatnonzero(dates.isna().to_numpy())
        if bad.size:
            raise ValidationError(
                f"settlement_date: not a date (YYYY-MM-DD) at {row_list(bad)} (first "
                f"{frame['settlement_date'].iloc[int(bad[0])]!r})",
                field="settlement_date",
            )
        periods = pd.to_numeric(frame["settlement_period"], errors="coerce")
        # 1.5 would otherwise be truncated to period 1 without a word.
        bad = np.flatnonzero((periods.isna() | (periods % 1 != 0)).to_numpy())
        if bad.size:
            raise ValidationError(
                f"settlement_period: not a whole number at {row_list(bad)} (first "
                f"{frame['settlement_period'].iloc[int(bad[0])]!r})",
                field="settlement_period",
            )
        return epoch_ns(interval_start_from_settlement(dates, periods.to_numpy(dtype=np.int64)))
    found = ", ".join(repr(str(column)) for column in frame.columns[:8])
    raise ValidationError(
        "interval_start: give interval_start (ISO 8601 with offset) or settlement_date and "
        f"settlement_period (columns found: {found})",
        field="interval_start",
    )


def check_half_hour_steps(start_ns: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """Order of rows by time; rejects misaligned, duplicate and missing half-hours."""
    misaligned = np.flatnonzero(start_ns % HALF_HOUR.value != 0)
    if misaligned.size:
        first = pd.Timestamp(int(start_ns[misaligned[0]]), tz="UTC").isoformat()
        raise ValidationError(
            "interval_start: not a half-hourly profile: not on :00 or :30 at "
            f"{row_list(misaligned)} (first {first})",
            field="interval_start",
        )
    step = np.diff(start_ns)
    if np.all(step == HALF_HOUR.value):  # already consecutive and in order: the common case
        return np.arange(start_ns.shape[0], dtype=np.int64)
    order = np.argsort(start_ns, kind="stable")
    ordered = start_ns[order]
    step = np.diff(ordered)
    dup = np.flatnonzero(step == 0)
    if dup.size:
        rows = sorted({int(order[i]) for i in dup} | {int(order[i + 1]) for i in dup})
        first = pd.Timestamp(int(ordered[dup[0]]), tz="UTC").isoformat()
        raise ValidationError(
            f"interval_start: duplicate half-hours at {row_list(rows)} (first {first})",
            field="interval_start",
        )
    gaps = np.flatnonzero(step != HALF_HOUR.value)
    if gaps.size:
        described = []
        for i in gaps[:_MAX_ROWS_LISTED]:
            missing = int(step[i] // HALF_HOUR.value) - 1
            described.append(
                f"{missing} missing between row {int(order[i])} "
                f"({pd.Timestamp(int(ordered[i]), tz='UTC').isoformat()}) and row "
                f"{int(order[i + 1])} ({pd.Timestamp(int(ordered[i + 1]), tz='UTC').isoformat()})"
            )
        more = (
            f" (+{gaps.size - _MAX_ROWS_LISTED} more gaps)" if gaps.size > _MAX_ROWS_LISTED else ""
        )
        raise ValidationError(
            f"interval_start: gaps in the profile: {'; '.join(described)}{more}",
            field="interval_start",
        )
    return order
