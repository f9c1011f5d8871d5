"""Deleting an account, by its owner (/settings/delete) or by an admin (/admin): what it leaves behind.

The deleted user's ratings leave the titles' counts, means and weighted scores in the same
transaction, pages show the new numbers at once, and nothing of theirs lingers in other users' data.
"""

from __future__ import annotations

import pytest
from conftest import PASSWORD, AuthActions
from sqlalchemy import func, select

from mymovielist.extensions import db
from mymovielist.models import Activity, Follow, Notification, Title, TrendingScore, User
from mymovielist.services import lists, ratings, reviews, social, tracking, trending


def _client(app, username: str | None = None):
    client = app.test_client()
    if username:
        AuthActions(client).login(username)
    return client


def _delete_self(app, ids):
    client = _client(app, "leaver")
    response = client.post("/settings/delete", data={"confirm_username": "leaver", "password": PASSWORD})
    assert response.status_code == 302


def _delete_by_admin(app, ids):
    client = _client(app, "root")
    token = AuthActions(client).csrf_token("/admin/")
    response = client.post(f"/admin/users/{ids['leaver']}/delete", data={"csrf_token": token, "confirm": "leaver"})
    assert response.status_code == 302


DELETIONS = pytest.mark.parametrize("delete", [_delete_self, _delete_by_admin], ids=["self", "admin"])


@pytest.fixture
def world(app, make_user, make_title):
    """leaver rates, reviews, favourites, lists and follows; stayer rates some of the same titles."""
    ids = {name: make_user(name) for name in ("leaver", "stayer")}
    ids["root"] = make_user("root", role="admin")
    titles = {name: make_title("movie", name) for name in ("Heat", "Alien", "Brazil", "Ran")}
    ids.update(titles)
    with app.app_context():
        leaver, stayer = db.session.get(User, ids["leaver"]), db.session.get(User, ids["stayer"])
        t = {name: db.session.get(Title, title_id) for name, title_id in titles.items()}
        tracking.set_rating(leaver, t["Heat"], 90)
        tracking.set_rating(leaver, t["Alien"], 40)
        tracking.set_rating(leaver, t["Brazil"], 100)  # only leaver rated it: back to unrated
        tracking.set_rating(stayer, t["Heat"], 60)
        tracking.set_rating(stayer, t["Alien"], 70)
        tracking.set_rating(stayer, t["Ran"], 80)  # untouched by leaver, but C moves
        tracking.toggle_favourite(leaver, t["Alien"])
        reviews.save_review(leaver, t["Ran"], "A masterpiece.", False)
        custom = lists.create_list(leaver, "Best")
        lists.add_item(custom, t["Heat"])
        social.follow(stayer, leaver)
        social.follow(leaver, stayer)
        db.session.commit()
    return ids


def _stored(app) -> dict[int, tuple]:
    with app.app_context():
        return {t.id: (t.rating_count, t.mean_score, t.weighted_score) for t in db.session.scalars(select(Title))}


def _assert_aggregates_exact(app, title_ids) -> None:
    """The titles' stored count, mean and weighted score equal a recomputation from list_entries."""
    stored = _stored(app)
    with app.app_context():
        expected = ratings.expected_aggregates()
    for title_id in title_ids:
        want, got = expected.get(title_id, (0, None, None)), stored[title_id]
        assert got[0] == want[0], (title_id, got, want)
        for value, exp in zip(got[1:], want[1:], strict=True):
            assert (value is None) == (exp is None) and (value is None or abs(value - exp) < 1e-9), (title_id, got, want)


@DELETIONS
def test_deletion_takes_the_users_ratings_out_of_the_aggregates(app, world, delete):
    before = _stored(app)
    assert before[world["Heat"]][:2] == (2, 75.0) and before[world["Brazil"]][:2] == (1, 100.0)
    delete(app, world)
    with app.app_context():
        assert db.session.get(User, world["leaver"]) is None
    after = _stored(app)
    assert after[world["Heat"]][:2] == (1, 60.0)
    assert after[world["Alien"]][:2] == (1, 70.0)
    assert after[world["Brazil"]] == (0, None, None)
    # The titles the user rated are exact; others' weighted scores may follow C at the next job
    # (the incremental refresh of branch perf), their counts and means never move.
    _assert_aggregates_exact(app, [world[name] for name in ("Heat", "Alien", "Brazil")])
    assert after[world["Ran"]][:2] == before[world["Ran"]][:2] == (1, 80.0)


@DELETIONS
def test_pages_show_the_new_numbers_at_once(app, world, delete):
    visitor = _client(app)
    heat = f"/titles/{world['Heat']}"
    assert "(2 ratings ·" in visitor.get(heat).get_data(as_text=True)  # now in the visitors' page cache
    top = visitor.get("/top").get_data(as_text=True)
    assert "Brazil" in top
    delete(app, world)
    page = visitor.get(heat).get_data(as_text=True)
    assert "6.0/10 <span class=\"muted\">(1 rating ·" in page and "(2 ratings" not in page
    assert f"/titles/{world['Brazil']}" not in visitor.get("/top").get_data(as_text=True)


def _trending_titles(app) -> set[int]:
    """The titles the trending-scores job finds active (every test title has no provider popularity)."""
    with app.app_context():
        trending.refresh_trending()
        db.session.commit()
        return set(db.session.scalars(select(TrendingScore.title_id).where(TrendingScore.activity > 0)))


@DELETIONS
def test_nothing_of_the_user_lingers_in_other_users_data(app, world, delete):
    assert world["Brazil"] in _trending_titles(app)  # only leaver did anything with it
    stayer = _client(app, "stayer")
    assert "/users/leaver" in stayer.get("/users/stayer/activity").get_data(as_text=True)
    delete(app, world)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Follow)) == 0
        assert db.session.scalar(select(func.count()).select_from(Notification)) == 0
        # stayer's "followed leaver" line pointed at a profile that no longer exists
        left = [(a.user_id, a.verb) for a in db.session.scalars(select(Activity))]
        assert left and all(user_id == world["stayer"] and verb != "followed" for user_id, verb in left), left
        assert social.count_follows(db.session.get(User, world["stayer"])) == social.FollowCounts(0, 0)
    assert _trending_titles(app) == {world["Heat"], world["Alien"], world["Ran"]}  # the job's next run
    for path in ("/users/stayer", "/users/stayer/activity", "/feed", f"/titles/{world['Ran']}/reviews"):
        page = stayer.get(path).get_data(as_text=True)
        assert "leaver" not in page, path
    assert "0 followers · 0 following" in stayer.get("/users/stayer").get_data(as_text=True)
