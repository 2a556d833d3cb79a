"""Write plan layout: stamp, frozen header, side-by-side tables, chart placement, cell values."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from jobs.sheets.plan import (
    MAX_EXACT_INT,
    Chart,
    Table,
    TabPlan,
    axis_title,
    check_owners,
    layout,
    plain_value,
    shown_zero,
)


def _two_tables() -> TabPlan:
    a = pd.DataFrame({"service": ["DCL", "DCH"], "clearing_price_gbp_per_mw_per_h": [1.5, 2.0]})
    b = pd.DataFrame({"month": ["2024-01", "2024-02", "2024-03"], "units": [1, 2, 3]})
    chart = Chart("Units", "column", "b", "month", ("units",))
    return TabPlan(
        "T",
        dt.datetime(2024, 3, 31, 22, 30),
        (Table("a", "A", a), Table("b", "B", b)),
        (chart,),
        ("note",),
    )


def test_layout_places_tables_side_by_side_under_a_frozen_header() -> None:
    grid = layout(_two_tables())
    # columns: chart band (5) + spacer, then a(2) + spacer + b(2) = 11
    assert grid.n_cols == 11
    assert [b.first_col for b in grid.blocks] == [6, 9]
    assert grid.frozen_rows == 4
    assert grid.cells[0][0].value == "T — data as of 2024-03-31 22:30 UTC"
    assert grid.cells[1][0].value == "note"
    assert grid.cells[2][9].value == "B"
    assert grid.cells[3][6].value == "Service"
    assert grid.cells[3][7].value == "Clearing price [£/MW/h]"
    assert grid.cells[6][10].value == 3
    assert grid.cells[6][10].pattern == "#,##0"
    assert grid.cells[6][7].value is None  # table a has only 2 rows
    # one chart, 20 rows tall, in view where the tab opens: row 4, column A, left of its table
    assert (grid.charts[0].anchor_row, grid.charts[0].anchor_col) == (4, 0)
    assert grid.n_rows == 4 + 20


def test_unregistered_column_is_refused() -> None:
    plan = TabPlan("T", None, (Table("a", "A", pd.DataFrame({"price": [1.0]})),))
    with pytest.raises(KeyError, match=r"'price' is not in engine\.columns"):
        layout(plan)


def test_chart_on_missing_column_is_refused() -> None:
    plan = _two_tables()
    bad = TabPlan("T", None, plan.tables, (Chart("x", "line", "a", "service", ("units",)),))
    with pytest.raises(ValueError, match="lacks 'units'"):
        layout(bad)


def test_two_jobs_cannot_own_one_tab() -> None:
    with pytest.raises(ValueError, match="written by two jobs"):
        check_owners([_two_tables(), _two_tables()])


def test_empty_plan_still_has_a_stamp_row() -> None:
    grid = layout(TabPlan("Empty", None, ()))
    assert grid.cells[0][0].value == "Empty — no data"
    assert grid.n_rows == 5
    assert grid.n_cols == 1


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (np.float64("nan"), None),
        (None, None),
        (pd.NaT, None),
        (np.int64(3), 3),
        (float("inf"), "inf"),
        (pd.Timestamp("2024-06-01T12:00", tz="Europe/London"), dt.datetime(2024, 6, 1, 11, 0)),
        (dt.date(2024, 1, 2), dt.date(2024, 1, 2)),
        (np.bool_(True), True),
    ],
)
def test_plain_value(value: object, expected: object) -> None:
    assert plain_value(value) == expected


@given(st.integers())
def test_integers_stay_exact(value: int) -> None:
    out = plain_value(value)
    if abs(value) >= MAX_EXACT_INT:
        assert out == str(value)
    else:
        assert out == value
        assert float(value) == value


def test_a_tab_without_charts_starts_its_tables_in_column_a() -> None:
    plan = _two_tables()
    grid = layout(TabPlan(plan.tab, plan.data_as_of, plan.tables))
    assert [b.first_col for b in grid.blocks] == [0, 3]


def test_values_that_round_to_zero_are_written_as_zero() -> None:
    frame = pd.DataFrame(
        {"service": ["DCL", "DCH"], "clearing_price_gbp_per_mw_per_h": [-0.0, -0.004]}
    )
    grid = layout(TabPlan("T", None, (Table("a", "A", frame),)))
    assert [grid.cells[r][1].value for r in (4, 5)] == [0.0, 0.0]
    assert str(grid.cells[4][1].value) == "0.0"  # not -0.0
    assert shown_zero(-0.006, "number", 2) == -0.006
    assert shown_zero(-0.0004, "frac", 1) == 0.0
    assert shown_zero("x", "text", 0) == "x"


def test_axis_titles_carry_units() -> None:
    assert axis_title(["clearing_price_gbp_per_mw_per_h"]) == "Clearing price [£/MW/h]"
    assert axis_title(["system_price_gbp_per_mwh", "market_index_price_gbp_per_mwh"]) == "£/MWh"
