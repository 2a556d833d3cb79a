"""Sheets v4 request bodies for a refresh: laid-out grids → one ``spreadsheets.batchUpdate``.

Pure functions (no I/O): the Google sink reads the spreadsheet's metadata once, calls
:func:`batch_update_body` and sends the result. Every cell is converted here, before
gspread sees it (:func:`cell_data`): None/NaN → empty, numpy → Python, dates and times →
Sheets serial numbers with a date format, integers beyond 2**53 → text, and strings are
always ``stringValue`` — never parsed, so text starting with ``=`` stays text (the same
effect as ``valueInputOption=RAW``).

Tabs are matched by title only. A tab the user renamed is no longer ours: the refresh adds
a fresh tab with the expected title and never writes into another sheet by position.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from jobs.sheets.plan import Cell, PlacedChart, SheetGrid, axis_title

SHEETS_EPOCH = dt.datetime(1899, 12, 30)  # day 0 of Sheets (and Excel 1900) serial dates
CELL_FIELDS = "userEnteredValue,userEnteredFormat"
GRID_FIELDS = (
    "gridProperties.rowCount,gridProperties.columnCount,"
    "gridProperties.frozenRowCount,gridProperties.frozenColumnCount"
)
METADATA_FIELDS = "spreadsheetId,properties.title,sheets(properties,charts(chartId))"
CHART_SIZE_PX = (600, 400)  # the chart band: 5 columns of 120 px, 20 rows

Json = dict[str, Any]


def serial_number(value: dt.date | dt.datetime) -> float:
    """A date or naive-UTC datetime as a Sheets serial number [days since 1899-12-30]."""
    if not isinstance(value, dt.datetime):
        value = dt.datetime(value.year, value.month, value.day)
    return (value - SHEETS_EPOCH) / dt.timedelta(days=1)


def _number_format(pattern: str) -> Json:
    if pattern in {"yyyy-mm-dd"}:
        kind = "DATE"
    elif "hh" in pattern:
        kind = "DATE_TIME"
    elif pattern.endswith("%"):
        kind = "PERCENT"
    elif pattern == "@":
        kind = "TEXT"
    else:
        kind = "NUMBER"
    return {"type": kind, "pattern": pattern}


def _rgb(hex_colour: str) -> Json:
    raw = hex_colour.lstrip("#")
    return {k: int(raw[i : i + 2], 16) / 255 for k, i in (("red", 0), ("green", 2), ("blue", 4))}


def cell_value(value: object) -> Json:
    """A plain cell value as a Sheets ``ExtendedValue`` (empty dict for an empty cell)."""
    if value is None:
        return {}
    if isinstance(value, bool):
        return {"boolValue": value}
    if isinstance(value, int):
        return {"numberValue": value}
    if isinstance(value, float):
        if math.isnan(value):
            return {}
        return {"numberValue": value} if math.isfinite(value) else {"stringValue": str(value)}
    if isinstance(value, dt.date):
        return {"numberValue": serial_number(value)}
    return {"stringValue": str(value)}


def cell_data(cell: Cell) -> Json:
    """One laid-out cell as a Sheets ``CellData``."""
    data: Json = {}
    value = cell_value(cell.value)
    if value:
        data["userEnteredValue"] = value
    fmt: Json = {}
    if cell.pattern is not None and cell.value is not None:
        fmt["numberFormat"] = _number_format(cell.pattern)
    if cell.bold:
        fmt["textFormat"] = {"bold": True}
    if cell.fill:
        fmt["backgroundColor"] = _rgb(cell.fill)
    if fmt:
        data["userEnteredFormat"] = fmt
    return data


def _grid_range(sheet_id: int, rows: tuple[int, int], cols: tuple[int, int]) -> Json:
    return {
        "sheetId": sheet_id,
        "startRowIndex": rows[0],
        "endRowIndex": rows[1],
        "startColumnIndex": cols[0],
        "endColumnIndex": cols[1],
    }


def _column_range(sheet_id: int, placed: PlacedChart, name: str) -> Json:
    col = placed.col_of(name)
    block = placed.block
    rows = (block.header_row, block.header_row + 1 + block.n_data_rows)
    return {"sources": [_grid_range(sheet_id, rows, (col, col + 1))]}


def chart_request(sheet_id: int, placed: PlacedChart) -> Json:
    """``addChart`` for one placed chart (header row included; ``headerCount`` 1)."""
    chart = placed.chart
    kind = "LINE" if chart.kind == "line" else "COLUMN"
    series = [
        {"series": {"sourceRange": _column_range(sheet_id, placed, y)}, "targetAxis": "LEFT_AXIS"}
        for y in chart.y
    ]
    series += [
        {
            "series": {"sourceRange": _column_range(sheet_id, placed, y)},
            "targetAxis": "RIGHT_AXIS",
            "type": "LINE",
        }
        for y in chart.y2
    ]
    if chart.y2:
        kind = "COMBO"
        for item in series[: len(chart.y)]:
            item["type"] = "LINE" if chart.kind == "line" else "COLUMN"
    return {
        "addChart": {
            "chart": {
                "spec": {
                    "title": chart.title,
                    "basicChart": {
                        "chartType": kind,
                        "legendPosition": "BOTTOM_LEGEND",
                        "headerCount": 1,
                        "domains": [
                            {"domain": {"sourceRange": _column_range(sheet_id, placed, chart.x)}}
                        ],
                        "series": series,
                        "axis": [
                            {"position": "BOTTOM_AXIS", "title": axis_title([chart.x])},
                            {"position": "LEFT_AXIS", "title": axis_title(chart.y)},
                        ]
                        + (
                            [{"position": "RIGHT_AXIS", "title": axis_title(chart.y2)}]
                            if chart.y2
                            else []
                        ),
                    },
                },
                "position": {
                    "overlayPosition": {
                        "anchorCell": {
                            "sheetId": sheet_id,
                            "rowIndex": placed.anchor_row,
                            "columnIndex": placed.anchor_col,
                        },
                        "widthPixels": CHART_SIZE_PX[0],
                        "heightPixels": CHART_SIZE_PX[1],
                    }
                },
            }
        }
    }


def _width_requests(sheet_id: int, widths: Sequence[int]) -> Iterable[Json]:
    start = 0
    for end in range(1, len(widths) + 1):
        if end == len(widths) or widths[end] != widths[start]:
            yield {
                "updateDimensionProperties": {
                    "range": {
                        "sheetId": sheet_id,
                        "dimension": "COLUMNS",
                        "startIndex": start,
                        "endIndex": end,
                    },
                    "properties": {"pixelSize": widths[start]},
                    "fields": "pixelSize",
                }
            }
            start = end


def existing_sheets(metadata: Mapping[str, Any]) -> dict[str, Json]:
    """Sheets in a ``spreadsheets.get`` answer, by title: ``{sheetId, charts}``."""
    found: dict[str, Json] = {}
    for sheet in metadata.get("sheets", []):
        props = sheet.get("properties", {})
        charts = [c["chartId"] for c in sheet.get("charts", []) if "chartId" in c]
        found[str(props.get("title"))] = {"sheetId": int(props.get("sheetId", 0)), "charts": charts}
    return found


def batch_update_body(grids: Sequence[SheetGrid], metadata: Mapping[str, Any]) -> Json:
    """The single ``spreadsheets.batchUpdate`` body that writes every grid.

    For each tab (matched by title): add it if missing (with a fresh ``sheetId``), else
    resize it to its grid and freeze the header; delete the charts left by the previous
    refresh; write every cell of the grid (cells outside the table are cleared); set column
    widths; add the charts. Google applies a batchUpdate atomically, so a refresh either
    lands on every tab or leaves them all as they were.

    Args:
        grids: Laid-out tabs.
        metadata: The spreadsheet's ``spreadsheets.get`` answer (fields ``METADATA_FIELDS``).
    """
    sheets = existing_sheets(metadata)
    used_ids = {s["sheetId"] for s in sheets.values()}
    next_id = max(used_ids, default=0) + 1
    requests: list[Json] = []
    for grid in grids:
        grid_props = {
            "rowCount": grid.n_rows,
            "columnCount": grid.n_cols,
            "frozenRowCount": grid.frozen_rows,
            "frozenColumnCount": 0,  # a user's frozen columns could exceed a narrower grid
        }
        if grid.tab in sheets:
            sheet_id = sheets[grid.tab]["sheetId"]
            requests += [
                {"deleteEmbeddedObject": {"objectId": c}} for c in sheets[grid.tab]["charts"]
            ]
            requests.append(
                {
                    "updateSheetProperties": {
                        "properties": {"sheetId": sheet_id, "gridProperties": grid_props},
                        "fields": GRID_FIELDS,
                    }
                }
            )
        else:
            sheet_id, next_id = next_id, next_id + 1
            requests.append(
                {
                    "addSheet": {
                        "properties": {
                            "sheetId": sheet_id,
                            "title": grid.tab,
                            "gridProperties": grid_props,
                        }
                    }
                }
            )
        requests.append(
            {
                "updateCells": {
                    "range": _grid_range(sheet_id, (0, grid.n_rows), (0, grid.n_cols)),
                    "rows": [{"values": [cell_data(c) for c in row]} for row in grid.cells],
                    "fields": CELL_FIELDS,
                }
            }
        )
        requests += _width_requests(sheet_id, grid.widths_px)
        requests += [chart_request(sheet_id, placed) for placed in grid.charts]
    return {"requests": requests, "includeSpreadsheetInResponse": False}
