"""Frequency response tab: pivots by EFA block and service, monthly means, heat map fills."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from jobs.dashboard.frequency import build_frequency_tab


def _results() -> pd.DataFrame:
    rows = [
        ("2024-05-01", 1, "DCL", "2024-04-30T22:00Z", 2.0),
        ("2024-05-01", 1, "DCH", "2024-04-30T22:00Z", -1.0),
        ("2024-05-01", 2, "DCL", "2024-05-01T02:00Z", 4.0),
        ("2024-06-01", 2, "DCL", "2024-06-01T02:00Z", 6.0),
        ("2024-06-01", 2, "QRX", "2024-06-01T02:00Z", 99.0),  # not a dynamic response service
    ]
    frame = pd.DataFrame(
        rows, columns=["efa_date", "efa_block", "service", "delivery_start", "price"]
    )
    return pd.DataFrame(
        {
            "efa_date": pd.to_datetime(frame["efa_date"]),
            "efa_block": frame["efa_block"],
            "service": frame["service"],
            "delivery_start": pd.to_datetime(frame["delivery_start"]),
            "clearing_price_gbp_per_mw_per_h": frame["price"],
        }
    )


def test_tables_and_stamp() -> None:
    plan = build_frequency_tab(_results())
    assert plan.data_as_of == dt.datetime(2024, 6, 1, 2, 0)
    tables = {t.name: t for t in plan.tables}
    blocks = tables["blocks"].frame
    assert blocks["efa_date"].tolist() == [dt.date(2024, 6, 1)]  # last 30 days from 1 June
    monthly = tables["monthly"].frame.set_index("month")
    assert monthly.loc["2024-05", "dcl_gbp_per_mw_per_h"] == (2.0 + 4.0) / 2
    assert monthly.loc["2024-05", "dch_gbp_per_mw_per_h"] == -1.0
    assert pd.isna(monthly.loc["2024-06", "dch_gbp_per_mw_per_h"])
    fills = tables["monthly"].fills
    assert fills is not None
    # max of the table (6.0) is the deepest red; -1.0 (the minimum) the deepest blue.
    assert fills.loc[1, "dcl_gbp_per_mw_per_h"] == "#ff6464"
    assert fills.loc[0, "dch_gbp_per_mw_per_h"] == "#6464ff"
    assert fills.loc[1, "dch_gbp_per_mw_per_h"] is None
