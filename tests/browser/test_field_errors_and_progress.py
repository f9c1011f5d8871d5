"""Issue 18.6 and 18.10 in a real browser at desktop and phone widths: a refused form shows its message beside
the field and focus moves there; error toasts stay until dismissed; Continue watching cards count and +1;
the episode list marks an episode watched. Each state is saved to test-artifacts/screenshots/."""

from __future__ import annotations

import itertools
import re
import time

import pytest
from playwright.sync_api import expect

from mymovielist.extensions import db
from mymovielist.sync.records import EpisodeRecord, ExternalRef, TitleRecord
from mymovielist.sync.service import store_record
from mymovielist.sync.upsert import CatalogWriter

from .htmx import wait_until_settled
from .screens import no_sideways_scroll, shot

pytestmark = pytest.mark.browser

_serial = itertools.count(1)


@pytest.fixture
def show(live_app):
    """A new anime with 26 episodes (named), for one test; returns its id."""
    n = next(_serial)
    record = TitleRecord(kind="anime", title=f"Errors Show {n}", refs=[ExternalRef("t", "anime", f"errors-{n}")],
                         details={"episode_count": 26},
                         episodes=[EpisodeRecord(number=e, name=f"Session {e}") for e in range(1, 27)])
    with live_app.app_context():
        # through the sync service, which also moves the catalog cache on: browse lists count the new title
        title_id = store_record(record, CatalogWriter(source="demo")).title.id
        db.session.commit()
    return title_id


def test_a_refused_watch_and_review_show_the_message_beside_the_field_and_take_focus(sized, sign_up, show, console_errors):
    page = sized
    console_errors.expect_status(422, f"/titles/{show}/watches")  # the refusals this test provokes
    console_errors.expect_status(422, f"/titles/{show}/reviews")
    sign_up(page, "fielderr")
    page.goto(f"/titles/{show}")
    log = page.locator("details.watch-log")
    log.locator("summary").click()
    date_input = page.locator(f"#watch-date-{show}")
    date_input.fill("2999-01-01")
    page.locator(f"#watch-note-{show}").fill("kept as typed")
    log.get_by_role("button", name="Log it").click()
    error = page.locator(f"#watch-date-{show}-error")
    expect(error).to_have_text("Dates cannot be in the future.")
    expect(date_input).to_have_attribute("aria-invalid", "true")
    expect(date_input).to_have_attribute("aria-describedby", f"watch-date-{show}-error")
    expect(date_input).to_be_focused()
    expect(page.locator(f"#watch-note-{show}")).to_have_value("kept as typed")
    expect(page.locator("#toasts .toast")).to_have_count(0)  # the message is beside the field, not in a toast
    shot(page, "watch-date-error")

    body = page.locator("#reviews textarea[name=body]")
    body.scroll_into_view_if_needed()
    body.evaluate("(el) => { el.removeAttribute('maxlength'); el.value = 'x'.repeat(10001); }")
    page.locator("#reviews").get_by_role("button", name="Post review").click()
    feedback = page.locator("#reviews .field-error")
    expect(feedback).to_contain_text("Keep your review under 10,000 characters")
    body = page.locator("#reviews textarea[name=body]")
    expect(body).to_have_attribute("aria-invalid", "true")
    expect(body).to_be_focused()
    assert len(body.input_value()) == 10001  # what was typed is still there
    no_sideways_scroll(page)
    shot(page, "review-too-long")


def test_error_toasts_stay_until_dismissed_and_success_toasts_fade(sized, sign_up, show, console_errors):
    page = sized
    console_errors.expect_unreachable(f"/titles/{show}/watchlist")  # the two presses routed to fail
    sign_up(page, "toasts")
    page.goto(f"/titles/{show}")
    page.route(re.compile(r".*/favourite$|.*/watchlist$"), lambda route: route.abort())  # the server is unreachable
    page.locator("#entry-panel").get_by_role("button", name=re.compile("watchlist", re.IGNORECASE)).click()
    toast = page.locator("#toasts .toast-error")
    expect(toast).to_contain_text("Cannot reach the server")
    shot(page, "error-toast")
    time.sleep(5.5)
    expect(toast).to_have_count(1)  # still there after the 5 s a success toast lasts
    page.keyboard.press("Escape")
    expect(toast).to_have_count(0)

    page.locator("#entry-panel").get_by_role("button", name=re.compile("watchlist", re.IGNORECASE)).click()
    expect(toast).to_have_count(1)
    close = toast.get_by_role("button", name=re.compile("^Dismiss"))
    close.focus()
    page.keyboard.press("Enter")
    expect(toast).to_have_count(0)

    page.unroute(re.compile(r".*/favourite$|.*/watchlist$"))
    page.locator("#entry-panel").get_by_role("button", name=re.compile("watchlist", re.IGNORECASE)).click()
    success = page.locator("#toasts .toast-success")
    expect(success).to_have_count(1)
    expect(success.get_by_role("button")).to_have_count(0)
    expect(success).to_have_count(0, timeout=7000)  # fades on its own


def test_continue_watching_card_counts_and_plus_one_swaps_it(sized, sign_up, show):
    page = sized
    sign_up(page, "cards")
    page.goto(f"/titles/{show}")
    page.locator("#entry-panel .entry-progress button").click()
    expect(page.locator(f"#entry-progress-{show}")).to_contain_text("1 / 26")
    page.goto("/continue-watching")
    card = page.locator(f"#progress-card-{show}")
    expect(card).to_contain_text("Ep 1 / 26")
    expect(card.locator("progress")).to_have_attribute("value", "1")
    card.get_by_role("button", name=re.compile(r"^\+1")).click()
    expect(card).to_contain_text("Ep 2 / 26")
    expect(page.locator(f"#progress-card-{show}-action")).to_be_focused()
    expect(page.locator("#toasts")).to_contain_text("Episode 2 logged.")
    assert page.url.endswith("/continue-watching")  # swapped in place, no navigation
    no_sideways_scroll(page)
    shot(page, "continue-watching-card")


def test_episode_list_numbers_once_and_marks_an_episode_watched(sized, sign_up, show):
    page = sized
    sign_up(page, "episodes")
    page.goto(f"/titles/{show}")
    items = page.locator("#episodes li.episode")
    expect(items).to_have_count(26)
    expect(items.nth(2).locator(".ep-number")).to_have_text("#3")
    expect(items.nth(2)).not_to_contain_text("3.")
    items.nth(0).get_by_role("button", name=re.compile("Mark watched")).click()
    expect(page.locator("#episodes li.episode").nth(0)).to_contain_text("✓ Watched")
    expect(page.locator(f"#entry-progress-{show}")).to_contain_text("1 / 26")  # the panel came along out of band
    wait_until_settled(page)  # until then the new buttons submit without htmx (a full page load)
    page.locator("#episodes li.episode").nth(1).get_by_role("button", name=re.compile("Mark watched")).focus()
    page.keyboard.press("Enter")
    expect(page.locator("#episodes li.episode").nth(1)).to_contain_text("✓ Watched")
    expect(page.locator("#episode-2-mark")).to_be_focused()  # the keyboard stays where it was
    page.locator("#episodes").scroll_into_view_if_needed()
    no_sideways_scroll(page)
    shot(page, "episode-list")


def test_without_javascript_a_refused_watch_and_an_episode_mark_still_work(nojs_page, browser, live_server, sign_up, show):
    page = nojs_page
    # sign up needs a redirect only, which works without JavaScript too
    sign_up(page, "nojs")
    page.goto(f"/titles/{show}")
    page.locator("#episodes li.episode").nth(0).get_by_role("button", name=re.compile("Mark watched")).click()
    expect(page.locator("#episodes li.episode").nth(0)).to_contain_text("✓ Watched")
    page.goto("/continue-watching")
    page.locator(f"#progress-card-{show}").get_by_role("button", name=re.compile(r"^\+1")).click()
    expect(page.locator(f"#progress-card-{show}")).to_contain_text("Ep 2 / 26")


def test_a_title_with_nothing_similar_shows_no_similar_heading(sized, show):
    page = sized
    page.goto(f"/titles/{show}")
    expect(page.locator("#similar-heading")).to_have_count(1)  # until the shelf loads, a link stands in
    page.locator("footer").scroll_into_view_if_needed()
    expect(page.locator("#similar")).to_have_count(0)
    expect(page.locator("#similar-heading")).to_have_count(0)
    shot(page, "no-similar-titles")


def test_the_full_entry_page_posted_back_with_an_error_focuses_the_field(sized, sign_up, show, console_errors):
    page = sized
    console_errors.expect_status(422, f"/titles/{show}/entry")  # the refused form comes back with 422
    sign_up(page, "fullform")
    page.goto(f"/titles/{show}/entry")
    page.fill("#started_on", "2999-01-01")
    page.locator("form.entry-form button[type=submit]").click()
    expect(page.locator("#started_on-error")).to_have_text("Dates cannot be in the future.")
    expect(page.locator("#started_on")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#started_on")).to_be_focused()
    no_sideways_scroll(page)
    shot(page, "entry-form-error")
