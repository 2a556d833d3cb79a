"""The write plan: what each dashboard tab shows, laid out once for every sink.

A refresh job returns a :class:`TabPlan` — named tables (DataFrames whose columns are all
registered in :mod:`engine.columns`), chart specs and a "data as of" instant taken from the
data, never the clock. :func:`layout` turns it into a :class:`SheetGrid`: a rectangle of
plain Python cells with number formats, a frozen header, column widths and charts placed
on cell ranges. The Google Sheets sink, the ``.xlsx`` sink and the ``/dashboard`` page all
render that same grid, so the three never disagree.

Layout of every tab (0-based rows)::

    row 0   "<tab> — data as of 2024-12-31 23:30 UTC"
    row 1   notes (one line, may be empty)
    row 2   each table's title, above its first column
    row 3   each table's headers (rows 0-3 are frozen)
    row 4+  table rows; tables sit side by side, one blank column apart.

When a tab has charts, they come first: stacked in a band of ``CHART_BAND_COLS`` columns
at the left (anchored from row 4), the tables to their right, so a chart is in view where
the tab opens, beside the tables it draws. Axis titles come from the registry's headers
(:func:`axis_title`); a value that rounds to zero at its column's decimals is written as 0,
never "-0.0".
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

from engine.columns import column

ChartKind = Literal["line", "column"]
CellValue = str | int | float | bool | dt.date | dt.datetime | None

HEADER_ROWS = 4
CHART_HEIGHT_ROWS = 20
CHART_BAND_COLS = 5  # the band charts sit in, left of the tables: 5 x 120 px
CHART_BAND_COL_PX = 120
MAX_EXACT_INT = 2**53  # beyond this a spreadsheet double loses digits: write as text


@dataclass(frozen=True)
class Table:
    """One named table on a tab.

    Attributes:
        name: Identifier, unique within the tab (charts refer to it).
        title: Human title shown above the table.
        frame: Rows to show; every column must be registered in :mod:`engine.columns`.
        fills: Optional background colours (``#rrggbb`` or None) with ``frame``'s shape,
            e.g. a heat map.
    """

    name: str
    title: str
    frame: pd.DataFrame
    fills: pd.DataFrame | None = None


@dataclass(frozen=True)
class Chart:
    """A chart drawn from one table's columns.

    Attributes:
        title: Chart title.
        kind: ``line`` or ``column``.
        table: Name of the table holding the data.
        x: Column for the horizontal axis.
        y: Columns plotted against the left axis.
        y2: Columns plotted as lines against the right axis (an overlay, e.g. SoC vs price).
    """

    title: str
    kind: ChartKind
    table: str
    x: str
    y: tuple[str, ...]
    y2: tuple[str, ...] = ()


@dataclass(frozen=True)
class TabPlan:
    """Everything one job writes to its own tab (one job owns each tab).

    Attributes:
        tab: Tab title.
        data_as_of: Latest instant the data covers (UTC), or None when the tab has no data.
        tables: Tables in left-to-right order.
        charts: Charts over those tables.
        notes: Short lines shown under the stamp (assumptions, missing data).
    """

    tab: str
    data_as_of: dt.datetime | None
    tables: tuple[Table, ...]
    charts: tuple[Chart, ...] = ()
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Cell:
    """One laid-out cell: a plain Python value, its number format and style."""

    value: CellValue = None
    pattern: str | None = None
    bold: bool = False
    fill: str | None = None


@dataclass(frozen=True)
class Block:
    """Where a table sits on the grid (0-based; ``header_row`` holds its headers)."""

    name: str
    title: str
    header_row: int
    first_col: int
    n_data_rows: int
    columns: tuple[str, ...]


@dataclass(frozen=True)
class PlacedChart:
    """A chart with its data block and anchor cell (0-based row, column)."""

    chart: Chart
    block: Block
    anchor_row: int
    anchor_col: int

    def col_of(self, name: str) -> int:
        """Grid column index of the block's column ``name``."""
        return self.block.first_col + self.block.columns.index(name)


@dataclass(frozen=True)
class SheetGrid:
    """A tab laid out: a rectangle of cells plus formatting and charts."""

    tab: str
    data_as_of: dt.datetime | None
    cells: tuple[tuple[Cell, ...], ...]
    frozen_rows: int
    widths_px: tuple[int, ...]
    blocks: tuple[Block, ...]
    charts: tuple[PlacedChart, ...] = field(default=())

    @property
    def n_rows(self) -> int:
        """Number of rows in the grid."""
        return len(self.cells)

    @property
    def n_cols(self) -> int:
        """Number of columns in the grid."""
        return len(self.widths_px)


def block_records(grid: SheetGrid, name: str) -> list[dict[str, CellValue]]:
    """The data rows of the table ``name`` laid out on ``grid``, one mapping per row
    (column name → cell value); empty if the grid has no such table."""
    for block in grid.blocks:
        if block.name != name:
            continue
        first = block.header_row + 1
        return [
            {
                column: grid.cells[row][block.first_col + i].value
                for i, column in enumerate(block.columns)
            }
            for row in range(first, first + block.n_data_rows)
        ]
    return []


def shown_zero(value: CellValue, kind: str, decimals: int) -> CellValue:
    """0.0 for a number that its format would show as zero (so never "-0.0" or "-0")."""
    if isinstance(value, bool) or not isinstance(value, float):
        return value
    places = {"integer": 0, "frac": 3}.get(kind, decimals)
    return 0.0 if abs(value) < 0.5 * 10.0**-places else value


def axis_title(names: Sequence[str]) -> str:
    """An axis title from the registered columns it plots: one column's header; the shared
    unit of several ("£/MWh"); else their headers joined."""
    if len(names) == 1:
        return column(names[0]).header
    units = {column(name).unit for name in names}
    if len(units) == 1 and "" not in units:
        return units.pop()
    return " / ".join(column(name).header for name in names)


def plain_value(value: object) -> CellValue:
    """One DataFrame value as a plain Python cell value.

    NaN/None/NaT → None; ±inf → text; numpy scalars → Python; tz-aware timestamps → naive UTC
    ``datetime``; integers beyond 2**53 → text (a spreadsheet double would lose digits).
    """
    if value is None or value is pd.NaT:
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, pd.Timestamp):
        if value.tzinfo is not None:
            value = value.tz_convert("UTC").tz_localize(None)
        return value.to_pydatetime()
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(dt.UTC).replace(tzinfo=None)
        return value
    if isinstance(value, bool | str | dt.date):
        return value
    if isinstance(value, int):
        return str(value) if abs(value) >= MAX_EXACT_INT else value
    if isinstance(value, float):
        if math.isnan(value):
            return None
        return value if math.isfinite(value) else str(value)
    return str(value)


def stamp_text(tab: str, data_as_of: dt.datetime | None) -> str:
    """The tab's first line: its name and the instant its data runs to."""
    if data_as_of is None:
        return f"{tab} — no data"
    return f"{tab} — data as of {data_as_of:%Y-%m-%d %H:%M} UTC"


def _check_plan(plan: TabPlan) -> None:
    names = [t.name for t in plan.tables]
    if len(set(names)) != len(names):
        raise ValueError(f"tab {plan.tab!r}: table names repeat: {names}")
    for table in plan.tables:
        for name in table.frame.columns:
            column(str(name))  # raises KeyError for an unregistered column
        if table.fills is not None and table.fills.shape != table.frame.shape:
            raise ValueError(f"tab {plan.tab!r} table {table.name!r}: fills shape differs")
    for chart in plan.charts:
        if chart.table not in names:
            raise ValueError(f"tab {plan.tab!r}: chart {chart.title!r} has no table")
        frame = plan.tables[names.index(chart.table)].frame
        for name in (chart.x, *chart.y, *chart.y2):
            if name not in frame.columns:
                raise ValueError(f"tab {plan.tab!r}: chart {chart.title!r} lacks {name!r}")


def layout(plan: TabPlan) -> SheetGrid:
    """Lay a tab plan out on a grid (see the module docstring for the layout).

    Raises:
        KeyError: If a table column is not registered in :mod:`engine.columns`.
        ValueError: If table names repeat or a chart refers to a missing table/column.
    """
    _check_plan(plan)
    blocks: list[Block] = []
    band = [CHART_BAND_COL_PX] * CHART_BAND_COLS + [24] if plan.charts else []
    widths: list[int] = list(band)
    for table in plan.tables:
        if len(widths) > len(band):
            widths.append(24)  # blank spacer column
        cols = tuple(str(c) for c in table.frame.columns)
        blocks.append(Block(table.name, table.title, 3, len(widths), len(table.frame), cols))
        widths.extend(column(c).width_px for c in cols)
    if not widths:
        widths = [240]
    data_rows = max((len(t.frame) for t in plan.tables), default=0)
    n_rows = max(HEADER_ROWS + data_rows, HEADER_ROWS + CHART_HEIGHT_ROWS * len(plan.charts))
    n_rows = max(n_rows, HEADER_ROWS + 1)
    grid: list[list[Cell]] = [[Cell() for _ in widths] for _ in range(n_rows)]
    grid[0][0] = Cell(stamp_text(plan.tab, plan.data_as_of), bold=True)
    grid[1][0] = Cell(" · ".join(plan.notes) if plan.notes else None)
    for table, block in zip(plan.tables, blocks, strict=True):
        grid[2][block.first_col] = Cell(table.title, bold=True)
        for j, name in enumerate(block.columns):
            spec = column(name)
            grid[3][block.first_col + j] = Cell(spec.header, bold=True)
            values = table.frame[name].tolist()
            fills = table.fills[name].tolist() if table.fills is not None else None
            for i, value in enumerate(values):
                fill = fills[i] if fills is not None else None
                grid[HEADER_ROWS + i][block.first_col + j] = Cell(
                    shown_zero(plain_value(value), spec.kind, spec.decimals),
                    None if spec.kind == "text" else spec.number_pattern,
                    fill=fill if isinstance(fill, str) else None,
                )
    by_name = {b.name: b for b in blocks}
    placed = tuple(
        PlacedChart(chart, by_name[chart.table], HEADER_ROWS + k * CHART_HEIGHT_ROWS, 0)
        for k, chart in enumerate(plan.charts)
    )
    return SheetGrid(
        tab=plan.tab,
        data_as_of=plan.data_as_of,
        cells=tuple(tuple(row) for row in grid),
        frozen_rows=HEADER_ROWS,
        widths_px=tuple(widths),
        blocks=tuple(blocks),
        charts=placed,
    )


def check_owners(plans: Sequence[TabPlan]) -> None:
    """Refuse two plans for the same tab: one job owns each tab, no shared ranges.

    Raises:
        ValueError: Naming the tab written twice.
    """
    seen: set[str] = set()
    for plan in plans:
        if plan.tab in seen:
            raise ValueError(f"tab {plan.tab!r} is written by two jobs")
        seen.add(plan.tab)


def heat_map(frame: pd.DataFrame, columns: Sequence[str]) -> pd.DataFrame:
    """Background colours for a heat-map table: white at 0, deepening red to the maximum,
    blue below 0 (negative prices are real); other columns and NaN stay unfilled.

    Returns:
        A frame of ``#rrggbb`` strings or None, shaped like ``frame``.
    """
    fills = pd.DataFrame(None, index=frame.index, columns=frame.columns, dtype=object)
    values = frame[list(columns)].to_numpy(dtype=float)
    finite = values[np.isfinite(values)]
    high = max(float(finite.max()), 0.0) if finite.size else 0.0
    low = min(float(finite.min()), 0.0) if finite.size else 0.0
    for name in columns:
        colours: list[str | None] = []
        for value in frame[name].to_numpy(dtype=float):
            if not np.isfinite(value):
                colours.append(None)
            elif value >= 0:
                shade = int(255 - 155 * (value / high if high else 0.0))
                colours.append(f"#ff{shade:02x}{shade:02x}")
            else:
                shade = int(255 - 155 * (value / low))
                colours.append(f"#{shade:02x}{shade:02x}ff")
        fills[name] = colours
    return fills
