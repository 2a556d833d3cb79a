"""The ``Response value`` tab: what DR-High's response energy is worth per MW held, by EFA
block and by month, the model (SoC-aware, ABSVD-aware; the default of ``gbess
response-value``) beside the 2022 study's method, with the report's assumptions.

Both columns come from :func:`jobs.response.run_response_value` over the last
:data:`WINDOW_DAYS` UK days the warehouse holds system prices for (a BM unit, resale at the
imbalance price three periods later, 92.5 % efficiency). The last three periods have no
resale price yet and show as missing, never 0. See docs/response.md.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd

from engine.errors import DataMissingError
from jobs.dashboard.market import last_settlement_day
from jobs.response import ResponseValueRequest, run_response_value
from jobs.settings import Settings
from jobs.sheets.plan import Chart, Table, TabPlan

TAB = "Response value"
SERVICE = "DRH"
#: UK days the tab covers, counted back from the last day with system prices.
WINDOW_DAYS = 90
_MODEL = ("response_model_gbp_per_mw_per_period", "response_model_gbp_per_mw_per_h")
_STUDY = ("response_study_gbp_per_mw_per_period", "response_study_gbp_per_mw_per_h")


def _side_by_side(
    model: list[dict[str, Any]], study: list[dict[str, Any]], key: str
) -> pd.DataFrame:
    rows = []
    for m, s in zip(model, study, strict=True):
        rows.append(
            {
                key: m[key],
                _MODEL[0]: m["gbp_per_mw_per_period"],
                _MODEL[1]: m["gbp_per_mw_per_h"],
                _STUDY[0]: s["gbp_per_mw_per_period"],
                _STUDY[1]: s["gbp_per_mw_per_h"],
                "response_periods": m["periods"],
            }
        )
    frame = pd.DataFrame(rows, columns=[key, *_MODEL, *_STUDY, "response_periods"])
    for column in (*_MODEL, *_STUDY):
        frame[column] = pd.to_numeric(frame[column], errors="coerce")  # None → NaN (missing)
    return frame


def build_response_value_tab(
    model: dict[str, Any], study: dict[str, Any], data_as_of: dt.datetime | None
) -> TabPlan:
    """The tab from two reports of :func:`jobs.response.run_response_value` (same period).

    Args:
        model: The report with ``method="model"``.
        study: The report with ``method="study"``.
        data_as_of: Last half-hour the prices cover (naive UTC), the "data as of" stamp.

    Returns:
        Tables ``by_efa_block`` and ``by_month`` (model and study side by side, £/MW per
        settlement period and per hour), a chart of the blocks, and the assumptions as notes.
    """
    by_block = _side_by_side(
        model["per_mw"]["by_efa_block"], study["per_mw"]["by_efa_block"], "efa_block"
    )
    by_month = _side_by_side(model["per_mw"]["by_month"], study["per_mw"]["by_month"], "month")
    req = model["request"]
    overall = model["per_mw"]
    headline = (
        f"{req['service']} held, {req['from']} to {req['to']}, {req['registration']} unit: model "
        + (
            "no figure"
            if overall["gbp_per_mw_per_h"] is None
            else f"£{overall['gbp_per_mw_per_h']:.2f}/MW/h"
        )
        + ", study method "
        + (
            "no figure"
            if study["per_mw"]["gbp_per_mw_per_h"] is None
            else f"£{study['per_mw']['gbp_per_mw_per_h']:.2f}/MW/h"
        )
    )
    notes = (headline, *model["assumptions"], *study["assumptions"][1:2])
    chart = Chart(
        f"{req['service']} response energy value by EFA block [£/MW/h]",
        "column",
        "by_efa_block",
        "efa_block",
        (_MODEL[1], _STUDY[1]),
    )
    tables = (
        Table("by_efa_block", "By EFA block (per MW held)", by_block),
        Table("by_month", "By month (per MW held)", by_month),
    )
    return TabPlan(TAB, data_as_of, tables, (chart,), tuple(dict.fromkeys(notes)))


def response_value_job(settings: Settings, last_price: pd.Timestamp | None) -> TabPlan:
    """Run the report both ways over the last :data:`WINDOW_DAYS` UK days with prices.

    Args:
        settings: Settings (the report opens the warehouse itself).
        last_price: Last system-price half-hour in the warehouse (UTC), or None.
    """
    if last_price is None or pd.isna(last_price):
        return TabPlan(TAB, None, (), notes=("no system prices in the warehouse",))
    last = last_settlement_day(pd.Timestamp(last_price))
    first = last - dt.timedelta(days=WINDOW_DAYS - 1)
    reports = {}
    try:
        for method in ("model", "study"):
            request = ResponseValueRequest(service=SERVICE, first=first, last=last, method=method)
            reports[method] = run_response_value(request, settings)
    except DataMissingError as exc:
        return TabPlan(TAB, None, (), notes=(f"response value not computed: {exc.detail}",))
    stamp = pd.Timestamp(last_price).tz_convert("UTC").tz_localize(None).to_pydatetime()
    return build_response_value_tab(reports["model"], reports["study"], stamp)
