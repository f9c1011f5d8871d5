"""A member's title page is kept per member and rendered again after every write to what it shows."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from flask import Flask, template_rendered

from mymovielist import csrf_tokens
from mymovielist.extensions import db
from mymovielist.models import User
from mymovielist.services import lists, social
from tests.conftest import AuthActions

TOKEN = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')


@pytest.fixture
def renders(app: Flask) -> Iterator[list[str]]:
    """The names of the templates rendered, as a list that grows."""
    seen: list[str] = []

    def record(_sender, template, **_extra):
        seen.append(template.name)

    template_rendered.connect(record, app)
    yield seen
    template_rendered.disconnect(record, app)


def _detail(client, title_id: int) -> str:
    response = client.get(f"/titles/{title_id}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_the_page_is_kept_and_every_write_of_the_member_shows(app, client, auth, make_title, make_user, renders):
    title_id = make_title(title="Member Film")
    alice = make_user("alice")
    auth.login("alice")
    _detail(client, title_id)
    _detail(client, title_id)
    assert renders.count("catalog/detail.html") == 1  # the second request was served as kept

    writes = [
        (lambda: client.post(f"/titles/{title_id}/entry", data={"status": "completed", "score": "7"}), "Completed"),
        (lambda: client.post(f"/titles/{title_id}/reviews", data={"body": "A review of a kept page."}), "Edit your review"),
        (lambda: client.post("/settings/preferences", data={"score_scale": "100", "theme": "dark", "kinds_shown": "movie"}),
         'data-theme="dark"'),
    ]
    for write, shown in writes:
        before = renders.count("catalog/detail.html")
        assert write().status_code in (200, 302, 303)
        client.get("/settings")  # shows any flashed message, as the browser's redirect would
        assert shown in _detail(client, title_id)
        assert renders.count("catalog/detail.html") == before + 1

    with app.app_context():  # a list made elsewhere (another tab, the API) shows in the picker
        lists.create_list(db.session.get(User, alice), "Kept Picks")
        db.session.commit()
    assert "Kept Picks" in _detail(client, title_id)


def test_notifications_and_bulk_writes_show_on_the_next_page(app, client, auth, make_title, make_user):
    title_id = make_title(title="Noticed Film")
    alice, bob = make_user("alice"), make_user("bob")
    auth.login("alice")
    assert "Notifications, 1 unread" not in _detail(client, title_id)
    with app.app_context():
        social.notify(db.session.get(User, alice), "followed", db.session.get(User, bob))
        db.session.commit()
    assert "Notifications, 1 unread" in _detail(client, title_id)
    with app.app_context():  # an UPDATE statement: no objects whose owners could be read
        social.mark_all_read(db.session.get(User, alice))
        db.session.commit()
    assert "Notifications, 1 unread" not in _detail(client, title_id)


def test_a_kept_page_carries_each_sessions_own_token(app, make_title, make_user, renders):
    title_id = make_title(title="Token Film")
    make_user("alice")
    first, second = app.test_client(), app.test_client()
    for browser in (first, second):
        AuthActions(browser).login("alice")
    app.config["WTF_CSRF_ENABLED"] = True
    pages = [_detail(browser, title_id) for browser in (first, second)]
    assert renders.count("catalog/detail.html") == 1  # the second session got the kept page
    tokens = [set(TOKEN.findall(page)) | set(re.findall(r'"X-CSRFToken": "([^"]+)"', page)) for page in pages]
    assert all(len(found) == 1 for found in tokens) and tokens[0] != tokens[1]
    assert all(csrf_tokens.MARKER not in page for page in pages)
    (mine,), (theirs,) = tokens[1], tokens[0]
    assert second.post(f"/titles/{title_id}/entry", data={"status": "planned", "csrf_token": theirs}).status_code == 400
    assert second.post(f"/titles/{title_id}/entry", data={"status": "planned", "csrf_token": mine}).status_code in (302, 303)


def test_a_page_with_a_message_to_show_is_rendered_for_it(app, client, auth, make_title, make_user):
    title_id = make_title(title="Flashed Film")
    make_user("alice")
    auth.login("alice")
    _detail(client, title_id)
    client.post(f"/titles/{title_id}/entry", data={"status": "planned"})  # no JavaScript: a redirect with a message
    assert re.search(r'<p class="flash flash-success">[^<]+</p>', _detail(client, title_id))
    assert 'class="flash ' not in _detail(client, title_id)  # once, and the page without it is kept again


def test_a_list_page_shows_the_owners_changes_to_another_member(app, client, auth, make_title, make_user, renders):
    title_id = make_title(title="Listed Film")
    make_user("owner"), make_user("viewer")
    owner = app.test_client()
    AuthActions(owner).login("owner")
    auth.login("viewer")
    assert "Listed Film" not in client.get("/users/owner/list").get_data(as_text=True)
    client.get("/users/owner/list")
    assert renders.count("tracking/user_list.html") == 1  # kept for the viewer
    owner.post(f"/titles/{title_id}/entry", data={"status": "completed"})
    assert "Listed Film" in client.get("/users/owner/list").get_data(as_text=True)


def test_list_rows_are_kept_per_viewers_locale(app, make_title, make_user):
    title_id = make_title(title="Dated Film")
    make_user("owner")
    french_id = make_user("french")
    make_user("english")
    with app.app_context():
        db.session.get(User, french_id).preferences.locale = "fr"
        db.session.commit()
    owner = app.test_client()
    AuthActions(owner).login("owner")
    owner.post(f"/titles/{title_id}/entry", data={"status": "completed"})
    pages = {}
    for name in ("french", "english"):
        viewer = app.test_client()
        AuthActions(viewer).login(name)
        pages[name] = viewer.get("/users/owner/list").get_data(as_text=True)
    english_date = re.compile(r"[A-Z][a-z]{2} \d+, \d{4}")
    assert english_date.search(pages["english"]) and not english_date.search(pages["french"])
