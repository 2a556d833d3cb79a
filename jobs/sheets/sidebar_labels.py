"""The add-on's labels map, generated from the column registry (``engine/columns.py``).

The sidebar (``appscript/src/Sidebar.gs``) shows an answer's fields with the same human
label, unit and number kind as the dashboard columns of the same name; fields the registry
does not hold are labelled from their unit suffix there. Rewrite the generated file after
changing the registry with::

    .venv/bin/python -m jobs.sheets.sidebar_labels
"""

from __future__ import annotations

import json
from pathlib import Path

from engine.columns import COLUMNS

#: The generated Apps Script file (one global, ``COLUMN_LABELS_``).
LABELS_GS = Path(__file__).resolve().parents[2] / "appscript" / "src" / "Labels.gs"


def render_labels_gs() -> str:
    """The text of ``appscript/src/Labels.gs``: name → [label, unit, kind, decimals]."""
    entries = {
        name: [column.label, column.unit, column.kind, column.decimals]
        for name, column in sorted(COLUMNS.items())
    }
    lines = [
        "/**",
        " * @fileoverview Generated from engine/columns.py by",
        " * `.venv/bin/python -m jobs.sheets.sidebar_labels`: do not edit by hand.",
        " * Column name -> [label, unit, kind, decimals] (kind: text, integer, number, frac,",
        " * date, datetime), so the sidebar labels a field as the dashboard does.",
        " */",
        "",
        "/** Human label, unit, kind and decimals of each registered column. */",
        "const COLUMN_LABELS_ = {",
    ]
    lines += [
        f"  {name}: {json.dumps(value, ensure_ascii=False)}," for name, value in entries.items()
    ]
    lines += ["};", ""]
    return "\n".join(lines)


def main() -> None:
    """Write ``appscript/src/Labels.gs``."""
    LABELS_GS.write_text(render_labels_gs(), encoding="utf-8")
    print(f"wrote {LABELS_GS}")


if __name__ == "__main__":
    main()
