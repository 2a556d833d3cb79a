"""The ``Investment`` tab: the latest investment case run (``gbess invest`` or
``POST /v1/bess/invest``) — the cashflow waterfall (present value by item, capex to NPV), the
cashflow by year, after a sweep NPV by duration with the best size marked, and with scenario
paths the NPV distribution (paths per NPV band, P10/P50/P90 and the probability of NPV < 0).

The case is not recomputed by a refresh (a 15-year case solves several year-long stacks):
:func:`jobs.invest.run_invest` keeps its latest answer and this tab shows it, stamped with the
time it was computed. With none kept the tab says how to make one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import pandas as pd

from jobs.dashboard import item_label
from jobs.invest import latest_path, load_latest
from jobs.settings import Settings
from jobs.sheets.plan import Chart, Table, TabPlan

TAB = "Investment"
_BY_YEAR = ["project_year", "calendar_year", "price_year", "usable_energy_frac", "revenue_gbp",
            "net_cashflow_gbp", "discounted_cashflow_gbp", "cumulative_cashflow_gbp"]  # fmt: skip
#: Cashflow columns that are not money items of the waterfall.
_NOT_ITEMS = {"revenue_gbp", "net_cashflow_gbp", "discounted_cashflow_gbp",
              "cumulative_cashflow_gbp"}  # fmt: skip


def waterfall(cashflow: pd.DataFrame) -> pd.DataFrame:
    """Present value of each money column (streams, CM, opex, augmentation, capex,
    decommissioning) and their sum, the NPV, last [£]."""
    factor = cashflow["discount_factor"]
    items = [c for c in cashflow.columns if c.endswith("_gbp") and c not in _NOT_ITEMS]
    values = [
        (item_label(c.removesuffix("_gbp")), float((cashflow[c] * factor).sum())) for c in items
    ]
    rows = [(name, value) for name, value in values if abs(value) >= 0.5]
    rows.append(("NPV", float(cashflow["discounted_cashflow_gbp"].sum())))
    return pd.DataFrame(rows, columns=["cashflow_item", "present_value_gbp"])


def build_investment_tab(
    document: Mapping[str, Any] | None, computed: dt.datetime | None
) -> TabPlan:
    """The tab from a case document (:func:`jobs.invest.run_invest`), or a note without one.

    Args:
        document: The latest case, or None.
        computed: When it was computed (UTC), the tab's stamp.
    """
    if document is None:
        return TabPlan(
            TAB,
            None,
            (),
            notes=(
                "no investment case run yet: run gbess invest ... (or the add-on's "
                "Investment case form) and refresh",
            ),
        )
    cashflow = pd.DataFrame(document["cashflow"])
    irr = document["irr_frac"]
    payback = document["payback_year"]
    lcos = document["lcos_gbp_per_mwh"]
    bound = document["upper_bound"]
    notes = [
        f"{document['label']}: {document['power_mw']:g} MW / {document['energy_mwh']:g} MWh, "
        f"{document['life_years']} years from {document['start_year']}, prices of "
        f"{', '.join(str(y) for y in document['price_years'])} replayed; all figures real at "
        f"{document['discount_rate_real_frac']:g}",
        f"NPV £{document['npv_gbp']:,.0f}; IRR {'none' if irr is None else f'{100 * irr:.2f} %'}; "
        f"payback {'not within the life' if payback is None else f'year {payback}'}; LCOS "
        f"{'none' if lcos is None else f'£{lcos:,.1f}/MWh'}",
    ]
    if document["mode"] != "perfect_foresight" and bound["npv_gbp"] is not None:
        notes.append(f"{bound['label']}: NPV £{bound['npv_gbp']:,.0f}")
    spread = document.get("npv_distribution")
    if spread is not None:
        notes[0] = (
            f"{document['label']}: {document['power_mw']:g} MW / {document['energy_mwh']:g} "
            f"MWh, {document['life_years']} years from {document['start_year']} over "
            f"{spread['paths']} scenario paths of {spread['regime']} (seed {spread['seed']}); "
            f"all figures real at {document['discount_rate_real_frac']:g}"
        )
        notes[1] = f"median path: {notes[1]}"
        notes.append(
            f"NPV over the paths: P10 £{spread['p10_gbp']:,.0f}, P50 £{spread['p50_gbp']:,.0f}, "
            f"P90 £{spread['p90_gbp']:,.0f}; probability of NPV < 0: "
            f"{100 * spread['probability_npv_negative']:.1f} %"
        )
    tables = [
        Table("waterfall", "Cashflow waterfall (present value)", waterfall(cashflow)),
        Table("by_year", "Cashflow by year", cashflow[_BY_YEAR]),
    ]
    charts = [
        Chart(
            "Cashflow waterfall: present value by item [£]",
            "column",
            "waterfall",
            "cashflow_item",
            ("present_value_gbp",),
        ),
    ]
    if document.get("sweep"):
        sweep = pd.DataFrame(document["sweep"])
        sizes = pd.DataFrame(
            {
                "duration_h": sweep["duration_h"],
                "npv_gbp": sweep["npv_gbp"],
                "irr_frac": sweep["irr_frac"].astype(float),
                "best_size": sweep["best"].map({True: "best", False: ""}),
            }
        )
        title = "NPV by duration"
        series: tuple[str, ...] = ("npv_gbp",)
        if "npv_p10_gbp" in sweep:  # over scenario paths: the mean, with P10 and P90 beside
            sizes.insert(2, "npv_p10_gbp", sweep["npv_p10_gbp"])
            sizes.insert(3, "npv_p90_gbp", sweep["npv_p90_gbp"])
            sizes.insert(4, "probability_npv_negative", sweep["probability_npv_negative"])
            paths = spread["paths"] if spread else len(sweep)
            title = f"Mean NPV by duration over {paths} paths"
            series = ("npv_p10_gbp", "npv_gbp", "npv_p90_gbp")
        tables.append(Table("by_duration", title, sizes))
        charts.append(Chart(f"{title} [£]", "column", "by_duration", "duration_h", series))
    if spread is not None:
        edges = spread["histogram"]["edges_gbp"]
        bands = pd.DataFrame(
            {
                "from_gbp": edges[:-1],
                "to_gbp": edges[1:],
                "scenarios": spread["histogram"]["counts"],
            }
        )
        tables.append(Table("npv_distribution", "NPV distribution (paths per band)", bands))
        charts.append(
            Chart(
                "NPV over scenario paths: paths per band [£]",
                "column",
                "npv_distribution",
                "from_gbp",
                ("scenarios",),
            )
        )
    # What every figure above assumed, as the case states it (fade, prices, the upper bound).
    assumptions = pd.DataFrame({"assumption": list(document.get("assumptions", ()))})
    if not assumptions.empty:
        tables.append(Table("assumptions", "What the figures assume", assumptions))
    return TabPlan(TAB, computed, tuple(tables), tuple(charts), tuple(notes))


def investment_job(settings: Settings) -> TabPlan:
    """The tab of the latest kept case."""
    document = load_latest(settings)
    if document is None:
        return build_investment_tab(None, None)
    computed = dt.datetime.fromtimestamp(latest_path(settings).stat().st_mtime, dt.UTC)
    return build_investment_tab(document, computed.replace(tzinfo=None))
