"""The Backtest tab: the last saved ``gbess backtest`` document as a monthly table and chart."""

from __future__ import annotations

from pathlib import Path

import pytest

from jobs.dashboard.backtest import backtest_job, build_backtest_tab, save_backtest
from jobs.settings import Settings


def _document() -> dict[str, object]:
    rows = []
    for month, scale in (("2024-01", 1.0), ("2024-02", 2.0)):
        for hours in (1.0, 2.0):
            rows.append(
                {
                    "month": month,
                    "duration_h": hours,
                    "forecast_gbp_per_mw_per_year": 40_000.0 * scale * hours,
                    "upper_bound_gbp_per_mw_per_year": 100_000.0 * scale * hours,
                    "forecast_equivalent_cycles": 10.0 * hours,
                    "capture_ratio": 0.4,
                }
            )
    return {"from": "2024-01", "to": "2024-02", "rows": rows, "assumptions": ["1 MW batteries"]}


def test_the_tab_puts_forecast_beside_the_labelled_upper_bound_per_month() -> None:
    plan = build_backtest_tab(_document())
    assert plan.tab == "Backtest"
    (table,) = plan.tables
    frame = table.frame
    assert list(frame["month"]) == ["2024-01", "2024-02"]
    assert frame.loc[1, "forecast_2h_gbp_per_mw_per_year"] == pytest.approx(160_000.0)
    assert frame.loc[0, "upper_bound_1h_gbp_per_mw_per_year"] == pytest.approx(100_000.0)
    assert frame.loc[0, "forecast_2h_equivalent_cycles"] == pytest.approx(20.0)
    (chart,) = plan.charts
    assert "upper bound (perfect foresight)" in chart.title
    assert chart.y2 == ("forecast_1h_equivalent_cycles", "forecast_2h_equivalent_cycles")
    assert plan.data_as_of is not None
    assert plan.data_as_of.isoformat() == "2024-02-29T23:30:00"
    assert "1 MW batteries" in plan.notes


def test_the_job_shows_the_last_saved_backtest_or_says_how_to_make_one(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, var_dir=tmp_path, duckdb_path=tmp_path / "x.duckdb")
    empty = backtest_job(settings)
    assert empty.tables == ()
    assert "gbess backtest" in empty.notes[0]
    save_backtest(_document(), settings)
    assert backtest_job(settings).tables[0].frame.shape[0] == 2
