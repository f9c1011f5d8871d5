"""What a visitor does in the catalog, in a real browser, with and without JavaScript."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_live_search_then_keyboard_opens_a_title(page):
    page.goto("/")
    page.locator("#nav-q").press_sequentially("bebo", delay=30)
    suggestions = page.locator("#search-suggestions a.suggestion")
    expect(suggestions.first).to_contain_text("Cowboy Bebop")
    page.locator("#nav-q").press("ArrowDown")  # a combobox: focus stays in the input
    expect(page.locator("#nav-q")).to_be_focused()
    expect(page.locator("#nav-q")).to_have_attribute("aria-activedescendant", "search-option-1")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/titles/\d+-cowboy-bebop$"))
    expect(page.locator("h1")).to_contain_text("Cowboy Bebop")


def test_live_search_click_and_accent_folding(page):
    page.goto("/")
    page.locator("#nav-q").press_sequentially("pokemon", delay=20)
    page.locator("#search-suggestions a.suggestion", has_text="Pokémon").click()
    expect(page.locator("h1")).to_contain_text("Pokémon")


def test_enter_in_the_search_box_opens_the_results_page(page):
    page.goto("/")
    page.locator("#nav-q").fill("anime show")
    page.locator("#nav-q").press("Enter")
    expect(page).to_have_url(re.compile(r"/search\?q=anime\+show"))
    expect(page.locator("#search-results .card")).to_have_count(14)


def test_filter_change_updates_the_url_and_back_restores_it(page):
    page.goto("/anime")
    expect(page.locator("#results .card").first).to_contain_text("Cowboy Bebop")
    page.select_option("#genre", "romance")
    expect(page).to_have_url(re.compile(r"/anime\?.*genre=romance"))
    expect(page.locator("#results .card").first).to_contain_text("Anime Show 01")
    page.select_option("#sort", "title")
    expect(page).to_have_url(re.compile(r"sort=title"))
    page.go_back()
    expect(page).to_have_url(re.compile(r"/anime\?(?!.*sort=title).*genre=romance"))
    expect(page.locator("#genre")).to_have_value("romance")
    page.go_back()
    expect(page).to_have_url(re.compile(r"/anime(\?through=\d+)?$"))  # the scroll's place (the grid is short at 1280 px)
    expect(page.locator("#results .card").first).to_contain_text("Cowboy Bebop")
    # the pushed URL opened directly gives the same full page
    page.goto("/anime?genre=romance")
    expect(page.locator("#results .card").first).to_contain_text("Anime Show 01")


def test_infinite_scroll_loads_the_next_pages(page):
    page.set_viewport_size({"width": 390, "height": 700})  # a phone: the sentinel starts below the fold
    page.goto("/anime")
    cards = page.locator("#results-grid .card")
    expect(cards).to_have_count(6)
    page.locator("#load-more").scroll_into_view_if_needed()
    expect(cards).to_have_count(12)
    page.locator("#load-more").scroll_into_view_if_needed()
    expect(cards).to_have_count(16)
    expect(page.locator("#load-more")).to_have_count(0)


def test_without_javascript_search_filters_and_pages_work(nojs_page):
    page = nojs_page
    page.goto("/")
    page.locator("#nav-q").fill("bebop")
    page.locator(".nav-search button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/search\?q=bebop"))
    page.locator("#search-results a.card-link").first.click()
    expect(page.locator("h1")).to_contain_text("Cowboy Bebop")

    page.goto("/anime")
    page.select_option("#genre", "action")
    page.locator("form.filters button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"genre=action"))
    expect(page.locator("#results .card")).to_have_count(6)
    page.locator("a[rel=next]").click()
    expect(page).to_have_url(re.compile(r"page=2"))
    expect(page.locator("#results .card")).to_have_count(2)
    expect(page.locator("#load-more")).to_have_count(0)
