"""Seed the warehouse from the shipped market files (``market/`` under the data directory).

Files are read through :mod:`engine.reference` (checked columns and types); every calendar
column is derived by :mod:`engine.settlement` and cross-checked against the UTC times the
files carry, so a file that disagrees with the settlement calendar is refused rather than
loaded. Loads are upserts by key, so seeding twice gives the same tables. Each file's
load is recorded in ``load_log`` with a fingerprint (size and modification time), which
:func:`seed_if_needed` uses to skip work already done.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from engine.errors import DataMissingError
from engine.reference import DATA_DIR_SETTING, ReferenceData, reference_data
from engine.settlement import (
    efa_block_bounds,
    interval_start_from_settlement,
    settlement_date_period,
)
from jobs.settings import Settings
from jobs.sources.fields import bm_units_frame
from jobs.warehouse.base import Warehouse


@dataclass(frozen=True)
class SeedFile:
    """One shipped file and the warehouse table it feeds."""

    reference_table: str
    warehouse_table: str
    build: Callable[[pd.DataFrame, str], pd.DataFrame]


def _check_same(
    expected: pd.Series | pd.DatetimeIndex, stated: pd.Series, path: str, column: str
) -> None:
    """Refuse a file whose stated UTC times disagree with the settlement calendar."""
    stated_utc = pd.DatetimeIndex(pd.to_datetime(stated, utc=True, format="ISO8601"))
    derived = pd.DatetimeIndex(expected)
    bad = np.flatnonzero(np.asarray(stated_utc != derived))
    if bad.size:
        row = int(bad[0])
        raise DataMissingError(
            f"{path}: {column} row {row + 2} is {stated.iloc[row]}, but the settlement "
            f"calendar gives {derived[row].isoformat()} ({bad.size} row(s) disagree)",
            field=DATA_DIR_SETTING,
        )


def _half_hourly(raw: pd.DataFrame, path: str) -> pd.DataFrame:
    interval_start = interval_start_from_settlement(
        raw["settlement_date"], raw["settlement_period"]
    )
    _check_same(interval_start, raw["start_time_utc"], path, "start_time_utc")
    out = raw.drop(columns=["start_time_utc"]).copy()
    out.insert(0, "interval_start", interval_start)
    out["source"] = f"file:{path}"
    return out


def _system_prices(raw: pd.DataFrame, path: str) -> pd.DataFrame:
    return _half_hourly(raw, path)


def _market_index(raw: pd.DataFrame, path: str) -> pd.DataFrame:
    return _half_hourly(raw, path)


def _dynamic_response(raw: pd.DataFrame, path: str) -> pd.DataFrame:
    """EFA blocks from engine.settlement; the 2021-2023 file's local times become UTC here."""
    start, end = efa_block_bounds(raw["efa_date"], raw["efa_block"])
    _check_same(start, raw["delivery_start_utc"], path, "delivery_start_utc")
    _check_same(end, raw["delivery_end_utc"], path, "delivery_end_utc")
    out = pd.DataFrame(
        {
            "efa_date": raw["efa_date"],
            "efa_block": raw["efa_block"],
            "service": raw["service"],
            "delivery_start": start,
            "delivery_end": end,
            "duration_h": (end - start) / pd.Timedelta(hours=1),
            "cleared_volume_mw": raw["cleared_volume_mw"],
            "clearing_price_gbp_per_mw_per_h": raw["clearing_price_gbp_per_mw_per_h"],
        }
    )
    if "auction_id" in raw:
        out["auction_id"] = raw["auction_id"].astype(str)
    if "neso_resource" in raw:
        out["source"] = "neso:" + raw["neso_resource"].astype(str) + f" via file:{path}"
    else:
        out["source"] = f"file:{path}"
    return out


def _quick_reserve(raw: pd.DataFrame, path: str) -> pd.DataFrame:
    start = pd.DatetimeIndex(pd.to_datetime(raw["delivery_start_utc"], utc=True, format="ISO8601"))
    calendar = settlement_date_period(start)
    return pd.DataFrame(
        {
            "service": raw["service"],
            "delivery_start": start,
            "delivery_end": pd.to_datetime(raw["delivery_end_utc"], utc=True, format="ISO8601"),
            "settlement_date": calendar["settlement_date"].to_numpy(),
            "settlement_period": calendar["settlement_period"].to_numpy(),
            "cleared_volume_mw": raw["cleared_volume_mw"],
            "clearing_price_gbp_per_mw_per_h": raw["clearing_price_gbp_per_mw_per_h"],
            "auction_id": raw["auction_id"].astype(str),
            "source": "neso:" + raw["neso_resource"].astype(str) + f" via file:{path}",
        }
    )


def _bm_units(raw: pd.DataFrame, path: str) -> pd.DataFrame:
    out = bm_units_frame(raw)
    out["source"] = f"file:{path}"
    return out


SEED_FILES: tuple[SeedFile, ...] = (
    SeedFile("system_prices_2024", "system_prices", _system_prices),
    SeedFile("market_index_2024", "market_index", _market_index),
    SeedFile("dynamic_response_legacy", "dynamic_response_results", _dynamic_response),
    SeedFile("dynamic_response_2024", "dynamic_response_results", _dynamic_response),
    SeedFile("quick_reserve_2024", "quick_reserve_results", _quick_reserve),
    SeedFile("bm_units_battery", "bm_units", _bm_units),
)

#: The warehouse tables the shipped files fill: every deployment must hold rows in each
#: (``/health`` checks them; the event tables may rightly be empty).
SEEDED_TABLES: tuple[str, ...] = tuple(dict.fromkeys(f.warehouse_table for f in SEED_FILES))


def _fingerprint(ref: ReferenceData, seed_file: SeedFile) -> str:
    path = ref.path(seed_file.reference_table)
    if not path.is_file():
        ref.table(seed_file.reference_table)  # raises DataMissingError naming file and setting
    stat = path.stat()
    relative = path.relative_to(ref.data_dir)
    return f"seed:{relative} size={stat.st_size} mtime_ns={stat.st_mtime_ns}"


def _day_range(frame: pd.DataFrame) -> tuple[Any, Any]:
    for column in ("settlement_date", "efa_date"):
        if column in frame:
            return frame[column].min(), frame[column].max()
    return None, None


def seed(
    warehouse: Warehouse, settings: Settings, *, now: dt.datetime | None = None
) -> list[dict[str, Any]]:
    """Load every shipped market file into the warehouse (idempotent).

    Args:
        warehouse: Target warehouse.
        settings: Settings (``data_dir``).
        now: Load time recorded in ``load_log`` [UTC]; default the clock.

    Returns:
        One record per file: ``file``, ``table``, ``rows``.

    Raises:
        DataMissingError: A file is missing, malformed, or disagrees with the calendar.
    """
    ref = reference_data(settings.data_dir)
    loaded_at = now or dt.datetime.now(dt.UTC)
    warehouse.ensure_tables()
    done = []
    for seed_file in SEED_FILES:
        path = str(ref.path(seed_file.reference_table).relative_to(ref.data_dir))
        frame = seed_file.build(ref.table(seed_file.reference_table), path)
        rows = warehouse.load(seed_file.warehouse_table, frame)
        first, last = _day_range(frame)
        warehouse.record_load(
            seed_file.warehouse_table,
            first if first is not None else loaded_at.date(),
            last if last is not None else loaded_at.date(),
            rows,
            loaded_at,
            _fingerprint(ref, seed_file),
        )
        done.append({"file": path, "table": seed_file.warehouse_table, "rows": rows})
    return done


def seed_if_needed(warehouse: Warehouse, settings: Settings) -> list[dict[str, Any]]:
    """Seed unless ``load_log`` already records every shipped file as it is now.

    Returns:
        What :func:`seed` loaded, or an empty list when nothing was needed.
    """
    ref = reference_data(settings.data_dir)
    wanted = {_fingerprint(ref, seed_file) for seed_file in SEED_FILES}
    warehouse.ensure_tables()
    logged = warehouse.run_sql("SELECT DISTINCT source FROM load_log")
    if wanted <= set(logged["source"]):
        return []
    return seed(warehouse, settings)
