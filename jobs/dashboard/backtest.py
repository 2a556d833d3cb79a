"""The ``Backtest`` tab: monthly £/MW/yr of a 1 h and a 2 h battery, forecast mode beside the
upper bound (perfect foresight), with equivalent cycles (``gbess backtest``; docs/revenue.md).

A backtest of three years takes minutes, so the refresh does not run one: ``gbess backtest``
saves its last document (:func:`save_backtest`) and the tab shows that; without one the tab
says how to make it.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pandas as pd

from engine.revenue import UPPER_BOUND_LABEL
from jobs.settings import Settings
from jobs.sheets.plan import Chart, Table, TabPlan

TAB = "Backtest"
LATEST_FILE = "backtest/latest.json"
#: Durations the tab shows (its columns are registered in engine.columns) [h].
SHOWN_DURATIONS_H = (1.0, 2.0)


def latest_path(settings: Settings) -> Path:
    """Where ``gbess backtest`` keeps its last document."""
    return settings.var_dir / LATEST_FILE


def save_backtest(document: dict[str, Any], settings: Settings) -> Path:
    """Keep a backtest document for the dashboard (replacing the previous one)."""
    path = latest_path(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, allow_nan=True))
    return path


def build_backtest_tab(document: dict[str, Any] | None) -> TabPlan:
    """The Backtest tab from a ``run_backtest`` document (None: no backtest saved yet).

    Returns:
        Table ``monthly`` (one row per month: £/MW/yr forecast and upper bound and cycles per
        duration) and a line chart of it, cycles on the right axis.
    """
    if document is None or not any(
        row["duration_h"] in SHOWN_DURATIONS_H for row in document.get("rows", [])
    ):
        return TabPlan(
            TAB,
            None,
            (),
            notes=("no 1 h / 2 h backtest saved yet: run gbess backtest --from 2023-01",),
        )
    rows = pd.DataFrame(document["rows"])
    rows = rows[rows["duration_h"].isin(SHOWN_DURATIONS_H)]
    frames = []
    for hours, part in rows.groupby("duration_h", sort=True):
        tag = f"{float(str(hours)):g}h"
        frames.append(
            part.set_index("month")[
                [
                    "forecast_gbp_per_mw_per_year",
                    "upper_bound_gbp_per_mw_per_year",
                    "forecast_equivalent_cycles",
                ]
            ].rename(
                columns={
                    "forecast_gbp_per_mw_per_year": f"forecast_{tag}_gbp_per_mw_per_year",
                    "upper_bound_gbp_per_mw_per_year": f"upper_bound_{tag}_gbp_per_mw_per_year",
                    "forecast_equivalent_cycles": f"forecast_{tag}_equivalent_cycles",
                }
            )
        )
    monthly = pd.concat(frames, axis=1).rename_axis("month").reset_index()
    money = [c for c in monthly.columns if c.endswith("_gbp_per_mw_per_year")]
    cycles = [c for c in monthly.columns if c.endswith("_equivalent_cycles")]
    chart = Chart(
        f"£/MW/yr by month: forecast beside the {UPPER_BOUND_LABEL}; cycles (right axis)",
        "line",
        "monthly",
        "month",
        tuple(money),
        tuple(cycles),
    )
    last = pd.Timestamp(f"{document['to']}-01") + pd.offsets.MonthEnd(0)
    stamp = dt.datetime.combine(last.date(), dt.time(23, 30))
    notes = (
        f"backtest {document['from']} to {document['to']}: forecast mode (the headline) and "
        f"the {UPPER_BOUND_LABEL} of the same model; no Balancing Mechanism",
        *document.get("assumptions", ()),
    )
    title = f"Monthly £/MW/yr, {document['from']} to {document['to']}"
    return TabPlan(TAB, stamp, (Table("monthly", title, monthly),), (chart,), notes)


def backtest_job(settings: Settings) -> TabPlan:
    """The tab from the last saved backtest (none saved: a note saying how to make one)."""
    path = latest_path(settings)
    if not path.exists():
        return build_backtest_tab(None)
    return build_backtest_tab(json.loads(path.read_text()))
