"""Charts drawn on the server as SVG: horizontal bars, stacked bars, a line, and a map of the five
départements of the Pays de la Loire. No JavaScript.

Each chart is an image with a title and a description (``role="img"``, ``<title>``, ``<desc>``)
and always sits beside its data table. Colour is never the only cue: every bar and point carries
its value as text, the series of a stacked bar differ by pattern too, the map writes each
département's name and count. Hidden values (statistical secrecy) draw no bar and say « < 3 ».
"""

from __future__ import annotations

import math
from html import escape

from django.utils.safestring import SafeString, mark_safe

from coopess.reporting.tables import DisplayTable, format_number

WIDTH = 640
FONT = 'font-family="DejaVu Sans, Arial, sans-serif"'
INK = "#1e1e1e"
MUTED = "#555555"
GRID = "#d0d7d4"
# dark to light greens (contrast ≥ 3:1 against white for the two darkest)
FILLS = ["#00574b", "#4d8f7f", "#a9cfc4"]
MAP_FILLS = ["#eef2ef", "#bcd8cf", "#6fa898", "#2f7a68", "#00473d"]


def _t(text) -> str:
    return escape(str(text), quote=True)


def _wrap(label: str, width: int = 34, lines: int = 2) -> list[str]:
    words, out, line = label.split(), [], ""
    for word in words:
        if len(line) + len(word) + 1 > width and line:
            out.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    out.append(line)
    if len(out) > lines:
        out = out[:lines]
        out[-1] = out[-1][: width - 1].rstrip() + "…"
    return out


def _frame(chart_id: str, title: str, desc: str, height: int, body: str) -> SafeString:
    return mark_safe(  # noqa: S308 - every text is escaped above
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
        f'viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc">'
        f'<title id="{chart_id}-title">{_t(title)}</title>'
        f'<desc id="{chart_id}-desc">{_t(desc)}</desc>{body}</svg>'
    )


def _describe(table: DisplayTable, column: int = 0) -> str:
    parts = [f"{row.label} : {row.cells[column].text}" for row in table.rows if not row.is_total]
    return " ; ".join(parts) + "." if parts else "Aucune donnée pour ce périmètre."


def _patterns(chart_id: str) -> str:
    return (
        "<defs>"
        f'<pattern id="{chart_id}-p1" width="8" height="8" patternUnits="userSpaceOnUse" '
        f'patternTransform="rotate(45)"><rect width="8" height="8" fill="{FILLS[1]}"/>'
        f'<line x1="0" y1="0" x2="0" y2="8" stroke="#ffffff" stroke-width="3"/></pattern>'
        f'<pattern id="{chart_id}-p2" width="6" height="6" patternUnits="userSpaceOnUse">'
        f'<rect width="6" height="6" fill="{FILLS[2]}"/>'
        f'<circle cx="3" cy="3" r="1.3" fill="{INK}"/></pattern>'
        # a fourth series (follow-ups: on time, late, without answer, pending)
        f'<pattern id="{chart_id}-p3" width="8" height="8" patternUnits="userSpaceOnUse">'
        f'<rect width="8" height="8" fill="#ffffff"/>'
        f'<line x1="0" y1="4" x2="8" y2="4" stroke="{FILLS[0]}" stroke-width="2"/></pattern>'
        "</defs>"
    )


def _series_fill(chart_id: str, index: int) -> str:
    return FILLS[0] if index == 0 else f"url(#{chart_id}-p{min(index, 3)})"


def _empty(chart_id: str, title: str) -> SafeString:
    body = (
        f'<text x="{WIDTH / 2}" y="40" text-anchor="middle" {FONT} font-size="14" '
        f'fill="{MUTED}">Aucune donnée pour ce périmètre.</text>'
    )
    return _frame(chart_id, title, "Aucune donnée pour ce périmètre.", 70, body)


def bar_chart(table: DisplayTable, *, chart_id: str, title: str, column: int = 0) -> SafeString:
    rows = [row for row in table.rows if not row.is_total]
    if not rows:
        return _empty(chart_id, title)
    label_width, right, row_height, top = 250, 70, 38, 10
    values = [row.cells[column].value or 0 for row in rows]
    top_value = max([*values, 1])
    scale = (WIDTH - label_width - right) / top_value
    parts = []
    for index, row in enumerate(rows):
        y = top + index * row_height
        lines = _wrap(row.label)
        for n, line in enumerate(lines):
            dy = y + 21 if len(lines) == 1 else y + 15 + n * 14
            parts.append(
                f'<text x="{label_width - 8}" y="{dy}" text-anchor="end" {FONT} font-size="12" '
                f'fill="{INK}">{_t(line)}</text>'
            )
        cell = row.cells[column]
        width = 0 if cell.hidden else (cell.value or 0) * scale
        if width:
            parts.append(
                f'<rect x="{label_width}" y="{y + 6}" width="{width:.1f}" height="22" '
                f'fill="{FILLS[0]}"/>'
            )
        parts.append(
            f'<text x="{label_width + width + 6:.1f}" y="{y + 22}" {FONT} font-size="12" '
            f'font-weight="bold" fill="{INK}">{_t(cell.text)}</text>'
        )
    axis = (
        f'<line x1="{label_width}" y1="{top}" x2="{label_width}" '
        f'y2="{top + len(rows) * row_height}" stroke="{MUTED}"/>'
    )
    height = top * 2 + len(rows) * row_height
    return _frame(chart_id, title, _describe(table, column), height, axis + "".join(parts))


def stacked_bar_chart(table: DisplayTable, *, chart_id: str, title: str) -> SafeString:
    rows = [row for row in table.rows if not row.is_total]
    if not rows or not any(c.value for row in rows for c in row.cells):
        return _empty(chart_id, title)
    label_width, right, row_height, top, legend = 250, 60, 40, 10, 34
    totals = [sum((c.value or 0) for c in row.cells if not c.hidden) for row in rows]
    scale = (WIDTH - label_width - right) / max([*totals, 1])
    parts = [_patterns(chart_id)]
    # legend: swatch (colour and pattern) and name of each series
    x = label_width
    for index, column in enumerate(table.columns):
        parts.append(
            f'<rect x="{x}" y="{top}" width="16" height="16" fill="{_series_fill(chart_id, index)}" '
            f'stroke="{INK}" stroke-width="0.5"/>'
            f'<text x="{x + 22}" y="{top + 13}" {FONT} font-size="12" fill="{INK}">'
            f"{_t(column.label)}</text>"
        )
        x += 30 + 8 * len(column.label)
    for index, row in enumerate(rows):
        y = top + legend + index * row_height
        for n, line in enumerate(_wrap(row.label)):
            parts.append(
                f'<text x="{label_width - 8}" y="{y + 15 + n * 15}" text-anchor="end" {FONT} '
                f'font-size="12" fill="{INK}">{_t(line)}</text>'
            )
        x = label_width
        hidden = []
        for series, cell in enumerate(row.cells):
            if cell.hidden:
                hidden.append(f"{table.columns[series].label} {cell.text}")
                continue
            width = (cell.value or 0) * scale
            if not width:
                continue
            parts.append(
                f'<rect x="{x:.1f}" y="{y + 4}" width="{width:.1f}" height="24" '
                f'fill="{_series_fill(chart_id, series)}" stroke="#ffffff" stroke-width="1"/>'
            )
            if width >= 26:
                colour = "#ffffff" if series == 0 else INK
                backdrop = (
                    ""
                    if series == 0
                    else f'<rect x="{x + width / 2 - 11:.1f}" y="{y + 9}" width="22" height="14" '
                    f'fill="#ffffff"/>'
                )
                parts.append(
                    f'{backdrop}<text x="{x + width / 2:.1f}" y="{y + 20}" text-anchor="middle" '
                    f'{FONT} font-size="11" font-weight="bold" fill="{colour}">{_t(cell.text)}</text>'
                )
            x += width
        suffix = f" ({', '.join(hidden)})" if hidden else ""
        parts.append(
            f'<text x="{x + 6:.1f}" y="{y + 21}" {FONT} font-size="12" fill="{INK}">'
            f"{_t('= ' + _sum_text(row) + suffix)}</text>"
        )
    height = top * 2 + legend + len(rows) * row_height
    description = " ; ".join(
        f"{row.label} : "
        + ", ".join(
            f"{c.label} {cell.text}" for c, cell in zip(table.columns, row.cells, strict=True)
        )
        for row in rows
    )
    return _frame(chart_id, title, description + ".", height, "".join(parts))


def _sum_text(row) -> str:
    if any(c.hidden for c in row.cells):
        return "total masqué"
    return format_number(sum((c.value or 0) for c in row.cells))


SHORT_MONTHS = ["janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.",
                "oct.", "nov.", "déc."]  # fmt: skip


def _axis_label(row) -> tuple[str, str]:
    """« avr. » over « 2025 » for a month row (key YYYY-MM), else the label's first words."""
    year, _, month = row.key.partition("-")
    if year.isdigit() and month.isdigit():
        return SHORT_MONTHS[int(month) - 1], year
    words = row.label.split()
    return words[0], " ".join(words[1:2])


def _nice_step(raw: float) -> int:
    """The smallest of 1, 2, 5, 10, 20, 50… that is at least ``raw``."""
    magnitude = 1
    while True:
        for factor in (1, 2, 5):
            if factor * magnitude >= raw:
                return factor * magnitude
        magnitude *= 10


def line_chart(table: DisplayTable, *, chart_id: str, title: str, column: int = 0) -> SafeString:
    rows = [row for row in table.rows if not row.is_total]
    if not rows:
        return _empty(chart_id, title)
    left, right, top, bottom, height = 50, 20, 24, 56, 280
    plot_w, plot_h = WIDTH - left - right, height - top - bottom
    values = [row.cells[column].value or 0 for row in rows]
    step = _nice_step(max([*values, 1]) / 4)
    ceiling = step * 4
    parts = []
    for tick in range(5):
        value = ceiling * tick / 4
        y = top + plot_h - plot_h * tick / 4
        parts.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{WIDTH - right}" y2="{y:.1f}" stroke="{GRID}"/>'
            f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" {FONT} font-size="11" '
            f'fill="{MUTED}">{format_number(value)}</text>'
        )
    count = len(rows)
    dx = plot_w / max(count - 1, 1)
    every = max(1, math.ceil(count / 12))
    points = []
    for index, row in enumerate(rows):
        x = left + (dx * index if count > 1 else plot_w / 2)
        cell = row.cells[column]
        if index % every == 0 or index == count - 1:
            first, second = _axis_label(row)
            parts.append(
                f'<text x="{x:.1f}" y="{top + plot_h + 18}" text-anchor="middle" {FONT} '
                f'font-size="11" fill="{INK}">{_t(first)}</text>'
                f'<text x="{x:.1f}" y="{top + plot_h + 32}" text-anchor="middle" {FONT} '
                f'font-size="11" fill="{MUTED}">{_t(second)}</text>'
            )
        if cell.hidden:
            points.append(None)
            parts.append(
                f'<text x="{x:.1f}" y="{top + plot_h - 6}" text-anchor="middle" {FONT} '
                f'font-size="10" fill="{INK}">{_t(cell.text)}</text>'
            )
            continue
        y = top + plot_h - plot_h * (cell.value or 0) / ceiling
        points.append((x, y))
        parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="{FILLS[0]}"/>')
        if count <= 24:
            parts.append(
                f'<text x="{x:.1f}" y="{y - 9:.1f}" text-anchor="middle" {FONT} font-size="11" '
                f'font-weight="bold" fill="{INK}">{_t(cell.text)}</text>'
            )
    segments, current = [], []
    for point in points:
        if point is None:
            if len(current) > 1:
                segments.append(current)
            current = []
        else:
            current.append(point)
    if len(current) > 1:
        segments.append(current)
    lines = "".join(
        '<polyline fill="none" stroke="{}" stroke-width="2" points="{}"/>'.format(
            FILLS[0], " ".join(f"{x:.1f},{y:.1f}" for x, y in segment)
        )
        for segment in segments
    )
    axis = (
        f'<line x1="{left}" y1="{top + plot_h}" x2="{WIDTH - right}" y2="{top + plot_h}" '
        f'stroke="{MUTED}"/>'
    )
    return _frame(chart_id, title, _describe(table, column), height, axis + lines + "".join(parts))


# Simplified outlines (longitude, latitude) of the five départements, sharing their borders.
_P1, _P2, _P4 = (-0.35, 47.78), (-1.2, 47.8), (-1.2, 47.05)
DEPARTEMENT_SHAPES: dict[str, list[tuple[float, float]]] = {
    "53": [(-1.07, 48.55), (-0.55, 48.57), (-0.05, 48.45), (-0.2, 48.1), _P1, (-0.6, 47.72),
           (-0.95, 47.75), _P2, (-1.25, 48.1), (-1.2, 48.4)],
    "72": [(-0.05, 48.45), (0.35, 48.48), (0.75, 48.3), (0.92, 48.05), (0.8, 47.75), (0.6, 47.6),
           (0.2, 47.58), (-0.1, 47.62), _P1, (-0.2, 48.1)],
    "49": [_P1, (-0.1, 47.62), (0.2, 47.58), (0.24, 47.3), (0.1, 47.1), (-0.1, 47.05),
           (-0.6, 47.0), (-0.95, 47.08), _P4, (-1.3, 47.2), (-1.0, 47.4), (-1.25, 47.55), _P2,
           (-0.95, 47.75), (-0.6, 47.72)],
    "44": [(-2.1, 47.75), (-1.6, 47.83), _P2, (-1.25, 47.55), (-1.0, 47.4), (-1.3, 47.2), _P4,
           (-1.6, 46.95), (-1.95, 46.88), (-2.15, 46.95), (-2.0, 47.1), (-2.15, 47.25),
           (-2.55, 47.3), (-2.45, 47.5)],
    "85": [(-1.95, 46.88), (-1.6, 46.95), _P4, (-0.95, 47.08), (-0.6, 47.0), (-0.55, 46.6),
           (-0.7, 46.35), (-1.1, 46.3), (-1.55, 46.4), (-1.85, 46.55), (-2.1, 46.8)],
}  # fmt: skip
LABEL_AT = {"53": (-0.68, 48.18), "72": (0.3, 48.0), "49": (-0.45, 47.35), "44": (-1.78, 47.42),
            "85": (-1.2, 46.7)}  # fmt: skip


def _project(lon: float, lat: float) -> tuple[float, float]:
    return 40 + (lon + 2.6) * 110 * 0.68 * 1.6, 20 + (48.6 - lat) * 110 * 1.6 / 1.1


def map_chart(table: DisplayTable, *, chart_id: str, title: str, column: int = 0) -> SafeString:
    by_code = {row.key: row for row in table.rows}
    values = [
        by_code[code].cells[column].value or 0
        for code in DEPARTEMENT_SHAPES
        if code in by_code and not by_code[code].cells[column].hidden
    ]
    top_value = max([*values, 1])
    parts = []
    for code, outline in DEPARTEMENT_SHAPES.items():
        row = by_code.get(code)
        cell = row.cells[column] if row else None
        if cell is None or cell.hidden or not cell.value:
            shade = 0
        else:
            shade = 1 + min(3, math.floor(4 * cell.value / (top_value + 1)))
        points = " ".join("{:.1f},{:.1f}".format(*_project(lon, lat)) for lon, lat in outline)
        parts.append(
            f'<polygon points="{points}" fill="{MAP_FILLS[shade]}" stroke="{INK}" '
            f'stroke-width="1.2"/>'
        )
    for code in DEPARTEMENT_SHAPES:
        row = by_code.get(code)
        x, y = _project(*LABEL_AT[code])
        name = row.label.rsplit(" (", 1)[0] if row else code
        text = row.cells[column].text if row else "—"
        parts.append(
            f'<rect x="{x - 62:.1f}" y="{y - 15:.1f}" width="124" height="34" rx="3" '
            f'fill="#ffffff" fill-opacity="0.9" stroke="{MUTED}" stroke-width="0.5"/>'
            f'<text x="{x:.1f}" y="{y - 1:.1f}" text-anchor="middle" {FONT} font-size="11" '
            f'fill="{INK}">{_t(name)} ({code})</text>'
            f'<text x="{x:.1f}" y="{y + 14:.1f}" text-anchor="middle" {FONT} font-size="12" '
            f'font-weight="bold" fill="{INK}">{_t(text)}</text>'
        )
    # legend: darker means more, and the numbers are written on the map anyway
    parts.append(
        f'<text x="470" y="340" {FONT} font-size="11" fill="{INK}">Plus foncé : plus de</text>'
        f'<text x="470" y="354" {FONT} font-size="11" fill="{INK}">structures</text>'
    )
    for index, fill in enumerate(MAP_FILLS):
        parts.append(
            f'<rect x="{470 + index * 22}" y="362" width="20" height="12" fill="{fill}" '
            f'stroke="{INK}" stroke-width="0.5"/>'
        )
    return _frame(chart_id, title, _describe(table, column), 410, "".join(parts))


def draw(kind: str | None, table: DisplayTable, *, chart_id: str, title: str, column: int = 0):
    if kind == "bar":
        return bar_chart(table, chart_id=chart_id, title=title, column=column)
    if kind == "stacked":
        return stacked_bar_chart(table, chart_id=chart_id, title=title)
    if kind == "line":
        return line_chart(table, chart_id=chart_id, title=title, column=column)
    if kind == "map":
        return map_chart(table, chart_id=chart_id, title=title, column=column)
    return None
