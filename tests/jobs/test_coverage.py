"""jobs/coverage.py: the data range read from the warehouse, and the one out-of-range message."""

from __future__ import annotations

from contextlib import closing
from pathlib import Path

import pytest

from engine.errors import DataMissingError, ValidationError
from jobs.cli import main
from jobs.coverage import CoverageRequest, outside_range, run_coverage
from jobs.settings import Settings
from jobs.warehouse.duckdb_backend import DuckDBWarehouse
from tests.jobs.warehouse.conftest import fill


@pytest.fixture(scope="module")
def filled(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("coverage") / "gbess.duckdb"
    with closing(DuckDBWarehouse(path)) as warehouse:
        fill(warehouse)
    return path


def test_ranges_come_from_the_rows_held(data_dir: Path, filled: Path) -> None:
    document = run_coverage(CoverageRequest(), Settings(data_dir=data_dir, duckdb_path=filled))
    by_name = {entry["dataset"]: entry for entry in document["datasets"]}
    # The fixture (tests/jobs/warehouse/conftest.py): system prices on the spring clock
    # change 2024-03-31 (46 half-hours, the first starting 00:00 GMT) and 2024-04-01 (48,
    # the last starting 22:30 UTC = 23:30 BST).
    prices = by_name["system_prices"]
    assert (prices["rows"], prices["first_day"], prices["last_day"]) == (
        94,
        "2024-03-31",
        "2024-04-01",
    )
    assert prices["first_interval_start"] == "2024-03-31T00:00:00Z"
    assert prices["last_interval_start"] == "2024-04-01T22:30:00Z"
    assert document["market_data"] == "market data 2024-03-31 … 2024-04-01"
    # The market index counts APX rows only (the fixture's N2EX rows are not traded).
    assert by_name["market_index"]["last_day"] == "2024-03-31"
    # EFA days for the DC/DM/DR blocks; nothing held is said, not invented.
    assert by_name["dynamic_response_results"]["range"] == "2024-03-31 … 2024-04-01"
    forecast = by_name["demand_forecast_day_ahead"]
    assert (forecast["rows"], forecast["first_day"], forecast["range"]) == (0, None, "none held")
    assert "system prices 2024-03-31 … 2024-04-01" in document["summary"]


def test_a_subset_and_an_unknown_name(data_dir: Path, filled: Path) -> None:
    settings = Settings(data_dir=data_dir, duckdb_path=filled)
    document = run_coverage(CoverageRequest(datasets=("market_index",)), settings)
    assert [entry["dataset"] for entry in document["datasets"]] == ["market_index"]
    assert document["market_data"] is None
    with pytest.raises(ValidationError, match="datasets: unknown prices"):
        CoverageRequest(datasets=("prices",))


@pytest.mark.parametrize(
    ("first", "last", "field", "where"),
    [
        ("2027-01-01", "2027-01-07", "from", "2027-01-01 … 2027-01-07 is outside that range"),
        ("2018-12-30", "2019-01-02", "from", "2018-12-30 … 2019-01-02 is not wholly inside it"),
        ("2026-03-15", "2026-03-25", "to", "2026-03-15 … 2026-03-25 is not wholly inside it"),
    ],
)
def test_outside_range_names_the_field_and_the_range(
    first: str, last: str, field: str, where: str
) -> None:
    error = outside_range(
        "from", "system_prices", first, last, "2019-01-01", "2026-03-18", to_field="to"
    )
    assert isinstance(error, DataMissingError)
    assert error.field == field
    assert error.detail == (
        f"{field}: the warehouse holds system prices for 2019-01-01 … 2026-03-18; {where}"
    )


def test_nothing_held_says_seed() -> None:
    error = outside_range("from", "market_index", "2024-01-01", "2024-01-02", None, None)
    assert error.detail == (
        "from: the warehouse holds no market index (APX) (run `gbess warehouse seed`)"
    )


def test_dispatch_refuses_a_period_only_partly_held(
    tmp_path_factory: pytest.TempPathFactory,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # It used to value 2019-01-01..02 alone and say nothing of the two days before.
    path = Path(str(tmp_path_factory.getbasetemp())) / "revenue.duckdb"  # shared, seeded once
    monkeypatch.setenv("GBESS_DUCKDB_PATH", str(path))
    argv = ["dispatch", "--prices-from-warehouse", "apx", "--from", "2018-12-30", "--to",
            "2019-01-02", "--power-mw", "1", "--energy-mwh", "2"]  # fmt: skip
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert err.startswith(
        "gbess: error: from: the warehouse holds market index (APX) for 2019-01-01"
    )
    assert "2018-12-30 … 2019-01-02 is not wholly inside it" in err
