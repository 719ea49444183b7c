"""Charts of the county report drawn on the server as SVG: WeasyPrint runs no JavaScript, so
the page's ECharts cannot draw them. Small and hand-written: vertical bars for a breakdown,
lines for the monthly trends, horizontal bars for the ranking of sub-divisions.

A suppressed value is never drawn as zero: its bar or point is left out (a gap in a line) and
a ✱ marks the place. Labels come in translated by the caller; the few words drawn here are
translated too. The markup is escaped here, so callers may insert it into a page as is.
"""

import math
from collections.abc import Sequence

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from everychild.insights.queries import Cell

MARKER = "✱"
FONT = "NotoSC, sans-serif"  # the report's @font-face family
PALETTE = ("#2f6db5", "#d9822b", "#3a9d5d", "#c23b3b", "#7b5ea7", "#8c6d46", "#d46fa9")
INK, GRID, MUTED = "#222", "#ccc", "#8a5a00"
Items = Sequence[tuple[str, Cell]]


def nice_max(value: float) -> float:
    """The smallest 1, 2 or 5 times a power of ten at or above ``value`` (1 for nothing): the
    top of an axis with round ticks."""
    if value <= 0:
        return 1
    step = 10.0 ** math.floor(math.log10(value))
    top = next(step * f for f in (1, 2, 5, 10) if step * f >= value)
    return int(top) if top >= 1 else top


def number(value: float | int) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def _f(value: float) -> str:
    return f"{value:.1f}"


def _svg(width: int, height: int, title: str, body: list[SafeString]) -> SafeString:
    """The chart: every piece of ``body`` was built by format_html, so every label in it is
    escaped (a place name cannot inject markup)."""
    return format_html(
        '<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" '
        'viewBox="0 0 {w} {h}" role="img" aria-label="{title}" font-family="{font}" '
        'font-size="9" fill="{ink}"><title>{title}</title>{body}</svg>',
        w=width, h=height, title=title, font=FONT, ink=INK,
        body=format_html_join("", "{}", ((part,) for part in body)))


def _text(x: float, y: float, text: str, anchor: str = "middle", **attrs: str) -> SafeString:
    extra = format_html_join("", ' {}="{}"', ((name.rstrip("_").replace("_", "-"), value)
                                              for name, value in attrs.items()))
    return format_html('<text x="{}" y="{}" text-anchor="{}"{}>{}</text>', _f(x), _f(y),
                       anchor, extra, text)


def _marker(x: float, y: float, anchor: str = "middle", colour: str = MUTED) -> SafeString:
    return _text(x, y, MARKER, anchor, fill=colour, class_="suppressed")


def _rect(x: float, y: float, w: float, h: float, colour: str, tip: str) -> SafeString:
    return format_html('<rect x="{}" y="{}" width="{}" height="{}" fill="{}"><title>{}</title>'
                       "</rect>", _f(x), _f(y), _f(w), _f(h), colour, tip)


def _axis(left: float, right: float, top: float, bottom: float, top_value: float
          ) -> list[SafeString]:
    """The baseline, a gridline at the top and halfway, and their values."""
    parts = []
    for share in (0, 0.5, 1):
        y = bottom - share * (bottom - top)
        colour = INK if share == 0 else GRID
        parts.append(format_html('<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{}" '
                                 'stroke-width="0.5"/>', _f(left), _f(y), _f(right), _f(y),
                                 colour))
        parts.append(_text(left - 3, y + 3, number(top_value * share), "end", fill=MUTED))
    return parts


def bars(items: Items, title: str, width: int = 220, height: int = 140) -> SafeString:
    """Vertical bars, one per (label, cell), the value written above each bar."""
    left, right, top, bottom = 28, width - 4, 16, height - 18
    shown = [c.value for _l, c in items if not c.suppressed]
    top_value = nice_max(max(shown, default=0))
    slot = (right - left) / max(len(items), 1)
    body = [_text(width / 2, 10, title, font_weight="bold"), *_axis(left, right, top, bottom,
                                                                     top_value)]
    for i, (label, cell) in enumerate(items):
        centre = left + slot * (i + 0.5)
        body.append(_text(centre, height - 6, label))
        if cell.suppressed:
            body.append(_marker(centre, bottom - 3))
            continue
        h = (bottom - top) * cell.value / top_value
        body.append(_rect(centre - slot * 0.3, bottom - h, slot * 0.6, h, PALETTE[0],
                          f"{label}: {number(cell.value)}"))
        body.append(_text(centre, bottom - h - 2, number(cell.value)))
    return _svg(width, height, title, body)


def hbars(items: Items, title: str, width: int = 460, row: int = 14) -> SafeString:
    """Horizontal bars, one row per (label, cell), largest first as given."""
    label_width, top = 110, 18
    left, right = label_width + 4, width - 36
    height = top + row * len(items) + 4
    shown = [c.value for _l, c in items if not c.suppressed]
    top_value = nice_max(max(shown, default=0))
    body = [_text(width / 2, 10, title, font_weight="bold")]
    for i, (label, cell) in enumerate(items):
        y = top + row * i
        body.append(_text(label_width, y + row * 0.7, label, "end"))
        if cell.suppressed:
            body.append(_marker(left + 2, y + row * 0.7, "start"))
            continue
        w = (right - left) * cell.value / top_value
        body.append(_rect(left, y + 2, w, row - 4, PALETTE[0], f"{label}: {number(cell.value)}"))
        body.append(_text(left + w + 3, y + row * 0.7, number(cell.value), "start"))
    return _svg(width, height, title, body)


def lines(months: Sequence[str], series: Sequence[tuple[str, Sequence[Cell]]], title: str,
          width: int = 680, height: int = 210) -> SafeString:
    """One line per (label, cells by month); a suppressed month breaks the line, and a ✱ in the
    line's colour stands on the baseline at that month."""
    left, right, top, bottom = 32, width - 8, 16, height - 48
    shown = [c.value for _l, cells in series for c in cells if not c.suppressed]
    top_value = nice_max(max(shown, default=0))
    step = (right - left) / max(len(months) - 1, 1)
    body = [_text(width / 2, 10, title, font_weight="bold"), *_axis(left, right, top, bottom,
                                                                     top_value)]
    body += [_text(left + step * i, bottom + 11, month) for i, month in enumerate(months)]
    stacked = [0] * len(months)  # markers already standing at each month
    for n, (label, cells) in enumerate(series):
        colour = PALETTE[n % len(PALETTE)]
        body += _line(cells, colour, label, months, left, step, top, bottom, top_value, stacked)
        body += _legend(n, label, colour, left, bottom + 24, (right - left) / 4)
    if any(stacked):
        body.append(_text(right, height - 2, _("%(marker)s suppressed") % {"marker": MARKER},
                          "end", fill=MUTED))
    return _svg(width, height, title, body)


def _line(cells: Sequence[Cell], colour: str, label: str, months: Sequence[str], left: float,
          step: float, top: float, bottom: float, top_value: float, stacked: list[int]
          ) -> list[SafeString]:
    parts, run = [], []
    for i, cell in enumerate(cells):
        x = left + step * i
        if cell.suppressed:
            parts += _run(run, colour)
            run = []
            parts.append(_marker(x, bottom - 3 - 9 * stacked[i], colour=colour))
            stacked[i] += 1
            continue
        y = bottom - (bottom - top) * cell.value / top_value
        run.append((x, y))
        parts.append(format_html('<circle cx="{}" cy="{}" r="1.6" fill="{}"><title>{}</title>'
                                 "</circle>", _f(x), _f(y), colour,
                                 f"{label} {months[i]}: {number(cell.value)}"))
    return parts + _run(run, colour)


def _run(points: list[tuple[float, float]], colour: str) -> list[SafeString]:
    if len(points) < 2:
        return []
    coords = " ".join(f"{_f(x)},{_f(y)}" for x, y in points)
    return [format_html('<polyline points="{}" fill="none" stroke="{}" stroke-width="1.2"/>',
                        coords, colour)]


def _legend(n: int, label: str, colour: str, left: float, y: float, column: float
            ) -> list[SafeString]:
    x, y = left + column * (n % 4), y + 11 * (n // 4)
    return [format_html('<rect x="{}" y="{}" width="8" height="3" fill="{}"/>', _f(x), _f(y - 6),
                        colour), _text(x + 11, y - 3, label, "start")]
