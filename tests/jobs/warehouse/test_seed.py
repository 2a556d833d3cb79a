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
from jobs.warehouse.seed import SEED_FILES


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


def test_row_counts_match_the_files(seeded: tuple[DuckDBWarehouse, Settings]) -> None:
    warehouse, _ = seeded
    rows = {t["table"]: t["rows"] for t in warehouse.status()["tables"]}
    # SOURCES.md: 17,568 periods; 2 providers; 13,176 + 23,424 response rows; 2,692 QR; 64.
    assert rows["system_prices"] == 17_568
    assert rows["market_index"] == 35_136
    assert rows["dynamic_response_results"] == 13_176 + 23_424
    assert rows["quick_reserve_results"] == 2_692
    assert rows["bm_units"] == 64
    assert rows["load_log"] == len(SEED_FILES)


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
    assert warehouse.status()["tables"][0]["rows"] == 17_568


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
