"""The DuckDB backend: idempotent typed loads, status with gaps, SQL as data."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.errors import StorageUnavailableError, ValidationError, WarehouseBusyError
from jobs.warehouse.duckdb_backend import DuckDBWarehouse
from tests.jobs.warehouse.conftest import bm_units_frame, system_prices_frame

DAY = dt.date(2024, 3, 31)


def _prices(warehouse: DuckDBWarehouse) -> pd.DataFrame:
    return warehouse.query("system_prices", from_date=DAY, to_date=dt.date(2024, 4, 1))


def test_load_twice_is_idempotent(empty_warehouse: DuckDBWarehouse) -> None:
    frame = system_prices_frame()
    assert empty_warehouse.load("system_prices", frame) == 94  # 46 + 48 periods
    first = _prices(empty_warehouse)
    empty_warehouse.load("system_prices", frame)
    pd.testing.assert_frame_equal(_prices(empty_warehouse), first)


def test_load_replaces_rows_with_the_same_key(empty_warehouse: DuckDBWarehouse) -> None:
    empty_warehouse.load("system_prices", system_prices_frame())
    corrected = system_prices_frame().iloc[[0]].assign(system_sell_price_gbp_per_mwh=1.5)
    empty_warehouse.load("system_prices", corrected)
    prices = _prices(empty_warehouse)
    assert len(prices) == 94
    assert prices["system_sell_price_gbp_per_mwh"].iloc[0] == 1.5
    assert prices["system_sell_price_gbp_per_mwh"].iloc[1] == -80.0  # untouched: 10*2 - 100


def test_duplicated_key_is_refused_and_nothing_written(
    empty_warehouse: DuckDBWarehouse,
) -> None:
    frame = system_prices_frame()
    doubled = pd.concat([frame, frame.iloc[[5]]], ignore_index=True)
    with pytest.raises(ValidationError, match="duplicated key") as caught:
        empty_warehouse.load("system_prices", doubled)
    assert caught.value.field == "interval_start"
    assert _prices(empty_warehouse).empty


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"interval_start": pd.Timestamp("2024-03-31T00:00")}, "timezone-aware"),
        ({"settlement_period": "three"}, "cannot convert"),
        ({"interval_start": None}, "has no interval_start"),
        ({"price_eur": 1.0}, "unknown column"),
    ],
)
def test_bad_frames_are_refused(
    empty_warehouse: DuckDBWarehouse, change: dict[str, Any], message: str
) -> None:
    frame = system_prices_frame().head(2).astype({"settlement_period": object})
    for column, value in change.items():
        frame[column] = value
    with pytest.raises(ValidationError, match=message):
        empty_warehouse.load("system_prices", frame)


def test_missing_non_key_columns_become_null(empty_warehouse: DuckDBWarehouse) -> None:
    empty_warehouse.load("bm_units", bm_units_frame())
    units = empty_warehouse.query("bm_units")
    assert units["eic"].isna().all()


def test_sql_in_a_parameter_is_data(empty_warehouse: DuckDBWarehouse) -> None:
    empty_warehouse.load("bm_units", bm_units_frame())
    hostile = "'; DROP TABLE bm_units; --"
    # A string where a DATE is expected is refused before it reaches the database.
    with pytest.raises(ValidationError, match="from_date: expected a date"):
        empty_warehouse.query("system_prices", from_date=hostile, to_date=hostile)
    assert len(empty_warehouse.query("bm_units")) == 3
    echoed = empty_warehouse.run_sql("SELECT @text AS echoed", text=hostile)
    assert echoed["echoed"].tolist() == [hostile]
    # Stored as a value, it comes back as the same text.
    empty_warehouse.load(
        "bm_units", pd.DataFrame({"elexon_bm_unit": [hostile], "lead_party_name": [hostile]})
    )
    units = empty_warehouse.query("bm_units")
    assert len(units) == 4
    assert hostile in units["lead_party_name"].tolist()


def test_status_reports_rows_span_and_gaps(empty_warehouse: DuckDBWarehouse) -> None:
    frame = system_prices_frame()
    # Drop SP 10..12 of 2024-03-31: one gap of three missing half-hours.
    holes = frame[~frame["settlement_period"].between(10, 12) | (frame.index >= 46)]
    empty_warehouse.load("system_prices", holes)
    report = empty_warehouse.status()
    entry = next(t for t in report["tables"] if t["table"] == "system_prices")
    assert entry["rows"] == 91
    assert entry["first_interval_start"] == "2024-03-31T00:00:00Z"
    assert entry["last_interval_start"] == "2024-04-01T22:30:00Z"
    assert entry["gap_count"] == 1
    assert entry["missing_periods"] == 3
    # SP 10 of 2024-03-31 starts 05:30 BST = 04:30 UTC; SP 13 at 06:00 UTC.
    assert entry["gaps"] == [
        {
            "gap_start": "2024-03-31T04:30:00Z",
            "gap_end": "2024-03-31T06:00:00Z",
            "missing_periods": 3,
        }
    ]
    assert report["backend"] == "duckdb"
    names = [t["table"] for t in report["tables"]]
    assert "bid_offer_acceptances" in names
    assert "load_log" in names


def test_status_gaps_per_series(empty_warehouse: DuckDBWarehouse) -> None:
    from tests.jobs.warehouse.conftest import dynamic_response_frame

    frame = dynamic_response_frame()
    # Remove DRH block 3 of 2024-04-01 (07:00-11:00 BST = 06:00-10:00 UTC): 8 half-hours.
    frame = frame[~((frame["service"] == "DRH") & (frame["efa_block"] == 3) & (frame.index >= 12))]
    empty_warehouse.load("dynamic_response_results", frame)
    entry = next(
        t for t in empty_warehouse.status()["tables"] if t["table"] == "dynamic_response_results"
    )
    assert entry["gaps"] == [
        {
            "service": "DRH",
            "gap_start": "2024-04-01T06:00:00Z",
            "gap_end": "2024-04-01T10:00:00Z",
            "missing_periods": 8,
        }
    ]


def test_status_gaps_at_one_instant_are_listed_by_series(
    empty_warehouse: DuckDBWarehouse,
) -> None:
    from tests.jobs.warehouse.conftest import dynamic_response_frame

    frame = dynamic_response_frame()
    # Block 3 of 2024-04-01 missing for every service: six gaps at the same instant.
    frame = frame[~((frame["efa_block"] == 3) & (frame.index >= 12))]
    empty_warehouse.load("dynamic_response_results", frame)
    entry = next(
        t for t in empty_warehouse.status()["tables"] if t["table"] == "dynamic_response_results"
    )
    services = [gap["service"] for gap in entry["gaps"]]
    assert len(services) > 1
    assert services == sorted(services)
    assert {gap["gap_start"] for gap in entry["gaps"]} == {"2024-04-01T06:00:00Z"}


def test_read_only_needs_an_existing_file(tmp_path: Path) -> None:
    # A server fault (503 naming the setting), not "the data you asked for is missing" (404).
    warehouse = DuckDBWarehouse(tmp_path / "absent.duckdb", read_only=True)
    with pytest.raises(StorageUnavailableError, match="gbess warehouse seed") as err:
        warehouse.query("bm_units")
    assert err.value.check == "file-missing"
    assert str(tmp_path) not in err.value.public_detail
    assert "GBESS_DUCKDB_PATH" in err.value.public_detail
    assert not (tmp_path / "absent.duckdb").exists()


def test_a_path_that_cannot_be_created_names_the_setting(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")  # a file where the warehouse's directory should be
    warehouse = DuckDBWarehouse(blocker / "sub" / "gbess.duckdb", setting="GBESS_VAR_DIR")
    with pytest.raises(StorageUnavailableError, match="cannot write the warehouse") as err:
        warehouse.query("bm_units")
    assert err.value.check == "not-writable"
    assert err.value.field == "GBESS_VAR_DIR"
    assert str(tmp_path) not in err.value.public_detail


def test_read_only_refuses_loads(small_warehouse: DuckDBWarehouse) -> None:
    small_warehouse.close()  # release the write lock held by the shared fixture
    reader = DuckDBWarehouse(small_warehouse.path, read_only=True)
    try:
        assert len(reader.query("bm_units")) == 3
        with pytest.raises(ValidationError, match="read-only"):
            reader.load("bm_units", bm_units_frame())
    finally:
        reader.close()


@settings(max_examples=15, deadline=None)
@given(batches=st.lists(st.lists(st.integers(0, 93), max_size=20), min_size=1, max_size=4))
def test_loads_in_any_order_give_the_union(batches: list[list[int]]) -> None:
    """Invariant: after any sequence of loads, the table holds each key once, with the
    last value loaded for it."""
    frame = system_prices_frame()
    warehouse = DuckDBWarehouse(Path(":memory:"))
    try:
        expected: dict[pd.Timestamp, float] = {}
        for number, rows in enumerate(batches):
            batch = frame.iloc[sorted(set(rows))].assign(system_sell_price_gbp_per_mwh=number)
            warehouse.load("system_prices", batch)
            expected.update(dict.fromkeys(batch["interval_start"], float(number)))
        stored = warehouse.run_sql(
            "SELECT interval_start, system_sell_price_gbp_per_mwh AS p FROM system_prices"
        )
        assert dict(zip(stored["interval_start"], stored["p"], strict=True)) == expected
    finally:
        warehouse.close()


def test_row_counts_of_the_small_fixture(small_warehouse: DuckDBWarehouse) -> None:
    # Hand-counted from the fixture: 46 + 48 periods; 46 APX + 46 N2EX; 2 days x 12; 3; 3.
    assert small_warehouse.row_counts(
        ["system_prices", "market_index", "dynamic_response_results", "bm_units"]
    ) == {"system_prices": 94, "market_index": 92, "dynamic_response_results": 24, "bm_units": 3}
    assert small_warehouse.row_counts([]) == {}


def test_row_counts_name_a_missing_table_without_creating_it(tmp_path: Path) -> None:
    path = tmp_path / "partial.duckdb"
    with DuckDBWarehouse(path) as writer:
        writer.load("bm_units", bm_units_frame())
    with duckdb.connect(str(path)) as connection:
        connection.execute("DROP TABLE system_prices")
    with DuckDBWarehouse(path, read_only=True) as reader:
        assert reader.row_counts(["bm_units", "system_prices", "load_log"]) == {
            "bm_units": 3,
            "system_prices": None,
            "load_log": 0,
        }
        assert reader.row_counts(["system_prices"]) == {"system_prices": None}


def test_row_counts_raise_when_the_file_cannot_be_opened(tmp_path: Path) -> None:
    # Not "every table missing": the warehouse itself is unreachable.
    (tmp_path / "junk.duckdb").write_bytes(b"not a database" * 100)
    with (
        DuckDBWarehouse(tmp_path / "junk.duckdb", read_only=True) as reader,
        pytest.raises(StorageUnavailableError, match="cannot open warehouse"),
    ):
        reader.row_counts(["bm_units"])


def test_row_counts_refuse_an_undeclared_table(small_warehouse: DuckDBWarehouse) -> None:
    with pytest.raises(ValidationError, match="nope"):
        small_warehouse.row_counts(["nope"])


def test_a_writer_holding_the_lock_makes_others_busy_not_missing(
    small_warehouse: DuckDBWarehouse,
) -> None:
    # Issue 19 defect 1: a second opener got DataMissingError (404) naming the file and the
    # PID of the lock holder. Now it waits up to its lock timeout (0 here), then is busy.
    path = small_warehouse.path
    reader = DuckDBWarehouse(path, read_only=True, lock_timeout_s=0)
    other_writer = DuckDBWarehouse(path, lock_timeout_s=0)
    with small_warehouse.writing():
        with pytest.raises(WarehouseBusyError) as busy:
            reader.query("bm_units")
        with pytest.raises(WarehouseBusyError), other_writer.writing():
            pass  # never reached: the lock is not had
        # The holder itself reads and writes through its own connection meanwhile.
        assert len(small_warehouse.query("bm_units")) == 3
    assert busy.value.retry_after_s == 2
    assert str(path) not in busy.value.public_detail
    assert "PID" not in busy.value.public_detail
    assert len(reader.query("bm_units")) == 3  # the writer has gone


def test_readers_share_the_file_across_processes(small_warehouse: DuckDBWarehouse) -> None:
    # Another process reading (DuckDB read-only) keeps no reader out.
    holder = subprocess.Popen(
        [sys.executable, "-c", _READ_HOLDER, str(small_warehouse.path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None
    assert holder.stdin is not None
    try:
        assert holder.stdout.readline().strip() == "holding"
        reader = DuckDBWarehouse(small_warehouse.path, read_only=True, lock_timeout_s=0)
        assert len(reader.query("bm_units")) == 3
    finally:
        holder.stdin.close()
        holder.wait(timeout=30)
        holder.stdout.close()


_READ_HOLDER = (
    "import sys, duckdb\n"
    "c = duckdb.connect(sys.argv[1], read_only=True)\n"
    "print('holding', flush=True)\n"
    "sys.stdin.read()\n"
)


def test_a_full_disk_is_not_writable_naming_the_setting(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The message DuckDB gives when var/ fills up (seen on a 2 MB tmpfs).
    def full(database: str, read_only: bool = False) -> duckdb.DuckDBPyConnection:
        raise duckdb.IOException(
            f'IO Error: Could not write file "{database}": No space left on device'
        )

    monkeypatch.setattr(duckdb, "connect", full)
    warehouse = DuckDBWarehouse(tmp_path / "gbess.duckdb", setting="GBESS_VAR_DIR")
    with pytest.raises(StorageUnavailableError) as err:
        warehouse.load("bm_units", bm_units_frame())
    assert err.value.check == "not-writable"
    assert err.value.public_detail == (
        "the server's state directory is read-only or full (operator: check GBESS_VAR_DIR)"
    )
