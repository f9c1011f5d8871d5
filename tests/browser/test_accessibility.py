"""axe-core on every kind of page, light and dark, at 1280 and 390 px: 0 violations, one h1, no skipped levels."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select

from mymovielist import create_app
from mymovielist.extensions import db
from mymovielist.models import Character, Genre, Person, Review, Title, User
from mymovielist.services import lists, reviews, tracking

from .accounts import PASSWORD, register
from .axe import assert_no_axe_violations
from .conftest import serve
from .screens import SHOTS, WIDTHS

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def a11y_app(tmp_path_factory: pytest.TempPathFactory, demo_db_file: Path) -> Flask:
    """The whole demo catalog (people, characters, genres, every kind), on its own copy of the database."""
    folder = tmp_path_factory.mktemp("a11y")
    shutil.copy(demo_db_file, folder / "test.sqlite3")
    return create_app({
        "TESTING": True, "SECRET_KEY": "a11y-tests", "CACHE_TYPE": "SimpleCache",
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'test.sqlite3'}",
        # Counters and images of this app stay in its temp folder, not in the checkout's instance/.
        "RATELIMIT_STORAGE_URI": "memory://", "IMAGE_DIR": str(folder / "images"), "IMAGE_SOURCE_HOSTS": [],
    })


@pytest.fixture(scope="module")
def a11y_server(a11y_app: Flask) -> Iterator[str]:
    with serve(a11y_app) as url:
        yield url


def _first_title(kind: str) -> Title:
    return db.session.scalars(select(Title).where(Title.kind == kind).order_by(Title.popularity.desc())).first()


@pytest.fixture(scope="module")
def pages(browser, a11y_app: Flask, a11y_server: str) -> dict[str, list[tuple[str, str]]]:
    """An admin with a list, ratings, a custom list and a review; the URLs of every kind of page."""
    context = browser.new_context(base_url=a11y_server)
    register(context.new_page(), "curator")
    context.close()
    with a11y_app.app_context():
        user = db.session.scalars(select(User).where(User.username == "curator")).one()
        user.role = "admin"
        titles = {kind: _first_title(kind) for kind in ("movie", "series", "anime", "comic")}
        for n, (kind, title) in enumerate(titles.items()):
            status = "completed" if kind in ("movie", "comic") else "watching"
            tracking.update_entry(user, title, status=status, score=60 + 10 * n, on=date(2024, 3, 1 + n))
        custom = lists.create_list(user, "Comfort watches", "Things to rewatch on a rainy day.", is_ranked=True)
        for title in titles.values():
            lists.add_item(custom, title, note="Always good.")
        review, _ = reviews.save_review(user, titles["movie"], "**Lovely.** A quiet film.", spoiler=False)
        db.session.commit()
        person = db.session.scalars(select(Person).order_by(Person.id)).first()
        character = db.session.scalars(select(Character).order_by(Character.id)).first()
        genre = db.session.scalars(select(Genre).order_by(Genre.id)).first()
        ids = {kind: title.id for kind, title in titles.items()}
        list_id, review_id, person_id, character_id = custom.id, review.id, person.id, character.id
        genre_slug = db.session.get(Genre, genre.id).slug
        assert db.session.get(Review, review_id) is not None
    anonymous = [("home", "/"), ("login", "/auth/login"), ("register", "/auth/register"),
                 ("reset", "/auth/reset"), ("anon-detail", f"/titles/{ids['anime']}")]
    signed_in = [
        ("home-signed-in", "/"),
        *[(f"browse-{path}", f"/{path}") for path in ("movies", "series", "anime", "comics")],
        ("search", "/search?q=the"),
        *[(f"detail-{kind}", f"/titles/{title_id}") for kind, title_id in ids.items()],
        ("person", f"/people/{person_id}"), ("character", f"/characters/{character_id}"),
        ("genre", f"/genres/{genre_slug}"),
        ("trending", "/trending"), ("top", "/top"), ("new", "/new"), ("recommendations", "/recommendations"),
        ("continue-watching", "/continue-watching"), ("similar", f"/titles/{ids['anime']}/similar"),
        ("profile", "/users/curator"), ("user-list", "/users/curator/list"),
        ("user-list-completed", "/users/curator/list?status=completed"),
        ("stats", "/users/curator/stats"), ("stats-year", "/users/curator/stats/2024"),
        ("activity", "/users/curator/activity"),
        ("lists", "/users/curator/lists"), ("list", f"/lists/{list_id}"), ("list-new", "/lists/new"),
        ("list-edit", f"/lists/{list_id}/edit"),
        ("reviews", f"/titles/{ids['movie']}/reviews"), ("review", f"/reviews/{review_id}"),
        ("review-edit", f"/reviews/{review_id}/edit"),
        ("feed", "/feed"), ("notifications", "/notifications"), ("follow-requests", "/follow-requests"),
        ("settings", "/settings"), ("import", "/settings/import"), ("export", "/settings/export"),
        ("tokens", "/settings/tokens"),
        ("admin", "/admin/"), ("admin-sync", "/admin/sync"), ("admin-titles", "/admin/titles"),
        ("admin-title", f"/admin/titles/{ids['anime']}"), ("admin-invites", "/admin/invites"),
        ("not-found", "/titles/999999999"),
    ]
    return {"anonymous": anonymous, "signed_in": signed_in}


def _check(page, name: str, url: str, theme: str, width: int, failures: list[str]) -> None:
    response = page.goto(url)
    assert response is not None and response.status < 500, f"{url} answered {response and response.status}"
    page.wait_for_load_state("networkidle")  # lazy htmx shelves and sections are in before axe looks
    page.screenshot(path=SHOTS / f"a11y-{name}-{theme}-{width}.png", full_page=True)
    try:
        assert_no_axe_violations(page, f"{name} ({url}, {theme}, {width}px)")
    except AssertionError as exc:
        failures.append(str(exc))


@pytest.mark.parametrize("width", list(WIDTHS))
@pytest.mark.parametrize("theme", ["light", "dark"])
def test_every_page_has_no_axe_violations(browser, a11y_server, pages, theme, width, console_errors):
    console_errors.expect_status(404, "/titles/999999999")  # the tour's not-found page
    SHOTS.mkdir(parents=True, exist_ok=True)
    failures: list[str] = []
    options = {"base_url": a11y_server, "viewport": {"width": width, "height": WIDTHS[width]},
               "color_scheme": theme}
    context = browser.new_context(**options)
    page = context.new_page()
    page.set_default_timeout(10000)
    for name, url in pages["anonymous"]:
        _check(page, name, url, theme, width, failures)
    page.goto("/auth/login")
    page.fill("#username", "curator")
    page.fill("#password", PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r".*/$"))
    for name, url in pages["signed_in"]:
        _check(page, name, url, theme, width, failures)
    context.close()
    assert not failures, "\n\n".join(failures)


@pytest.mark.parametrize("width", list(WIDTHS))
@pytest.mark.parametrize(("preference", "system", "background"),
                         [("dark", "light", "rgb(17, 19, 24)"), ("light", "dark", "rgb(247, 247, 249)")])
def test_a_chosen_theme_overrides_the_system_one_and_passes_axe(browser, a11y_server, pages, preference, system,
                                                                  background, width):
    """The settings' theme (data-theme on <html>) wins over prefers-color-scheme, with the same contrast."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(base_url=a11y_server, viewport={"width": width, "height": WIDTHS[width]},
                                  color_scheme=system)
    page = context.new_page()
    page.set_default_timeout(10000)
    register(page, f"themed{preference}{width}")
    page.goto("/settings")
    page.get_by_role("radio", name=preference.capitalize()).check()
    page.get_by_role("button", name="Save preferences").click()
    page.wait_for_load_state("networkidle")
    failures: list[str] = []
    for name, url in [("settings", "/settings"), *[p for p in pages["signed_in"] if p[0] in ("detail-anime", "user-list")]]:
        _check(page, f"pref-{name}", url, preference, width, failures)
        assert page.evaluate("document.documentElement.dataset.theme") == preference
        assert page.evaluate("getComputedStyle(document.body).backgroundColor") == background
    context.close()
    assert not failures, "\n\n".join(failures)
