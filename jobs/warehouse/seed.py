"""Seed the warehouse from the shipped market files (``market/`` under the data directory).

Every shipped year is loaded: system prices 2019-01 .. 2026-03, the Market Index 2019 ..
2026-03, DC/DM/DR results 2021-09 .. 2026-08, Quick Reserve 2024-2025 and the NESO
day-ahead demand forecast 2018-2025 (all vintages). Each row carries a ``vintage`` naming
the publication it was read from, because the BMRS CSV download and the Elexon Insights API
disagree in ~2.5 % of half-hours (``market/SOURCES.md``); the files listing those
differences are QA artefacts and are not loaded. Where two files cover the same day the one
listed later here wins (they do not overlap today: the 2024 system price file is the
2019-2025 file's 2024 slice, so only the latter is loaded).

Every calendar column is derived by :mod:`engine.settlement` and cross-checked against the
UTC times the files carry, so a file that disagrees with the settlement calendar is refused
rather than loaded. Loads are upserts by key, so seeding twice gives the same tables. Each
file's load is recorded in ``load_log`` with a fingerprint (size and modification time),
which :func:`seed_if_needed` uses to skip work already done.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from engine.errors import DataMissingError
from engine.reference import DATA_DIR_SETTING, reference_data
from engine.settlement import (
    efa_block_bounds,
    interval_start_from_settlement,
    settlement_date_period,
)
from jobs.settings import Settings
from jobs.sources.fields import bm_units_frame
from jobs.warehouse.base import Warehouse
from jobs.warehouse.schema import TABLES

Kind = Literal["str", "float", "int", "date"]

#: Vintages: which publication a seeded row was read from (``market/SOURCES.md``).
BMRS_CSV = "bmrs_csv_download_2025-06"  # alkis77 BMRS website CSVs, committed 2025-06-09
INSIGHTS_API = "insights_api_2026-03"  # Halfcell Insights API collection @191ed64c, 2026-03-23
NESO_EAC = "neso_eac_results_summary_2026-08"  # NESO EAC archives + live, retrieved 2026-08-02
NESO_LEGACY = "neso_dc_dm_dr_results_summary_2021_2023"  # pre-EAC results summary
NESO_DEMAND = "neso_day_ahead_demand_archive_2025-06"  # archive_1dayahead.csv, committed 2025-06-23
ELEXON_BMUNITS = "elexon_bmunits_snapshot_2025-11-10"

_SP_COLUMNS: dict[str, Kind] = {
    "settlement_date": "date",
    "settlement_period": "int",
    "start_time_utc": "str",
    "system_sell_price_gbp_per_mwh": "float",
    "system_buy_price_gbp_per_mwh": "float",
    "net_imbalance_volume_mwh": "float",
}
_MID_COLUMNS: dict[str, Kind] = {
    "settlement_date": "date",
    "settlement_period": "int",
    "start_time_utc": "str",
    "data_provider": "str",
    "market_index_price_gbp_per_mwh": "float",
    "market_index_volume_mwh": "float",
}
_EAC_COLUMNS: dict[str, Kind] = {
    "efa_date": "date",
    "efa_block": "int",
    "service": "str",
    "delivery_start_utc": "str",
    "delivery_end_utc": "str",
    "cleared_volume_mw": "float",
    "clearing_price_gbp_per_mw_per_h": "float",
    "auction_id": "str",
    "neso_resource": "str",
}
_LEGACY_COLUMNS: dict[str, Kind] = {
    "efa_date": "date",
    "efa_block": "int",
    "service": "str",
    "delivery_start_utc": "str",
    "delivery_end_utc": "str",
    "cleared_volume_mw": "float",
    "clearing_price_gbp_per_mw_per_h": "float",
}
_QR_COLUMNS: dict[str, Kind] = {
    "service": "str",
    "delivery_start_utc": "str",
    "delivery_end_utc": "str",
    "cleared_volume_mw": "float",
    "clearing_price_gbp_per_mw_per_h": "float",
    "auction_id": "str",
    "neso_resource": "str",
}
_DEMAND_COLUMNS: dict[str, Kind] = {
    "target_date": "date",
    "days_ahead": "int",
    "forecast_timestamp_utc": "str",
    "cardinal_point": "str",
    "cp_type": "str",
    "cp_start_hhmm": "int",
    "cp_end_hhmm": "int",
    "f_point": "str",
    "forecast_demand_mw": "float",
}
_BM_UNIT_COLUMNS: dict[str, Kind] = {
    "nationalGridBmUnit": "str",
    "elexonBmUnit": "str",
    "leadPartyName": "str",
    "bmUnitType": "str",
    "leadPartyId": "str",
    "demandCapacity": "float",
    "generationCapacity": "float",
    "gspGroupId": "str",
    "gspGroupName": "str",
}


@dataclass(frozen=True)
class SeedFile:
    """One shipped file, the warehouse table it feeds and the vintage of its rows."""

    path: str
    warehouse_table: str
    build: Callable[[pd.DataFrame, str], pd.DataFrame]
    columns: dict[str, Kind]
    vintage: str
    required: bool = True


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


def _demand_forecast(raw: pd.DataFrame, path: str) -> pd.DataFrame:
    """All vintages as published; a user picks the latest issued before a decision."""
    out = raw.drop(columns=["forecast_timestamp_utc"]).copy()
    out.insert(
        2,
        "forecast_timestamp",
        pd.to_datetime(raw["forecast_timestamp_utc"], utc=True, format="ISO8601"),
    )
    out["source"] = f"neso:9847e7bb-986e-49be-8138-717b25933bbb via file:{path}"
    return out


def _bm_units(raw: pd.DataFrame, path: str) -> pd.DataFrame:
    out = bm_units_frame(raw)
    out["source"] = f"file:{path}"
    return out


SEED_FILES: tuple[SeedFile, ...] = (
    SeedFile(
        "market/gb_system_prices_2019_2025.csv",
        "system_prices",
        _system_prices,
        _SP_COLUMNS,
        BMRS_CSV,
    ),
    SeedFile(
        "market/gb_system_prices_2025_06_2026_03.csv",
        "system_prices",
        _system_prices,
        _SP_COLUMNS,
        INSIGHTS_API,
    ),
    SeedFile(
        "market/gb_market_index_mid_2019_2023.csv",
        "market_index",
        _market_index,
        _MID_COLUMNS,
        INSIGHTS_API,
    ),
    SeedFile(
        "market/gb_market_index_mid_2024.csv", "market_index", _market_index, _MID_COLUMNS, BMRS_CSV
    ),
    SeedFile(
        "market/gb_market_index_mid_2025.csv", "market_index", _market_index, _MID_COLUMNS, BMRS_CSV
    ),
    SeedFile(
        "market/gb_market_index_mid_2025_06_2026_03.csv",
        "market_index",
        _market_index,
        _MID_COLUMNS,
        INSIGHTS_API,
    ),
    SeedFile(
        "market/gb_dynamic_response_efa_2021_2023_legacy.csv",
        "dynamic_response_results",
        _dynamic_response,
        _LEGACY_COLUMNS,
        NESO_LEGACY,
    ),
    *(
        SeedFile(
            f"market/gb_dynamic_response_efa_{year}.csv",
            "dynamic_response_results",
            _dynamic_response,
            _EAC_COLUMNS,
            NESO_EAC,
        )
        for year in (2024, 2025, 2026)
    ),
    *(
        SeedFile(
            f"market/gb_quick_reserve_{year}.csv",
            "quick_reserve_results",
            _quick_reserve,
            _QR_COLUMNS,
            NESO_EAC,
        )
        for year in (2024, 2025)
    ),
    SeedFile(
        "market/neso_day_ahead_demand_forecast_cardinal_points_2018_2025.csv",
        "demand_forecast_day_ahead",
        _demand_forecast,
        _DEMAND_COLUMNS,
        NESO_DEMAND,
        required=False,  # forecasts run without it, so /health does not require it
    ),
    SeedFile(
        "market/gb_bm_units_battery_snapshot_2025-11-10.csv",
        "bm_units",
        _bm_units,
        _BM_UNIT_COLUMNS,
        ELEXON_BMUNITS,
    ),
)

#: The warehouse tables the shipped files fill that every deployment must hold rows in
#: (``/health`` checks them; the event tables and the optional demand forecast may rightly
#: be empty).
SEEDED_TABLES: tuple[str, ...] = tuple(
    dict.fromkeys(f.warehouse_table for f in SEED_FILES if f.required)
)
#: Every table a seed writes (the required ones and the optional demand forecast).
ALL_SEEDED_TABLES: tuple[str, ...] = tuple(dict.fromkeys(f.warehouse_table for f in SEED_FILES))


def read_seed_file(data_dir: Path, seed_file: SeedFile) -> pd.DataFrame:
    """Read one shipped file, checking its declared columns and their kinds.

    Raises:
        DataMissingError: Missing directory or file, a missing column, or a value that does
            not parse as its kind; the message names the file and ``GBESS_DATA_DIR``.
    """
    where = f"(set {DATA_DIR_SETTING}; currently {data_dir})"
    path = data_dir / seed_file.path
    if not path.is_file():
        raise DataMissingError(
            f"{seed_file.path}: market file missing {where}", field=DATA_DIR_SETTING
        )
    numeric = [c for c, kind in seed_file.columns.items() if kind in ("float", "int")]
    dtypes: dict[Hashable, str] = {
        c: "float64" if c in numeric else "str" for c in seed_file.columns
    }
    try:
        try:
            # Numbers parsed by the C reader (fast); a bad cell is found by the slow path.
            frame = pd.read_csv(
                path,
                dtype=dtypes,
                keep_default_na=False,
                na_values=[""],
            )
        except ValueError:
            frame = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""])
    except (OSError, UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise DataMissingError(
            f"{seed_file.path}: not a readable UTF-8 CSV ({type(exc).__name__}) {where}",
            field=DATA_DIR_SETTING,
        ) from None
    missing = [c for c in seed_file.columns if c not in frame.columns]
    if missing:
        raise DataMissingError(
            f"{seed_file.path}: missing column(s) {', '.join(missing)} {where}",
            field=DATA_DIR_SETTING,
        )
    for column, kind in seed_file.columns.items():
        values = frame[column]
        if kind == "str":
            frame[column] = _stripped(values)
            continue
        if kind == "date":
            parsed = pd.to_datetime(values, format="%Y-%m-%d", errors="coerce")
        elif pd.api.types.is_float_dtype(values):
            parsed = values
        else:
            parsed = pd.to_numeric(values, errors="coerce")
        bad = parsed.isna() & values.notna()
        if kind == "int":
            bad |= parsed.notna() & (parsed % 1 != 0)
        if bad.any():
            row = int(np.flatnonzero(bad.to_numpy())[0])
            raise DataMissingError(
                f"{seed_file.path}: column {column} should hold {kind} values; row {row + 2} "
                f"has {values.iloc[row]!r} {where}",
                field=DATA_DIR_SETTING,
            )
        frame[column] = parsed.astype("Int64") if kind == "int" else parsed
    return frame


def _stripped(values: pd.Series) -> pd.Series:
    """Text without surrounding blanks (BMRS pads ids: "APXMIDP "), one strip per distinct value."""
    uniques = pd.unique(values.dropna())
    padded = {u: u.strip() for u in uniques if u != u.strip()}
    return values.replace(padded) if padded else values


def _fingerprint(data_dir: Path, seed_file: SeedFile) -> str:
    path = data_dir / seed_file.path
    if not path.is_file():
        read_seed_file(data_dir, seed_file)  # raises DataMissingError naming file and setting
    stat = path.stat()
    return f"seed:{seed_file.path} size={stat.st_size} mtime_ns={stat.st_mtime_ns}"


def _day_range(frame: pd.DataFrame) -> tuple[Any, Any]:
    for column in ("settlement_date", "efa_date", "target_date"):
        if column in frame:
            return frame[column].min(), frame[column].max()
    return None, None


def add_missing_columns(warehouse: Warehouse) -> None:
    """Add columns declared since a warehouse was created (``vintage``), as NULLs.

    Table and column names come from the schema declaration only, never from a caller.
    """
    for name in ALL_SEEDED_TABLES:
        spec = TABLES[name]
        held = set(warehouse.run_sql(f"SELECT * FROM {name} LIMIT 0").columns)
        for column in spec.columns:
            if column.name not in held:
                with warehouse.writing():
                    warehouse.run_sql(f"ALTER TABLE {name} ADD COLUMN {column.name} {column.type}")


def seed(
    warehouse: Warehouse, settings: Settings, *, now: dt.datetime | None = None
) -> list[dict[str, Any]]:
    """Load every shipped market file into the warehouse (idempotent).

    Args:
        warehouse: Target warehouse.
        settings: Settings (``data_dir``).
        now: Load time recorded in ``load_log`` [UTC]; default the clock.

    Returns:
        One record per file: ``file``, ``table``, ``rows``, ``vintage``.

    Raises:
        DataMissingError: A file is missing, malformed, or disagrees with the calendar.
    """
    data_dir = reference_data(settings.data_dir).data_dir
    loaded_at = now or dt.datetime.now(dt.UTC)
    warehouse.ensure_tables()
    add_missing_columns(warehouse)
    built: dict[str, list[tuple[SeedFile, pd.DataFrame]]] = {}
    for seed_file in SEED_FILES:
        frame = seed_file.build(read_seed_file(data_dir, seed_file), seed_file.path)
        frame["vintage"] = seed_file.vintage
        built.setdefault(seed_file.warehouse_table, []).append((seed_file, frame))
    done = []
    for table_name, files in built.items():
        # One upsert per table: a later file's rows replace an earlier one's on the same key.
        frames = [frame for _, frame in files]
        combined = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
        keys = list(TABLES[table_name].key)
        combined = combined.drop_duplicates(keys, keep="last")
        warehouse.load(table_name, combined)
        for seed_file, frame in files:
            first, last = _day_range(frame)
            warehouse.record_load(
                table_name,
                first if first is not None else loaded_at.date(),
                last if last is not None else loaded_at.date(),
                len(frame),
                loaded_at,
                _fingerprint(data_dir, seed_file),
            )
            done.append(
                {
                    "file": seed_file.path,
                    "table": table_name,
                    "rows": len(frame),
                    "vintage": seed_file.vintage,
                }
            )
    return done


def seed_if_needed(warehouse: Warehouse, settings: Settings) -> list[dict[str, Any]]:
    """Seed unless ``load_log`` already records every shipped file as it is now.

    Returns:
        What :func:`seed` loaded, or an empty list when nothing was needed.
    """
    data_dir = reference_data(settings.data_dir).data_dir
    wanted = {_fingerprint(data_dir, seed_file) for seed_file in SEED_FILES}
    warehouse.ensure_tables()
    logged = warehouse.run_sql("SELECT DISTINCT source FROM load_log")
    if wanted <= set(logged["source"]):
        return []
    return seed(warehouse, settings)
