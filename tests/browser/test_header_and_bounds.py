"""Issue 18.2 and 18.3 at 1280, 390 and 320 px: one header bar with a menu, and pages of bounded height."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from playwright.sync_api import expect

from mymovielist.extensions import db
from mymovielist.sync.records import CreditRecord, EpisodeRecord, ExternalRef, PersonRecord, TitleRecord
from mymovielist.sync.service import store_record
from mymovielist.sync.upsert import CatalogWriter

pytestmark = pytest.mark.browser

SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
WIDTHS = {1280: 800, 390: 844, 320: 640}  # 320 CSS px: 1280 at 400 % zoom (WCAG 1.4.10)


def shoot(page, name: str, width: int, full_page: bool = False) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}-{width}.png"), full_page=full_page)


def header_height(page) -> float:
    return page.evaluate("document.querySelector('.site-header').getBoundingClientRect().height")


def assert_no_horizontal_scroll(page) -> None:
    scroll, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert scroll <= inner, f"the page scrolls sideways: {scroll} > {inner}"


def page_height(page) -> int:
    return page.evaluate("document.documentElement.scrollHeight")


@pytest.fixture(scope="module")
def long_title(live_app) -> int:
    """A title as long as Cowboy Bebop's real page: 60 cast, 40 crew with 3 jobs each, 26 episodes."""
    credits = [CreditRecord(PersonRecord(f"Actor {n}", ExternalRef("t", "person", f"a{n}")), "cast", character=f"Role {n}", order=n)
               for n in range(60)]
    credits += [CreditRecord(PersonRecord(f"Crew {n}", ExternalRef("t", "person", f"c{n}")), "crew", job=job, order=n)
                for n in range(40) for job in ("Director", "Storyboard", "Episode Director")]
    episodes = [EpisodeRecord(number=n, name=f"Session {n}", air_date=date(1998, 4, 3)) for n in range(1, 27)]
    with live_app.app_context():
        # through the sync service, which also moves the catalog cache on
        result = store_record(TitleRecord(
            kind="movie", title="Credits Galore", refs=[ExternalRef("t", "movie", "galore")], popularity=0.0,
            credits=credits, episodes=episodes), CatalogWriter(source="demo"))
        db.session.commit()
        return result.title.id


@pytest.mark.parametrize("width", list(WIDTHS))
def test_the_header_is_one_bar_with_a_keyboard_menu_and_no_sideways_scroll(page, sign_up, width):
    sign_up(page, "header")
    page.set_viewport_size({"width": width, "height": WIDTHS[width]})
    page.goto("/anime")
    assert header_height(page) < 70, header_height(page)
    assert_no_horizontal_scroll(page)
    position = page.evaluate("getComputedStyle(document.querySelector('.site-header')).position")
    assert position == ("sticky" if width > 640 else "static")  # a phone keeps its screen for the page
    shoot(page, "header-signed-in", width)

    menu = page.locator("details.nav-menu")
    log_out = page.locator(".nav-account").get_by_role("button", name="Log out")
    expect(log_out).to_be_hidden()
    page.locator("details.nav-menu > summary").focus()
    page.keyboard.press("Enter")
    expect(menu).to_have_attribute("open", "")
    expect(log_out).to_be_visible()
    expect(page.locator(".nav-menu-panel").get_by_role("link", name="Settings")).to_be_visible()
    # The kinds sit in the bar on a wide screen and in the menu on a narrow one: reachable either way.
    expect(page.get_by_role("link", name="Anime", exact=True)).to_be_visible()
    assert_no_horizontal_scroll(page)
    box = page.locator(".nav-menu-panel").bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= width
    shoot(page, "header-menu-open", width)

    page.keyboard.press("Tab")  # focus moves into the open menu, in reading order
    assert page.evaluate("document.activeElement.closest('.nav-menu-panel') !== null")
    page.keyboard.press("Escape")
    expect(menu).not_to_have_attribute("open", "")
    assert page.evaluate("document.activeElement.matches('details.nav-menu > summary')")
    page.keyboard.press(" ")  # Space opens it too
    expect(log_out).to_be_visible()
    page.locator("h1, main").first.click()  # a click outside closes it
    expect(log_out).to_be_hidden()

    page.locator("details.nav-menu > summary").click()
    log_out.click()
    expect(page.locator(".flash")).to_contain_text("You are logged out.")
    assert header_height(page) < 70
    assert_no_horizontal_scroll(page)
    sign_up_link = page.get_by_role("link", name="Sign up")
    if width > 640:  # a visitor sees Log in and Sign up in the bar, and no menu it would not need
        expect(sign_up_link).to_be_visible()
        expect(menu).to_be_hidden()  # 1280: the kinds are in the bar too, the menu would be empty
    else:
        expect(sign_up_link).to_be_hidden()
        page.locator("details.nav-menu > summary").click()
        expect(sign_up_link).to_be_visible()
    shoot(page, "header-visitor", width)


@pytest.mark.parametrize("width", [1280, 390])
def test_without_javascript_the_menu_opens_and_logs_out(nojs_page, sign_up, width):
    page = nojs_page
    page.set_viewport_size({"width": width, "height": WIDTHS[width]})
    sign_up(page, "nojsmenu")
    log_out = page.locator(".nav-account").get_by_role("button", name="Log out")
    expect(log_out).to_be_hidden()
    page.locator("details.nav-menu > summary").click()
    shoot(page, "header-nojs-menu", width)
    log_out.click()
    expect(page.locator(".flash")).to_contain_text("You are logged out.")


@pytest.mark.parametrize("width", [1280, 390])
def test_the_home_page_is_bounded_with_sideways_shelves_on_a_phone(page, width):
    page.set_viewport_size({"width": width, "height": WIDTHS[width]})
    page.goto("/")
    expect(page.locator(".lazy-shelf")).to_have_count(0)  # the lazy shelves have loaded
    assert_no_horizontal_scroll(page)
    shelf = page.locator(".shelf:has(#heading-popular-anime) .shelf-grid")
    cards = shelf.locator(".card")
    assert cards.count() >= 6  # the live app's PAGE_SIZE
    tops = {round(cards.nth(n).bounding_box()["y"]) for n in range(cards.count())}
    if width == 390:
        assert len(tops) == 1, "a phone shows each shelf as one row that scrolls sideways"
        assert shelf.evaluate("e => e.scrollWidth > e.clientWidth")
        assert page_height(page) < 4000, page_height(page)
    else:
        assert len(tops) <= 2
    shoot(page, "home", width, full_page=True)


@pytest.mark.parametrize("width", [1280, 390])
def test_a_title_with_many_credits_is_bounded_and_groups_its_crew(page, long_title, width):
    page.set_viewport_size({"width": width, "height": WIDTHS[width]})
    page.goto(f"/titles/{long_title}")
    assert_no_horizontal_scroll(page)
    crew = page.locator("section:has(#crew-heading)")
    expect(crew.get_by_role("link", name="Crew 0", exact=True)).to_have_count(1)
    expect(crew.locator("li").first).to_contain_text("Director, Storyboard, Episode Director")
    assert page_height(page) < 5000, page_height(page)
    shoot(page, "title-long", width, full_page=True)

    cast = page.locator("section:has(#cast-heading)")
    expect(cast.get_by_role("link", name="Actor 59")).to_be_hidden()
    cast.get_by_text("Show all 60 cast members").click()
    expect(cast.get_by_role("link", name="Actor 59")).to_be_visible()


def test_without_javascript_every_credit_is_reachable(nojs_page, long_title):
    nojs_page.goto(f"/titles/{long_title}")
    crew = nojs_page.locator("section:has(#crew-heading)")
    crew.get_by_text("Show all 40 crew members").click()
    expect(crew.get_by_role("link", name="Crew 39")).to_be_visible()
    nojs_page.locator("section:has(#episodes-heading)").get_by_text("Show all 26 episodes").click()
    expect(nojs_page.get_by_text("Session 26")).to_be_visible()


@pytest.mark.parametrize("width", [1280, 320])
def test_live_search_suggestions_fit_the_screen(page, width):
    page.set_viewport_size({"width": width, "height": WIDTHS[width]})
    page.goto("/")
    page.locator("#nav-q").press_sequentially("anime show", delay=20)
    suggestion = page.locator("#search-suggestions .suggestion").first
    expect(suggestion).to_be_visible()
    box = page.locator("#search-suggestions").bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= width and box["width"] >= min(width - 32, 200)
    assert_no_horizontal_scroll(page)
    shoot(page, "header-live-search", width)
