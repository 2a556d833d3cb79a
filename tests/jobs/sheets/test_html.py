"""HTML sink: number formats, escaping, tables and inline SVG charts from the same grid."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from jobs.sheets.html import chart_svg, format_value, nice_ticks, render_page
from jobs.sheets.plan import Cell, Chart, Table, TabPlan, layout


@pytest.mark.parametrize(
    ("cell", "text"),
    [
        (Cell(1234.567, "#,##0.00"), "1,234.57"),
        (Cell(1234.4, "#,##0"), "1,234"),
        (Cell(0.125, "0.0%"), "12.5%"),
        (Cell(dt.date(2024, 3, 31), "yyyy-mm-dd"), "2024-03-31"),
        (Cell(dt.datetime(2024, 3, 31, 1, 30), "yyyy-mm-dd hh:mm"), "2024-03-31 01:30"),
        (Cell(None, "#,##0"), ""),
        (Cell("=A1"), "=A1"),
        (Cell(2030), "2030"),  # a number in a text column (a calendar year): no separator
    ],
)
def test_format_value(cell: Cell, text: str) -> None:
    assert format_value(cell) == text


def _plan() -> TabPlan:
    frame = pd.DataFrame(
        {
            "month": ["2024-01", "2024-02"],
            "revenue_gbp": [100.0, -50.0],
            "site_name": ["<b>x</b>", "ok"],
        }
    )
    chart = Chart("Revenue by month", "column", "t", "month", ("revenue_gbp",))
    return TabPlan("Sites", dt.datetime(2024, 2, 29), (Table("t", "Revenue", frame),), (chart,))


def test_page_has_nav_table_and_chart_and_escapes_text() -> None:
    grid = layout(_plan())
    page = render_page([grid, layout(TabPlan("Other", None, ()))], "Sites")
    assert '<a href="?tab=Sites" class=on>Sites</a>' in page
    assert '<a href="?tab=Other">Other</a>' in page
    assert "Sites — data as of 2024-02-29 00:00 UTC" in page
    assert "<th>Revenue [£]</th>" in page
    assert "&lt;b&gt;x&lt;/b&gt;" in page
    assert "<b>x</b>" not in page
    assert "<script" not in page
    assert "http://" not in page.replace("http://www.w3.org/2000/svg", "")


def test_prose_cells_wrap_and_short_text_does_not() -> None:
    sentence = (
        "Capacity fade: see https://forecastdocs.modoenergy.com/v2.0/docs/battery-degredation" * 2
    )
    frame = pd.DataFrame({"assumption": [sentence, "Short note."]})
    page = render_page([layout(TabPlan("Investment", None, (Table("a", "A", frame),)))], None)
    assert f'<td class="p">{sentence}</td>' in page
    assert "<td>Short note.</td>" in page
    assert "td.p{min-width:14rem;overflow-wrap:anywhere}" in page


def test_column_chart_bars_go_both_ways_from_zero() -> None:
    grid = layout(_plan())
    svg = chart_svg(grid, grid.charts[0])
    # round ticks -50, 0, 50, 100 → plot height 220 from y = 28; zero line at 28 + 220 × 100/150.
    assert svg.count("<rect") == 2 + 2  # frame + legend swatch + two bars
    assert 'y1="174.7" y2="174.7" stroke="#999"' in svg
    for tick in ("−50", ">0<", ">50<", ">100<"):
        assert tick in svg
    assert "Revenue [£]</text>" in svg  # the value axis's title (and the legend)
    assert ">Month</text>" in svg  # the category axis title


@pytest.mark.parametrize(
    ("low", "high", "ticks"),
    [
        (-57.0, 160.0, [-100.0, -50.0, 0.0, 50.0, 100.0, 150.0, 200.0]),
        (0.0, 31464.0, [0.0, 10000.0, 20000.0, 30000.0, 40000.0]),
        (0.0, 2.0, [0.0, 0.5, 1.0, 1.5, 2.0]),
        (0.0, 0.0, [0.0, 0.2, 0.4, 0.6, 0.8, 1.0]),
    ],
)
def test_ticks_are_round_numbers(low: float, high: float, ticks: list[float]) -> None:
    assert nice_ticks(low, high) == ticks


def test_minus_zero_is_shown_as_zero() -> None:
    assert format_value(Cell(-0.0, "#,##0.0")) == "0.0"
    assert format_value(Cell(-0.04, "#,##0.0")) == "0.0"
    assert format_value(Cell(-0.06, "#,##0.0")) == "-0.1"


def test_empty_dashboard_says_how_to_fill_it() -> None:
    assert "gbess refresh --all" in render_page([], None)


def test_overlay_chart_draws_a_right_axis_series() -> None:
    frame = pd.DataFrame(
        {
            "interval_start": pd.date_range("2024-06-01", periods=3, freq="30min", tz="UTC"),
            "system_price_gbp_per_mwh": [10.0, 50.0, 30.0],
            "soc_mwh": [0.0, 1.0, 2.0],
        }
    )
    chart = Chart(
        "SoC vs price", "line", "w", "interval_start", ("system_price_gbp_per_mwh",), ("soc_mwh",)
    )
    grid = layout(TabPlan("Market", None, (Table("w", "W", frame),), (chart,)))
    svg = chart_svg(grid, grid.charts[0])
    assert svg.count("<polyline") == 2
    # right axis: SoC 0..2 MWh in round steps of 0.5, at x = 480 - 50 + 5; 0 at the bottom
    assert '<text x="435" y="252.0" font-size="13" text-anchor="start">0.0</text>' in svg
    assert '<text x="435" y="32.0" font-size="13" text-anchor="start">2.0</text>' in svg
    # each axis's title above it, level: left-aligned on the left, right-aligned on the right
    assert 'text-anchor="start">System price [£/MWh]</text>' in svg
    assert 'text-anchor="end">State of charge [MWh]</text>' in svg
    assert "Interval start [UTC]" in svg
    assert "State of charge [MWh]" in svg
