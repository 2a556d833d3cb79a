"""The add-on's generated labels file is current with the column registry."""

from __future__ import annotations

from engine.columns import COLUMNS
from jobs.sheets.sidebar_labels import LABELS_GS, render_labels_gs


def test_labels_gs_is_current() -> None:
    assert LABELS_GS.read_text(encoding="utf-8") == render_labels_gs(), (
        "appscript/src/Labels.gs is stale: run .venv/bin/python -m jobs.sheets.sidebar_labels"
    )


def test_every_registered_column_has_a_label_with_its_unit() -> None:
    text = render_labels_gs()
    assert text.count("\n  ") == len(COLUMNS)
    assert '  red_p_per_kwh: ["Red", "p/kWh", "number", 3],' in text
