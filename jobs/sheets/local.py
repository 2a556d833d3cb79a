"""Local dashboard sink (the default): each tab's last grid as JSON, plus one ``.xlsx``.

Under ``<var_dir>/dashboard/``: ``tabs/<tab>.json`` holds every tab's last laid-out grid
(the ``/dashboard`` page renders from these, so it shows exactly what the workbook shows),
and ``dashboard.xlsx`` is rebuilt from all of them after every refresh. Each file is
written to a temporary name and renamed into place.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jobs.sheets.plan import Block, Cell, Chart, PlacedChart, SheetGrid
from jobs.sheets.xlsx import WORKBOOK_NAME, write_workbook


def _encode_value(value: object) -> Any:
    if isinstance(value, dt.datetime):
        return {"datetime": value.isoformat()}
    if isinstance(value, dt.date):
        return {"date": value.isoformat()}
    return value


def _decode_value(value: Any) -> Any:
    if isinstance(value, dict):
        if "datetime" in value:
            return dt.datetime.fromisoformat(value["datetime"])
        return dt.date.fromisoformat(value["date"])
    return value


def grid_to_json(grid: SheetGrid) -> dict[str, Any]:
    """A grid as JSON-ready data (dates tagged, cells as ``[value, pattern, bold, fill]``)."""
    return {
        "tab": grid.tab,
        "data_as_of": grid.data_as_of.isoformat() if grid.data_as_of else None,
        "cells": [
            [[_encode_value(c.value), c.pattern, c.bold, c.fill] for c in row] for row in grid.cells
        ],
        "frozen_rows": grid.frozen_rows,
        "widths_px": list(grid.widths_px),
        "blocks": [vars(b) | {"columns": list(b.columns)} for b in grid.blocks],
        "charts": [
            {
                "chart": vars(p.chart) | {"y": list(p.chart.y), "y2": list(p.chart.y2)},
                "block": p.block.name,
                "anchor": [p.anchor_row, p.anchor_col],
            }
            for p in grid.charts
        ],
    }


def grid_from_json(data: dict[str, Any]) -> SheetGrid:
    """The inverse of :func:`grid_to_json`."""
    blocks = tuple(Block(**(b | {"columns": tuple(b["columns"])})) for b in data["blocks"])
    by_name = {b.name: b for b in blocks}
    charts = tuple(
        PlacedChart(
            Chart(**(c["chart"] | {"y": tuple(c["chart"]["y"]), "y2": tuple(c["chart"]["y2"])})),
            by_name[c["block"]],
            c["anchor"][0],
            c["anchor"][1],
        )
        for c in data["charts"]
    )
    as_of = data["data_as_of"]
    return SheetGrid(
        tab=data["tab"],
        data_as_of=dt.datetime.fromisoformat(as_of) if as_of else None,
        cells=tuple(
            tuple(Cell(_decode_value(v), p, b, f) for v, p, b, f in row) for row in data["cells"]
        ),
        frozen_rows=data["frozen_rows"],
        widths_px=tuple(data["widths_px"]),
        blocks=blocks,
        charts=charts,
    )


def _atomic_write_text(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp = tempfile.mkstemp(prefix=f".{path.stem}-", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def tab_slug(tab: str) -> str:
    """A file-name-safe form of a tab title ("Refresh log" → ``refresh-log``)."""
    return re.sub(r"[^a-z0-9]+", "-", tab.lower()).strip("-")


@dataclass(frozen=True)
class LocalSink:
    """The embedded dashboard backend.

    Args:
        root: Folder for the tab grids and the workbook (``<var_dir>/dashboard``).
        tab_order: Tab titles in display order (tabs not listed follow, by name).
    """

    root: Path
    tab_order: tuple[str, ...] = ()

    @property
    def workbook_path(self) -> Path:
        """Where the workbook is written."""
        return self.root / WORKBOOK_NAME

    def load(self, fresh: Sequence[SheetGrid] = ()) -> list[SheetGrid]:
        """Every stored tab grid in display order (``fresh`` grids replace stored ones)."""
        folder = self.root / "tabs"
        known = {tab_slug(g.tab): g for g in fresh}
        paths = sorted(folder.glob("*.json")) if folder.exists() else []
        grids = list(known.values()) + [
            grid_from_json(json.loads(p.read_text(encoding="utf-8")))
            for p in paths
            if p.stem not in known
        ]
        rank = {tab: i for i, tab in enumerate(self.tab_order)}
        return sorted(grids, key=lambda g: (rank.get(g.tab, len(rank)), g.tab))

    def write(self, grids: Sequence[SheetGrid]) -> dict[str, int]:
        """Store the grids, rebuild the workbook; return files written by kind."""
        for grid in grids:
            text = json.dumps(grid_to_json(grid), ensure_ascii=False, allow_nan=False)
            _atomic_write_text(self.root / "tabs" / f"{tab_slug(grid.tab)}.json", text)
        write_workbook(self.load(grids), self.workbook_path)
        return {"tab_files": len(grids), "workbooks": 1}
