"""Seeding from the shipped market files: counts, calendar checks, idempotency."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from engine.errors import DataMissingError
from engine.reference import ReferenceData
from jobs.settings import Settings
from jobs.warehouse import seed, seed_if_needed
from jobs.warehouse.duckdb_backend import DuckDBWarehouse
from jobs.warehouse.seed import (
    ALL_SEEDED_TABLES,
    BMRS_CSV,
    INSIGHTS_API,
    SEED_FILES,
    add_missing_columns,
)


@pytest.fixture(scope="module")
def seeded(
    tmp_path_factory: pytest.TempPathFactory, data_dir: Path
) -> Iterator[tuple[DuckDBWarehouse, Settings]]:
    path = tmp_path_factory.mktemp("seed") / "gbess.duckdb"
    settings = Settings(data_dir=data_dir, duckdb_path=path)
    warehouse = DuckDBWarehouse(path)
    seed(warehouse, settings, now=dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    yield warehouse, settings
    warehouse.close()


def _rows_between(
    warehouse: DuckDBWarehouse, table: str, column: str, first: str, last: str
) -> int:
    # Names come from this test, not from input.
    frame = warehouse.run_sql(
        f"SELECT COUNT(*) AS n FROM {table} WHERE {column} BETWEEN @first AND @last",
        first=dt.date.fromisoformat(first),
        last=dt.date.fromisoformat(last),
    )
    return int(frame["n"].iloc[0])


def test_row_counts_match_the_files(seeded: tuple[DuckDBWarehouse, Settings]) -> None:
    warehouse, _ = seeded
    rows = {t["table"]: t["rows"] for t in warehouse.status()["tables"]}
    # SOURCES.md, 2024: 17,568 periods; 2 providers; 13,176 response rows; 2,692 QR; 64.
    assert (
        _rows_between(warehouse, "system_prices", "settlement_date", "2024-01-01", "2024-12-31")
        == 17_568
    )
    assert (
        _rows_between(warehouse, "market_index", "settlement_date", "2024-01-01", "2024-12-31")
        == 35_136
    )
    assert (
        _rows_between(warehouse, "dynamic_response_results", "efa_date", "2024-01-01", "2024-12-31")
        == 13_176
    )
    assert (
        _rows_between(
            warehouse, "quick_reserve_results", "settlement_date", "2024-01-01", "2024-12-31"
        )
        == 2_692
    )
    assert rows["bm_units"] == 64
    # Every shipped year (SOURCES.md row counts): system prices 112,510 (BMRS CSV,
    # 2019-01-01 .. 2025-06-01) + 13,922 (API, .. 2026-03-18); MID 166,144 + 35,136 + 14,972
    # + 27,291; response 23,424 (legacy) + 13,176 + 13,140 + 7,704; QR 2,692 + 35,040;
    # NESO day-ahead demand forecast 52,953.
    assert rows["system_prices"] == 112_510 + 13_922
    assert rows["market_index"] == 166_144 + 35_136 + 14_972 + 27_291
    assert rows["dynamic_response_results"] == 23_424 + 13_176 + 13_140 + 7_704
    assert rows["quick_reserve_results"] == 2_692 + 35_040
    assert rows["demand_forecast_day_ahead"] == 52_953
    assert rows["load_log"] == len(SEED_FILES)


def test_each_row_names_its_vintage(seeded: tuple[DuckDBWarehouse, Settings]) -> None:
    warehouse, _ = seeded
    vintages = warehouse.run_sql(
        "SELECT vintage, MIN(settlement_date) AS first_day, MAX(settlement_date) AS last_day, "
        "COUNT(*) AS n FROM system_prices GROUP BY vintage ORDER BY first_day"
    )
    # The BMRS CSV download to 2025-06-01, then the Insights API (SOURCES.md).
    assert vintages["vintage"].tolist() == [BMRS_CSV, INSIGHTS_API]
    assert vintages["last_day"].iloc[0] == pd.Timestamp("2025-06-01")
    assert vintages["first_day"].iloc[1] == pd.Timestamp("2025-06-02")
    for table in ALL_SEEDED_TABLES:
        nulls = warehouse.run_sql(f"SELECT COUNT(*) AS n FROM {table} WHERE vintage IS NULL")
        assert int(nulls["n"].iloc[0]) == 0, table


def test_the_vintage_difference_files_are_not_loaded(
    seeded: tuple[DuckDBWarehouse, Settings],
) -> None:
    warehouse, _ = seeded
    # 2024-01-01 SP10: the BMRS CSV says £2.00, the API (listed in the QA file) £99.37.
    sp10 = warehouse.query(
        "system_prices", from_date=dt.date(2024, 1, 1), to_date=dt.date(2024, 1, 1)
    ).iloc[9]
    assert sp10["system_sell_price_gbp_per_mwh"] == 2.0
    assert not any("vintage_differences" in f.path for f in SEED_FILES)


def test_demand_forecast_keeps_every_vintage(seeded: tuple[DuckDBWarehouse, Settings]) -> None:
    warehouse, _ = seeded
    frame = warehouse.query(
        "demand_forecast_day_ahead", from_date=dt.date(2024, 1, 10), to_date=dt.date(2024, 1, 10)
    )
    # Two vintages of 11 cardinal points; the 08:45Z one forecast the 17:00 peak at 44,420 MW.
    assert len(frame) == 22
    first = frame[frame["forecast_timestamp"] == pd.Timestamp("2024-01-09T08:45:20Z")]
    assert first.loc[first["cardinal_point"] == "DP", "forecast_demand_mw"].item() == 44_420.0


def test_clock_change_days_and_values(seeded: tuple[DuckDBWarehouse, Settings]) -> None:
    warehouse, _ = seeded
    autumn = warehouse.query(
        "system_prices", from_date=dt.date(2024, 10, 27), to_date=dt.date(2024, 10, 27)
    )
    assert len(autumn) == 50
    # SOURCES.md: 2024-01-01 SP1 starts 2024-01-01T00:00Z; first row of the file: SSP 90.
    jan = warehouse.query(
        "system_prices", from_date=dt.date(2024, 1, 1), to_date=dt.date(2024, 1, 1)
    )
    assert jan["interval_start"].iloc[0] == pd.Timestamp("2024-01-01T00:00Z")
    assert jan["system_sell_price_gbp_per_mwh"].iloc[0] == 90.0


def test_legacy_local_times_become_utc(seeded: tuple[DuckDBWarehouse, Settings]) -> None:
    warehouse, _ = seeded
    # Legacy file, EFA day 2022-10-30 (autumn change): block 1 starts 23:00 BST on
    # 29 October = 22:00 UTC and lasts 5 h (to 03:00 UTC).
    frame = warehouse.query(
        "dynamic_response", from_date=dt.date(2022, 10, 30), to_date=dt.date(2022, 10, 30)
    )
    first = frame.iloc[0]
    assert first["delivery_start"] == pd.Timestamp("2022-10-29T22:00Z")
    assert first["delivery_end"] == pd.Timestamp("2022-10-30T03:00Z")
    assert first["duration_h"] == 5.0
    assert pd.isna(first["auction_id"])


def test_seed_twice_gives_the_same_tables(seeded: tuple[DuckDBWarehouse, Settings]) -> None:
    warehouse, settings = seeded
    before = warehouse.query(
        "dynamic_response", from_date=dt.date(2021, 1, 1), to_date=dt.date(2024, 12, 31)
    )
    assert seed_if_needed(warehouse, settings) == []  # fingerprints already logged
    seed(warehouse, settings, now=dt.datetime(2026, 1, 2, tzinfo=dt.UTC))
    after = warehouse.query(
        "dynamic_response", from_date=dt.date(2021, 1, 1), to_date=dt.date(2024, 12, 31)
    )
    pd.testing.assert_frame_equal(before, after)
    assert warehouse.status()["tables"][0]["rows"] == 112_510 + 13_922


def test_a_file_that_disagrees_with_the_calendar_is_refused(ref: ReferenceData) -> None:
    build = next(f for f in SEED_FILES if f.warehouse_table == "system_prices").build
    raw = ref.table("system_prices_2024").head(3).copy()
    raw.loc[2, "start_time_utc"] = "2024-01-01T02:00:00Z"  # SP 3 really starts 01:00Z
    with pytest.raises(DataMissingError, match="row 4"):
        build(raw, "market/gb_system_prices_2024.csv")


def test_seed_if_needed_names_a_missing_market_file(tmp_path: Path) -> None:
    # A data directory without market/: the one-line DataMissingError naming the file and
    # GBESS_DATA_DIR, not a bare FileNotFoundError from the freshness check.
    settings = Settings(data_dir=tmp_path, duckdb_path=tmp_path / "gbess.duckdb")
    warehouse = DuckDBWarehouse(settings.duckdb_path)
    try:
        with pytest.raises(DataMissingError, match=r"market/.*GBESS_DATA_DIR"):
            seed_if_needed(warehouse, settings)
    finally:
        warehouse.close()


def test_a_warehouse_from_before_vintages_gains_the_column(tmp_path: Path) -> None:
    warehouse = DuckDBWarehouse(tmp_path / "old.duckdb")
    try:
        with warehouse.writing():
            warehouse.ensure_tables()
            warehouse.run_sql("ALTER TABLE system_prices DROP COLUMN vintage")
        assert "vintage" not in warehouse.run_sql("SELECT * FROM system_prices LIMIT 0").columns
        add_missing_columns(warehouse)
        assert "vintage" in warehouse.run_sql("SELECT * FROM system_prices LIMIT 0").columns
    finally:
        warehouse.close()
