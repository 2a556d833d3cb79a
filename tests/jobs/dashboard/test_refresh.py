"""Refresh orchestration on real data: every tab, one sink write, per-job errors, the log."""

from __future__ import annotations

import dataclasses
import datetime as dt
import fcntl
import json
import shutil
from pathlib import Path

import pytest
from openpyxl import load_workbook

from engine.errors import ValidationError
from jobs.cli import main
from jobs.dashboard.refresh import (
    TAB_ORDER,
    RefreshRequest,
    resolve_tabs,
    run_refresh,
    tab_locks,
)
from jobs.settings import Settings
from jobs.sheets.google import GoogleSheetsSink, RetryingHTTPClient
from tests.jobs.sheets.fake_sheets import FakeSheetsAPI

NOW = dt.datetime(2026, 11, 21, 6, 0, tzinfo=dt.UTC)


@pytest.fixture
def settings(data_dir: Path, tmp_path: Path, seeded_duckdb: Path) -> Settings:
    shutil.copy(seeded_duckdb, tmp_path / "gbess.duckdb")
    return Settings(data_dir=data_dir, var_dir=tmp_path, duckdb_path=tmp_path / "gbess.duckdb")


def test_refresh_all_local(settings: Settings) -> None:
    summary = run_refresh(RefreshRequest(), settings, clock=lambda: NOW)
    assert summary["ok"]
    assert [t["job"] for t in summary["tabs"]] == list(TAB_ORDER[:-1])
    book = load_workbook(summary["workbook"])
    assert book.sheetnames == list(TAB_ORDER)
    # The last shipped system price: SD 2026-03-18 SP48 (market/SOURCES.md).
    assert book["Market"]["A1"].value == "Market — data as of 2026-03-18 23:30 UTC"
    assert book["Refresh log"]["A5"].value == "Market"


def test_refresh_one_tab_keeps_the_others(settings: Settings) -> None:
    run_refresh(RefreshRequest(), settings, clock=lambda: NOW)
    summary = run_refresh(RefreshRequest(tabs=("fleet",)), settings, clock=lambda: NOW)
    assert [t["job"] for t in summary["tabs"]] == ["Fleet"]
    book = load_workbook(summary["workbook"])
    assert book.sheetnames == list(TAB_ORDER)
    log = book["Refresh log"]
    assert log.max_row == 4 + 7  # header rows + 6 runs, then 1 run


def test_job_failure_is_logged_and_others_land(settings: Settings, tmp_path: Path) -> None:
    broken = dataclasses.replace(settings, extra={"GBESS_SITES_CSV": str(tmp_path / "none.csv")})
    summary = run_refresh(RefreshRequest(tabs=("Sites", "DUoS")), broken, clock=lambda: NOW)
    assert not summary["ok"]
    sites, duos = summary["tabs"]
    assert sites["status"] == "error"
    assert "GBESS_SITES_CSV: cannot read" in sites["error"]
    assert duos["status"] == "ok"
    tabs = tmp_path / "dashboard/tabs"
    assert sorted(p.name for p in tabs.iterdir()) == ["duos.json", "refresh-log.json"]
    log = json.loads((tabs / "refresh-log.json").read_text())
    assert log["cells"][4][0][0] == "Sites"


def test_all_tabs_to_google_in_one_read_and_one_write(settings: Settings) -> None:
    fake = FakeSheetsAPI()
    fake.add_spreadsheet("book", "tok", ("Sheet1",))
    sink = GoogleSheetsSink(RetryingHTTPClient(fake.session("tok")), "book")
    summary = run_refresh(RefreshRequest(), settings, sink=sink, clock=lambda: NOW)
    assert summary["requests"] == {"reads": 1, "writes": 1}
    titles = [s.title for s in fake.books["book"].sheets]
    assert titles == ["Sheet1", *TAB_ORDER]


def test_unknown_tab_lists_the_valid_ones() -> None:
    with pytest.raises(ValidationError, match="unknown tab 'Prices'; choose from Market"):
        resolve_tabs(["Prices"])


def test_a_request_names_a_known_backend() -> None:
    with pytest.raises(ValidationError, match="backend: expected local or google, got 's3'"):
        RefreshRequest(backend="s3")


def test_cli_json(
    settings: Settings, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("GBESS_VAR_DIR", str(settings.var_dir))
    monkeypatch.setenv("GBESS_DATA_DIR", str(settings.data_dir))
    assert main(["refresh", "DUoS", "--backend", "local", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["tabs"][0]["job"] == "DUoS"
    assert main(["refresh", "Nope"]) == 2
    assert "unknown tab 'Nope'" in capsys.readouterr().err


def test_sites_read_from_the_sites_input_tab(settings: Settings) -> None:
    fake = FakeSheetsAPI()
    fake.add_spreadsheet("book", "tok", ("Sites input",))
    sheet = fake.books["book"].sheets[0]
    rows = [
        ["Name", "Postcode", "MPAN", "Tariff", "capacity_kva", "annual_import_mwh"],
        ["Depot", "EC2V 7HH", "", "HV Site Specific Band 1", "1,500", "4200"],
        ["", "", "", "", "", ""],
        ["No capacity", "M1 1AE", "", "LV Site Specific Band 1", "", "10"],
    ]
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if value:
                sheet.cells[(r, c)] = {"userEnteredValue": {"stringValue": value}}
    sink = GoogleSheetsSink(RetryingHTTPClient(fake.session("tok")), "book")
    summary = run_refresh(RefreshRequest(tabs=("Sites",)), settings, sink=sink, clock=lambda: NOW)
    # one values.get of the input tab, then the sink's 1 read + 1 write
    assert summary["requests"] == {"reads": 1, "writes": 1}
    assert [m for m, _ in fake.log] == ["GET", "GET", "POST"]
    out = next(s for s in fake.books["book"].sheets if s.title == "Sites").values()
    depot = dict(zip(out[3], out[4], strict=True))
    assert depot["Site"] == "Depot"
    assert depot["Network operator"] == "London Power Networks"  # EC2V is in London
    assert depot["Agreed capacity [kVA]"] == 1500.0
    no_capacity = dict(zip(out[3], out[5], strict=True))
    assert no_capacity["Site"] == "No capacity"
    assert no_capacity["Error"] == "input: row 4: capacity_kva is empty"
    # The headline is the forecast: the tab never calls its figures perfect foresight except
    # in the labelled upper-bound column.
    text = " ".join(str(cell) for row in out for cell in row).lower()
    assert "forecast mode" in text
    assert text.count("perfect foresight") == text.count("upper bound (perfect foresight)")


def test_tab_locks_are_exclusive_across_open_files(tmp_path: Path) -> None:
    # another run's handle on the same lock file cannot take it while the lock is held
    with (
        tab_locks(tmp_path, ["Market", "Fleet"]),
        open(tmp_path / "market.lock", "w") as other,
        pytest.raises(BlockingIOError),
    ):
        fcntl.flock(other, fcntl.LOCK_EX | fcntl.LOCK_NB)
    with open(tmp_path / "market.lock", "w") as other:  # released on exit
        fcntl.flock(other, fcntl.LOCK_EX | fcntl.LOCK_NB)
