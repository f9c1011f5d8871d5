"""Notifications: a new follower, a followed user's review; the bell's count; marking read."""

from __future__ import annotations

import json
import re

import pytest
from conftest import AuthActions
from sqlalchemy import event, select

from mymovielist.extensions import db
from mymovielist.models import Notification, User
from mymovielist.services import social

HTMX = {"HX-Request": "true"}


def _login(app, username):
    client = app.test_client()
    AuthActions(client).login(username)
    return client


@pytest.fixture
def users(app, make_user):
    return {name: make_user(name) for name in ("alice", "bob", "carol")}


def _notes(app, user_id) -> list[tuple[str, int | None, bool]]:
    with app.app_context():
        return [(n.kind, n.actor_id, n.read_at is not None) for n in db.session.scalars(
            select(Notification).where(Notification.user_id == user_id).order_by(Notification.id))]


def _bell_count(html: str) -> int:
    found = re.search(r'<span class="bell-count" aria-hidden="true">(\d+)</span>', html)
    return int(found.group(1)) if found else 0


def test_a_new_follower_is_notified_once(app, users):
    alice = _login(app, "alice")
    alice.post("/users/bob/follow")
    alice.post("/users/bob/follow")  # unfollow
    alice.post("/users/bob/follow")  # follow again: a second notification, as a new follow
    assert _notes(app, users["bob"]) == [("follow", users["alice"], False), ("follow", users["alice"], False)]
    assert _notes(app, users["alice"]) == []


def test_followers_hear_of_a_new_review_but_not_of_an_edit(app, users, make_title):
    movie = make_title("movie", "Heat")
    _login(app, "alice").post("/users/bob/follow")
    _login(app, "carol").post("/users/bob/follow")
    bob = _login(app, "bob")
    bob.post(f"/titles/{movie}/reviews", data={"body": "Good."})
    bob.post(f"/titles/{movie}/reviews", data={"body": "Very good."})
    for name in ("alice", "carol"):
        assert _notes(app, users[name]) == [("review", users["bob"], False)]
    page = _login(app, "alice").get("/notifications").get_data(as_text=True)
    assert "reviewed" in page and ">Heat</a>" in page and "/reviews/1" in page


def test_private_reviewers_do_not_notify(app, users, make_user, make_title):
    movie = make_title("movie", "Heat")
    make_user("hermit", is_private=True)
    _login(app, "alice").post("/users/hermit/follow")
    _login(app, "hermit").post(f"/titles/{movie}/reviews", data={"body": "Quiet."})
    assert _notes(app, users["alice"]) == []


def test_bell_shows_the_unread_count_and_polls_cheaply(app, users):
    for name in ("alice", "carol"):
        _login(app, name).post("/users/bob/follow")
    bob = _login(app, "bob")
    page = bob.get("/").get_data(as_text=True)
    assert 'id="notification-bell"' in page and 'hx-trigger="every 60s"' in page and _bell_count(page) == 2
    statements: list[str] = []
    listener = lambda *args: statements.append(args[2])
    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", listener)
    try:
        response = bob.get("/notifications/count", headers=HTMX)
    finally:
        with app.app_context():
            event.remove(db.engine, "before_cursor_execute", listener)
    assert response.status_code == 200 and "<html" not in response.get_data(as_text=True)
    assert _bell_count(response.get_data(as_text=True)) == 2
    counts = [s for s in statements if "notifications" in s]
    assert len(counts) == 1 and "count(*)" in counts[0].lower()
    assert app.test_client().get("/notifications/count").get_data() == b""


def test_mark_one_and_all_read(app, users):
    for name in ("alice", "carol"):
        _login(app, name).post("/users/bob/follow")
    bob = _login(app, "bob")
    with app.app_context():
        first, _ = db.session.scalars(select(Notification.id).order_by(Notification.id)).all()
    response = bob.post(f"/notifications/{first}/read", headers=HTMX)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "<html" not in html and 'id="notification-list"' in html
    assert 'hx-swap-oob="true"' in html and _bell_count(html) == 1
    assert json.loads(response.headers["HX-Trigger"])["toast"]["level"] == "success"
    assert [read for *_, read in _notes(app, users["bob"])] == [True, False]
    assert bob.post(f"/notifications/{first}/read").status_code == 302  # again: still fine
    response = bob.post("/notifications/read-all")
    assert response.status_code == 302 and response.location == "/notifications"
    assert [read for *_, read in _notes(app, users["bob"])] == [True, True]
    assert _bell_count(bob.get("/").get_data(as_text=True)) == 0
    with app.app_context():
        assert social.mark_all_read(db.session.get(User, users["bob"])) == 0


def test_nobody_reads_or_marks_another_users_notifications(app, users):
    _login(app, "alice").post("/users/bob/follow")
    with app.app_context():
        note_id = db.session.scalar(select(Notification.id))
    carol = _login(app, "carol")
    assert carol.post(f"/notifications/{note_id}/read").status_code == 404
    assert carol.post(f"/notifications/{note_id}/read", headers=HTMX).status_code == 404
    assert carol.post("/notifications/read-all").status_code == 302
    assert "followed you" not in carol.get("/notifications").get_data(as_text=True)
    assert _notes(app, users["bob"]) == [("follow", users["alice"], False)]
    visitor = app.test_client()
    assert visitor.post(f"/notifications/{note_id}/read").status_code == 302
    assert visitor.get("/notifications").status_code == 302
    assert _notes(app, users["bob"]) == [("follow", users["alice"], False)]


def test_notifications_page_lists_newest_first_and_pages(app, users):
    with app.app_context():
        bob, alice = db.session.get(User, users["bob"]), db.session.get(User, users["alice"])
        for _ in range(social.PER_PAGE + 2):
            social.notify(bob, "follow", alice)
        db.session.commit()
    client = _login(app, "bob")
    first = client.get("/notifications").get_data(as_text=True)
    assert first.count("followed you.") == social.PER_PAGE and 'rel="next"' in first
    second = client.get("/notifications?page=2").get_data(as_text=True)
    assert second.count("followed you.") == 2 and 'rel="prev"' in second
    assert client.get("/notifications?page=x").status_code == 400


def test_deleting_a_review_withdraws_its_notifications_and_feed_lines(app, users, make_title):
    movie = make_title("movie", "Heat")
    alice = _login(app, "alice")
    alice.post("/users/bob/follow")
    bob = _login(app, "bob")
    bob.post(f"/titles/{movie}/reviews", data={"body": "Good."})
    assert _notes(app, users["alice"]) == [("review", users["bob"], False)]
    assert "reviewed" in alice.get("/feed").get_data(as_text=True)
    assert bob.post("/reviews/1/delete").status_code == 302
    assert _notes(app, users["alice"]) == []
    assert "reviewed" not in alice.get("/feed").get_data(as_text=True)
    assert _notes(app, users["bob"]) == [("follow", users["alice"], False)]
