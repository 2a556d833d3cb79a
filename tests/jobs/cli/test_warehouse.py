"""``gbess warehouse`` and ``gbess run``: seed, status --json, query --param --json, ddl."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from jobs.cli import main
from jobs.cli.warehouse import parse_params
from jobs.warehouse.duckdb_backend import DuckDBWarehouse
from tests.jobs.warehouse.conftest import fill


@pytest.fixture
def small_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "cli.duckdb"
    warehouse = DuckDBWarehouse(path)
    fill(warehouse)
    warehouse.close()
    monkeypatch.setenv("GBESS_DUCKDB_PATH", str(path))
    return path


def test_status_json(small_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["warehouse", "status", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    prices = next(t for t in report["tables"] if t["table"] == "system_prices")
    assert prices["rows"] == 94  # 46 + 48
    assert prices["first_interval_start"] == "2024-03-31T00:00:00Z"
    assert prices["gaps"] == []


def test_query_json(small_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(
        [
            "warehouse", "query", "system_prices",
            "--param", "from_date=2024-03-31", "--param", "to_date=2024-03-31", "--json",
        ]
    )  # fmt: skip
    assert code == 0
    rows = json.loads(capsys.readouterr().out)
    assert len(rows) == 46
    assert rows[0]["interval_start"] == "2024-03-31T00:00:00Z"
    assert rows[0]["settlement_date"] == "2024-03-31"
    assert rows[0]["system_sell_price_gbp_per_mwh"] == -90.0


def test_query_nulls_are_json_null(small_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = ["warehouse", "query", "market_index", "--json"]
    assert main([*args, "--param", "from_date=2024-03-31", "--param", "to_date=2024-03-31"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert rows[0]["market_index_price_gbp_per_mwh"] is None  # APX SP 1: no trade


def test_query_missing_parameter_exits_2(
    small_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["warehouse", "query", "system_prices", "--param", "from_date=2024-03-31"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "to_date" in err


def test_query_list(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["warehouse", "query", "--json"]) == 0
    listing = {q["name"]: q["parameters"] for q in json.loads(capsys.readouterr().out)}
    assert listing["system_prices"] == ["from_date", "to_date"]
    assert listing["bm_units"] == []


def test_parse_params() -> None:
    import datetime as dt

    assert parse_params(["a=2024-01-02", "b=3", "c=1.5", "d=x=y"]) == {
        "a": dt.date(2024, 1, 2),
        "b": 3,
        "c": 1.5,
        "d": "x=y",
    }


def test_bad_param_exits_2(small_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["warehouse", "query", "system_prices", "--param", "oops"]) == 2
    assert "K=V" in capsys.readouterr().err


def test_malformed_date_param_exits_2(small_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    hostile = "from_date=2024-03-31'; DROP TABLE system_prices; --"
    args = ["warehouse", "query", "system_prices", "--param", hostile]
    assert main([*args, "--param", "to_date=2024-03-31", "--json"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("gbess: error: from_date: expected a date (YYYY-MM-DD)")


def test_query_before_seeding_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    absent = tmp_path / "never-seeded.duckdb"
    monkeypatch.setenv("GBESS_DUCKDB_PATH", str(absent))
    assert main(["warehouse", "query", "bm_units", "--json"]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "gbess warehouse seed" in captured.err
    assert not absent.exists()  # not created empty


def test_ddl_bigquery(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["warehouse", "ddl", "--dataset", "proj.ds"]) == 0
    out = capsys.readouterr().out
    assert out.count("CREATE TABLE IF NOT EXISTS") == 13
    assert "`proj.ds.system_frequency`" in out


def test_seed_then_run_says_already_seeded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("GBESS_DUCKDB_PATH", str(tmp_path / "seeded.duckdb"))
    assert main(["warehouse", "seed", "--json"]) == 0
    seeded = json.loads(capsys.readouterr().out)
    # Every shipped year (SOURCES.md): system prices, MID, response, QR, demand, BM units.
    assert sum(f["rows"] for f in seeded["files"]) == (
        126_432 + 243_543 + 57_444 + 37_732 + 52_953 + 64
    )
    assert main(["run"]) == 0
    out = capsys.readouterr().out
    assert "already seeded" in out
    assert "system_prices" in out
    assert "126432 rows" in out
