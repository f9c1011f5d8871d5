"""Social: follow and unfollow (idempotent), the profile's activity and follow button, the feed."""

from __future__ import annotations

import json

import pytest
from conftest import AuthActions
from sqlalchemy import func, select

from mymovielist.extensions import db
from mymovielist.models import Follow, Title, User
from mymovielist.services import activity, social

HTMX = {"HX-Request": "true"}


def _login(app, username):
    client = app.test_client()
    AuthActions(client).login(username)
    return client


@pytest.fixture
def users(app, make_user):
    return {name: make_user(name) for name in ("alice", "bob", "carol")}


def _follows(app) -> set[tuple[int, int]]:
    with app.app_context():
        return {(f.follower_id, f.followed_id) for f in db.session.scalars(select(Follow))}


def test_follow_button_toggles_without_and_with_htmx(app, users):
    alice = _login(app, "alice")
    response = alice.post("/users/bob/follow")
    assert response.status_code == 302 and response.location == "/users/bob"
    assert _follows(app) == {(users["alice"], users["bob"])}
    page = alice.get("/users/bob").get_data(as_text=True)
    assert 'aria-pressed="true"' in page and "1 follower " in page
    response = alice.post("/users/bob/follow", headers=HTMX)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "<html" not in html and html.lstrip().startswith('<div id="follow-button"') and "Follow<" in html
    assert json.loads(response.headers["HX-Trigger"])["toast"]["message"] == "You no longer follow bob."
    assert "HX-Request" in response.headers["Vary"]
    assert _follows(app) == set()


def test_follow_and_unfollow_are_idempotent(app, users):
    with app.app_context():
        alice, bob = db.session.get(User, users["alice"]), db.session.get(User, users["bob"])
        assert social.follow(alice, bob) is True
        assert social.follow(alice, bob) is False
        assert db.session.scalar(select(func.count()).select_from(Follow)) == 1
        assert social.count_follows(bob) == social.FollowCounts(followers=1, following=0)
        assert social.unfollow(alice, bob) is True
        assert social.unfollow(alice, bob) is False
        assert db.session.scalar(select(func.count()).select_from(Follow)) == 0
        with pytest.raises(social.SocialError):
            social.follow(alice, alice)


def test_self_follow_and_unknown_users_are_refused(app, users):
    alice = _login(app, "alice")
    response = alice.post("/users/alice/follow")
    assert response.status_code == 400 and "You cannot follow yourself." in response.get_data(as_text=True)
    response = alice.post("/users/alice/follow", headers=HTMX)
    assert response.status_code == 400 and response.get_data() == b""
    assert alice.post("/users/nobody/follow").status_code == 404
    assert _follows(app) == set()
    assert "follow-button" in alice.get("/users/alice").get_data(as_text=True)
    assert 'aria-pressed' not in alice.get("/users/alice").get_data(as_text=True)


def test_visitors_cannot_follow(app, users):
    visitor = app.test_client()
    response = visitor.post("/users/bob/follow")
    assert response.status_code == 302 and "/auth/login" in response.location
    assert visitor.post("/users/bob/follow", headers=HTMX).status_code == 401
    assert _follows(app) == set()
    assert "Log in to follow" in visitor.get("/users/bob").get_data(as_text=True)


def test_profile_shows_activity_unless_private(app, users, make_title):
    movie = make_title("movie", "Heat")
    bob = _login(app, "bob")
    bob.post(f"/titles/{movie}/reviews", data={"body": "Good."})
    bob.post("/users/carol/follow")
    visitor = app.test_client()
    page = visitor.get("/users/bob").get_data(as_text=True)
    assert "Recent activity" in page and "reviewed" in page and 'href="/users/carol">carol</a>' in page
    activity_page = visitor.get("/users/bob/activity")
    assert activity_page.status_code == 200 and "reviewed" in activity_page.get_data(as_text=True)
    fragment = visitor.get("/users/bob/activity", headers={**HTMX, "HX-Target": "activity-list"})
    assert "<html" not in fragment.get_data(as_text=True) and "reviewed" in fragment.get_data(as_text=True)
    with app.app_context():
        db.session.get(User, users["bob"]).profile.is_private = True
        db.session.commit()
    page = visitor.get("/users/bob").get_data(as_text=True)
    assert "Recent activity" not in page and "reviewed" not in page
    assert visitor.get("/users/bob/activity").status_code == 404
    assert _login(app, "alice").get("/users/bob/activity").status_code == 404
    assert "reviewed" in bob.get("/users/bob/activity").get_data(as_text=True)
    assert visitor.get("/users/nobody/activity").status_code == 404
    assert visitor.get("/users/bob/activity?page=0").status_code in (400, 404)


def test_feed_shows_only_followed_users_activity(app, users, make_title):
    movie, show = make_title("movie", "Heat"), make_title("series", "The Wire")
    _login(app, "bob").post(f"/titles/{movie}/reviews", data={"body": "Bob on Heat."})
    _login(app, "carol").post(f"/titles/{show}/reviews", data={"body": "Carol on The Wire."})
    alice = _login(app, "alice")
    alice.post("/users/bob/follow")
    alice.post(f"/titles/{show}/reviews", data={"body": "Alice's own."})
    page = alice.get("/feed")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert ">Heat</a>" in html and "The Wire</a>" not in html and ">bob<" in html
    fragment = alice.get("/feed", headers={**HTMX, "HX-Target": "feed-list"})
    assert "<html" not in fragment.get_data(as_text=True) and ">Heat</a>" in fragment.get_data(as_text=True)
    assert "Nothing here yet" in _login(app, "carol").get("/feed").get_data(as_text=True)
    response = app.test_client().get("/feed")
    assert response.status_code == 302 and "/auth/login" in response.location


def test_feed_partial_renders_for_the_home_page(app, users, make_title):
    from flask import render_template
    from flask_login import login_user

    movie = make_title("movie", "Heat")
    with app.app_context():
        alice, bob = db.session.get(User, users["alice"]), db.session.get(User, users["bob"])
        social.follow(alice, bob)
        activity.record(bob, "completed", db.session.get(Title, movie))
        db.session.commit()
        with app.test_request_context("/"):
            login_user(alice)
            html = render_template("social/_feed.html")
    assert 'id="feed-list"' in html and "completed" in html and "Heat" in html


def test_activity_lines_phrase_each_verb(app, users, make_title):
    movie = make_title("movie", "Heat")
    with app.app_context():
        bob = db.session.get(User, users["bob"])
        title = db.session.get(Title, movie)
        activity.record(bob, "rated", title, score=80)
        activity.record(bob, "status", title, status="on_hold")
        activity.record(bob, "favourited", title)
        db.session.commit()
    html = app.test_client().get("/users/bob/activity").get_data(as_text=True)
    assert "rated" in html and '<span class="score">8</span>' in html
    assert "marked" in html and "as on hold" in html and "favourited" in html


def test_activity_lines_name_statuses_in_the_words_of_the_titles_kind(app, users, make_title):
    manga = make_title("comic", "Monster", details={"format": "manga", "issue_count": 162})
    movie = make_title("movie", "Heat")
    alice = _login(app, "alice")
    alice.post("/users/bob/follow")
    bob = _login(app, "bob")
    bob.post(f"/titles/{manga}/entry", data={"status": "watching"})
    bob.post(f"/titles/{movie}/watchlist")
    with app.app_context():
        bob_user = db.session.get(User, users["bob"])
        activity.record(bob_user, "status", db.session.get(Title, manga), status="planned")
        db.session.commit()
    pages = {"activity": app.test_client().get("/users/bob/activity"), "profile": app.test_client().get("/users/bob"),
             "feed": alice.get("/feed")}
    for name, response in pages.items():
        text = " ".join(response.get_data(as_text=True).split())
        assert "Monster</a> <span class=\"muted\">(reading)</span>" in text, name
        assert "Monster</a> as plan to read" in text, name
        assert "Heat</a> <span class=\"muted\">(plan to watch)</span>" in text, name
        assert "(watching)" not in text and "(planned)" not in text and "as planned" not in text, name
