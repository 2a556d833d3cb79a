"""``gbess ingest``: summary line, progress bar, JSON, exit codes; recorded responses."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import requests

from jobs.cli import ingest as ingest_cli
from jobs.cli import main
from tests.jobs.sources.conftest import elexon_fake, neso_fake


@pytest.fixture
def fakes(tmp_path: Path, data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GBESS_DUCKDB_PATH", str(tmp_path / "ingest.duckdb"))
    session = requests.Session()
    session.mount("https://data.elexon.co.uk", elexon_fake(data_dir))
    session.mount("https://api.neso.energy", neso_fake(data_dir))
    monkeypatch.setattr(ingest_cli, "make_session", lambda: session)


def test_system_prices_twice(fakes: None, capsys: pytest.CaptureFixture[str]) -> None:
    args = ["ingest", "elexon", "system-prices", "--from", "2024-03-30", "--to", "2024-03-31"]
    assert main(args) == 0
    out, err = capsys.readouterr()
    assert "2 day(s) loaded (94 rows), 0 already loaded" in out
    assert "[" in err
    assert "2/2 2024-03-31" in err
    assert main([*args, "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert (summary["days_loaded"], summary["days_skipped"]) == (0, 2)


def test_failed_day_exits_1(fakes: None, capsys: pytest.CaptureFixture[str]) -> None:
    # No data is served for 2024-04-01: the endpoint answers 404.
    args = ["ingest", "elexon", "system-prices", "--from", "2024-03-31", "--to", "2024-04-01"]
    assert main(args) == 1
    out = capsys.readouterr().out
    assert "1 day(s) loaded" in out
    assert "failed on 2024-04-01" in out


def test_neso_and_bm_units(fakes: None, capsys: pytest.CaptureFixture[str]) -> None:
    args = ["ingest", "neso", "dynamic-response", "--from", "2024-10-27", "--to", "2024-10-27"]
    assert main([*args, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["rows"] == 36
    assert main(["ingest", "elexon", "bm-units", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == {"dataset": "bm-units", "rows": 64}


def test_missing_range_is_a_usage_error(fakes: None, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ingest", "elexon", "bod"]) == 2
    assert "--from" in capsys.readouterr().err
