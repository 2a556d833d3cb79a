"""The Risk tab: the newest complete run's fan, distribution and frontier, or a note."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

from jobs.dashboard.risk import build_risk_tab, risk_job
from jobs.risk import MONTHS, RiskRequest, risk_document
from jobs.sheets.plan import layout
from jobs.warehouse.duckdb_backend import DuckDBWarehouse

REQUEST = RiskRequest(scenarios=18, toll_price_gbp_per_mw_per_year=80_000)


def _rows() -> pd.DataFrame:
    rng = np.random.default_rng(0)
    rows = []
    for strategy, level in (("stack", 100_000.0), ("merchant", 30_000.0)):
        for i in range(20):
            monthly = rng.normal(level / 12, level / 60, 12)
            rows.append(
                {
                    "strategy": strategy,
                    "scenario_id": i,
                    "kind": "replay" if i < 2 else "bootstrap",
                    "year": 2024 + i if i < 2 else 2025,
                    "net_gbp": float(monthly.sum()),
                    "streams_gbp_json": json.dumps({"DRL": float(monthly.sum())}),
                    **dict(zip(MONTHS, monthly.tolist(), strict=True)),
                    "max_drawdown_gbp": 10.0,
                    "worst_day_gbp": -5.0,
                }
            )
    return pd.DataFrame(rows)


def test_the_tab_shows_the_fan_distribution_and_frontier() -> None:
    result = risk_document(REQUEST, _rows(), "demo")
    plan = build_risk_tab(result, pd.Timestamp("2026-12-05T06:00Z"))
    names = [t.name for t in plan.tables]
    assert names == ["summary", "fan", "distribution", "frontier"]
    fan = plan.tables[1].frame
    assert list(fan["month"])[:3] == ["Jan", "Feb", "Mar"]
    assert (fan["p10_gbp"] <= fan["p90_gbp"]).all()
    assert plan.tables[2].frame["scenarios"].sum() == 20
    frontier = plan.tables[3].frame
    assert frontier["mean_gbp"].is_monotonic_decreasing
    assert {c.table for c in plan.charts} == {"fan", "distribution", "frontier"}
    layout(plan)  # every chart's columns exist and the grid lays out


def test_no_complete_run_is_said(empty_warehouse: DuckDBWarehouse) -> None:
    plan = risk_job(empty_warehouse)
    assert plan.tables == ()
    assert "no complete risk run" in plan.notes[0]
