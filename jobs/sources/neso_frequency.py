"""NESO "System Frequency Data": the monthly 1-second CSV files, read into ``system_frequency``.

NESO publishes GB system frequency at 1-second resolution, one CSV per month, with the columns
``dtm`` (date and time) and ``f`` (frequency [Hz]); "Time values are all given in Greenwich
Mean Time (GMT) starting January 2020" (NESO data portal, System Frequency Data page), so
``dtm`` is read as UTC. Elexon's FREQ (15 s, ``jobs/sources/elexon.py``) lands in the same
table with the same columns: ``measurement_time`` (UTC) and ``frequency_hz``.

Unlike the API loaders, a file is refused whole when a row is bad, naming the file lines:
a time that does not parse, a repeated time, or a frequency outside 45-55 Hz (not a GB
system measurement). Gaps are kept as gaps (no interpolation): the engine holds a sample for
at most ``DEFAULT_MAX_GAP_S`` and shows longer gaps as missing.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pandas as pd

from engine.errors import SourceUnavailableError
from engine.response import VALID_RANGE_HZ
from engine.settlement import settlement_date_period

NESO_FREQUENCY_COLUMNS = {"dtm": "measurement_time", "f": "frequency_hz"}
SOURCE_NAME = "neso:system-frequency-data"


def _lines(frame: pd.DataFrame, mask: np.ndarray, raw: pd.Series) -> str:
    where = np.flatnonzero(mask)
    # +2: one for the header line, one because file lines count from 1
    shown = [f"line {i + 2} ({raw.iloc[i]!r})" for i in where[:5]]
    return ", ".join(shown) + (f" and {len(where) - 5} more" if len(where) > 5 else "")


def read_neso_frequency(source: str | Path | io.StringIO, name: str | None = None) -> pd.DataFrame:
    """A NESO monthly frequency CSV as ``measurement_time`` (UTC), ``frequency_hz`` and
    ``settlement_date`` (the UK day of the sample's half-hour).

    Args:
        source: A path, or the CSV text in a buffer.
        name: What to call the file in messages (default: the path).

    Raises:
        SourceUnavailableError: Missing columns, unparsable times or frequencies, repeated
            times or values outside 45-55 Hz, naming the lines (at most five).
    """
    label = name or str(source if not isinstance(source, io.StringIO) else "the CSV")
    try:
        raw = pd.read_csv(source, dtype=str, keep_default_na=False)
    except (OSError, UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise SourceUnavailableError(
            f"{label}: not a readable CSV ({type(exc).__name__})", field="file"
        ) from None
    raw.columns = [c.strip().lower() for c in raw.columns]
    missing = [c for c in NESO_FREQUENCY_COLUMNS if c not in raw.columns]
    if missing:
        raise SourceUnavailableError(
            f"{label}: missing column(s) {', '.join(missing)} (expected dtm, f)", field="file"
        )
    times = pd.to_datetime(raw["dtm"].str.strip(), format="mixed", errors="coerce", utc=True)
    bad_time = times.isna().to_numpy()
    if bad_time.any():
        raise SourceUnavailableError(
            f"{label}: unreadable time at {_lines(raw, bad_time, raw['dtm'])}", field="dtm"
        )
    freq = pd.to_numeric(raw["f"].str.strip(), errors="coerce").to_numpy(dtype=float)
    lo, hi = VALID_RANGE_HZ
    bad = ~np.isfinite(freq) | (freq < lo) | (freq > hi)
    if bad.any():
        raise SourceUnavailableError(
            f"{label}: frequency outside {lo:g}-{hi:g} Hz or not a number at "
            f"{_lines(raw, bad, raw['f'])}",
            field="f",
        )
    repeated = pd.Series(times).duplicated(keep=False).to_numpy()
    if repeated.any():
        raise SourceUnavailableError(
            f"{label}: repeated time at {_lines(raw, repeated, raw['dtm'])}", field="dtm"
        )
    frame = pd.DataFrame({"measurement_time": times, "frequency_hz": freq})
    frame = frame.sort_values("measurement_time", kind="stable").reset_index(drop=True)
    half_hour = pd.DatetimeIndex(frame["measurement_time"]).floor("30min")
    frame["settlement_date"] = settlement_date_period(half_hour)["settlement_date"].to_numpy()
    return frame
