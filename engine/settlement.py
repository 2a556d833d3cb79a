"""Settlement time: the one place that maps UTC half-hours to GB market calendars.

Conventions (BSC Section X-1 "settlement period"; NESO EFA calendar; DCUSA charging year):

* Frames are indexed by tz-aware UTC ``interval_start`` (the start of a half-hour).
* ``settlement_date`` is the UK local calendar day. Settlement periods are numbered from 1
  at 00:00 UK local time: 48 a day, 46 on the spring clock change, 50 on the autumn one.
  Period number = half-hours elapsed since local midnight + 1 (never ``hour * 2 + 1``).
* ``efa_date``/``efa_block``: the EFA day starts at 23:00 UK local time on the previous
  calendar day and has six blocks starting 23:00, 03:00, 07:00, 11:00, 15:00, 19:00 local
  clock time. On clock-change days block 1 (23:00-03:00) lasts 3 h (spring) or 5 h (autumn).
* ``charging_year`` runs 1 April - 31 March of UK local dates, written "2025/26".

Dates are represented as tz-naive ``datetime64[ns]`` at midnight (a pandas-friendly
calendar date); single dates as :class:`datetime.date`.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from engine.errors import ValidationError

UK_TZ = "Europe/London"
HALF_HOUR = pd.Timedelta(minutes=30)
EFA_BLOCKS_PER_DAY = 6
_CHARGING_YEAR_RE = re.compile(r"^(\d{4})/(\d{2})$")

IntArray = npt.NDArray[np.int64]
_NS_PER_DAY = 86_400 * 10**9


def to_date(value: object, field: str = "date") -> dt.date:
    """Parse one calendar date.

    Args:
        value: A ``datetime.date``, ``pandas.Timestamp`` or ISO string ``YYYY-MM-DD``.
        field: Name of the input, used in the error message.

    Returns:
        The date.

    Raises:
        ValidationError: If the value is not a valid date.
    """
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise ValidationError(f"{field}: expected a date as YYYY-MM-DD, got {value!r}", field=field)


#: UK days that can be mapped: before 13 December 1901 (the earliest 32-bit tzfile instant)
#: London comes out as local mean time (UTC-0:01:15, so no half-hour starts on :00/:30),
#: and pandas' nanosecond timestamps end in April 2262.
FIRST_SUPPORTED_DATE = dt.date(1902, 1, 1)
LAST_SUPPORTED_DATE = dt.date(2261, 12, 31)


def check_supported_date(day: dt.date, field: str = "date") -> dt.date:
    """The day itself, if settlement time can be mapped for it.

    Raises:
        ValidationError: If ``day`` is outside ``FIRST_SUPPORTED_DATE``..``LAST_SUPPORTED_DATE``.
    """
    if not FIRST_SUPPORTED_DATE <= day <= LAST_SUPPORTED_DATE:
        raise ValidationError(
            f"{field}: {day.isoformat()} is outside the days settlement time covers here "
            f"({FIRST_SUPPORTED_DATE.isoformat()} to {LAST_SUPPORTED_DATE.isoformat()})",
            field=field,
        )
    return day


def to_utc_index(interval_start: Any, field: str = "interval_start") -> pd.DatetimeIndex:
    """Coerce timestamps to a tz-aware UTC index, checking they start on a half-hour.

    Args:
        interval_start: Anything :class:`pandas.DatetimeIndex` accepts; must be tz-aware.
        field: Name of the input, used in error messages.

    Returns:
        The timestamps as a UTC ``DatetimeIndex`` named ``interval_start``.

    Raises:
        ValidationError: If timestamps are naive or not on :00/:30 boundaries.
    """
    index = pd.DatetimeIndex(interval_start)
    if index.tz is None:
        raise ValidationError(
            f"{field}: timestamps must carry a UTC offset (e.g. 2024-06-01T00:00:00Z)",
            field=field,
        )
    index = index.tz_convert("UTC")
    offset_ns = epoch_ns(index) % HALF_HOUR.value
    misaligned = np.flatnonzero(offset_ns != 0)
    if misaligned.size:
        first = index[misaligned[0]].isoformat()
        raise ValidationError(
            f"{field}: {misaligned.size} timestamp(s) do not start on a half-hour, "
            f"first at row {int(misaligned[0])} ({first})",
            field=field,
        )
    return index.rename("interval_start")


def epoch_ns(index: pd.DatetimeIndex) -> IntArray:
    """Nanoseconds since the Unix epoch (UTC) of each timestamp."""
    return np.asarray(index.as_unit("ns").values.view(np.int64))


def _local_midnight_utc(dates: pd.DatetimeIndex) -> pd.DatetimeIndex:
    """UTC instant of UK local midnight for naive midnight dates (midnight is never
    ambiguous in the UK: clocks change at 01:00 GMT / 02:00 BST)."""
    return dates.tz_localize(UK_TZ).tz_convert("UTC")


def settlement_date_period(interval_start: Any) -> pd.DataFrame:
    """Settlement date and period of each half-hour.

    Args:
        interval_start: Tz-aware half-hour start times.

    Returns:
        DataFrame indexed by UTC ``interval_start`` with columns
        ``settlement_date`` (naive midnight, UK local date) and
        ``settlement_period`` (int, 1-based, up to 46/48/50).
    """
    utc = to_utc_index(interval_start)
    local_midnight = utc.tz_convert(UK_TZ).normalize()
    elapsed = epoch_ns(utc) - epoch_ns(local_midnight.tz_convert("UTC"))
    period = elapsed // HALF_HOUR.value + 1
    return pd.DataFrame(
        {
            "settlement_date": local_midnight.tz_localize(None),
            "settlement_period": period.astype(np.int64),
        },
        index=utc,
    )


def periods_in_day(settlement_date: Any) -> IntArray:
    """Number of settlement periods on each UK local date (46, 48 or 50).

    Args:
        settlement_date: One or more dates (date objects, ISO strings or timestamps).

    Returns:
        Integer array, one entry per date.
    """
    dates = _as_date_index(settlement_date)
    start = _local_midnight_utc(dates)
    end = _local_midnight_utc(dates + pd.Timedelta(days=1))
    return np.asarray((epoch_ns(end) - epoch_ns(start)) // HALF_HOUR.value, dtype=np.int64)


def _as_date_index(dates: Any) -> pd.DatetimeIndex:
    if isinstance(dates, (str, dt.date)):
        dates = [dates]
    index = pd.DatetimeIndex(pd.to_datetime(dates))
    if index.tz is not None:
        index = index.tz_localize(None)
    return index.normalize()


def interval_start_from_settlement(
    settlement_date: Any, settlement_period: Any
) -> pd.DatetimeIndex:
    """UTC start of each (settlement date, settlement period).

    Args:
        settlement_date: UK local dates.
        settlement_period: 1-based period numbers of the same length.

    Returns:
        UTC ``DatetimeIndex`` named ``interval_start``.

    Raises:
        ValidationError: If a period is below 1 or beyond that day's 46/48/50.
    """
    dates = _as_date_index(settlement_date)
    period = np.asarray(settlement_period, dtype=np.int64).reshape(-1)
    if period.shape[0] != len(dates):
        raise ValidationError(
            "settlement_period: must have one value per settlement_date", field="settlement_period"
        )
    limit = periods_in_day(dates)
    bad = np.flatnonzero((period < 1) | (period > limit))
    if bad.size:
        row = int(bad[0])
        raise ValidationError(
            f"settlement_period: {int(period[row])} is not a period of "
            f"{dates[row].date().isoformat()} (which has {int(limit[row])}); "
            f"{bad.size} bad row(s), first at row {row}",
            field="settlement_period",
        )
    start = epoch_ns(_local_midnight_utc(dates)) + (period - 1) * HALF_HOUR.value
    return pd.DatetimeIndex(pd.to_datetime(start, utc=True), name="interval_start")


def efa_date_block(interval_start: Any) -> pd.DataFrame:
    """EFA date and block of each half-hour.

    The EFA day D runs from 23:00 UK local on D-1; block b starts at local clock time
    23:00 + 4(b-1) h. Shifting local wall-clock time by +1 h makes the EFA day a plain
    calendar day and the block ``hour // 4 + 1``, which also gives the 3 h / 5 h block 1
    on clock-change days.

    Args:
        interval_start: Tz-aware half-hour start times.

    Returns:
        DataFrame indexed by UTC ``interval_start`` with ``efa_date`` (naive midnight)
        and ``efa_block`` (int 1-6).
    """
    utc = to_utc_index(interval_start)
    shifted = utc.tz_convert(UK_TZ).tz_localize(None) + pd.Timedelta(hours=1)
    return pd.DataFrame(
        {
            "efa_date": shifted.normalize(),
            "efa_block": (np.asarray(shifted.hour) // 4 + 1).astype(np.int64),
        },
        index=utc,
    )


def efa_block_bounds(efa_date: Any, efa_block: Any) -> tuple[pd.DatetimeIndex, pd.DatetimeIndex]:
    """UTC start and end of EFA blocks.

    Args:
        efa_date: EFA dates.
        efa_block: Block numbers 1-6, one per date.

    Returns:
        ``(start_utc, end_utc)`` indexes; block lengths are 4 h except block 1 on
        clock-change days (3 h or 5 h).
    """
    dates = _as_date_index(efa_date)
    block = np.asarray(efa_block, dtype=np.int64).reshape(-1)
    if np.any((block < 1) | (block > EFA_BLOCKS_PER_DAY)):
        raise ValidationError("efa_block: must be between 1 and 6", field="efa_block")
    offsets = pd.to_timedelta((block - 1) * 4 - 1, unit="h")
    start_local = dates + offsets
    end_local = start_local + pd.Timedelta(hours=4)
    start = start_local.tz_localize(UK_TZ).tz_convert("UTC")
    end = end_local.tz_localize(UK_TZ).tz_convert("UTC")
    return start, end


def charging_year_start(interval_start: Any) -> IntArray:
    """Calendar year in which each period's charging year (1 April - 31 March) starts.

    Args:
        interval_start: Tz-aware half-hour start times.

    Returns:
        Integer array, e.g. 2025 for any period in charging year "2025/26".
    """
    wall_ns = epoch_ns(to_utc_index(interval_start).tz_convert(UK_TZ).tz_localize(None))
    months = (wall_ns // _NS_PER_DAY).astype("datetime64[D]").astype("datetime64[M]")
    month_index = months.astype(np.int64)  # months since January 1970
    year, month0 = month_index // 12 + 1970, month_index % 12  # month0: January = 0
    return np.asarray(year - (month0 < 3), dtype=np.int64)


def charging_year_label(start_year: int) -> str:
    """Label of the charging year starting 1 April of ``start_year``, e.g. ``"2025/26"``."""
    return f"{start_year}/{(start_year + 1) % 100:02d}"


def charging_year(interval_start: Any) -> npt.NDArray[np.object_]:
    """Charging-year label ("2025/26") of each half-hour, by its UK local date.

    Args:
        interval_start: Tz-aware half-hour start times.

    Returns:
        Object array of labels.
    """
    starts = charging_year_start(interval_start)
    uniques, inverse = np.unique(starts, return_inverse=True)
    labels = np.array([charging_year_label(int(y)) for y in uniques], dtype=object)
    return labels[inverse]


def charging_year_of_date(value: object, field: str = "date") -> str:
    """Charging-year label of one UK local date."""
    day = to_date(value, field)
    return charging_year_label(day.year if day.month >= 4 else day.year - 1)


def parse_charging_year(label: str, field: str = "charging_year") -> tuple[dt.date, dt.date]:
    """First and last date of a charging year written ``"2025/26"``.

    Raises:
        ValidationError: If the label is not of the form YYYY/YY with consecutive years.
    """
    match = _CHARGING_YEAR_RE.match(label.strip()) if isinstance(label, str) else None
    # "9999/00" would end in year 10000, past what a date can hold.
    if (
        not match
        or (int(match.group(1)) + 1) % 100 != int(match.group(2))
        or int(match.group(1)) >= dt.MAXYEAR
    ):
        raise ValidationError(
            f"{field}: expected a charging year like '2025/26', got {label!r}", field=field
        )
    start = int(match.group(1))
    return dt.date(start, 4, 1), dt.date(start + 1, 3, 31)


def half_hourly_index(first_date: object, last_date: object) -> pd.DatetimeIndex:
    """Every half-hour of the UK local days ``first_date`` to ``last_date`` inclusive.

    Args:
        first_date: First UK local day.
        last_date: Last UK local day (inclusive).

    Returns:
        UTC ``DatetimeIndex`` named ``interval_start`` (46/48/50 entries per day).

    Raises:
        ValidationError: If ``last_date`` is before ``first_date``, or either is outside
            the supported days (1902-01-01 to 2261-12-31).
    """
    first = check_supported_date(to_date(first_date, "first_date"), "first_date")
    last = check_supported_date(to_date(last_date, "last_date"), "last_date")
    if last < first:
        raise ValidationError(
            f"last_date: {last.isoformat()} is before first_date {first.isoformat()}",
            field="last_date",
        )
    start = pd.Timestamp(first).tz_localize(UK_TZ).tz_convert("UTC")
    end = pd.Timestamp(last + dt.timedelta(days=1)).tz_localize(UK_TZ).tz_convert("UTC")
    return pd.date_range(start, end, freq="30min", inclusive="left", name="interval_start")


def settlement_calendar(interval_start: Any) -> pd.DataFrame:
    """All calendar keys of each half-hour in one frame.

    Returns:
        DataFrame indexed by UTC ``interval_start`` with ``settlement_date``,
        ``settlement_period``, ``efa_date``, ``efa_block`` and ``charging_year``.
    """
    utc = to_utc_index(interval_start)
    frame = settlement_date_period(utc).join(efa_date_block(utc))
    frame["charging_year"] = charging_year(utc)
    return frame


def month_labels(local: pd.DatetimeIndex) -> npt.NDArray[np.object_]:
    """``local.strftime("%Y-%m")`` (UK months of local times), formatting each month once
    (strftime formats every half-hour: ~0.1 s a year, on every revenue stack)."""
    code = np.asarray(local.year * 100 + local.month, dtype=np.int64)
    months, position = np.unique(code, return_inverse=True)
    labels = np.array([f"{m // 100:04d}-{m % 100:02d}" for m in months.tolist()], dtype=object)
    return np.asarray(labels[position], dtype=object)


def iso_utc(index: Iterable[pd.Timestamp]) -> list[str]:
    """ISO 8601 strings with a ``Z`` suffix for UTC timestamps."""
    return [ts.strftime("%Y-%m-%dT%H:%M:%SZ") for ts in index]


def uk_clock_calendar(interval_start: Any) -> pd.DataFrame:
    """UK local calendar and wall-clock half-hour of each half-hour, for clock-time rules.

    Tariff windows (DUoS red/amber/green, profile shapes) are published in UK clock time.
    ``clock_half_hour`` is the wall-clock half-hour slot 0-47 (``00:00-00:30`` = 0): on the
    spring clock change slots 2-3 never occur, on the autumn one they occur twice. It is
    not a settlement period (use :func:`settlement_date_period` for those).

    Args:
        interval_start: Tz-aware half-hour start times.

    Returns:
        DataFrame indexed by UTC ``interval_start`` with ``local_date`` (naive midnight,
        UK local date), ``clock_half_hour`` (int 0-47), ``day_of_week`` (int, Monday = 0)
        and ``month`` (int 1-12).
    """
    utc = to_utc_index(interval_start)
    # Fields from the wall-clock nanoseconds with integer arithmetic: pandas' field accessors
    # cost ~0.2 ms each per year of half-hours, and this runs for every new DUoS schedule.
    wall_ns = epoch_ns(utc.tz_convert(UK_TZ).tz_localize(None))
    day = wall_ns // _NS_PER_DAY  # days since 1970-01-01 (a Thursday), floored
    month_index = day.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)
    return pd.DataFrame(
        {
            "local_date": pd.DatetimeIndex((day * _NS_PER_DAY).view("datetime64[ns]")),
            "clock_half_hour": (wall_ns - day * _NS_PER_DAY) // HALF_HOUR.value,
            "day_of_week": (day + 3) % 7,  # Monday = 0
            "month": month_index % 12 + 1,
        },
        index=utc,
    )
