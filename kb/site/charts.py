"""Charts drawn at build time as inline SVG: lines over a time axis to scale, and bars.

Takes plain numbers, dates and texts (every text is escaped here); gives a
:class:`~kb.site.kit.Diagram` holding a ``<figure>`` with one ``<svg>``, so
a page shows its charts with no script, no network and in any site engine.

Two promises the browser tests hold the charts to:

* **Dates to scale.** A point's x position is proportional to its date, so
  six months are wider than three weeks; the tick labels fall on round dates
  (days, months, years) chosen by the span, not one per point.
* **Readable on a phone.** The SVG has a natural size in pixels and is never
  scaled down: on a narrow screen its wrapper scrolls sideways instead, so
  its 12 px text stays 12 px.

Numbers are written with fixed precision, so the same KB gives the same
bytes. Every point carries a ``<title>`` with its value; the pages print the
values in a table under each chart as well.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Sequence

from kb.site.fmt import attr, esc
from kb.site.kit import Diagram

#: The natural width of a chart in CSS pixels (the content column of a desktop page holds it).
WIDTH = 720
FONT = 12
#: Rough width of one character at FONT px, for laying out labels without a text engine.
CHAR = 6.8
AXIS = "#424242"
GRID = "#e0e0e0"
MILESTONE = "#424242"
REVISION = "#6a1b9a"
#: Dash patterns, one per series in order, so the lines differ by more than colour.
DASHES = ("", "6 3", "2 3", "8 3 2 3", "1 2")

CSS = """\
.kb-chart { margin: 1em 0; }
.kb-chart .kb-chart-scroll { overflow-x: auto; max-width: 100%; }
.md-typeset .kb-chart svg, .kb-chart svg { max-width: none; height: auto; display: block; }
.kb-chart svg text { font-family: inherit; }
"""


@dataclass(frozen=True)
class Series:
    """One line: its legend label, colour and (date, value) points; ``step`` holds each value until the next date."""

    label: str
    colour: str
    points: tuple[tuple[dt.date, float], ...]
    step: bool = False


@dataclass(frozen=True)
class Marker:
    """A dated vertical line: a milestone (labelled above the plot) or a revision (marked on the axis)."""

    day: dt.date
    label: str
    kind: str = "milestone"  # milestone | revision


# --- colours ----------------------------------------------------------------------------


def _luminance(colour: str) -> float:
    rgb = [int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def contrast(colour: str, against: str = "#ffffff") -> float:
    a, b = sorted((_luminance(colour), _luminance(against)), reverse=True)
    return (a + 0.05) / (b + 0.05)


def on_white(colour: str, ratio: float = 3.0) -> str:
    """``colour``, darkened as little as needed to stand ``ratio``:1 against white (WCAG's 3:1 for graphics).

    The page palette also colours fills behind black text, where a light grey
    is right; a line of that grey on white would not be seen by everyone.
    """
    if len(colour) != 7 or not colour.startswith("#"):
        return colour
    rgb = [int(colour[i:i + 2], 16) for i in (1, 3, 5)]
    shade = colour.lower()
    while contrast(shade) < ratio and any(rgb):
        rgb = [max(0, c - 4) for c in rgb]
        shade = "#" + "".join(f"{c:02x}" for c in rgb)
    return shade


# --- scales and ticks -------------------------------------------------------------------


def _f(v: float) -> str:
    """A coordinate with fixed precision (deterministic output; no '-0.0')."""
    text = f"{v:.1f}"
    return "0.0" if text == "-0.0" else text


def _add_months(day: dt.date, months: int) -> dt.date:
    total = day.year * 12 + day.month - 1 + months
    return dt.date(total // 12, total % 12 + 1, 1)


def date_ticks(start: dt.date, end: dt.date, most: int) -> list[tuple[dt.date, str]]:
    """Round dates between start and end, at most ``most`` of them, each with its label.

    Tries steps from a day up to a century and takes the first that fits:
    days and weeks are labelled 2024-03-05, months 2024-03, years 2024.
    """
    span = (end - start).days
    for unit, n in (("day", 1), ("day", 2), ("day", 7), ("day", 14), ("month", 1), ("month", 2),
                    ("month", 3), ("month", 6), ("year", 1), ("year", 2), ("year", 5), ("year", 10),
                    ("year", 20), ("year", 50), ("year", 100)):
        if unit == "day":
            if span / n + 1 > most:
                continue
            first = start.toordinal() + (-start.toordinal()) % n
            days = [dt.date.fromordinal(o) for o in range(first, end.toordinal() + 1, n)]
            return [(d, d.isoformat()) for d in days]
        months = n * (12 if unit == "year" else 1)
        if span / 30.44 / months > most:
            continue
        day = dt.date(start.year, start.month, 1)
        if day < start:
            day = _add_months(day, 1)
        while (day.year * 12 + day.month - 1) % months:
            day = _add_months(day, 1)
        out = []
        while day <= end:
            out.append((day, str(day.year) if unit == "year" else f"{day.year}-{day.month:02d}"))
            day = _add_months(day, months)
        if len(out) <= most:
            return out
    return [(start, start.isoformat()), (end, end.isoformat())]


def value_ticks(low: float, high: float, most: int = 6) -> list[float]:
    """Round values from low to high (steps of 1, 2 or 5 times a power of ten)."""
    if high <= low:
        return [low]
    raw = (high - low) / max(1, most - 1)
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw - 1e-12)
    first = math.ceil(low / step - 1e-9)
    return [round(k * step, 10) for k in range(first, math.floor(high / step + 1e-9) + 1)]


def _label(v: float) -> str:
    return f"{round(v, 6):g}"


def _truncate(text: str, chars: int) -> str:
    return text if len(text) <= chars else text[: max(1, chars - 1)].rstrip() + "…"


# --- pieces of SVG ----------------------------------------------------------------------


def _text(x: float, y: float, text: str, anchor: str = "start", fill: str = "#212121") -> str:
    return (f'<text x="{_f(x)}" y="{_f(y)}" font-size="{FONT}" text-anchor="{anchor}" fill="{fill}">'
            f"{esc(text)}</text>")


def _legend(items: Sequence[tuple[str, str, str]], y: float, left: float, right: float) -> tuple[list[str], float]:
    """(colour, dash, label) swatches in rows from ``y``; returns the SVG and the y below them."""
    parts, x = [], left
    for colour, dash, label in items:
        text = _truncate(label, 40)
        need = 30 + len(text) * CHAR + 18
        if x + need > right and x > left:
            x, y = left, y + 20
        dashed = f' stroke-dasharray="{dash}"' if dash else ""
        parts.append(f'<line x1="{_f(x)}" y1="{_f(y - 4)}" x2="{_f(x + 24)}" y2="{_f(y - 4)}" stroke="{attr(colour)}"'
                     f' stroke-width="2.5"{dashed}/>')
        parts.append(_text(x + 30, y, text))
        x += need
    return parts, y + 12


def _figure(svg: str, label: str, width: float, height: float) -> Diagram:
    # role=img with a name; the values themselves are in each point's <title> and the table below
    return Diagram(
        f'<figure class="kb-diagram kb-chart"><div class="kb-chart-scroll">'
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{_f(width)}" height="{_f(height)}"'
        f' viewBox="0 0 {_f(width)} {_f(height)}" role="img" aria-label="{attr(label)}">'
        f"<title>{esc(label)}</title>{svg}</svg></div></figure>"
    )


# --- the time chart ---------------------------------------------------------------------


def time_chart(series: Sequence[Series], title: str, y_title: str, *,
               y_range: tuple[float, float] | None = None, markers: Sequence[Marker] = (),
               marker_words: tuple[str, str] = ("milestone", "revision"), width: int = WIDTH) -> Diagram | None:
    """Lines over dates to scale, with milestone and revision markers and a legend.

    ``marker_words`` name the two kinds of marker in the legend (interface words).
    """
    days = [d for s in series for d, _ in s.points] + [m.day for m in markers]
    if not days:
        return None
    start, end = min(days), max(days)
    if start == end:  # one day: give it room either side, so it sits in the middle
        start, end = start - dt.timedelta(days=15), end + dt.timedelta(days=15)
    values = [v for s in series for _, v in s.points]
    low, high = y_range if y_range else (min(0.0, *values), max(1.0, *values))
    if high <= low:
        high = low + 1
    ticks_y = value_ticks(low, high)
    if not y_range:
        high = max(high, ticks_y[-1])

    left = 14 + CHAR * max(len(_label(t)) for t in ticks_y)
    right = width - 16
    # milestone labels above the plot, in as many rows as they need not to overlap
    rows: list[float] = []
    placed = []
    span = (end - start).days

    def x_of(day: dt.date) -> float:
        return left + (day - start).days / span * (right - left)

    for m in sorted((m for m in markers if m.kind == "milestone"), key=lambda m: (m.day, m.label)):
        text = _truncate(m.label, 28)
        x = x_of(m.day)
        w = len(text) * CHAR
        x0 = min(max(x - w / 2, 0.0), width - w)
        row = next((i for i, edge in enumerate(rows) if edge + 8 <= x0), None)
        if row is None:
            rows.append(0.0)
            row = len(rows) - 1
        rows[row] = x0 + w
        placed.append((m, text, x0 + w / 2, row))
    band = 34  # the first row of milestone labels, below the axis title
    top = band + 16 * len(rows) + 6
    bottom = top + 200
    parts = [_text(4, 14, y_title, fill="#424242")]

    def y_of(v: float) -> float:
        return bottom - (v - low) / (high - low) * (bottom - top)

    for t in ticks_y:
        y = y_of(t)
        parts.append(f'<line x1="{_f(left)}" y1="{_f(y)}" x2="{_f(right)}" y2="{_f(y)}" stroke="{GRID}"/>')
        parts.append(_text(left - 6, y + 4, _label(t), anchor="end"))
    parts.append(f'<line x1="{_f(left)}" y1="{_f(bottom)}" x2="{_f(right)}" y2="{_f(bottom)}" stroke="{AXIS}"/>')
    parts.append(f'<line x1="{_f(left)}" y1="{_f(top)}" x2="{_f(left)}" y2="{_f(bottom)}" stroke="{AXIS}"/>')
    most = max(2, int((right - left) // (CHAR * 10 + 14)))
    for day, label in date_ticks(start, end, most):
        x = x_of(day)
        parts.append(f'<line class="kb-tick" data-date="{day.isoformat()}" x1="{_f(x)}" y1="{_f(bottom)}"'
                     f' x2="{_f(x)}" y2="{_f(bottom + 5)}" stroke="{AXIS}"/>')
        half = len(label) * CHAR / 2  # a label at either end stays inside the drawing
        anchor = "start" if x - half < 0 else "end" if x + half > width else "middle"
        parts.append(_text(x, bottom + 18, label, anchor=anchor))
    for m, text, centre, row in placed:
        x = x_of(m.day)
        parts.append(f'<g class="kb-milestone" data-date="{m.day.isoformat()}">'
                     f'<title>{esc(m.label)} ({m.day.isoformat()})</title>'
                     f'<line x1="{_f(x)}" y1="{_f(band + 16 * row + 4)}" x2="{_f(x)}" y2="{_f(bottom)}"'
                     f' stroke="{MILESTONE}" stroke-dasharray="4 3"/>'
                     + _text(centre, band + 16 * row, text, anchor="middle", fill=MILESTONE) + "</g>")
    for m in sorted((m for m in markers if m.kind == "revision"), key=lambda m: (m.day, m.label)):
        x = x_of(m.day)
        parts.append(f'<g class="kb-revision" data-date="{m.day.isoformat()}">'
                     f'<title>{esc(m.label)} ({m.day.isoformat()})</title>'
                     f'<line x1="{_f(x)}" y1="{_f(top)}" x2="{_f(x)}" y2="{_f(bottom)}" stroke="{REVISION}"'
                     f' stroke-dasharray="1 3" stroke-width="1.5"/>'
                     f'<path d="M{_f(x)} {_f(bottom - 9)} L{_f(x + 5)} {_f(bottom - 2)} L{_f(x)} {_f(bottom + 5)}'
                     f' L{_f(x - 5)} {_f(bottom - 2)} Z" fill="{REVISION}"/></g>')
    legend = []
    for i, s in enumerate(series):
        colour, dash = on_white(s.colour), DASHES[i % len(DASHES)]
        legend.append((colour, dash, s.label))
        pts = sorted(s.points)
        if not pts:
            continue
        path = [f"M{_f(x_of(pts[0][0]))} {_f(y_of(pts[0][1]))}"]
        for (_, before), (day, v) in zip(pts, pts[1:]):
            if s.step:
                path.append(f"L{_f(x_of(day))} {_f(y_of(before))}")
            path.append(f"L{_f(x_of(day))} {_f(y_of(v))}")
        dashed = f' stroke-dasharray="{dash}"' if dash else ""
        parts.append(f'<g class="kb-series" data-label="{attr(s.label)}">'
                     f'<path d="{" ".join(path)}" fill="none" stroke="{colour}" stroke-width="2.5"{dashed}/>')
        for day, v in pts:
            parts.append(f'<circle class="kb-point" data-date="{day.isoformat()}" data-value="{v:.4f}"'
                         f' cx="{_f(x_of(day))}" cy="{_f(y_of(v))}" r="3.5" fill="{colour}">'
                         f"<title>{day.isoformat()}: {esc(s.label)} {_label(round(v, 3))}</title></circle>")
        parts.append("</g>")
    kinds = {m.kind for m in markers}
    if "milestone" in kinds:
        legend.append((MILESTONE, "4 3", marker_words[0]))
    if "revision" in kinds:
        legend.append((REVISION, "1 3", marker_words[1]))
    keys, height = _legend(legend, bottom + 44, left, right)
    return _figure("".join(parts + keys), title, width, height + 6)


# --- the bar chart ----------------------------------------------------------------------


def bar_chart(groups: Sequence[tuple[str, Sequence[tuple[int, float, str]]]], kinds: Sequence[tuple[str, str]],
              title: str, x_range: tuple[float, float] | None = None, width: int = WIDTH) -> Diagram | None:
    """Horizontal bars by category, one per kind a category has (the categories run down the left).

    ``groups`` are (label, [(kind index, value, the bar's title)]); ``kinds`` are (label, colour).
    """
    values = [v for _, bars in groups for _, v, _ in bars]
    if not values:
        return None
    low, high = x_range if x_range else (min(0.0, *values), max(values) or 1.0)
    ticks = value_ticks(low, high)
    if not x_range:
        high = max(high, ticks[-1])
    names = [_truncate(label, 34) for label, _ in groups]
    left = 12 + CHAR * max(len(n) for n in names)
    right = width - 16 - CHAR * 6  # room for the value at the end of the longest bar

    def x_of(v: float) -> float:
        return left + (v - low) / (high - low) * (right - left)

    parts, y = [], 10.0
    for name, (_, bars) in zip(names, groups):
        block = 20 * len(bars)
        parts.append(_text(left - 8, y + block / 2 + 4, name, anchor="end"))
        for kind, v, point in bars:
            colour = on_white(kinds[kind][1])
            x0, x1 = sorted((x_of(max(low, 0.0) if low < 0 <= high else low), x_of(v)))
            parts.append(f'<rect class="kb-bar-mark" data-value="{v:.4f}" x="{_f(x0)}" y="{_f(y + 2)}"'
                         f' width="{_f(max(x1 - x0, 1.0))}" height="16" fill="{colour}">'
                         f"<title>{esc(point)}</title></rect>")
            parts.append(_text(x1 + 4, y + 14, f"{v:.2f}"))
            y += 20
        y += 8
    bottom = y
    for t in ticks:
        x = x_of(t)
        parts.append(f'<line x1="{_f(x)}" y1="6" x2="{_f(x)}" y2="{_f(bottom)}" stroke="{GRID}"/>')
        parts.append(_text(x, bottom + 16, _label(t), anchor="middle"))
    parts.insert(0, f'<line x1="{_f(left)}" y1="6" x2="{_f(left)}" y2="{_f(bottom)}" stroke="{AXIS}"/>')
    # the grid goes under the bars: SVG paints in order
    grid = [p for p in parts if p.startswith("<line")]
    rest = [p for p in parts if not p.startswith("<line")]
    keys, height = _legend([(on_white(c), "", label) for label, c in kinds], bottom + 40, left, right)
    keys = [k.replace('stroke-width="2.5"', 'stroke-width="10"') for k in keys]
    return _figure("".join(grid + rest + keys), title, width, height + 6)
