"""Issue 18.1 in a real browser at desktop and phone widths: the user's list is a table of covers, titles,
scores and progress with +1; its column headers sort; a row is edited in place on demand and Escape
cancels; a phone shows cover, title, score and progress without sideways scrolling. Each state is saved
to test-artifacts/screenshots/."""

from __future__ import annotations

import itertools
import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from mymovielist.extensions import db
from mymovielist.models import Title, User
from mymovielist.services import tracking
from mymovielist.sync.records import ExternalRef, TitleRecord
from mymovielist.sync.upsert import CatalogWriter

from .axe import assert_no_axe_violations
from .htmx import wait_until_settled
from .screens import no_sideways_scroll, shot

pytestmark = pytest.mark.browser

_serial = itertools.count(1)


@pytest.fixture
def shelf(live_app, page, sign_up):
    """A signed-in user's list: an anime at 3 of 26 (scored 8), a watched film (9), a planned series."""
    username = sign_up(page, "lister")
    n = next(_serial)
    records = {
        "anime": TitleRecord(kind="anime", title=f"Bebop Rows {n}", refs=[ExternalRef("t", "anime", f"rows-{n}")],
                             details={"episode_count": 26}),
        "movie": TitleRecord(kind="movie", title=f"Amelie Rows {n}", refs=[ExternalRef("t", "movie", f"rows-{n}")]),
        "series": TitleRecord(kind="series", title=f"Castle Rows {n}", refs=[ExternalRef("t", "series", f"rows-{n}")],
                              details={"episode_count": 10}),
    }
    with live_app.app_context():
        user = db.session.scalar(select(User).where(User.username == username))
        titles = {kind: CatalogWriter(source="demo").upsert(record).title for kind, record in records.items()}
        tracking.update_entry(user, titles["anime"], status="watching", progress=3, score=80)
        tracking.update_entry(user, titles["movie"], status="completed", score=90)
        tracking.update_entry(user, titles["series"], status="planned")
        db.session.commit()
        names = {kind: db.session.get(Title, title.id).title for kind, title in titles.items()}
    return username, names


def row_titles(page) -> list[str]:
    return page.locator(".entry-table tbody .entry-title").all_inner_texts()


def test_the_list_is_a_table_whose_headers_sort(sized, shelf):
    page = sized
    username, names = shelf
    page.goto(f"/users/{username}/list")
    table = page.get_by_role("table")
    expect(table.get_by_role("columnheader", name="Title")).to_be_visible()
    anime = table.get_by_role("row", name=re.compile(names["anime"]))
    expect(anime).to_contain_text("3 / 26")
    expect(anime.get_by_role("cell", name="8", exact=True)).to_be_visible()
    film = table.get_by_role("row", name=re.compile(names["movie"]))
    expect(film).to_contain_text("Watched")
    expect(film).not_to_contain_text("/ 1")
    expect(film.locator(".row-plus")).to_have_count(0)
    expect(anime.locator("img.poster")).to_have_attribute("loading", "lazy")
    assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]
    no_sideways_scroll(page)
    assert table.evaluate("t => t.closest('.table-scroll').scrollWidth <= t.closest('.table-scroll').clientWidth")  # fits
    if page.viewport_size["width"] < 640:  # a phone: cover, title, score and progress; no type or date
        expect(anime.locator(".col-updated")).to_be_hidden()
        expect(anime.locator(".col-kind")).to_be_hidden()
    else:
        expect(anime.locator(".col-kind")).to_have_text("Anime")
    shot(page, "list-table")

    header = table.get_by_role("columnheader", name=re.compile("^Title"))
    header.get_by_role("link").click()
    expect(header).to_have_attribute("aria-sort", "ascending")
    assert row_titles(page) == [names["movie"], names["anime"], names["series"]]
    expect(page).to_have_url(re.compile(r"sort=title"))
    wait_until_settled(page)
    header.get_by_role("link").click()
    expect(header).to_have_attribute("aria-sort", "descending")
    assert row_titles(page) == [names["series"], names["anime"], names["movie"]]
    expect(page).to_have_url(re.compile(r"sort=title&dir=desc"))
    wait_until_settled(page)
    score = table.get_by_role("columnheader", name=re.compile("^Score"))
    score.get_by_role("link").click()
    expect(score).to_have_attribute("aria-sort", "descending")
    assert row_titles(page) == [names["movie"], names["anime"], names["series"]]
    shot(page, "list-sorted")
    assert_no_axe_violations(page, "user list")


def test_plus_one_and_editing_a_row_in_place(sized, shelf):
    page = sized
    username, names = shelf
    page.goto(f"/users/{username}/list?sort=title")
    wait_until_settled(page)
    row = page.locator(".entry-row", has_text=names["anime"])
    plus = page.get_by_role("button", name=f"+1 episode of {names['anime']}")
    plus.click()
    expect(row).to_contain_text("4 / 26")
    expect(page.get_by_role("button", name=f"+1 episode of {names['anime']}")).to_be_focused()
    wait_until_settled(page)
    shot(page, "list-plus-one")

    row.get_by_role("link", name=f"Edit {names['anime']}").click()
    progress = page.locator("tr.editing input[name=progress]")
    expect(progress).to_be_focused()
    expect(progress).to_have_value("4")
    wait_until_settled(page)
    shot(page, "list-row-editor")
    progress.fill("9")
    page.keyboard.press("Escape")  # cancelled: nothing saved, the row shown again, the keyboard on its Edit link
    expect(page.locator("tr.editing")).to_have_count(0)
    expect(row).to_contain_text("4 / 26")
    expect(row.get_by_role("link", name=f"Edit {names['anime']}")).to_be_focused()
    wait_until_settled(page)

    row.get_by_role("link", name=f"Edit {names['anime']}").click()
    page.locator("tr.editing input[name=progress]").fill("7")
    page.locator("tr.editing select[name=score]").select_option("6")
    page.get_by_role("button", name=f"Save {names['anime']}").click()
    expect(page.locator("tr.editing")).to_have_count(0)
    expect(row).to_contain_text("7 / 26")
    expect(row.locator(".col-score")).to_have_text("6")
    expect(row.get_by_role("link", name=f"Edit {names['anime']}")).to_be_focused()
    wait_until_settled(page)
    row.get_by_role("link", name=f"Edit {names['anime']}").click()
    page.get_by_role("link", name="Cancel").click()
    expect(page.locator("tr.editing")).to_have_count(0)
    no_sideways_scroll(page)
    shot(page, "list-row-saved")
    assert_no_axe_violations(page, "user list after edits")


def test_plus_one_from_the_list_without_javascript(browser, live_server, live_app, sign_up):
    context = browser.new_context(base_url=live_server, java_script_enabled=False, viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.set_default_timeout(5000)
    try:
        username = sign_up(page, "plainlist")
        n = next(_serial)
        with live_app.app_context():
            user = db.session.scalar(select(User).where(User.username == username))
            title = CatalogWriter(source="demo").upsert(TitleRecord(
                kind="anime", title=f"Plain Rows {n}", refs=[ExternalRef("t", "anime", f"plain-{n}")],
                details={"episode_count": 12})).title
            tracking.update_entry(user, title, status="watching", progress=1)
            db.session.commit()
        page.goto(f"/users/{username}/list?kind=anime")
        page.get_by_role("button", name=f"+1 episode of Plain Rows {n}").click()
        expect(page).to_have_url(re.compile(rf"/users/{username}/list\?kind=anime$"))
        expect(page.locator(".entry-row", has_text=f"Plain Rows {n}")).to_contain_text("2 / 12")
        shot(page, "list-plus-one-nojs")
    finally:
        context.close()
