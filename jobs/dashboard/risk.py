"""The ``Risk`` tab: the latest complete risk run (``gbess risk``, ``POST /v1/bess/risk``) —
annual P10/P50/P90 and VaR/CVaR, the monthly fan (P10-P90), the distribution of annual
revenue and the mean-CVaR frontier (see docs/risk.md).

A refresh never starts a run (one takes a minute or more); it shows the newest run the
warehouse holds as ``complete``. Runs still going or failed are never shown.
"""

from __future__ import annotations

import json
from typing import Any

import pandas as pd

from jobs.sheets.plan import Chart, Table, TabPlan

TAB = "Risk"
_LATEST = (
    "SELECT run_id, finished_at, result_json FROM risk_runs WHERE status = 'complete' "
    "ORDER BY finished_at DESC LIMIT 1"
)


def build_risk_tab(result: dict[str, Any] | None, finished: pd.Timestamp | None) -> TabPlan:
    """The Risk tab from one run's figures (``jobs.risk.risk_document``), or a note."""
    if result is None or finished is None:
        return TabPlan(
            TAB, None, (), notes=("no complete risk run in the warehouse: run `gbess risk`",)
        )
    annual = result["annual"]
    rows = [
        ("mean", annual["mean_gbp"]),
        ("P10", annual["p10_gbp"]),
        ("P50", annual["p50_gbp"]),
        ("P90", annual["p90_gbp"]),
    ]
    for tail in annual["var_cvar"]:
        level = f"{100 * tail['confidence']:g} %"
        rows += [(f"VaR {level}", tail["var_gbp"]), (f"CVaR {level}", tail["cvar_gbp"])]
    summary = pd.DataFrame(rows, columns=["figure", "annual_net_gbp"])
    fan = pd.DataFrame(result["monthly_fan"])[["month", "p10_gbp", "p50_gbp", "p90_gbp"]]
    fan["month"] = [pd.Timestamp(2025, int(m), 1).strftime("%b") for m in fan["month"]]
    edges = result["distribution"]["edges_gbp"]
    histogram = pd.DataFrame(
        {
            "from_gbp": edges[:-1],
            "to_gbp": edges[1:],
            "scenarios": result["distribution"]["counts"],
        }
    )
    frontier = pd.DataFrame(
        [
            {
                "risk_aversion": p["risk_aversion"],
                "cvar_gbp": p["cvar_gbp"],
                "mean_gbp": p["mean_gbp"],
                "toll_share_frac": p["toll_share"],
                **{f"{k}_share_frac": v for k, v in p["strategy_share"].items()},
            }
            for p in result["frontier"]["points"]
        ]
    )
    battery = result["battery"]
    scenarios = result["scenarios"]
    notes = (
        f"run {result['run_id']}: {battery['power_mw']:g} MW / {battery['energy_mwh']:g} MWh, "
        f"{scenarios['total']} scenario-years of regime {result['regime']} "
        f"(replayed years {scenarios['replayed_years']}, seed {scenarios['seed']})",
        f"valued with the {result['label']}",
        "CVaR: mean annual revenue of the worst (1 − confidence) of scenarios "
        "(Rockafellar-Uryasev on the shortfall)",
    )
    level = f"{100 * result['frontier']['confidence']:g} %"
    charts = (
        Chart("Monthly net revenue, P10-P90 [£]", "line", "fan", "month",
              ("p10_gbp", "p50_gbp", "p90_gbp")),
        Chart("Annual net revenue: scenarios per band", "column", "distribution", "from_gbp",
              ("scenarios",)),
        Chart(f"Mean-CVaR frontier (CVaR {level}) [£]", "line", "frontier", "cvar_gbp",
              ("mean_gbp",)),
    )  # fmt: skip
    return TabPlan(
        TAB,
        finished.tz_convert("UTC").tz_localize(None).to_pydatetime(),
        (
            Table("summary", "Annual net revenue", summary),
            Table("fan", "Monthly fan", fan),
            Table("distribution", "Distribution of annual net", histogram),
            Table("frontier", "Frontier", frontier),
        ),
        charts,
        notes,
    )


def risk_job(warehouse: Any) -> TabPlan:
    """Read the newest complete run and build the tab."""
    latest = warehouse.run_sql(_LATEST)
    if latest.empty:
        return build_risk_tab(None, None)
    row = latest.iloc[0]
    return build_risk_tab(json.loads(row["result_json"]), pd.Timestamp(row["finished_at"]))
