"""The ``Investment`` tab: waterfall (present values summing to the NPV), cashflow by year,
NPV by duration with the best marked, and a note when no case was run."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from engine.invest import Fade, FadeCurve, Project, RevenueGrid, YearRevenue, invest_case
from jobs.dashboard.investment import build_investment_tab, investment_job, waterfall
from jobs.invest import InvestRequest, case_document, save_latest
from jobs.settings import Settings
from jobs.sheets.plan import layout


def _document(sweep: bool = False) -> dict[str, Any]:
    request = InvestRequest(1.0, 2.0, capex_gbp_per_kw=550.0, price_years=(2024,))
    project = Project(
        1.0,
        2.0,
        capex_gbp_per_kw=550.0,
        fixed_opex_gbp_per_mw_per_year=1_000.0,
        fade=Fade(FadeCurve(((0.0, 1.0),))),
    )
    grid = RevenueGrid(
        lambda i, e: YearRevenue({"DRL": 40_000.0, "energy_system": 10_000.0}, 0.0, 730.0),
        ("2024",),
        2.0,
    )
    document = case_document(invest_case(project, grid), request, project, [])
    if sweep:
        document["sweep"] = [
            {"duration_h": 1.0, "npv_gbp": -5.0, "irr_frac": None, "best": False},
            {"duration_h": 2.0, "npv_gbp": 7.0, "irr_frac": 0.05, "best": True},
        ]
    return document


def test_waterfall_sums_to_the_npv() -> None:
    document = _document()
    table = waterfall(pd.DataFrame(document["cashflow"]))
    items = dict(zip(table["cashflow_item"], table["present_value_gbp"], strict=True))
    assert items["Capex"] == -550_000
    assert items["DRL"] == pytest.approx(40_000 * 8.55947869, rel=1e-7)
    assert items["Fixed opex"] == pytest.approx(-1_000 * 8.55947869, rel=1e-7)
    assert items["NPV"] == pytest.approx(document["npv_gbp"])
    assert sum(v for k, v in items.items() if k != "NPV") == pytest.approx(items["NPV"])


def test_the_tab_lays_out_with_registered_columns() -> None:
    plan = build_investment_tab(_document(sweep=True), dt.datetime(2026, 12, 5, 6, 0))
    assert [t.name for t in plan.tables] == ["waterfall", "by_year", "by_duration", "assumptions"]
    assert [c.table for c in plan.charts] == ["waterfall", "by_duration"]
    sizes = plan.tables[2].frame
    assert list(sizes["best_size"]) == ["", "best"]
    # The case's assumptions, each a row, as the case states them.
    stated = plan.tables[3].frame
    assert list(stated["assumption"]) == _document()["assumptions"]
    assert any("upper bound" in a for a in stated["assumption"])
    assert any("NPV £" in n and "IRR" in n for n in plan.notes)
    layout(plan)  # raises on an unregistered column


def test_without_a_case_the_tab_says_how_to_make_one(tmp_path: Path) -> None:
    plan = investment_job(Settings(var_dir=tmp_path))
    assert plan.tables == ()
    assert "gbess invest" in plan.notes[0]
    save_latest(_document(), Settings(var_dir=tmp_path))
    plan = investment_job(Settings(var_dir=tmp_path))
    assert plan.data_as_of is not None
    assert [t.name for t in plan.tables] == ["waterfall", "by_year", "assumptions"]


def test_scenario_paths_add_the_npv_distribution() -> None:
    document = _document()
    document["npv_distribution"] = {
        "label": "fast day-ahead policy (an approximation of the forecast mode)",
        "paths": 4, "regime": "2024-2026", "seed": 1, "p10_gbp": -10.0, "p50_gbp": 5.0,
        "p90_gbp": 20.0, "probability_npv_negative": 0.25,
        "histogram": {"edges_gbp": [-12.0, 0.0, 12.0, 24.0], "counts": [1, 2, 1]},
    }  # fmt: skip
    plan = build_investment_tab(document, dt.datetime(2026, 12, 5, 6, 0))
    assert [t.name for t in plan.tables] == [
        "waterfall",
        "by_year",
        "npv_distribution",
        "assumptions",
    ]
    assert plan.charts[-1].table == "npv_distribution"
    bands = plan.tables[2].frame
    assert list(bands["scenarios"]) == [1, 2, 1]
    assert list(bands["from_gbp"]) == [-12.0, 0.0, 12.0]
    assert any("probability of NPV < 0: 25.0 %" in n for n in plan.notes)
    assert "4 scenario paths" in plan.notes[0]
    layout(plan)


def test_a_sweep_over_paths_shows_each_sizes_spread() -> None:
    document = _document()
    document["npv_distribution"] = {
        "label": "fast day-ahead policy (an approximation of the forecast mode)",
        "paths": 4, "regime": "2024-2026", "seed": 1, "p10_gbp": -10.0, "p50_gbp": 5.0,
        "p90_gbp": 20.0, "probability_npv_negative": 0.25,
        "histogram": {"edges_gbp": [-12.0, 0.0, 12.0, 24.0], "counts": [1, 2, 1]},
    }  # fmt: skip
    document["sweep"] = [
        {"duration_h": 1.0, "npv_gbp": -5.0, "npv_p10_gbp": -9.0, "npv_p90_gbp": -1.0,
         "probability_npv_negative": 1.0, "irr_frac": None, "best": False},
        {"duration_h": 2.0, "npv_gbp": 7.0, "npv_p10_gbp": -2.0, "npv_p90_gbp": 15.0,
         "probability_npv_negative": 0.25, "irr_frac": 0.05, "best": True},
    ]  # fmt: skip
    plan = build_investment_tab(document, dt.datetime(2026, 12, 5, 6, 0))
    sizes = next(t for t in plan.tables if t.name == "by_duration")
    assert sizes.title == "Mean NPV by duration over 4 paths"
    assert list(sizes.frame["npv_p10_gbp"]) == [-9.0, -2.0]
    assert list(sizes.frame["probability_npv_negative"]) == [1.0, 0.25]
    chart = next(c for c in plan.charts if c.table == "by_duration")
    assert chart.y == ("npv_p10_gbp", "npv_gbp", "npv_p90_gbp")
    layout(plan)
