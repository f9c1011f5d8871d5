"""In a real browser: the stats pages draw their SVG charts; failing htmx requests explain themselves."""

from __future__ import annotations

import re
from datetime import date

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def _open(page, name: str) -> None:
    page.goto(f"/search?q={name.replace(' ', '+')}")
    page.locator("#search-results a", has_text=name).first.click()
    expect(page.locator("h1")).to_contain_text(name)


def test_stats_page_draws_its_charts_after_rating_and_watching(page, sign_up):
    username = sign_up(page, "statsfan")
    _open(page, "Anime Show 09")
    page.locator("#rating-widget .score-choices label").filter(has_text=re.compile(r"^8$")).click()
    expect(page.locator("#toasts")).to_contain_text("Rated and added to your list.")
    for n in (1, 2):
        page.get_by_role("button", name=re.compile(r"\+1")).click()
        expect(page.locator("#entry-panel")).to_contain_text(f"Progress: {n} episodes")

    page.goto(f"/users/{username}")
    page.click("text=Stats and year in review")
    expect(page.locator("h1")).to_have_text("Your stats")
    charts = page.locator("svg.chart[role=img]")
    expect(charts).to_have_count(
        5
    )  # status, scores, hours, calendar, genres; the seed has no studios or people
    expect(page.locator("#studio-chart-caption").locator("xpath=..")).to_contain_text("No anime studios yet.")
    for i in range(5):
        svg = charts.nth(i)
        names = svg.get_attribute("aria-labelledby").split()
        assert [svg.locator(f"#{name}").count() for name in names] == [1, 1]
        assert svg.bounding_box()["width"] > 200  # drawn and scaled, not collapsed
    score_chart = page.locator("#score-chart-title").locator("xpath=..")
    heights = [
        float(h)
        for h in score_chart.locator("rect.chart-bar").evaluate_all(
            "els => els.map(e => e.getAttribute('height'))"
        )
    ]
    assert len(heights) == 11 and heights[8] > 0 and sum(1 for h in heights if h) == 1
    assert (
        page.locator("#activity-chart-title").locator("xpath=..").locator("rect.heat:not(.heat-0)").count()
        >= 1
    )
    # the bars take the theme's accent colour, not black or nothing
    fill = score_chart.locator("rect.chart-bar").nth(8).evaluate("e => getComputedStyle(e).fill")
    assert fill not in ("", "none", "rgb(0, 0, 0)")
    # the data table is folded away until asked for
    table = page.locator("#score-chart-caption").locator("xpath=..").locator("table")
    expect(table).to_be_hidden()
    page.locator("#score-chart-caption").locator("xpath=..").locator("summary").click()
    expect(table).to_be_visible()
    expect(table.locator("tbody tr").nth(8)).to_have_text(re.compile(r"8\s*1"))

    page.click(f"text={date.today().year}")
    expect(page.locator("#year-review h1")).to_contain_text(f"{date.today().year} in review")
    expect(page.locator("#year-review svg.chart")).to_have_count(2)


def test_a_failing_htmx_request_shows_an_error_toast_and_the_request_bar(page, console_errors):
    # the failures this test provokes: live search answering 500, then unreachable
    # (the live search asks as the letters come: "bebop" typed, then "pokemon" after it)
    console_errors.expect_status(500, r"/search\?q=(b|be|beb|bebo|bebop)")
    console_errors.expect_unreachable(r"/search\?q=bebop(p|po|pok|poke|pokem|pokemo|pokemon)")
    page.goto("/")
    page.route(re.compile(r".*/search\?.*"), lambda route: route.fulfill(status=500, body=""))
    page.locator("#nav-q").press_sequentially("bebop")
    expect(page.locator("#toasts .toast-error").first).to_contain_text(
        "Something went wrong on our side (500)"
    )
    expect(page.locator("#toasts .toast-error").first).to_have_attribute("role", "alert")
    expect(page.locator("html.htmx-busy")).to_have_count(0)  # the bar is gone once the request ended

    page.unroute(re.compile(r".*/search\?.*"))
    page.route(re.compile(r".*/search\?.*"), lambda route: route.abort("internetdisconnected"))
    page.locator("#nav-q").press_sequentially("pokemon")
    expect(page.locator("#toasts")).to_contain_text("Cannot reach the server")


def test_the_request_bar_shows_while_a_request_is_in_flight(page):
    page.goto("/")
    held, released = [], []

    def answer(route):
        route.fulfill(status=200, body="<p>done</p>", headers={"Content-Type": "text/html"})

    # Hold the live search's requests until the bar has been seen; later ones (htmx queues the last
    # keystroke's request behind the one in flight) are answered at once.
    page.route(re.compile(r".*/search\?.*"), lambda route: answer(route) if released else held.append(route))
    page.locator("#nav-q").press_sequentially("cowboy")
    expect(page.locator("html.htmx-busy")).to_have_count(1)
    expect(page.locator("#page-progress")).to_have_css("opacity", "1")
    expect(page.locator("#search-suggestions")).to_have_attribute("aria-busy", "true")
    released.append(True)
    for route in held:
        answer(route)
    expect(page.locator("html.htmx-busy")).to_have_count(0)
    expect(page.locator("#search-suggestions")).not_to_have_attribute("aria-busy", "true")
    expect(page.locator("#search-suggestions")).to_have_text("done")
