"""A seeded DuckDB warehouse with one day of frequency, shared by the response-value tests.

The frequency is a synthetic series written in NESO's recorded "System Frequency Data" format
(``dtm,f``; times in GMT) by :func:`neso_day_csv`, not a real recording (none ships with the
data folder): 2024-01-10 (a winter day, UK time = UTC) at 15 s steps, 50.30 Hz for the first
half-hour (settlement period 1) and 50.00 Hz for the rest of the day.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from jobs.frequency import load_frequency_file
from jobs.settings import Settings
from jobs.warehouse import open_warehouse, seed_if_needed

FREQUENCY_DAY = "2024-01-10"


def neso_day_csv(path: Path) -> Path:
    """Write the synthetic day in NESO's CSV layout (see the module docstring)."""
    times = pd.date_range(f"{FREQUENCY_DAY} 00:00:00", periods=24 * 240, freq="15s")
    freq = ["50.300" if t < pd.Timestamp(f"{FREQUENCY_DAY} 00:30") else "50.000" for t in times]
    lines = ["dtm,f", *(f"{t:%Y-%m-%d %H:%M:%S},{f}" for t, f in zip(times, freq, strict=True))]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def response_settings(data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """Settings on a warehouse seeded from the data folder plus the synthetic frequency day
    (built once per test session: later callers reuse the file)."""
    root = tmp_path_factory.getbasetemp() / "response_warehouse"
    settings = Settings(data_dir=data_dir, var_dir=root, duckdb_path=root / "w.duckdb")
    if not (root / "ready").exists():
        root.mkdir(parents=True, exist_ok=True)
        with open_warehouse(settings) as warehouse:
            seed_if_needed(warehouse, settings)
            load_frequency_file(warehouse, neso_day_csv(root / "f-2024-1-10.csv"))
        (root / "ready").write_text("seeded\n", encoding="utf-8")
    return settings
