"""Issue 18.11 in a real browser at desktop and phone widths: a title page's Open Graph and description,
a profile's activity feed found through its <link rel=alternate>, and a calendar link made in the settings
that a calendar app can read. Each state is saved to test-artifacts/screenshots/."""

from __future__ import annotations

import itertools

import pytest
from playwright.sync_api import expect

from mymovielist.extensions import db
from mymovielist.sync.records import ExternalRef, TitleRecord
from mymovielist.sync.service import store_record

from .screens import no_sideways_scroll, shot

pytestmark = pytest.mark.browser
_serial = itertools.count(1)


@pytest.fixture
def film(live_app) -> tuple[int, str]:
    """A film with a synopsis, added as a sync adds it; its id and title."""
    n = next(_serial)
    name = f"Shared Voyage {n}"
    with live_app.app_context():
        title = store_record(TitleRecord(kind="movie", title=name, refs=[ExternalRef("t", "movie", f"share-{n}")],
                                         synopsis="A ship, a storm and a long way home."))
        db.session.commit()
        return title.title.id, name


def test_a_title_page_carries_its_preview_for_link_unfurling(sized, film):
    page = sized
    title_id, name = film
    page.goto(f"/titles/{title_id}")
    expect(page.locator('meta[property="og:title"]')).to_have_attribute("content", name)
    expect(page.locator('meta[name="description"]')).to_have_attribute("content", "A ship, a storm and a long way home.")
    expect(page.locator('meta[property="og:type"]')).to_have_attribute("content", "video.movie")
    origin = page.url.split("/titles/")[0]
    assert page.locator('meta[property="og:url"]').get_attribute("content").startswith(f"{origin}/titles/{title_id}-")
    no_sideways_scroll(page)
    shot(page, "sharing-title")


def test_a_profile_offers_its_activity_feed_and_the_settings_a_calendar_link(sized, sign_up, film):
    page = sized
    title_id, name = film
    username = sign_up(page, "sharer")
    page.goto(f"/titles/{title_id}")
    page.locator("#entry-panel").get_by_role("button", name="Add to watchlist").click()
    expect(page.locator("#toasts")).to_contain_text("watchlist")

    page.goto(f"/users/{username}")
    feed = page.locator('link[rel="alternate"][type="application/rss+xml"]')
    expect(feed).to_have_count(1)
    answer = page.request.get(feed.get_attribute("href"))
    assert answer.ok and answer.headers["content-type"].startswith("application/rss+xml")
    assert "<rss" in answer.text() and name in answer.text()
    no_sideways_scroll(page)
    shot(page, "sharing-profile")

    page.goto("/settings#calendar")
    page.get_by_role("button", name="Make a calendar link").click()
    link = page.get_by_label("Calendar link")
    expect(link).to_be_visible()
    address = link.input_value()
    link.scroll_into_view_if_needed()
    no_sideways_scroll(page)
    shot(page, "sharing-calendar-link")
    calendar = page.request.get(address, headers={"Cookie": ""})  # a calendar app: no session
    assert calendar.ok and calendar.headers["content-type"].startswith("text/calendar")
    assert calendar.text().startswith("BEGIN:VCALENDAR")
    page.goto("/settings")
    expect(page.get_by_label("Calendar link")).to_have_count(0)  # shown only once
    expect(page.get_by_role("button", name="Make a new calendar link")).to_be_visible()
