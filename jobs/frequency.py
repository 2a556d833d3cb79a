"""System frequency in the warehouse: load a NESO 1-second monthly file, read a period back.

``system_frequency`` holds samples from both sources in the same columns (UTC
``measurement_time``, ``frequency_hz``): Elexon FREQ (15 s) through ``gbess ingest elexon
frequency`` and NESO's monthly 1-second files through :func:`load_frequency_file`
(``gbess response-value --load-frequency FILE``). Each UK day of a file is written with its
``load_log`` entry, so a reader can tell which days are held.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd

from engine.settlement import to_date
from jobs.ingest import loaded_days
from jobs.sources.neso_frequency import SOURCE_NAME, read_neso_frequency
from jobs.sources.windows import day_bounds_utc
from jobs.warehouse.base import Warehouse

TABLE = "system_frequency"


def load_frequency_file(
    warehouse: Warehouse, path: Path, now: dt.datetime | None = None
) -> tuple[int, list[dt.date]]:
    """Load a NESO monthly frequency CSV, a UK day at a time (idempotent upserts).

    Returns:
        (rows written, UK days loaded).

    Raises:
        SourceUnavailableError: A bad file (nothing is written; see
            :func:`~jobs.sources.neso_frequency.read_neso_frequency`).
    """
    frame = read_neso_frequency(Path(path), name=Path(path).name)
    stamp = now or dt.datetime.now(dt.UTC)
    rows = 0
    days: list[dt.date] = []
    for day, part in frame.groupby(frame["settlement_date"].dt.date):
        with warehouse.writing():
            written = warehouse.load(TABLE, part[["measurement_time", "frequency_hz"]])
            warehouse.record_load(
                TABLE, day, day, written, stamp, f"{SOURCE_NAME}:{Path(path).name}"
            )
        rows += written
        days.append(day)
    return rows, days


def read_frequency(
    warehouse: Warehouse, first: object, last: object
) -> tuple[pd.Series | None, list[dt.date]]:
    """Frequency samples for UK days ``first..last`` if every day is held, and the days not.

    Returns:
        (samples [Hz] indexed by UTC ``measurement_time``, or None when any day is missing;
        the missing UK days).
    """
    first_day, last_day = to_date(first, "from"), to_date(last, "to")
    held = loaded_days(warehouse, TABLE)
    wanted = [first_day + dt.timedelta(days=i) for i in range((last_day - first_day).days + 1)]
    missing = [d for d in wanted if d not in held]
    if missing:
        return None, missing
    start, end = day_bounds_utc(first_day, last_day)
    frame = warehouse.run_sql(
        "SELECT measurement_time, frequency_hz FROM system_frequency "
        "WHERE measurement_time >= @start AND measurement_time < @end ORDER BY measurement_time",
        start=start.to_pydatetime(),
        end=end.to_pydatetime(),
    )
    index = pd.DatetimeIndex(pd.to_datetime(frame["measurement_time"], utc=True))
    return pd.Series(frame["frequency_hz"].to_numpy(dtype=float), index=index), []
