"""HTML sink: laid-out tabs as one self-contained page (tables + inline SVG charts, no CDN).

Rendered from the same :class:`~jobs.sheets.plan.SheetGrid` the workbook and Google Sheets
get. The page is plain HTML and CSS (no script), readable on a laptop and a phone: tables
scroll sideways inside their own box and SVG charts scale to the screen width.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from html import escape

from jobs.sheets.plan import Cell, PlacedChart, SheetGrid, stamp_text

PALETTE = ("#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b")
#: The chart's drawing units. The SVG scales to its box, so a narrow drawing with large type
#: keeps the text readable on a phone (390 px: a 358 px box draws 13 units as ~10 px).
SVG_W, PLOT_H, PAD_L, PAD_R_AXIS, PAD_R, PAD_T = 480, 220, 62, 50, 14, 28
CHAR_W = 0.6  # a character's width in em, to keep slanted category labels on the drawing
FONT_TICK, FONT_LABEL, FONT_TITLE = 13, 12, 13
LEGEND_ROW = 18

CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0;color:#222}
header{background:#123;color:#fff;padding:.6rem 1rem}
nav a{color:#cde;margin-right:1rem;text-decoration:none}nav a.on{color:#fff;font-weight:600}
main{padding:1rem}.stamp{font-weight:600}.notes{color:#555;font-size:.9rem}
.tables{display:flex;flex-wrap:wrap;gap:1.5rem}.table{max-width:100%;overflow-x:auto}
table{border-collapse:collapse;font-size:.85rem}th,td{padding:.2rem .5rem;border:1px solid #ddd}
th{background:#f3f5f7;position:sticky;top:0}td.n{text-align:right;font-variant-numeric:tabular-nums}
td.p{min-width:14rem;overflow-wrap:anywhere}
.charts{display:flex;flex-wrap:wrap;gap:1rem 2rem;margin-top:1rem}
figure{margin:0;flex:1 1 340px;max-width:600px}svg{width:100%;height:auto}
figcaption{font-weight:600;font-size:.95rem;margin-bottom:.25rem}
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
    if cell.pattern is None:  # a text column holding a number: a year prints as 2030
        return str(value) if isinstance(value, int) else f"{value:g}"
    if pattern.endswith("%"):
        return f"{value * 100:.1f}%"
    decimals = len(pattern.split(".")[1]) if "." in pattern else 0
    text = f"{value:,.{decimals}f}"
    return text[1:] if text.startswith("-") and not text.strip("-0.,") else text  # never "-0.0"


def _table(grid: SheetGrid, index: int) -> str:
    block = grid.blocks[index]
    cols = range(block.first_col, block.first_col + len(block.columns))
    head = "".join(f"<th>{escape(str(grid.cells[3][c].value))}</th>" for c in cols)
    body = []
    for r in range(4, 4 + block.n_data_rows):
        tds = []
        for c in cols:
            cell = grid.cells[r][c]
            cls = ' class="n"' if isinstance(cell.value, int | float) else _prose(cell.value)
            style = f' style="background:{cell.fill}"' if cell.fill else ""
            tds.append(f"<td{cls}{style}>{escape(format_value(cell))}</td>")
        body.append(f"<tr>{''.join(tds)}</tr>")
    return (
        f'<div class="table" data-table="{escape(block.name)}"><h3>{escape(block.title)}</h3>'
        f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table></div>"
    )


#: Text longer than this is prose (an assumption, a note) [characters].
PROSE_CHARS = 80


def _prose(value: object) -> str:
    """The class of a prose cell: it wraps at any character when it must (a long URL), so a
    table of sentences fits a phone's width instead of scrolling sideways."""
    return ' class="p"' if isinstance(value, str) and len(value) > PROSE_CHARS else ""


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


def nice_ticks(low: float, high: float, most: int = 6) -> list[float]:
    """Round-number ticks (1, 2, 2.5 or 5 × 10^k apart) covering ``low``..``high``."""
    if not (math.isfinite(low) and math.isfinite(high)) or high <= low:
        high = low + 1.0
    raw = (high - low) / max(most - 1, 1)
    power = 10.0 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1.0, 2.0, 2.5, 5.0, 10.0) if m * power >= raw)
    first = math.floor(low / step + 1e-9) * step
    ticks = [first]
    while ticks[-1] < high - 1e-9 * step:
        ticks.append(first + step * len(ticks))
    return [0.0 if abs(v) < step * 1e-9 else round(v, 10) for v in ticks]


def _tick_text(value: float, ticks: Sequence[float]) -> str:
    step = ticks[1] - ticks[0] if len(ticks) > 1 else 1.0
    decimals = 0 if step >= 1 else min(3, math.ceil(-math.log10(step) - 1e-9))
    text = f"{value:,.{decimals}f}"
    return text.replace("-", "−", 1) if value < 0 else text


def _axis(series: list[list[float | None]]) -> list[float]:
    values = [v for s in series for v in s if v is not None]
    low, high = (min(values), max(values)) if values else (0.0, 1.0)
    return nice_ticks(min(low, 0.0), high)


def _header(grid: SheetGrid, placed: PlacedChart, name: str) -> str:
    return str(grid.cells[3][placed.col_of(name)].value)


def _ticks_width(group: list[list[float | None]]) -> int:
    """Room for an axis's tick labels beside the plot [SVG units] (0 without values)."""
    if not group:
        return 0
    ticks = _axis(group)
    widest = max(len(_tick_text(value, ticks)) for value in ticks)
    return math.ceil(widest * CHAR_W * FONT_TICK) + 8


def chart_svg(grid: SheetGrid, placed: PlacedChart) -> str:
    """One chart as an inline SVG (line or column; ``y2`` lines on a right-hand axis), with
    round-number ticks, axis titles with units and a legend; the title is the figure's
    caption (see :func:`render_page`), so it wraps on a narrow screen."""
    spec = placed.chart
    labels = [
        format_value(grid.cells[r][placed.col_of(spec.x)])
        for r in range(4, 4 + placed.block.n_data_rows)
    ]
    left = [_numbers(grid, placed, y) for y in spec.y]
    right = [_numbers(grid, placed, y) for y in spec.y2]
    n = max(len(labels), 1)
    pad_r = PAD_R_AXIS if right else PAD_R
    every = spec.kind == "column" and n <= 16  # few categories: label each, slanted
    pad_l = PAD_L
    if every and labels:
        # The first slanted label runs down-left from its bar's middle: keep it on the page.
        reach = len(labels[0]) * CHAR_W * FONT_LABEL * math.cos(math.radians(35))
        pad_l = max(PAD_L, math.ceil(reach - (SVG_W - PAD_L - pad_r) / n / 2) + 4)
    # Each value axis is as wide as its widest tick label (£20,000,000 needs more than 0.5).
    pad_l = max(pad_l, _ticks_width(left))
    if right:
        pad_r = max(pad_r, _ticks_width(right))
    plot_w = SVG_W - pad_l - pad_r
    label_h = 64 if every else 22
    x_title_y = PAD_T + PLOT_H + label_h + 14
    names = (*spec.y, *spec.y2)
    legend_y = x_title_y + 12
    height = legend_y + LEGEND_ROW * len(names)
    parts = [
        f'<svg viewBox="0 0 {SVG_W} {height}" role="img" aria-label="{escape(spec.title)}" '
        f'data-chart="{escape(spec.title)}" xmlns="http://www.w3.org/2000/svg" '
        'font-family="system-ui,sans-serif">',
        f'<rect x="{pad_l}" y="{PAD_T}" width="{plot_w}" height="{PLOT_H}" '
        'fill="none" stroke="#ccc"/>',
    ]
    for side, group in (("left", left), ("right", right)):
        if not group:
            continue
        ticks = _axis(group)
        low, high = ticks[0], ticks[-1]
        x_txt = pad_l - 5 if side == "left" else SVG_W - pad_r + 5
        anchor = "end" if side == "left" else "start"
        for value in ticks:
            y = PAD_T + PLOT_H * (1 - (value - low) / (high - low))
            if side == "left":
                colour = "#999" if value == 0 else "#eee"
                parts.append(
                    f'<line x1="{pad_l}" x2="{pad_l + plot_w}" y1="{y:.1f}" y2="{y:.1f}" '
                    f'stroke="{colour}"/>'
                )
            parts.append(
                f'<text x="{x_txt}" y="{y + 4:.1f}" font-size="{FONT_TICK}" '
                f'text-anchor="{anchor}">{_tick_text(value, ticks)}</text>'
            )
        # The value axis's title sits above its axis, level, so it never meets the ticks.
        title = axis_title_text(grid, placed, spec.y if side == "left" else spec.y2)
        tx = 2 if side == "left" else SVG_W - 2
        parts.append(
            f'<text x="{tx}" y="{PAD_T - 10}" font-size="{FONT_TITLE}" '
            f'text-anchor="{"start" if side == "left" else "end"}">{escape(title)}</text>'
        )
        offset = 0 if side == "left" else len(left)
        for k, values in enumerate(group):
            colour = PALETTE[(offset + k) % len(PALETTE)]

            def ypos(v: float, low: float = low, high: float = high) -> float:
                return PAD_T + PLOT_H * (1 - (v - low) / (high - low))

            if spec.kind == "column" and side == "left":
                width = plot_w / n / max(len(left), 1) * 0.8
                for i, v in enumerate(values):
                    if v is None:
                        continue
                    x = pad_l + plot_w * i / n + plot_w / n * 0.1 + width * k
                    top, base = ypos(max(v, 0.0)), ypos(min(v, 0.0))
                    parts.append(
                        f'<rect x="{x:.1f}" y="{top:.1f}" width="{width:.1f}" '
                        f'height="{base - top:.1f}" fill="{colour}"/>'
                    )
            else:
                points = " ".join(
                    f"{pad_l + plot_w * (i + 0.5) / n:.1f},{ypos(v):.1f}"
                    for i, v in enumerate(values)
                    if v is not None
                )
                parts.append(
                    f'<polyline points="{points}" fill="none" stroke="{colour}" '
                    'stroke-width="1.5"/>'
                )
    shown = range(n) if every else sorted({0, n // 2, n - 1})
    for i in shown:
        if i < len(labels):
            x, y = pad_l + plot_w * (i + 0.5) / n, PAD_T + PLOT_H + 16
            turn = f' transform="rotate(-35 {x:.1f} {y})"' if every else ""
            edge = "start" if i == 0 else "end" if i == n - 1 else "middle"
            parts.append(
                f'<text x="{x:.1f}" y="{y}" font-size="{FONT_LABEL}" '
                f'text-anchor="{"end" if every else edge}"{turn}>{escape(labels[i])}</text>'
            )
    parts.append(
        f'<text x="{pad_l + plot_w / 2:.1f}" y="{x_title_y}" font-size="{FONT_TITLE}" '
        f'text-anchor="middle">{escape(_header(grid, placed, spec.x))}</text>'
    )
    for k, name in enumerate(names):
        y = legend_y + LEGEND_ROW * k
        parts.append(
            f'<rect x="{pad_l}" y="{y}" width="12" height="12" '
            f'fill="{PALETTE[k % len(PALETTE)]}"/>'
            f'<text x="{pad_l + 18}" y="{y + 11}" font-size="{FONT_TICK}">'
            f"{escape(_header(grid, placed, name))}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)


def axis_title_text(grid: SheetGrid, placed: PlacedChart, names: Sequence[str]) -> str:
    """A value axis's title: one series' header, or the unit its series share."""
    headers = [_header(grid, placed, name) for name in names]
    units = {h[h.rfind("[") + 1 : -1] for h in headers if h.endswith("]") and "[" in h}
    if len(headers) > 1 and len(units) == 1:
        return units.pop()
    return " / ".join(headers)


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
        charts = "".join(
            f"<figure><figcaption>{escape(p.chart.title)}</figcaption>{chart_svg(tab, p)}</figure>"
            for p in tab.charts
        )
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
