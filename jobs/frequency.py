"""System frequency in the warehouse: load a NESO 1-second monthly file, read a period back.

``system_frequency`` holds samples from both sources in the same columns (UTC
``measurement_time``, ``frequency_hz``): Elexon FREQ (15 s) through ``gbess ingest elexon
frequency`` and NESO's monthly 1-second files through :func:`load_frequency_file`
(``gbess response-value --load-frequency FILE``). Each UK day of a file is written with its
``load_log`` entry, so a reader can tell which days are held.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from engine.response import DEFAULT_MAX_GAP_S, Envelope, envelope_of, response_energy
from engine.settlement import half_hourly_index, to_date
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


@dataclass(frozen=True)
class MeasuredResponse:
    """Response energy per service from the warehouse's frequency, month by month.

    Attributes:
        energy: Service → net import per half-hour [MWh per MW held] (NaN = no figure).
        samples: Frequency samples read.
        gaps: Gaps longer than the maximum (their periods have no figure).
    """

    energy: dict[str, pd.Series]
    samples: int
    gaps: int


def measured_response(
    warehouse: Warehouse,
    first: dt.date,
    last: dt.date,
    envelopes: Mapping[str, Envelope],
    services: tuple[str, ...],
    max_gap_s: float = DEFAULT_MAX_GAP_S,
) -> tuple[MeasuredResponse | None, list[dt.date]]:
    """Response energy of each service over UK days ``first..last`` if every day's frequency is
    held (read a calendar month at a time: a month of 1-second samples is 2.7 M rows).

    Returns:
        (the energies, or None when a day is missing; the missing UK days).
    """
    held = loaded_days(warehouse, TABLE)
    wanted = [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]
    missing = [d for d in wanted if d not in held]
    if missing:
        return None, missing
    parts: dict[str, list[pd.Series]] = {s: [] for s in services}
    samples = gaps = 0
    start = first
    while start <= last:
        month_end = (pd.Timestamp(start) + pd.offsets.MonthEnd(0)).date()
        stop = min(month_end, last)
        frequency, _ = read_frequency(warehouse, start, stop)
        index = half_hourly_index(start, stop)
        samples += 0 if frequency is None else len(frequency)
        for service in services:
            if frequency is None or frequency.empty:
                parts[service].append(pd.Series(np.nan, index=index))
                continue
            result = response_energy(
                frequency, service, envelope_of(service, envelopes), index, max_gap_s
            )
            gaps += len(result.gaps) if service == services[0] else 0
            parts[service].append(result.by_period["net_import_mwh_per_mw"])
        start = stop + dt.timedelta(days=1)
    energy = {s: pd.concat(p) for s, p in parts.items()}
    return MeasuredResponse(energy, samples, gaps), []
