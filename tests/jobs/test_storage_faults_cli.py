"""Issue 19 defect 5 and item 8 on the command line: a read-only ``var/`` and a missing
warehouse file are one line naming the setting (exit 1), never a traceback or zeros."""

from __future__ import annotations

from contextlib import closing
from pathlib import Path

import pytest

from jobs.cli import main
from jobs.warehouse.duckdb_backend import DuckDBWarehouse
from tests.jobs.warehouse.conftest import fill
from tests.read_only_fs import make_read_only


@pytest.fixture
def var(tmp_path: Path, data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in ("GBESS_DUCKDB_PATH", "GBESS_WAREHOUSE", "GBESS_DASHBOARD"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("GBESS_DATA_DIR", str(data_dir))
    monkeypatch.setenv("GBESS_VAR_DIR", str(tmp_path / "var"))
    return tmp_path / "var"


def test_status_of_a_missing_file_says_so_and_creates_nothing(
    var: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Was: an empty database created on the spot and every table reported with 0 rows.
    assert main(["warehouse", "status"]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert err.count("\n") == 1
    assert "warehouse file not found" in err
    assert "GBESS_VAR_DIR" in err
    assert not var.exists()


def test_status_reads_a_read_only_var(
    var: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    with closing(DuckDBWarehouse(var / "gbess.duckdb")) as warehouse:
        fill(warehouse)
    make_read_only(monkeypatch, var)
    assert main(["warehouse", "status"]) == 0
    out = capsys.readouterr().out
    assert "system_prices                   94 rows" in out  # 46 + 48 fixture periods


def test_refresh_into_a_read_only_var_is_one_line(
    var: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Was a 22-line PermissionError traceback.
    var.mkdir()
    make_read_only(monkeypatch, var)
    assert main(["refresh", "--all"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1, err
    assert "GBESS_VAR_DIR" in err
    assert "Traceback" not in err


def test_seeding_a_read_only_var_is_one_line(
    var: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    var.mkdir()
    make_read_only(monkeypatch, var)
    assert main(["warehouse", "seed"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1, err
    assert "GBESS_VAR_DIR" in err
