"""DUoS time bands: each DNO's red/amber/green (unmetered: black/yellow/green) windows.

Windows are published in each CDCM statement's Annex 1 in UK clock time, for "Monday to
Friday (Including Bank Holidays)" and "Saturday and Sunday", as half-open intervals
[start, end). A weekday bank holiday therefore takes the weekday windows. LV/HV windows are
all-year; unmetered windows are seasonal by calendar month, and some areas move 22 Dec - 4
Jan onto the other month group ("excluding"/"plus 22nd Dec to 4th Jan inclusive").

Classification is vectorised: each period's charging year, day type, month group and UK
wall-clock half-hour (from :mod:`engine.settlement`) index a precomputed grid of band codes.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from engine.errors import DataMissingError
from engine.reference import ReferenceData

WEEKDAY, WEEKEND = 0, 1
_DAY_TYPES = {
    # The statements say "Monday to Friday (Including Bank Holidays)": a bank holiday on a
    # weekday is a weekday for DUoS. Any other wording must be handled explicitly.
    "monday_to_friday_including_bank_holidays": WEEKDAY,
    "saturday_and_sunday": WEEKEND,
}
_MONTHS = {
    m: i
    for i, m in enumerate(
        ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], 1
    )
}
_EXCEPTION_RE = re.compile(
    r"^(plus|excluding) (\d{1,2})\w* (\w{3})\w* to (\d{1,2})\w* (\w{3})\w* inclusive$", re.I
)
SLOTS_PER_DAY = 48
EXCEPTION_KEY = 0  # month-group index used for the exception dates (months use 1-12)


@dataclass(frozen=True)
class BandWindow:
    """One published band window.

    Attributes:
        day_type: ``weekday`` (Monday-Friday including bank holidays) or ``weekend``.
        band: ``red``/``amber``/``green`` or ``black``/``yellow``/``green``.
        start_uk_clock: Start, ``HH:MM`` UK clock time (inclusive).
        end_uk_clock: End, ``HH:MM`` (exclusive; ``24:00`` is the end of the day).
        months: Calendar months the window applies in (all twelve for LV/HV).
        date_exception: As published, e.g. ``plus 22nd Dec to 4th Jan inclusive``, or "".
    """

    day_type: str
    band: str
    start_uk_clock: str
    end_uk_clock: str
    months: tuple[int, ...]
    date_exception: str = ""


def _slot(clock: str, where: str) -> int:
    match = re.fullmatch(r"(\d{2}):(\d{2})", clock)
    minutes = int(match.group(1)) * 60 + int(match.group(2)) if match else -1
    if not match or minutes % 30 or not 0 <= minutes <= 24 * 60:
        raise DataMissingError(f"{where}: band time {clock!r} is not a half-hour boundary")
    return minutes // 30


@functools.lru_cache(maxsize=4)
def band_windows(
    ref: ReferenceData,
) -> dict[tuple[str, str, str], tuple[str, tuple[BandWindow, ...]]]:
    """Band windows per (distributor id, charging year, band scheme).

    Returns:
        ``{(distributor_id, charging_year, scheme): (source_doc_id, windows)}`` with scheme
        ``red_amber_green`` (LV/HV designated properties) or ``black_yellow_green``.

    Raises:
        DataMissingError: If a day type or time is not one this module understands.
    """
    out: dict[tuple[str, str, str], tuple[str, tuple[BandWindow, ...]]] = {}
    for name, scheme in (
        ("duos_time_bands", "red_amber_green"),
        ("duos_unmetered_time_bands", "black_yellow_green"),
    ):
        table = ref.table(name)
        for (did, year), group in table.groupby(["distributor_id", "charging_year"]):
            windows = []
            for row in group.itertuples(index=False):
                day_type = str(row.day_type)
                if day_type not in _DAY_TYPES:
                    raise DataMissingError(f"{name}: unknown day type {day_type!r}")
                months = (
                    tuple(int(m) for m in str(row.months).split())
                    if "months" in group.columns
                    else tuple(range(1, 13))
                )
                exception = getattr(row, "date_exception_as_published", "")
                windows.append(
                    BandWindow(
                        day_type="weekday" if _DAY_TYPES[day_type] == WEEKDAY else "weekend",
                        band=str(row.band),
                        start_uk_clock=str(row.start_time_uk_clock),
                        end_uk_clock=str(row.end_time_uk_clock),
                        months=months,
                        date_exception="" if pd.isna(exception) else str(exception),
                    )
                )
            source = str(group["primary_source_doc_id"].iloc[0])
            out[(str(did), str(year), scheme)] = (source, tuple(windows))
    return out


@dataclass(frozen=True)
class BandGrid:
    """Band codes of one charging year: ``codes[day_type, month_key, clock_half_hour]``.

    ``month_key`` is the calendar month 1-12, or ``EXCEPTION_KEY`` for dates inside
    ``exception`` (``((month, day), (month, day))``, inclusive, possibly across New Year).
    """

    codes: npt.NDArray[np.int8]
    exception: tuple[tuple[int, int], tuple[int, int]] | None
    exception_day_types: tuple[bool, bool] = (False, False)


def _parse_exception(text: str) -> tuple[str, tuple[tuple[int, int], tuple[int, int]]]:
    match = _EXCEPTION_RE.match(text.strip())
    if not match or match.group(3).lower() not in _MONTHS or match.group(5).lower() not in _MONTHS:
        raise DataMissingError(f"duos_unmetered_time_bands: cannot read date exception {text!r}")
    start = (_MONTHS[match.group(3).lower()], int(match.group(2)))
    end = (_MONTHS[match.group(5).lower()], int(match.group(4)))
    return match.group(1).lower(), (start, end)


def build_band_grid(windows: tuple[BandWindow, ...], band_names: tuple[str, str, str]) -> BandGrid:
    """The code grid of one charging year's windows (code = index into ``band_names``).

    Raises:
        DataMissingError: If the windows do not cover every half-hour of every day type and
            month exactly once, or name a band outside ``band_names``.
    """
    codes = np.full((2, 13, SLOTS_PER_DAY), -1, dtype=np.int8)
    cover = np.zeros((2, 13, SLOTS_PER_DAY), dtype=np.int64)
    exception = None
    has_exception = [False, False]
    for window in windows:
        if window.band not in band_names:
            raise DataMissingError(f"band window names {window.band!r}, not one of {band_names}")
        day = WEEKDAY if window.day_type == "weekday" else WEEKEND
        where = f"{window.day_type} {window.band}"
        slots = slice(_slot(window.start_uk_clock, where), _slot(window.end_uk_clock, where))
        keys = list(window.months)
        if window.date_exception:
            kind, exception = _parse_exception(window.date_exception)
            has_exception[day] = True
            if kind == "plus":
                keys.append(EXCEPTION_KEY)
        for key in keys:
            codes[day, key, slots] = band_names.index(window.band)
            cover[day, key, slots] += 1
    for day in (WEEKDAY, WEEKEND):
        needed = list(range(1, 13)) + ([EXCEPTION_KEY] if has_exception[day] else [])
        if np.any(cover[day, needed, :] != 1):
            raise DataMissingError("band windows do not cover each half-hour of a day exactly once")
    return BandGrid(codes, exception, (has_exception[0], has_exception[1]))


def month_keys(
    local_date: pd.DatetimeIndex, weekend: npt.NDArray[np.int64], grid: BandGrid
) -> npt.NDArray[np.int64]:
    """Month-group key of each UK local date: its month, or ``EXCEPTION_KEY`` inside the
    grid's exception dates (inclusive, may wrap past 31 December) for the day types whose
    windows carry the exception."""
    month = np.asarray(local_date.month, dtype=np.int64)
    exception = grid.exception
    if exception is None:
        return month
    ordinal = month * 100 + np.asarray(local_date.day, dtype=np.int64)
    low = exception[0][0] * 100 + exception[0][1]
    high = exception[1][0] * 100 + exception[1][1]
    inside = (
        (ordinal >= low) & (ordinal <= high)
        if low <= high
        else (ordinal >= low) | (ordinal <= high)
    )
    applies = np.asarray(grid.exception_day_types, dtype=bool)[weekend]
    return np.where(inside & applies, EXCEPTION_KEY, month)
