"""Browser journeys for reviews, custom lists, follows and notifications, with and without JavaScript."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def _open_title(page, name: str) -> None:
    page.goto(f"/search?q={name.replace(' ', '+')}")
    page.locator("#search-results a", has_text=name).first.click()
    page.wait_for_selector("#reviews")


def test_review_with_spoiler_is_posted_with_htmx_and_collapsed(page, sign_up):
    sign_up(page, "critic")
    _open_title(page, "Before Sunrise")
    page.fill("#body", "**Lovely.** The ending: they part at the station.")
    page.check("#spoiler")
    page.click("text=Post review")
    page.wait_for_selector("#reviews details.spoiler")
    assert page.locator(".toast").first.inner_text() == "Your review is posted."
    body = page.locator("#reviews details.spoiler .review-body")
    assert not body.is_visible()
    page.click("#reviews details.spoiler summary")
    assert body.is_visible() and body.locator("strong").inner_text() == "Lovely."
    assert page.url.endswith("-before-sunrise")  # htmx swapped the section, no navigation
    page.reload()
    page.locator("#reviews").scroll_into_view_if_needed()
    expect(page.locator("#review-list details.spoiler")).to_have_count(1)  # loaded when revealed


def test_ranked_list_add_from_the_title_page_and_move_with_htmx(page, sign_up):
    sign_up(page, "lister")
    page.goto("/lists/new")
    page.fill("#name", "Space westerns")
    page.check("#is_ranked")
    page.click("text=Create list")
    list_url = page.url
    for name in ("Cowboy Bebop", "Game of Thrones"):
        _open_title(page, name)
        page.click("#list-picker summary")
        page.click("text=Add to Space westerns")
        page.wait_for_selector("#list-picker[open] >> text=✓ On")
    page.goto(list_url)
    rows = page.locator("#list-items .list-item strong")
    assert rows.all_inner_texts() == ["Cowboy Bebop", "Game of Thrones"]
    page.click("button[aria-label='Move Cowboy Bebop down']")
    expect(rows).to_have_text(["Game of Thrones", "Cowboy Bebop"])
    assert page.url == list_url
    assert page.locator("button[aria-label='Move Game of Thrones up']").is_disabled()


def test_follow_with_htmx_then_the_followed_users_review_rings_the_bell(browser, live_server, sign_up):
    contexts = [browser.new_context(base_url=live_server) for _ in range(2)]
    follower, author = (c.new_page() for c in contexts)
    try:
        follower_name = sign_up(follower, "fan")
        author_name = sign_up(author, "star")
        follower.goto(f"/users/{author_name}")
        follower.click("#follow-button button")
        follower.wait_for_selector("#follow-button button[aria-pressed=true]")
        assert "1 follower " in follower.inner_text("#follow-button")
        _open_title(author, "Pokémon")
        author.fill("#body", "Gotta watch them all.")
        author.click("text=Post review")
        author.wait_for_selector("#reviews .review")
        follower.goto("/feed")
        assert "reviewed" in follower.inner_text("#feed-list")
        assert follower.inner_text("#notification-bell .bell-count") == "1"
        follower.click("#notification-bell")
        follower.wait_for_url(re.compile(r".*/notifications$"))
        follower.click("text=Mark as read")
        follower.wait_for_selector("#notification-bell:not(.has-unread)")
        assert follower.locator("#notification-bell .bell-count").count() == 0
        author.goto(f"/users/{author_name}")
        assert "1 follower " in author.inner_text("#follow-button") and follower_name
    finally:
        for c in contexts:
            c.close()


def test_without_javascript_reviews_lists_and_follows_still_work(nojs_page, sign_up):
    page = nojs_page
    name = sign_up(page, "plain")
    _open_title(page, "Green Lantern")
    page.fill("#body", "Bright.")
    page.click("text=Post review")
    page.wait_for_selector(".flash >> text=Your review is posted.")
    page.goto("/lists/new?title_id=1")
    page.fill("#name", "No script")
    page.click("text=Create list")
    assert page.locator("#list-items .list-item").count() == 1
    page.goto(f"/users/{name}/lists")
    assert "No script" in page.inner_text("main")


def test_a_private_profile_approves_a_follow_request_with_htmx(browser, live_server, console_errors, sign_up):
    contexts = [browser.new_context(base_url=live_server) for _ in range(2)]
    asker, hermit = (c.new_page() for c in contexts)
    try:
        hermit_name = sign_up(hermit, "hermit")
        console_errors.expect_status(404, f"/users/{hermit_name}/list")  # a private list is not found
        hermit.goto("/settings")
        hermit.check("#is_private")
        hermit.locator("form", has=hermit.locator("#is_private")).locator("button[type=submit]").click()
        asker_name = sign_up(asker, "asker")
        asker.goto(f"/users/{hermit_name}")
        asker.click("#follow-button button")
        expect(asker.locator("#follow-button button")).to_contain_text("Requested")
        assert asker.goto(f"/users/{hermit_name}/list").status == 404
        hermit.goto("/follow-requests")
        hermit.click(f"button:has-text('Approve {asker_name}')")
        expect(hermit.locator("#request-list")).to_contain_text("No one is waiting")
        assert hermit.url.endswith("/follow-requests")  # htmx swapped the list, no navigation
        assert asker.goto(f"/users/{hermit_name}/list").status == 200
    finally:
        for c in contexts:
            c.close()
