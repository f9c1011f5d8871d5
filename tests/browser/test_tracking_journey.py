"""Tracking in a real browser: sign up, rate inline, toggle the watchlist, +1; then the same without JavaScript."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def _open(page, name: str) -> None:
    page.goto(f"/search?q={name.replace(' ', '+')}")
    page.locator("#search-results a", has_text=name).first.click()
    expect(page.locator("h1")).to_contain_text(name)


def _score_label(page, text: str):
    return page.locator("#rating-widget .score-choices label").filter(has_text=re.compile(rf"^{re.escape(text)}$"))


def test_rate_watchlist_and_progress_with_htmx(page, sign_up):
    sign_up(page, "tracker")
    count = page.locator("#watchlist-count .count")
    expect(count).to_have_text("0")

    _open(page, "Anime Show 03")
    expect(page.locator("#our-score")).to_contain_text("Not rated yet")
    _score_label(page, "8").click()
    expect(page.locator("#our-score")).to_contain_text("8.0/10")
    expect(page.locator("#our-score")).to_contain_text("(1 rating")
    expect(page.locator("#toasts")).to_contain_text("Rated and added to your list.")
    expect(page.locator("#entry-status-" + page.url.split("/titles/")[1].split("-")[0])).to_have_value("planned")
    expect(count).to_have_text("1")  # a series rated is planned until progress is logged
    # keyboard: the focused radio group moves with the arrow keys; Enter saves the choice
    page.locator("#rating-widget input:checked").focus()
    page.keyboard.press("ArrowRight")
    expect(page.locator("#rating-widget .unsaved-hint")).to_contain_text("Not saved yet")
    page.keyboard.press("Enter")
    expect(page.locator("#our-score")).to_contain_text("8.5/10")
    expect(page.locator("#rating-widget input:checked")).to_have_value("8.5")
    expect(page.locator("#rating-widget input:checked")).to_be_focused()

    _open(page, "Anime Show 04")
    page.get_by_role("button", name=re.compile("Add to watchlist")).click()
    expect(count).to_have_text("2")
    expect(page.locator("#toasts")).to_contain_text("Added to your watchlist.")
    page.get_by_role("button", name=re.compile("On your watchlist")).click()
    expect(count).to_have_text("1")

    _open(page, "Anime Show 06")
    plus = page.get_by_role("button", name=re.compile(r"\+1"))
    plus.click()
    expect(page.locator("#entry-panel")).to_contain_text("Progress: 1 episodes")
    page.get_by_role("button", name=re.compile(r"\+1")).click()
    expect(page.locator("#entry-panel")).to_contain_text("Progress: 2 episodes")
    expect(page.locator(".watch-log .events li")).to_have_count(2)
    expect(page.locator("#toasts")).to_contain_text("Episode 2 logged.")


def test_the_same_journey_without_javascript(nojs_page, sign_up):
    page = nojs_page
    username = sign_up(page, "plain")
    expect(page.locator("#watchlist-count .count")).to_have_text("0")

    _open(page, "Anime Show 07")
    _score_label(page, "6.5").click()
    page.locator("#rating-widget button[type=submit]").click()
    expect(page.locator(".flashes")).to_contain_text("Rated and added to your list.")
    expect(page.locator("#our-score")).to_contain_text("6.5/10")
    expect(page.locator("#rating-widget input:checked")).to_have_value("6.5")

    _open(page, "Anime Show 08")
    page.get_by_role("button", name=re.compile("Add to watchlist")).click()
    expect(page.locator(".flashes")).to_contain_text("Added to your watchlist.")
    expect(page.locator("#watchlist-count .count")).to_have_text("2")  # with the series rated above

    _open(page, "Anime Show 09")
    page.get_by_role("button", name=re.compile(r"\+1")).click()
    expect(page.locator(".flashes")).to_contain_text("Episode 1 logged.")
    expect(page.locator("#entry-panel")).to_contain_text("Progress: 1 episodes")

    page.goto(f"/users/{username}/list")
    rows = page.locator(".entry-row .entry-title")
    expect(rows).to_have_count(3)
    row = page.locator(".entry-row", has_text="Anime Show 09")
    row.get_by_role("link", name=re.compile("Edit")).click()  # without JavaScript: the entry's own page
    expect(page).to_have_url(re.compile(r"/titles/\d+/entry$"))
    page.locator("#progress").fill("4")
    page.get_by_role("button", name="Save entry").click()
    expect(page.locator(".flashes")).to_contain_text("Your entry is saved.")
    page.goto(f"/users/{username}/list")
    saved = page.locator(".entry-row", has_text="Anime Show 09")
    expect(saved.locator(".col-progress")).to_contain_text(re.compile(r"^4\b"))
    expect(saved.locator(".col-status")).to_have_text("Watching")
