"""services/visibility.py: one rule for every page and API endpoint showing a user's data; follow requests.

A private profile's data is its owner's, the admins' and its approved followers'; for everyone else
(a stranger, a visitor, someone whose follow request waits) every page of it is not found (404).
"""

from __future__ import annotations

import json

import pytest
from conftest import AuthActions
from sqlalchemy import select

from mymovielist.extensions import db
from mymovielist.models import Follow, Notification, Title, User, utcnow
from mymovielist.services import api_tokens, lists, reviews, social, tracking, visibility

HTMX = {"HX-Request": "true"}
VIEWERS = ("owner", "admin", "friend", "asker", "stranger", "visitor")
SEES = {"owner", "admin", "friend"}  # the owner, an admin, an approved follower


@pytest.fixture
def hermit(app, make_user, make_title):
    """A private profile with a list, favourites, stats, activity, custom lists and a review; its viewers."""
    ids = {"owner": make_user("hermit", is_private=True, bio="A secret bio.")}
    ids.update(admin=make_user("root", role="admin"), friend=make_user("friend"),
               asker=make_user("asker"), stranger=make_user("stranger"))
    title_id = make_title("movie", "Stalker")
    with app.app_context():
        users = {name: db.session.get(User, uid) for name, uid in ids.items()}
        owner, title = users["owner"], db.session.get(Title, title_id)
        tracking.set_rating(owner, title, 90)
        tracking.toggle_favourite(owner, title)
        review, _ = reviews.save_review(owner, title, "Hidden words about the Zone.", False)
        public = lists.create_list(owner, "Open shelf")
        lists.add_item(public, title)
        secret = lists.create_list(owner, "Locked shelf", is_public=False)
        for name in ("friend", "asker"):
            social.follow(users[name], owner)
        assert social.answer_request(owner, users["friend"], approve=True)
        tokens = {name: api_tokens.create_token(users[name], "t", "read")[1] for name in ids}
        db.session.commit()
        return {**ids, "title": title_id, "review": review.id, "public": public.id, "secret": secret.id,
                "tokens": tokens}


def _client(app, hermit, viewer: str):
    client = app.test_client()
    if viewer != "visitor":
        name = {"owner": "hermit", "admin": "root"}.get(viewer, viewer)
        assert AuthActions(client).login(name).status_code == 302
    return client


PAGES = {
    "list": "/users/hermit/list",
    "favourites": "/users/hermit/list?favourites=1",
    "stats": "/users/hermit/stats",
    "year in review": "/users/hermit/stats/{year}",
    "activity": "/users/hermit/activity",
    "activity fragment": "/users/hermit/activity",
    "custom lists page": "/users/hermit/lists",
    "a public custom list": "/lists/{public}",
    "a review": "/reviews/{review}",
}


@pytest.mark.parametrize("viewer", VIEWERS)
@pytest.mark.parametrize("page", PAGES)
def test_every_page_of_a_private_users_data_answers_one_way(app, hermit, page, viewer):
    client = _client(app, hermit, viewer)
    headers = {**HTMX, "HX-Target": "activity-list"} if page == "activity fragment" else {}
    response = client.get(PAGES[page].format(year=utcnow().year, **hermit), headers=headers)
    assert response.status_code == (200 if viewer in SEES else 404), (page, viewer)


@pytest.mark.parametrize("viewer", VIEWERS)
def test_the_api_answers_the_same(app, hermit, viewer):
    headers = {"Authorization": f"Bearer {hermit['tokens'][viewer]}"} if viewer != "visitor" else {}
    response = app.test_client().get("/api/v1/users/hermit/list", headers=headers)
    assert response.status_code == (200 if viewer in SEES else 404), viewer
    if viewer in SEES:
        assert [item["title"]["title"] for item in response.get_json()["items"]] == ["Stalker"]


@pytest.mark.parametrize("viewer", VIEWERS)
def test_profile_sections_and_a_titles_reviews_follow_the_rule(app, hermit, viewer):
    client = _client(app, hermit, viewer)
    profile = client.get("/users/hermit")
    assert profile.status_code == 200  # the name is public: it is how one asks to follow
    html = profile.get_data(as_text=True)
    for section in ("A secret bio.", "Favourites", "Recent activity", "Stats and year in review"):
        assert (section in html) == (viewer in SEES), (section, viewer)
    reviews_page = client.get(f"/titles/{hermit['title']}/reviews").get_data(as_text=True)
    assert ("Hidden words about the Zone." in reviews_page) == (viewer in SEES), viewer


@pytest.mark.parametrize("viewer", VIEWERS)
def test_a_private_custom_list_stays_its_owners_even_for_approved_followers(app, hermit, viewer):
    client = _client(app, hermit, viewer)
    assert client.get(f"/lists/{hermit['secret']}").status_code == (200 if viewer in ("owner", "admin") else 404)
    if viewer in SEES:
        page = client.get("/users/hermit/lists").get_data(as_text=True)
        assert "Open shelf" in page and ("Locked shelf" in page) == (viewer != "friend")


def test_can_see_is_the_rule(app, hermit):
    with app.app_context():
        users = {name: db.session.get(User, hermit[name]) for name in VIEWERS if name != "visitor"}
        owner = users["owner"]
        for name, user in users.items():
            assert visibility.can_see(user, owner) == (name in SEES), name
        assert not visibility.can_see(None, owner)
        owner.profile.is_private = False
        assert all(visibility.can_see(user, owner) for user in (*users.values(), None))


def test_following_a_private_user_is_a_request_they_approve_or_decline(app, hermit, make_user):
    make_user("newcomer")
    newcomer = _client(app, hermit, "newcomer")
    response = newcomer.post("/users/hermit/follow")
    assert response.status_code == 302
    assert "You asked to follow hermit" in newcomer.get("/").get_data(as_text=True)
    profile = newcomer.get("/users/hermit").get_data(as_text=True)
    assert "Requested<" in profile and "A secret bio." not in profile and "0 followers" not in profile
    assert newcomer.get("/users/hermit/list").status_code == 404
    assert "Stalker" not in newcomer.get("/feed").get_data(as_text=True)
    with app.app_context():
        newcomer_id = db.session.scalar(select(User.id).where(User.username == "newcomer"))
        assert db.session.get(Follow, (newcomer_id, hermit["owner"])).status == "pending"

    owner = _client(app, hermit, "owner")
    notes = owner.get("/notifications").get_data(as_text=True)
    assert "<strong>newcomer</strong></a>" in notes and "asked to follow you." in notes
    assert "2 follow requests" in owner.get("/users/hermit").get_data(as_text=True)
    page = owner.get("/follow-requests").get_data(as_text=True)
    assert 'action="/follow-requests/newcomer/approve"' in page and 'action="/follow-requests/asker/decline"' in page
    assert "/follow-requests/friend/" not in page  # approved already

    response = owner.post("/follow-requests/newcomer/approve")  # no JavaScript: a form post and a redirect
    assert response.status_code == 302 and response.location == "/follow-requests"
    assert newcomer.get("/users/hermit/list").status_code == 200
    assert "A secret bio." in newcomer.get("/users/hermit").get_data(as_text=True)
    assert "approved your follow request." in newcomer.get("/notifications").get_data(as_text=True)
    assert "Stalker" in newcomer.get("/feed").get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Follow, (newcomer_id, hermit["owner"])).status == "approved"

    response = owner.post("/follow-requests/asker/decline", headers=HTMX)
    assert response.status_code == 200 and "<html" not in response.get_data(as_text=True)
    assert json.loads(response.headers["HX-Trigger"])["toast"]["message"] == "You declined asker's request."
    assert "asker" not in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Follow, (hermit["asker"], hermit["owner"])) is None
    assert _client(app, hermit, "asker").get("/users/hermit/list").status_code == 404
    assert owner.post("/follow-requests/asker/approve").status_code == 404  # nothing to answer any more
    assert owner.post("/follow-requests/nobody/approve").status_code == 404
    assert owner.post("/follow-requests/newcomer/shrug").status_code == 404


def test_a_request_can_be_withdrawn_and_counts_for_nothing_meanwhile(app, hermit):
    asker = _client(app, hermit, "asker")
    assert "1 follower " in asker.get("/users/hermit").get_data(as_text=True)  # friend, not asker
    response = asker.post("/users/hermit/follow", headers=HTMX)
    assert json.loads(response.headers["HX-Trigger"])["toast"]["message"] == "You no longer follow hermit."
    with app.app_context():
        assert db.session.get(Follow, (hermit["asker"], hermit["owner"])) is None


def test_approved_followers_get_the_private_users_feed_and_review_notifications_pending_ones_do_not(app, hermit):
    with app.app_context():
        owner = db.session.get(User, hermit["owner"])
        title = db.session.get(Title, hermit["title"])
        reviews.delete_review(db.session.scalar(select(reviews.Review).where(reviews.Review.user_id == owner.id)))
        reviews.save_review(owner, title, "A second look.", False)
        db.session.commit()
        told = set(db.session.scalars(select(Notification.user_id).where(Notification.kind == "review")))
    assert told == {hermit["friend"]}
    assert "Stalker" in _client(app, hermit, "friend").get("/feed").get_data(as_text=True)
    assert "Stalker" not in _client(app, hermit, "asker").get("/feed").get_data(as_text=True)


def test_a_public_profile_is_followed_at_once(app, hermit, make_user):
    make_user("open")
    stranger = _client(app, hermit, "stranger")
    stranger.post("/users/open/follow")
    with app.app_context():
        open_id = db.session.scalar(select(User.id).where(User.username == "open"))
        assert db.session.get(Follow, (hermit["stranger"], open_id)).status == "approved"


def test_making_the_profile_public_turns_waiting_requests_into_follows(app, hermit):
    owner = _client(app, hermit, "owner")
    response = owner.post("/settings/profile", data={"display_name": "", "bio": "Open now.", "avatar_url": ""})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Follow, (hermit["asker"], hermit["owner"])).status == "approved"
    assert "2 followers" in owner.get("/users/hermit").get_data(as_text=True)
    assert "Stalker" in _client(app, hermit, "asker").get("/feed").get_data(as_text=True)
