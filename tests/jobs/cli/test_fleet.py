"""``gbess fleet`` and ``gbess fleet volumes``: tables, --json, --csv, exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import jobs.cli.fleet
from jobs.cli import main
from jobs.settings import Settings
from tests.jobs.fleet_fixtures import fleet_settings
from tests.jobs.sources.conftest import elexon_fake

__all__ = ["fleet_settings"]


@pytest.fixture
def fleet_env(fleet_settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Settings:
    monkeypatch.setenv("GBESS_DATA_DIR", str(fleet_settings.data_dir))
    monkeypatch.setenv("GBESS_VAR_DIR", str(fleet_settings.var_dir))
    monkeypatch.setenv("GBESS_DUCKDB_PATH", str(fleet_settings.duckdb_path))
    return fleet_settings


def test_volumes_prints_the_lakeside_table(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    extra = data_dir / "extra"
    code = main(
        [
            "fleet", "volumes",
            "--boalf", str(extra / "elexon_boalf_T_LKSDB-1_2026-09-30.csv"),
            "--pn", str(extra / "elexon_pn_T_LKSDB-1_2026-09-30.csv"),
        ]
    )  # fmt: skip
    out = capsys.readouterr().out
    assert code == 0
    assert "| T_LKSDB-1 | 2026-09-30 | 2 | 15.117 | 0.000 | 15.117 | — |" in out
    assert "| T_LKSDB-1 | 2026-09-30 | 45 | 0.000 | -31.933 | -31.933 | — |" in out
    assert "80 acceptances" in out


def test_volumes_missing_file_is_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["fleet", "volumes", "--boalf", "nope.csv", "--pn", "nope.csv"]) == 2
    assert "boalf: no such file" in capsys.readouterr().err


def test_fleet_json_and_csv(fleet_env: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["fleet", "--from", "2026-09-30", "--json"]) == 0
    document = json.loads(capsys.readouterr().out)
    lakeside = next(u for u in document["units"] if u["elexon_bm_unit"] == "T_LKSDB-1")
    assert lakeside["bm_cashflow_gbp"] is not None
    assert main(["fleet", "--csv"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("elexon_bm_unit,")
    assert len(lines) == 65


def test_fleet_bad_date_is_exit_2(fleet_env: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["fleet", "--from", "2026-09-30", "--to", "2026-09-01"]) == 2
    assert "before from" in capsys.readouterr().err


def test_ingest_bod_for_battery_units(
    fleet_env: Settings,
    data_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    fake = elexon_fake(data_dir)
    fake.routes["/datasets/BOD"] = lambda q: {"data": []}
    monkeypatch.setattr(jobs.cli.fleet, "make_session", fake.session)
    assert main(["fleet", "ingest-bod", "--from", "2026-09-29", "--to", "2026-09-29"]) == 0
    assert "bod-battery 2026-09-29..2026-09-29: 1 day(s) loaded" in capsys.readouterr().out
    assert all("T_LKSDB-1" in q["bmUnit"] for _, q in fake.seen)
