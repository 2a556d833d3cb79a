"""``gbess backtest``: a month of 1 h battery, forecast beside its labelled ceiling."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from jobs.backtest import BacktestRequest, run_backtest
from jobs.cli import main
from jobs.settings import Settings


@pytest.fixture(autouse=True)
def warehouse(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    path = Path(str(tmp_path_factory.getbasetemp())) / "revenue.duckdb"
    monkeypatch.setenv("GBESS_DUCKDB_PATH", str(path))


def test_one_month_forecast_beside_the_upper_bound(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["backtest", "--from", "2024-06", "--to", "2024-06", "--durations", "1", "--json"]
    assert main(argv) == 0, capsys.readouterr().err
    doc = json.loads(capsys.readouterr().out)
    assert doc["upper_bound_label"] == "upper bound (perfect foresight)"
    (row,) = doc["rows"]
    assert row["month"] == "2024-06"
    assert row["duration_h"] == 1.0
    assert 0 < row["forecast_gbp_per_mw_per_year"] <= row["upper_bound_gbp_per_mw_per_year"]
    assert row["forecast_equivalent_cycles"] > 0
    streams = [k for k in row if k.startswith("forecast_") and k.endswith("_gbp_per_mw_per_year")]
    total = sum(row[k] for k in streams if k != "forecast_gbp_per_mw_per_year")
    assert total == pytest.approx(row["forecast_gbp_per_mw_per_year"])


@pytest.mark.parametrize(
    ("argv", "field"),
    [
        (["--from", "2024-6"], "from"),
        (["--from", "2024-06", "--to", "2024-05"], "to"),
        (["--from", "2024-06", "--durations", "0.1"], "durations"),
        (["--from", "2031-01", "--to", "2031-01"], "from"),
        (["--from", "2026-03"], "to"),
    ],
)
def test_bad_input_names_the_field(
    capsys: pytest.CaptureFixture[str], argv: list[str], field: str
) -> None:
    assert main(["backtest", *argv]) in (1, 2)
    assert capsys.readouterr().err.startswith(f"gbess: error: {field}:")


def test_the_pool_gives_the_serial_rows_in_month_order(
    capsys: pytest.CaptureFixture[str],
) -> None:
    settings = Settings.from_env(os.environ)
    request = BacktestRequest("2024-05", "2024-06", (1.0,))
    serial = run_backtest(request, settings, progress=None, workers=1)
    pooled = run_backtest(request, settings, workers=2)
    assert [row["month"] for row in pooled["rows"]] == ["2024-05", "2024-06"]
    assert pooled["rows"] == serial["rows"]
    assert capsys.readouterr().err.endswith("gbess backtest: 2/2 months\n")
