"""Local sink: JSON grids round-trip; the workbook is atomic, has formats, freezes and charts."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
from openpyxl import load_workbook

from jobs.sheets.local import LocalSink, grid_from_json, grid_to_json
from jobs.sheets.plan import Chart, Table, TabPlan, layout


def _plan(tab: str) -> TabPlan:
    frame = pd.DataFrame(
        {
            "interval_start": pd.to_datetime(["2024-01-01T00:00Z", "2024-01-01T00:30Z"]),
            "system_price_gbp_per_mwh": [70.5, -3.0],
            "soc_mwh": [0.0, 1.0],
            "site_name": ["=1+1", "b"],
        }
    )
    chart = Chart(
        "SoC vs price", "line", "w", "interval_start", ("system_price_gbp_per_mwh",), ("soc_mwh",)
    )
    return TabPlan(tab, dt.datetime(2024, 1, 1, 0, 30), (Table("w", "Week", frame),), (chart,))


def test_grid_json_round_trip() -> None:
    grid = layout(_plan("Market"))
    assert grid_from_json(grid_to_json(grid)) == grid


def test_workbook_has_every_tab_formats_freeze_and_charts(tmp_path: Path) -> None:
    sink = LocalSink(tmp_path, tab_order=("Market", "Fleet"))
    sink.write([layout(_plan("Fleet"))])
    sink.write([layout(_plan("Market"))])  # a later refresh of one tab keeps the other
    book = load_workbook(sink.workbook_path)
    assert book.sheetnames == ["Market", "Fleet"]
    ws = book["Market"]
    assert ws["A1"].value == "Market — data as of 2024-01-01 00:30 UTC"
    assert ws["H4"].value == "System price [£/MWh]"  # right of the chart band
    assert ws["G5"].value == dt.datetime(2024, 1, 1, 0, 0)
    assert ws["G5"].number_format == "yyyy-mm-dd hh:mm"
    assert ws["H6"].value == -3.0
    assert ws["J5"].value == "=1+1"
    assert ws["J5"].data_type == "s"
    assert ws.freeze_panes == "A5"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temp left
    assert sorted(p.name for p in (tmp_path / "tabs").iterdir()) == ["fleet.json", "market.json"]


def test_workbook_chart_is_native(tmp_path: Path) -> None:
    sink = LocalSink(tmp_path)
    sink.write([layout(_plan("Market"))])
    # openpyxl drops charts on load; the chart parts are in the zip itself.
    import zipfile

    names = zipfile.ZipFile(sink.workbook_path).namelist()
    assert "xl/charts/chart1.xml" in names


def test_workbook_chart_opens_in_view_with_axis_titles(tmp_path: Path) -> None:
    sink = LocalSink(tmp_path)
    sink.write([layout(_plan("Market"))])
    import zipfile

    book = zipfile.ZipFile(sink.workbook_path)
    chart = book.read("xl/charts/chart1.xml").decode()
    drawing = book.read("xl/drawings/drawing1.xml").decode()
    # anchored at A5 (column 0, row 4): beside the tables, where the tab opens
    assert "<from><col>0</col><colOff>0</colOff><row>4</row>" in drawing
    assert "Interval start [UTC]" in chart  # category axis title
    assert "System price [£/MWh]" in chart  # value axis title
    assert '<delete val="0"' in chart  # axes shown (openpyxl hides them by default)
