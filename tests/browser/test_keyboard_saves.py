"""Arrow keys move through the status select and the score radios without saving each step (issue 15).

A keyboard change waits for Enter, the Save button or (for the score) leaving the radio group; a pick
with the mouse saves at once. What is saved is read back from the live server's database.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date

import pytest
from flask import Flask
from playwright.sync_api import expect
from sqlalchemy import func, select

from browser.test_tracking_journey import _open, _score_label
from mymovielist.extensions import db
from mymovielist.models.catalog import Title
from mymovielist.models.tracking import ListEntry, WatchEvent
from mymovielist.models.users import User

pytestmark = pytest.mark.browser

PAUSE_MS = 700  # longer than any debounce: the user settles on each value before moving on


@dataclass(frozen=True)
class Saved:
    status: str | None
    score: int | None  # as stored: 0-100 whatever the user's scale
    finished_on: date | None
    watches: int


def _saved(app: Flask, username: str, title_name: str) -> Saved:
    """What the database holds for the user's entry of the title, and how many watches are logged."""
    with app.app_context():
        user_id = db.session.scalar(select(User.id).where(User.username == username))
        title_id = db.session.scalar(select(Title.id).where(Title.title == title_name))
        entry = db.session.scalar(select(ListEntry).where(ListEntry.user_id == user_id, ListEntry.title_id == title_id))
        watches = db.session.scalar(select(func.count(WatchEvent.id)).where(
            WatchEvent.user_id == user_id, WatchEvent.title_id == title_id))
        if entry is None:
            return Saved(None, None, None, watches or 0)
        return Saved(entry.status, entry.score, entry.finished_on, watches or 0)


def _record_posts(page) -> list[str]:
    posts: list[str] = []
    page.on("request", lambda request: posts.append(request.url) if request.method == "POST" else None)
    return posts


@contextmanager
def _posted(page, path: str) -> Iterator[None]:
    """Waits for the POST to `path` (…/entry or …/rating) to be answered and swapped in."""
    with page.expect_response(lambda r: r.request.method == "POST" and r.url.endswith(path) and r.ok):
        yield
    page.wait_for_function("() => !document.querySelector('form[data-saving]')")  # app.js marks a form in flight


def _arrow(page, key: str, times: int) -> None:
    for _ in range(times):
        page.keyboard.press(key)
        page.wait_for_timeout(PAUSE_MS)


def test_arrow_keys_through_the_status_select_save_only_the_confirmed_status(page, sign_up, live_app):
    username = sign_up(page, "statuskeys")
    show = "Game of Thrones"  # 8 episodes: completing it logs 8 watches and sets the finish date
    _open(page, show)
    status = page.locator("#entry-panel select[name=status]")
    hint = page.locator("#entry-panel .entry-status .unsaved-hint")

    with _posted(page, "/entry"):
        status.select_option("watching")  # a pick from the opened list saves at once
    assert _saved(live_app, username, show) == Saved("watching", None, None, 0)

    posts = _record_posts(page)
    status.focus()
    _arrow(page, "ArrowDown", 3)  # Completed, On hold, Dropped, pausing on each
    expect(status).to_have_value("dropped")
    assert posts == [], f"saved mid-navigation: {_saved(live_app, username, show)}"
    assert _saved(live_app, username, show) == Saved("watching", None, None, 0)
    expect(hint).to_contain_text("Not saved yet")

    with _posted(page, "/entry"):
        page.keyboard.press("Enter")
    assert _saved(live_app, username, show) == Saved("dropped", None, None, 0)
    expect(status).to_be_focused()  # the swapped panel keeps the keyboard where it was
    expect(hint).to_be_empty()

    # leaving the select does not save a status: it has side effects, so it waits for Enter or the button
    _arrow(page, "ArrowUp", 1)
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Save status")).to_be_focused()
    page.keyboard.press("Tab")
    page.wait_for_timeout(PAUSE_MS)
    expect(hint).to_contain_text("Not saved yet")
    assert len(posts) == 1
    assert _saved(live_app, username, show).status == "dropped"
    with _posted(page, "/entry"):
        page.get_by_role("button", name="Save status").click()
    assert _saved(live_app, username, show) == Saved("on_hold", None, None, 0)

    status.focus()
    _arrow(page, "ArrowUp", 1)
    assert len(posts) == 2
    with _posted(page, "/entry"):
        page.keyboard.press("Enter")
    assert _saved(live_app, username, show) == Saved("completed", None, date.today(), 8)
    expect(page.locator("#entry-panel")).to_contain_text("You finished")


def test_arrow_keys_through_the_score_save_on_enter_or_leaving_the_group(page, sign_up, live_app):
    username = sign_up(page, "scorekeys")
    show = "Anime Show 05"
    _open(page, show)
    checked = page.locator("#rating-widget input[name=score]:checked")
    hint = page.locator("#rating-widget .unsaved-hint")

    with _posted(page, "/rating"):
        _score_label(page, "7").click()  # a click on a score saves at once
    assert _saved(live_app, username, show) == Saved("planned", 70, None, 0)  # a rated show is planned (issue 15.5)

    posts = _record_posts(page)
    checked.focus()
    _arrow(page, "ArrowRight", 3)
    expect(checked).to_have_value("8.5")
    expect(checked).to_be_focused()
    assert posts == []
    assert _saved(live_app, username, show).score == 70
    expect(hint).to_contain_text("Not saved yet")

    with _posted(page, "/rating"):
        page.keyboard.press("Enter")
    assert _saved(live_app, username, show).score == 85
    expect(checked).to_be_focused()
    expect(hint).to_be_empty()

    _arrow(page, "ArrowLeft", 2)
    expect(checked).to_have_value("7.5")
    assert len(posts) == 1
    assert _saved(live_app, username, show).score == 85
    with _posted(page, "/rating"):
        page.keyboard.press("Tab")  # leaving the radio group settles the choice
    assert _saved(live_app, username, show) == Saved("planned", 75, None, 0)
    assert len(posts) == 2

    # arrowing back to the saved score leaves nothing to save
    checked.focus()
    _arrow(page, "ArrowRight", 1)
    expect(hint).to_contain_text("Not saved yet")
    _arrow(page, "ArrowLeft", 1)
    expect(hint).to_be_empty()
    page.keyboard.press("Tab")
    page.wait_for_timeout(PAUSE_MS)
    assert len(posts) == 2


def test_the_100_point_score_saves_when_focus_leaves_it_not_on_each_arrow(page, sign_up, live_app):
    username = sign_up(page, "hundred")
    page.goto("/settings")
    page.get_by_label("100-point (85)").check()
    page.get_by_role("button", name="Save preferences").click()
    show = "Anime Show 10"
    _open(page, show)
    number = page.locator("#rating-widget input[name=score]")

    number.fill("70")
    with _posted(page, "/rating"):
        number.press("Enter")
    assert _saved(live_app, username, show).score == 70

    posts = _record_posts(page)
    number.focus()
    _arrow(page, "ArrowUp", 3)
    expect(number).to_have_value("73")
    assert posts == []
    assert _saved(live_app, username, show).score == 70
    expect(page.locator("#rating-widget .unsaved-hint")).to_contain_text("Not saved yet")
    with _posted(page, "/rating"):
        page.keyboard.press("Tab")
    assert _saved(live_app, username, show).score == 73
    assert len(posts) == 1


def test_without_javascript_the_status_saves_with_its_button(nojs_page, sign_up, live_app):
    page = nojs_page
    username = sign_up(page, "plainstatus")
    show = "Green Lantern"
    _open(page, show)
    page.locator("#entry-panel select[name=status]").select_option("on_hold")
    assert _saved(live_app, username, show).status is None
    page.get_by_role("button", name="Save status").click()
    expect(page.locator(".flashes")).to_be_visible()
    assert _saved(live_app, username, show).status == "on_hold"
    expect(page.locator("#entry-panel select[name=status]")).to_have_value("on_hold")
