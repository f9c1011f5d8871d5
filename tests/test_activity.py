"""services/activity.py: recording, folding repeats, a user's activity, the followed-users feed."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import event, select

from mymovielist.extensions import db
from mymovielist.models import Activity, Follow, Title, User, utcnow
from mymovielist.services import activity


@pytest.fixture
def people(app, make_user, make_title):
    ids = {name: make_user(name) for name in ("alice", "bob", "carol", "dave")}
    ids["movie"] = make_title("movie", "Heat")
    ids["show"] = make_title("series", "The Wire")
    return ids


def _follow(follower: int, followed: int, status: str = "approved") -> None:
    db.session.add(Follow(follower_id=follower, followed_id=followed, status=status))


def test_record_rejects_unknown_verbs(app, people):
    with app.app_context(), pytest.raises(ValueError):
        activity.record(db.session.get(User, people["alice"]), "hacked")


def test_record_folds_repeated_progress_but_not_other_titles_or_old_rows(app, people):
    with app.app_context():
        alice = db.session.get(User, people["alice"])
        movie, show = db.session.get(Title, people["movie"]), db.session.get(Title, people["show"])
        first = activity.record(alice, "progress", show, progress=1)
        again = activity.record(alice, "progress", show, progress=2)
        assert again.id == first.id and again.data == {"progress": 2}
        assert activity.record(alice, "progress", movie, progress=1).id != first.id
        first.created_at = utcnow() - timedelta(hours=2)
        db.session.flush()
        assert activity.record(alice, "progress", show, progress=3).id != first.id
        # Verbs that are events in their own right never fold.
        one = activity.record(alice, "reviewed", movie)
        assert activity.record(alice, "reviewed", movie).id != one.id
        assert db.session.query(Activity).count() == 5


def test_feed_shows_only_approved_follows_newest_first(app, people):
    with app.app_context():
        users = {name: db.session.get(User, people[name]) for name in ("alice", "bob", "carol", "dave")}
        movie = db.session.get(Title, people["movie"])
        _follow(people["alice"], people["bob"])
        _follow(people["alice"], people["dave"], "pending")  # a request dave has not approved
        _follow(people["carol"], people["alice"])
        activity.record(users["bob"], "added", movie)
        activity.record(users["carol"], "rated", movie, score=80)  # not followed by alice
        activity.record(users["alice"], "completed", movie)  # alice's own
        later = activity.record(users["bob"], "reviewed", movie)
        later.created_at = utcnow() + timedelta(seconds=5)
        users["dave"].profile.is_private = True
        activity.record(users["dave"], "favourited", movie)
        db.session.commit()

        feed = activity.feed_for(users["alice"])
        assert [(a.user.username, a.verb) for a in feed.items] == [("bob", "reviewed"), ("bob", "added")]
        assert not feed.has_next and not feed.has_prev
        assert [a.verb for a in activity.feed_for(users["carol"]).items] == ["completed"]
        assert activity.feed_for(users["bob"]).items == []


def test_feed_pages_and_runs_one_query_per_page(app, people):
    with app.app_context():
        alice, bob = db.session.get(User, people["alice"]), db.session.get(User, people["bob"])
        _follow(alice.id, bob.id)
        for n in range(25):
            title = db.session.get(Title, people["movie"] if n % 2 else people["show"])
            activity.record(bob, "reviewed", title, n=n)
        db.session.commit()
        db.session.expunge_all()

        statements: list[str] = []
        listener = lambda *args: statements.append(args[2])
        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            alice = db.session.get(User, people["alice"])
            statements.clear()
            first = activity.feed_for(alice, per_page=10)
            names = [(a.user.username, a.user.profile.display_name, a.title.title) for a in first.items]
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
        assert len(statements) == 1, statements
        assert len(names) == 10 and first.has_next
        assert [a.data["n"] for a in first.items] == list(range(24, 14, -1))
        third = activity.feed_for(alice, page=3, per_page=10)
        assert [a.data["n"] for a in third.items] == [4, 3, 2, 1, 0] and not third.has_next
        assert activity.feed_for(alice, page=0, per_page=10).page == 1


def test_retract_takes_back_an_undone_action_only(app, people):
    with app.app_context():
        alice, bob = db.session.get(User, people["alice"]), db.session.get(User, people["bob"])
        movie, show = db.session.get(Title, people["movie"]), db.session.get(Title, people["show"])
        activity.record(alice, "favourited", movie)
        activity.record(alice, "favourited", show)
        activity.record(bob, "favourited", movie)
        activity.record(alice, "completed", movie)
        assert activity.retract(alice, "favourited", movie) == 1
        left = {(a.user_id, a.verb, a.title_id) for a in db.session.scalars(select(Activity))}
        assert left == {(alice.id, "favourited", show.id), (bob.id, "favourited", movie.id),
                        (alice.id, "completed", movie.id)}
        assert activity.retract(alice, "favourited", movie) == 0
