"""HTML sink: laid-out tabs as one self-contained page (tables + inline SVG charts, no CDN).

Rendered from the same :class:`~jobs.sheets.plan.SheetGrid` the workbook and Google Sheets
get. The page is plain HTML and CSS (no script), readable on a laptop and a phone: tables
scroll sideways inside their own box and SVG charts scale to the screen width.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from html import escape

from jobs.sheets.plan import Cell, PlacedChart, SheetGrid, stamp_text

PALETTE = ("#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b")
SVG_W, SVG_H, PAD_L, PAD_R, PAD_T, PAD_B = 640, 320, 56, 56, 28, 44

CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0;color:#222}
header{background:#123;color:#fff;padding:.6rem 1rem}
nav a{color:#cde;margin-right:1rem;text-decoration:none}nav a.on{color:#fff;font-weight:600}
main{padding:1rem}.stamp{font-weight:600}.notes{color:#555;font-size:.9rem}
.tables{display:flex;flex-wrap:wrap;gap:1.5rem}.table{max-width:100%;overflow-x:auto}
table{border-collapse:collapse;font-size:.85rem}th,td{padding:.2rem .5rem;border:1px solid #ddd}
th{background:#f3f5f7;position:sticky;top:0}td.n{text-align:right;font-variant-numeric:tabular-nums}
.charts{display:flex;flex-wrap:wrap;gap:1rem;margin-top:1rem}
figure{margin:0;flex:1 1 480px;max-width:720px}svg{width:100%;height:auto}
"""


def format_value(cell: Cell) -> str:
    """A cell's value as text, following its number format."""
    value, pattern = cell.value, cell.pattern or ""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    if pattern.endswith("%"):
        return f"{value * 100:.1f}%"
    decimals = len(pattern.split(".")[1]) if "." in pattern else 0
    return f"{value:,.{decimals}f}"


def _table(grid: SheetGrid, index: int) -> str:
    block = grid.blocks[index]
    cols = range(block.first_col, block.first_col + len(block.columns))
    head = "".join(f"<th>{escape(str(grid.cells[3][c].value))}</th>" for c in cols)
    body = []
    for r in range(4, 4 + block.n_data_rows):
        tds = []
        for c in cols:
            cell = grid.cells[r][c]
            cls = ' class="n"' if isinstance(cell.value, int | float) else ""
            style = f' style="background:{cell.fill}"' if cell.fill else ""
            tds.append(f"<td{cls}{style}>{escape(format_value(cell))}</td>")
        body.append(f"<tr>{''.join(tds)}</tr>")
    return (
        f'<div class="table" data-table="{escape(block.name)}"><h3>{escape(block.title)}</h3>'
        f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table></div>"
    )


def _numbers(grid: SheetGrid, placed: PlacedChart, name: str) -> list[float | None]:
    col = placed.col_of(name)
    rows = range(4, 4 + placed.block.n_data_rows)
    out: list[float | None] = []
    for r in rows:
        value = grid.cells[r][col].value
        if isinstance(value, bool) or not isinstance(value, int | float):
            out.append(None)
        else:
            out.append(float(value))
    return out


def _scale(series: list[list[float | None]]) -> tuple[float, float]:
    values = [v for s in series for v in s if v is not None]
    low, high = (min(values), max(values)) if values else (0.0, 1.0)
    low = min(low, 0.0)
    return (low, high if high > low else low + 1.0)


def chart_svg(grid: SheetGrid, placed: PlacedChart) -> str:
    """One chart as an inline SVG (line or column; ``y2`` lines on a right-hand axis)."""
    spec = placed.chart
    labels = [
        format_value(grid.cells[r][placed.col_of(spec.x)])
        for r in range(4, 4 + placed.block.n_data_rows)
    ]
    left = [_numbers(grid, placed, y) for y in spec.y]
    right = [_numbers(grid, placed, y) for y in spec.y2]
    n = max(len(labels), 1)
    plot_w, plot_h = SVG_W - PAD_L - PAD_R, SVG_H - PAD_T - PAD_B
    names = (*spec.y, *spec.y2)
    legend_rows = (len(names) + 2) // 3
    every = spec.kind == "column" and n <= 16  # few categories: label each, slanted
    drop = 18 if every else 0  # room under slanted labels before the legend
    height = SVG_H + 14 * (legend_rows - 1) + drop
    parts = [
        f'<svg viewBox="0 0 {SVG_W} {height}" role="img" aria-label="{escape(spec.title)}" '
        f'data-chart="{escape(spec.title)}" xmlns="http://www.w3.org/2000/svg">',
        f'<text x="{SVG_W / 2}" y="16" text-anchor="middle" font-size="14">'
        f"{escape(spec.title)}</text>",
        f'<rect x="{PAD_L}" y="{PAD_T}" width="{plot_w}" height="{plot_h}" '
        'fill="none" stroke="#ccc"/>',
    ]
    for side, group in (("left", left), ("right", right)):
        if not group:
            continue
        low, high = _scale(group)
        x_txt = PAD_L - 4 if side == "left" else SVG_W - PAD_R + 4
        anchor = "end" if side == "left" else "start"
        for frac in (0.0, 0.5, 1.0):
            y = PAD_T + plot_h * (1 - frac)
            parts.append(
                f'<text x="{x_txt}" y="{y + 4:.1f}" font-size="10" text-anchor="{anchor}">'
                f"{low + (high - low) * frac:,.{0 if high - low >= 20 else 1}f}</text>"
            )
        if side == "left" and low < 0 < high:
            y0 = PAD_T + plot_h * high / (high - low)
            parts.append(
                f'<line x1="{PAD_L}" x2="{PAD_L + plot_w}" y1="{y0:.1f}" y2="{y0:.1f}" '
                'stroke="#999" stroke-dasharray="3 3"/>'
            )
        offset = 0 if side == "left" else len(left)
        for k, values in enumerate(group):
            colour = PALETTE[(offset + k) % len(PALETTE)]

            def ypos(v: float, low: float = low, high: float = high) -> float:
                return PAD_T + plot_h * (1 - (v - low) / (high - low))

            if spec.kind == "column" and side == "left":
                width = plot_w / n / max(len(left), 1) * 0.8
                for i, v in enumerate(values):
                    if v is None:
                        continue
                    x = PAD_L + plot_w * i / n + width * k
                    top, base = ypos(max(v, 0.0)), ypos(min(v, 0.0))
                    parts.append(
                        f'<rect x="{x:.1f}" y="{top:.1f}" width="{width:.1f}" '
                        f'height="{base - top:.1f}" fill="{colour}"/>'
                    )
            else:
                points = " ".join(
                    f"{PAD_L + plot_w * (i + 0.5) / n:.1f},{ypos(v):.1f}"
                    for i, v in enumerate(values)
                    if v is not None
                )
                parts.append(
                    f'<polyline points="{points}" fill="none" stroke="{colour}" '
                    'stroke-width="1.5"/>'
                )
    for i in range(n) if every else sorted({0, n // 2, n - 1}):
        if i < len(labels):
            x, y = PAD_L + plot_w * (i + 0.5) / n, SVG_H - PAD_B + 12
            turn = f' transform="rotate(-20 {x:.1f} {y})"' if every else ""
            parts.append(
                f'<text x="{x:.1f}" y="{y}" font-size="9" '
                f'text-anchor="{"end" if every else "middle"}"{turn}>{escape(labels[i])}</text>'
            )
    for k, name in enumerate(names):
        header = grid.cells[3][placed.col_of(name)].value
        x, y = PAD_L + 180 * (k % 3), SVG_H - 14 + 14 * (k // 3) + drop
        parts.append(
            f'<rect x="{x}" y="{y}" width="10" height="10" '
            f'fill="{PALETTE[k % len(PALETTE)]}"/>'
            f'<text x="{x + 14}" y="{y + 9}" font-size="10">{escape(str(header))}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def render_page(grids: Sequence[SheetGrid], current: str | None, link: str = "?tab=") -> str:
    """The dashboard page showing tab ``current`` (the first tab when None or unknown).

    Args:
        grids: Every stored tab, in display order.
        current: Title of the tab to show.
        link: Prefix of tab links (the tab title is appended, URL-escaped).
    """
    from urllib.parse import quote

    tab = next((g for g in grids if g.tab == current), grids[0] if grids else None)
    nav = "".join(
        f'<a href="{escape(link + quote(g.tab))}"{" class=on" if g is tab else ""}>'
        f"{escape(g.tab)}</a>"
        for g in grids
    )
    if tab is None:
        body = "<p>No dashboard yet: run <code>gbess refresh --all</code>.</p>"
    else:
        notes = tab.cells[1][0].value if tab.n_rows > 1 else None
        tables = "".join(_table(tab, i) for i in range(len(tab.blocks)))
        charts = "".join(f"<figure>{chart_svg(tab, p)}</figure>" for p in tab.charts)
        body = (
            f'<p class="stamp">{escape(stamp_text(tab.tab, tab.data_as_of))}</p>'
            + (f'<p class="notes">{escape(str(notes))}</p>' if notes else "")
            + f'<div class="charts">{charts}</div><div class="tables">{tables}</div>'
        )
    title = escape(tab.tab if tab else "gbess dashboard")
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{title} · gbess</title><style>{CSS}</style></head>"
        f"<body><header><nav>{nav}</nav></header><main>{body}</main></body></html>"
    )
