"""Local workbook sink: the laid-out tabs as an ``.xlsx`` (openpyxl) with native charts.

The workbook is written to a temporary file in the target folder and renamed over the old
one (``os.replace``), so a reader never sees half a workbook. It is always built whole from
the grids passed in (the local sink keeps every tab's last grid, so a refresh of one tab
still writes a workbook with all of them).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Sequence
from pathlib import Path

from openpyxl import Workbook
from openpyxl.chart import BarChart, LineChart, Reference
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from jobs.sheets.plan import PlacedChart, SheetGrid, axis_title

WORKBOOK_NAME = "dashboard.xlsx"
PX_PER_CHAR = 7.0  # Excel column width unit ≈ one digit of the default font


def _chart(ws: Worksheet, placed: PlacedChart) -> LineChart | BarChart:
    spec, block = placed.chart, placed.block
    first, last = block.header_row + 1, block.header_row + 1 + block.n_data_rows
    chart: LineChart | BarChart = LineChart() if spec.kind == "line" else BarChart()
    chart.title = spec.title
    # The chart band left of the tables: 5 columns of 120 px by 20 rows (1 cm ≈ 37.8 px).
    chart.height, chart.width = 10.5, 15.8
    chart.x_axis.title = axis_title([spec.x])
    chart.y_axis.title = axis_title(spec.y)
    chart.x_axis.delete = False  # openpyxl hides both axes unless told otherwise
    chart.y_axis.delete = False
    chart.legend.position = "b"
    for name in spec.y:
        col = placed.col_of(name) + 1
        chart.add_data(
            Reference(ws, min_col=col, min_row=first, max_row=last), titles_from_data=True
        )
    x_col = placed.col_of(spec.x) + 1
    cats = Reference(ws, min_col=x_col, min_row=first + 1, max_row=last)
    chart.set_categories(cats)
    if spec.y2:
        overlay = LineChart()
        for name in spec.y2:
            col = placed.col_of(name) + 1
            overlay.add_data(
                Reference(ws, min_col=col, min_row=first, max_row=last), titles_from_data=True
            )
        overlay.y_axis.axId = 200
        overlay.y_axis.crosses = "max"
        overlay.y_axis.title = axis_title(spec.y2)
        overlay.y_axis.delete = False
        chart += overlay
    return chart


def _write_sheet(ws: Worksheet, grid: SheetGrid) -> None:
    for r, row in enumerate(grid.cells, start=1):
        for c, cell in enumerate(row, start=1):
            if cell.value is None and not cell.fill:
                continue
            target = ws.cell(row=r, column=c, value=cell.value)
            if isinstance(cell.value, str) and cell.value.startswith("="):
                target.data_type = "s"  # text, never a formula (RAW semantics)
            if cell.pattern and cell.value is not None:
                target.number_format = cell.pattern
            if cell.bold:
                target.font = Font(bold=True)
            if cell.fill:
                colour = cell.fill.lstrip("#").upper()
                target.fill = PatternFill("solid", start_color=colour, end_color=colour)
    for c, width_px in enumerate(grid.widths_px, start=1):
        ws.column_dimensions[get_column_letter(c)].width = round(width_px / PX_PER_CHAR, 1)
    ws.freeze_panes = ws.cell(row=grid.frozen_rows + 1, column=1)
    for placed in grid.charts:
        anchor = f"{get_column_letter(placed.anchor_col + 1)}{placed.anchor_row + 1}"
        ws.add_chart(_chart(ws, placed), anchor)


def write_workbook(grids: Sequence[SheetGrid], path: Path) -> Path:
    """Write the workbook of ``grids`` (one sheet each, in order) to ``path`` atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    book = Workbook()
    book.remove(book.active)
    for grid in grids:
        _write_sheet(book.create_sheet(grid.tab), grid)
    handle, tmp = tempfile.mkstemp(prefix=".dashboard-", suffix=".xlsx", dir=path.parent)
    os.close(handle)
    try:
        book.save(tmp)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return path
