"""Server-rendered SVG charts: bars, a histogram, a line with its area, a calendar heatmap.

No JavaScript and no build step. Each chart is an `<svg role="img">` with a `<title>` and `<desc>`
named by `aria-labelledby`, scales with its `viewBox` (width 100%), and draws with CSS classes
(`chart-bar`, `chart-area`, `heat-0`..`heat-4`) that app.css colours from the theme's custom
properties, so it reads in light and dark themes alike. Its rows feed the data table that the
page shows beside it (`templates/stats/_chart.html`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from markupsafe import Markup, escape

SVG_NS = "http://www.w3.org/2000/svg"
HEAT_LEVELS = 4
WEEKDAY_LABELS = {0: "Mon", 2: "Wed", 4: "Fri"}


@dataclass(frozen=True)
class Chart:
    """An SVG chart and the table of the same numbers (label and value columns)."""

    id: str
    title: str
    desc: str
    svg: Markup
    columns: tuple[str, str]
    rows: list[tuple[str, str]]


def _num(value: float) -> str:
    """A coordinate: short, and never `-0.0`."""
    text = f"{value:.1f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _svg(chart_id: str, title: str, desc: str, width: int, height: int, kind: str, body: list[str]) -> Markup:
    head = (
        f'<svg xmlns="{SVG_NS}" class="chart chart-{kind}" viewBox="0 0 {width} {height}" width="100%" '
        f'preserveAspectRatio="xMinYMin meet" role="img" aria-labelledby="{chart_id}-title {chart_id}-desc" '
        f'focusable="false"><title id="{chart_id}-title">{escape(title)}</title>'
        f'<desc id="{chart_id}-desc">{escape(desc)}</desc>'
    )
    return Markup(head + "".join(body) + "</svg>")


def _text(x: float, y: float, text: str, cls: str = "chart-label", anchor: str = "start") -> str:
    return f'<text x="{_num(x)}" y="{_num(y)}" class="{cls}" text-anchor="{anchor}">{escape(text)}</text>'


def _short(label: str, limit: int = 20) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"


def nice_ceiling(value: float) -> float:
    """The smallest 1, 2 or 5 times a power of ten at or above `value` (an axis maximum)."""
    if value <= 0:
        return 1
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 5, 10):
        if value <= step * power:
            return step * power
    return 10 * power  # pragma: no cover - the loop always returns


def axis_steps(ceiling: float) -> int:
    """Gridline intervals that land on round values: 2 → 4 × 0.5, 1 or 5 → 5 × 0.2 or 1."""
    mantissa = round(ceiling / 10 ** math.floor(math.log10(ceiling)))
    return 4 if mantissa == 2 else 5


def bar_chart(
    chart_id: str,
    title: str,
    desc: str,
    items: Sequence[tuple[str, float]],
    *,
    value_label: str = "Count",
    fmt: Callable[[float], str] = lambda v: f"{v:g}",
) -> Chart:
    """Horizontal bars, one per item, longest first as given; labels on the left, values at the ends."""
    width, label_w, value_w, row_h = 460, 150, 60, 26
    bar_area = width - label_w - value_w
    top = max((value for _, value in items), default=0)
    body: list[str] = []
    for i, (label, value) in enumerate(items):
        y = 4 + i * row_h
        length = bar_area * value / top if top else 0
        body.append(
            f'<g class="chart-row"><title>{escape(label)}: {escape(fmt(value))}</title>'
            + _text(label_w - 8, y + 16, _short(label), anchor="end")
            + f'<rect class="chart-bar" x="{label_w}" y="{y + 3}" width="{_num(max(length, 1 if value else 0))}" '
            f'height="{row_h - 8}" rx="3"/>'
            + _text(label_w + length + 6, y + 16, fmt(value), cls="chart-value")
            + "</g>"
        )
    height = max(8 + len(items) * row_h, 30)
    rows = [(label, fmt(value)) for label, value in items]
    return Chart(
        chart_id,
        title,
        desc,
        _svg(chart_id, title, desc, width, height, "bars", body),
        ("Name", value_label),
        rows,
    )


def histogram(
    chart_id: str,
    title: str,
    desc: str,
    buckets: Sequence[tuple[str, int]],
    *,
    value_label: str = "Titles",
    bucket_label: str = "Score",
) -> Chart:
    """Vertical bars over ordered buckets (a score distribution), counts above the bars."""
    width, height, left, bottom, top_pad = 460, 220, 8, 28, 20
    plot_h = height - bottom - top_pad
    n = max(len(buckets), 1)
    slot = (width - 2 * left) / n
    top = max((count for _, count in buckets), default=0)
    body = [
        f'<line class="chart-axis" x1="{left}" y1="{height - bottom}" x2="{width - left}" y2="{height - bottom}"/>'
    ]
    for i, (label, count) in enumerate(buckets):
        bar_h = plot_h * count / top if top else 0
        x = left + i * slot
        y = height - bottom - bar_h
        body.append(
            f'<g class="chart-row"><title>{escape(bucket_label)} {escape(label)}: {count}</title>'
            f'<rect class="chart-bar" x="{_num(x + slot * 0.12)}" y="{_num(y)}" width="{_num(slot * 0.76)}" '
            f'height="{_num(bar_h)}" rx="2"/>'
            + (_text(x + slot / 2, y - 5, str(count), cls="chart-value", anchor="middle") if count else "")
            + _text(x + slot / 2, height - bottom + 18, label, anchor="middle")
            + "</g>"
        )
    rows = [(label, str(count)) for label, count in buckets]
    return Chart(
        chart_id,
        title,
        desc,
        _svg(chart_id, title, desc, width, height, "histogram", body),
        (bucket_label, value_label),
        rows,
    )


def area_chart(
    chart_id: str,
    title: str,
    desc: str,
    points: Sequence[tuple[str, float]],
    *,
    value_label: str = "Hours",
    fmt: Callable[[float], str] = lambda v: f"{v:g}",
    width: int = 640,
) -> Chart:
    """A line over ordered points (months) with the area under it shaded and a value axis."""
    height, left, right, bottom, top_pad = max(width // 3, 200), 48, 24, 28, 14
    plot_w, plot_h = width - left - right, height - bottom - top_pad
    ceiling = nice_ceiling(max((value for _, value in points), default=0))
    step = plot_w / (len(points) - 1) if len(points) > 1 else 0
    base_y = top_pad + plot_h

    def at(i: int, value: float) -> tuple[float, float]:
        x = left + (i * step if len(points) > 1 else plot_w / 2)
        return x, base_y - plot_h * value / ceiling

    body: list[str] = []
    steps = axis_steps(ceiling)
    for k in range(steps + 1):  # gridlines and the value axis
        value = ceiling * k / steps
        y = base_y - plot_h * k / steps
        body.append(
            f'<line class="chart-gridline" x1="{left}" y1="{_num(y)}" x2="{width - right}" y2="{_num(y)}"/>'
        )
        body.append(_text(left - 6, y + 4, fmt(value), anchor="end"))
    coords = [at(i, value) for i, (_, value) in enumerate(points)]
    if coords:
        line = " ".join(f"{_num(x)},{_num(y)}" for x, y in coords)
        area = f"{_num(coords[0][0])},{_num(base_y)} {line} {_num(coords[-1][0])},{_num(base_y)}"
        body.append(f'<polygon class="chart-area" points="{area}"/>')
        body.append(f'<polyline class="chart-line" points="{line}"/>')
    every = max(1, math.ceil(len(points) * 80 / plot_w))  # a label needs about 80 units
    for i, ((label, value), (x, y)) in enumerate(zip(points, coords, strict=True)):
        body.append(
            f'<circle class="chart-point" cx="{_num(x)}" cy="{_num(y)}" r="3">'
            f"<title>{escape(label)}: {escape(fmt(value))}</title></circle>"
        )
        if i % every == 0 or i == len(points) - 1:
            body.append(_text(x, height - 8, label, anchor="middle"))
    rows = [(label, fmt(value)) for label, value in points]
    return Chart(
        chart_id,
        title,
        desc,
        _svg(chart_id, title, desc, width, height, "area", body),
        ("Month", value_label),
        rows,
    )


def heat_level(count: int, peak: int) -> int:
    """0 for an empty day, else 1..HEAT_LEVELS by the share of the busiest day's count."""
    if count <= 0 or peak <= 0:
        return 0
    return max(1, min(HEAT_LEVELS, math.ceil(HEAT_LEVELS * count / peak)))


def _month_labels(days: Sequence[tuple[date, int]], start: date) -> list[tuple[int, str]]:
    """(column, month name) over the week in which each month starts; names need three columns."""
    marks = [
        ((day - start).days // 7, day.strftime("%b"))
        for i, (day, _) in enumerate(days)
        if i == 0 or day.day == 1
    ]
    kept: list[tuple[int, str]] = []
    for i, (col, name) in enumerate(marks):
        following = marks[i + 1][0] if i + 1 < len(marks) else col + 3
        if following - col >= 3 and (not kept or col - kept[-1][0] >= 3):
            kept.append((col, name))
    return kept


def heatmap(
    chart_id: str, title: str, desc: str, days: Sequence[tuple[date, int]], *, value_label: str = "Actions"
) -> Chart:
    """A calendar of days (GitHub style): a column per week from Monday, a square per day."""
    cell, gap, left, top_pad = 11, 2, 30, 16
    pitch = cell + gap
    first = days[0][0] if days else date.today()
    start = first - timedelta(days=first.weekday())
    weeks = ((days[-1][0] - start).days // 7 + 1) if days else 1
    width, height = left + weeks * pitch, top_pad + 7 * pitch
    peak = max((count for _, count in days), default=0)
    body = [_text(2, top_pad + row * pitch + cell - 1, name) for row, name in WEEKDAY_LABELS.items()]
    body.extend(_text(left + col * pitch, 11, name) for col, name in _month_labels(days, start))
    for day, count in days:
        offset = (day - start).days
        col, row = offset // 7, offset % 7
        x, y = left + col * pitch, top_pad + row * pitch
        noun = value_label.lower() if count != 1 else value_label.lower().rstrip("s")
        body.append(
            f'<rect class="heat heat-{heat_level(count, peak)}" x="{x}" y="{y}" width="{cell}" height="{cell}" rx="2">'
            f"<title>{count} {escape(noun)} on {day.strftime('%-d %b %Y')}</title></rect>"
        )
    rows = [(day.isoformat(), str(count)) for day, count in days if count]
    return Chart(
        chart_id,
        title,
        desc,
        _svg(chart_id, title, desc, width, height, "heatmap", body),
        ("Day", value_label),
        rows,
    )
