"""Refresh orchestration on real data: every tab, one sink write, per-job errors, the log."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from pathlib import Path

import pytest
from openpyxl import load_workbook

from engine.errors import ValidationError
from jobs.cli import main
from jobs.dashboard.refresh import TAB_ORDER, resolve_tabs, run_refresh
from jobs.settings import Settings
from jobs.sheets.google import GoogleSheetsSink, RetryingHTTPClient
from tests.jobs.sheets.fake_sheets import FakeSheetsAPI

NOW = dt.datetime(2026, 11, 21, 6, 0, tzinfo=dt.UTC)


@pytest.fixture
def settings(data_dir: Path, tmp_path: Path) -> Settings:
    return Settings(data_dir=data_dir, var_dir=tmp_path)


def test_refresh_all_local(settings: Settings) -> None:
    summary = run_refresh(settings, clock=lambda: NOW)
    assert summary["ok"]
    assert [t["job"] for t in summary["tabs"]] == list(TAB_ORDER[:-1])
    book = load_workbook(summary["workbook"])
    assert book.sheetnames == list(TAB_ORDER)
    assert book["Market"]["A1"].value == "Market — data as of 2024-12-31 23:30 UTC"
    assert book["Refresh log"]["A5"].value == "Market"


def test_refresh_one_tab_keeps_the_others(settings: Settings) -> None:
    run_refresh(settings, clock=lambda: NOW)
    summary = run_refresh(settings, ["fleet"], clock=lambda: NOW)
    assert [t["job"] for t in summary["tabs"]] == ["Fleet"]
    book = load_workbook(summary["workbook"])
    assert book.sheetnames == list(TAB_ORDER)
    log = book["Refresh log"]
    assert log.max_row == 4 + 5  # header rows + 4 runs, then 1 run


def test_job_failure_is_logged_and_others_land(settings: Settings, tmp_path: Path) -> None:
    broken = dataclasses.replace(settings, data_dir=tmp_path / "nowhere")
    summary = run_refresh(broken, ["Market"], clock=lambda: NOW)
    assert not summary["ok"]
    assert summary["tabs"][0]["status"] == "error"
    assert "GBESS_DATA_DIR" in summary["tabs"][0]["error"]
    assert (
        json.loads((tmp_path / "dashboard/tabs/refresh-log.json").read_text())["tab"]
        == "Refresh log"
    )
    assert not (tmp_path / "dashboard/tabs/market.json").exists()


def test_all_tabs_to_google_in_one_read_and_one_write(settings: Settings) -> None:
    fake = FakeSheetsAPI()
    fake.add_spreadsheet("book", "tok", ("Sheet1",))
    sink = GoogleSheetsSink(RetryingHTTPClient(fake.session("tok")), "book")
    summary = run_refresh(settings, sink=sink, clock=lambda: NOW)
    assert summary["requests"] == {"reads": 1, "writes": 1}
    titles = [s.title for s in fake.books["book"].sheets]
    assert titles == ["Sheet1", *TAB_ORDER]


def test_unknown_tab_lists_the_valid_ones() -> None:
    with pytest.raises(ValidationError, match="unknown tab 'Prices'; choose from Market"):
        resolve_tabs(["Prices"])


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
