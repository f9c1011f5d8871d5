"""SVG charts: valid XML, accessible names, one mark per value, theme colours only, empty data."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import date, timedelta

import pytest

from mymovielist.services import charts

NS = {"svg": charts.SVG_NS}


def parse(chart: charts.Chart) -> ET.Element:
    root = ET.fromstring(str(chart.svg))
    assert root.tag == f"{{{charts.SVG_NS}}}svg"
    return root


def assert_accessible(root: ET.Element, chart: charts.Chart) -> None:
    assert root.get("role") == "img" and root.get("width") == "100%"
    assert re.fullmatch(r"0 0 \d+ \d+", root.get("viewBox"))
    title, desc = root.find("svg:title", NS), root.find("svg:desc", NS)
    assert title is not None and title.text == chart.title
    assert desc is not None and desc.text == chart.desc
    assert root.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"


def assert_theme_colours_only(chart: charts.Chart) -> None:
    """No colour is written into the SVG: classes take theirs from app.css, in light and dark themes."""
    svg = str(chart.svg)
    assert "fill=" not in svg and "stroke=" not in svg and "#" not in svg.replace(charts.SVG_NS, "")


def bars(root: ET.Element) -> list[ET.Element]:
    return root.findall(".//svg:rect[@class='chart-bar']", NS)


def test_bar_chart_has_one_bar_per_item_scaled_to_the_longest():
    chart = charts.bar_chart(
        "g",
        "Top genres",
        "Genres by titles.",
        [("Drama", 4), ("Crime", 2), ("Action", 1)],
        value_label="Titles",
    )
    root = parse(chart)
    assert_accessible(root, chart)
    assert_theme_colours_only(chart)
    widths = [float(rect.get("width")) for rect in bars(root)]
    assert (
        len(widths) == 3
        and widths[0] / widths[1] == pytest.approx(2)
        and widths[0] / widths[2] == pytest.approx(4)
    )
    assert chart.rows == [("Drama", "4"), ("Crime", "2"), ("Action", "1")]
    assert chart.columns == ("Name", "Titles")
    # every bar names itself for a pointer hover and screen readers that walk the graphic
    assert [g.find("svg:title", NS).text for g in root.findall("svg:g", NS)] == [
        "Drama: 4",
        "Crime: 2",
        "Action: 1",
    ]


def test_labels_are_escaped_and_long_ones_shortened():
    name = "<script>alert(1)</script> & a very long studio name"
    chart = charts.bar_chart("s", "Studios & <more>", "Desc", [(name, 1)])
    root = parse(chart)  # would raise on unescaped markup
    assert root.find("svg:title", NS).text == "Studios & <more>"
    label = root.find(".//svg:text", NS).text
    assert label.endswith("…") and len(label) == 20
    assert root.find(".//svg:g/svg:title", NS).text == f"{name}: 1"
    assert "<script>" not in str(chart.svg)


@pytest.mark.parametrize(
    "maker",
    [
        lambda: charts.bar_chart("a", "T", "D", []),
        lambda: charts.histogram("b", "T", "D", []),
        lambda: charts.histogram("c", "T", "D", [("1", 0), ("2", 0)]),
        lambda: charts.area_chart("d", "T", "D", []),
        lambda: charts.area_chart("e", "T", "D", [("Jan", 0)]),
        lambda: charts.heatmap("f", "T", "D", []),
        lambda: charts.heatmap("g", "T", "D", [(date(2026, 1, 1), 0)]),
    ],
)
def test_empty_or_all_zero_data_still_makes_a_valid_chart(maker):
    chart = maker()
    root = parse(chart)
    assert_accessible(root, chart)
    assert all(float(rect.get("height")) == 0 for rect in bars(root))


def test_histogram_heights_are_proportional_and_counts_are_printed():
    chart = charts.histogram(
        "h", "Scores", "Distribution.", [("8", 2), ("9", 1), ("10", 0)], bucket_label="Score"
    )
    root = parse(chart)
    assert_accessible(root, chart)
    assert_theme_colours_only(chart)
    heights = [float(rect.get("height")) for rect in bars(root)]
    assert len(heights) == 3 and heights[0] == pytest.approx(2 * heights[1]) and heights[2] == 0
    values = [t.text for t in root.findall(".//svg:text[@class='chart-value']", NS)]
    assert values == ["2", "1"]  # an empty bucket prints no count
    assert chart.rows == [("8", "2"), ("9", "1"), ("10", "0")] and chart.columns == ("Score", "Titles")


def test_area_chart_draws_a_point_per_month_and_a_round_axis():
    points = [("Jan", 0.0), ("Feb", 1.5), ("Mar", 3.0)]
    chart = charts.area_chart("t", "Hours", "Hours by month.", points, fmt=lambda v: f"{v:g}")
    root = parse(chart)
    assert_accessible(root, chart)
    assert_theme_colours_only(chart)
    assert len(root.findall(".//svg:circle", NS)) == 3
    line = root.find(".//svg:polyline", NS).get("points").split()
    assert len(line) == 3
    ys = [float(pair.split(",")[1]) for pair in line]
    assert ys[0] > ys[1] > ys[2]  # higher values are drawn higher up
    axis = [t.text for t in root.findall(".//svg:text", NS)][:6]
    assert axis == ["0", "1", "2", "3", "4", "5"]  # ceiling 5 in five steps
    assert chart.rows == [("Jan", "0"), ("Feb", "1.5"), ("Mar", "3")]


def test_heatmap_has_a_square_per_day_with_levels_by_share_of_the_busiest_day():
    start = date(2025, 11, 26)
    counts = {0: 8, 1: 1, 2: 4, 364: 2}
    days = [(start + timedelta(days=n), counts.get(n, 0)) for n in range(365)]
    chart = charts.heatmap("a", "Activity", "Per day.", days)
    root = parse(chart)
    assert_accessible(root, chart)
    assert_theme_colours_only(chart)
    squares = root.findall(".//svg:rect", NS)
    assert len(squares) == 365
    levels = [int(rect.get("class").split("heat-")[1]) for rect in squares]
    assert (levels[0], levels[1], levels[2], levels[364]) == (4, 1, 2, 1) and sum(levels) == 8
    assert squares[0].find("svg:title", NS).text == "8 actions on 26 Nov 2025"
    assert squares[1].find("svg:title", NS).text == "1 action on 27 Nov 2025"
    # the table lists the active days only
    assert chart.rows == [("2025-11-26", "8"), ("2025-11-27", "1"), ("2025-11-28", "4"), ("2026-11-25", "2")]
    months = [t.text for t in root.findall("svg:text", NS) if t.text not in ("Mon", "Wed", "Fri")]
    assert months[0] == "Dec" and months[-1] == "Nov" and len(months) == 12  # late November has no room


def test_heatmap_weeks_start_on_monday():
    monday = date(2026, 11, 23)
    chart = charts.heatmap("w", "T", "D", [(monday + timedelta(days=n), 1) for n in range(7)])
    ys = [rect.get("y") for rect in parse(chart).findall(".//svg:rect", NS)]
    xs = {rect.get("x") for rect in parse(chart).findall(".//svg:rect", NS)}
    assert len(xs) == 1 and ys == sorted(ys, key=float)


@pytest.mark.parametrize(
    ("value", "ceiling", "steps"),
    [
        (0, 1, 5),
        (0.3, 0.5, 5),
        (1, 1, 5),
        (1.2, 2, 4),
        (3, 5, 5),
        (7, 10, 5),
        (10.6, 20, 4),
        (260, 500, 5),
    ],
)
def test_axis_ceiling_is_one_two_or_five_times_a_power_of_ten(value, ceiling, steps):
    assert charts.nice_ceiling(value) == pytest.approx(ceiling)
    assert charts.axis_steps(charts.nice_ceiling(value)) == steps


@pytest.mark.parametrize(
    ("count", "peak", "level"),
    [
        (0, 0, 0),
        (0, 5, 0),
        (1, 100, 1),
        (25, 100, 1),
        (26, 100, 2),
        (50, 100, 2),
        (75, 100, 3),
        (99, 100, 4),
        (100, 100, 4),
    ],
)
def test_heat_levels(count, peak, level):
    assert charts.heat_level(count, peak) == level
