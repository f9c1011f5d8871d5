"""Discovery in a real browser: lazily loaded home sections, similar titles when revealed, and no-JS links."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.browser


def test_visitor_home_loads_its_sections(page):
    page.goto("/")
    trending = page.locator("#shelf-trending .card")
    trending.first.wait_for()
    assert "Cowboy Bebop" in trending.first.inner_text()  # the most popular title leads before the job runs
    page.locator("#shelf-top").wait_for(state="attached")
    page.locator("#shelf-new .card").first.wait_for()
    assert page.locator(".lazy-shelf").count() == 0  # every placeholder was swapped for its shelf


def test_detail_page_shows_similar_titles_when_scrolled_to(page):
    page.goto("/")
    page.locator("#shelf-trending .card-link", has_text="Cowboy Bebop").click()
    page.wait_for_url(re.compile(r".*/titles/\d+-cowboy-bebop$"))
    page.locator("#similar-heading").scroll_into_view_if_needed()
    similar = page.locator("#similar-shelf .reason-card")
    similar.first.wait_for()
    assert "Anime Show" in similar.first.inner_text() and "Shares genres" in similar.first.inner_text()


def test_signed_in_home_recommends_and_explains(page, sign_up):
    sign_up(page, "discoverer")
    page.goto("/")
    picks = page.locator("#shelf-recommendations .reason-card")
    picks.first.wait_for()
    assert "Popular right now" in picks.first.inner_text()
    page.locator("#shelf-continue").wait_for(state="attached")


def test_without_javascript_each_section_is_a_page(nojs_page):
    nojs_page.goto("/")
    nojs_page.get_by_role("link", name="Open trending this week").click()
    nojs_page.wait_for_url(re.compile(r".*/trending$"))
    assert nojs_page.locator("h1").inner_text() == "Trending"
    assert nojs_page.locator(".card").count() >= 1
    nojs_page.select_option("#kind", "movie")
    nojs_page.get_by_role("button", name="Show").click()
    nojs_page.wait_for_url(re.compile(r".*/trending\?kind=movie.*"))
    assert "Before Sunrise" in nojs_page.locator("#trending-results").inner_text()
