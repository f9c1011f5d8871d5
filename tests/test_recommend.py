"""Recommendations on small catalogs where the right answer is known."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pytest
from sqlalchemy import func, select

from mymovielist.discover import tasks
from mymovielist.extensions import db
from mymovielist.models import ListEntry, TitleNeighbour, User, utcnow
from mymovielist.services import recommend
from mymovielist.sync.records import CreditRecord, ExternalRef, PersonRecord


def add(user_id: int, title_id: int, score: int | None = None, status: str = "completed", age_days: float = 0,
        progress: int = 0):
    moment = utcnow() - timedelta(days=age_days)
    db.session.add(ListEntry(user_id=user_id, title_id=title_id, score=score, status=status, progress=progress,
                             created_at=moment, updated_at=moment))


@pytest.fixture
def clusters(app, make_title, make_user):
    """Two taste clusters of four movies each, no genres or people: only ratings can tell them apart."""
    a = [make_title("movie", f"Alpha {i}", popularity=10.0) for i in range(4)]
    b = [make_title("movie", f"Beta {i}", popularity=10.0) for i in range(4)]
    fans_a = [make_user(f"fan_a{i}") for i in range(4)]
    fans_b = [make_user(f"fan_b{i}") for i in range(4)]
    with app.app_context():
        for fans, liked, disliked in ((fans_a, a, b), (fans_b, b, a)):
            for user in fans:
                for title in liked:
                    add(user, title, 90)
                add(user, disliked[0], 30)
        db.session.commit()
    return a, b


def recommendations(app, user_id: int, **kwargs) -> list[recommend.Recommendation]:
    with app.app_context():
        picks = recommend.recommend_for(db.session.get(User, user_id), **kwargs)
        return [recommend.Recommendation(p.title.title, p.score, p.reason) for p in picks]  # type: ignore[arg-type]


def test_signals_centre_each_users_scores_and_fall_back_to_status():
    users = np.array([0, 0, 0, 1, 1])
    scores = np.array([90.0, 50.0, -1.0, 70.0, 70.0])
    implicit = np.array([1.0, 1.0, 0.5, 1.0, -1.0])
    out = recommend.signals(users, scores, implicit)
    assert out.tolist() == [2.0, 0.0, 0.5, 1.0, 1.0]  # user 0's mean is 70; unscored keeps its status value


def test_two_taste_clusters_get_their_own_cluster(app, clusters, make_user):
    a, b = clusters
    newcomer = make_user("newcomer")
    with app.app_context():
        add(newcomer, a[0], 90)
        add(newcomer, a[1], 80)
        db.session.commit()
        assert "neighbour rows written" in tasks.rebuild_neighbours()
    picks = recommendations(app, newcomer, limit=2)
    assert {p.title for p in picks} == {"Alpha 2", "Alpha 3"}
    assert all(p.reason in ("Because you rated Alpha 0 9/10", "Because you rated Alpha 1 8/10") for p in picks)
    assert all(p.score > 0 for p in picks)


def test_the_other_cluster_gets_the_other_titles(app, clusters, make_user):
    a, b = clusters
    fan = make_user("fan")
    with app.app_context():
        add(fan, b[2], 100)
        db.session.commit()
        tasks.rebuild_neighbours()
    picks = recommendations(app, fan, limit=3)
    assert {p.title for p in picks} == {"Beta 0", "Beta 1", "Beta 3"}


def test_tracked_titles_are_never_recommended(app, clusters, make_user):
    a, b = clusters
    user = make_user("tracker")
    with app.app_context():
        add(user, a[0], 90)
        add(user, a[2], None, status="planned")
        db.session.commit()
        tasks.rebuild_neighbours()
    titles = [p.title for p in recommendations(app, user, limit=50)]
    assert "Alpha 0" not in titles and "Alpha 2" not in titles
    assert titles[:2] in (["Alpha 1", "Alpha 3"], ["Alpha 3", "Alpha 1"])
    assert len(titles) == len(set(titles))


def test_explanations_use_the_users_score_scale(app, clusters, make_user):
    a, _ = clusters
    user = make_user("hundred")
    with app.app_context():
        db.session.get(User, user).preferences.score_scale = "100"
        add(user, a[0], 85)
        db.session.commit()
        tasks.rebuild_neighbours()
    assert recommendations(app, user, limit=1)[0].reason == "Because you rated Alpha 0 85/100"


def test_unscored_entries_explain_by_status(app, clusters, make_user):
    a, _ = clusters
    user = make_user("watcher")
    with app.app_context():
        add(user, a[1], None, status="watching")
        db.session.commit()
        tasks.rebuild_neighbours()
    assert recommendations(app, user, limit=1)[0].reason == "Because you are watching Alpha 1"


def test_kind_filter(app, clusters, make_title, make_user):
    a, _ = clusters
    anime = make_title("anime", "Gamma", popularity=1.0)
    user = make_user("kinds")
    with app.app_context():
        for fan in ("fan_a0", "fan_a1"):
            add(db.session.scalar(select(User.id).where(User.username == fan)), anime, 90)
        add(user, a[0], 90)
        db.session.commit()
        tasks.rebuild_neighbours()
    only_anime = recommendations(app, user, kind="anime")
    assert [p.title for p in only_anime][0] == "Gamma"
    assert all(p.title != "Alpha 1" for p in only_anime)
    assert "Gamma" not in [p.title for p in recommendations(app, user, kind="movie")]
    with pytest.raises(ValueError):
        recommendations(app, user, kind="book")


def test_cold_start_user_gets_popular_picks_with_a_reason(app, clusters, make_title, make_user):
    hit = make_title("movie", "Blockbuster", popularity=999.0)
    user = make_user("cold")
    with app.app_context():
        tasks.rebuild_neighbours()
    picks = recommendations(app, user, limit=3)
    assert picks[0].title == "Blockbuster"
    assert {p.reason for p in picks} == {"Popular right now"}
    assert hit


def test_thin_list_gets_its_favourite_genres(app, make_title, make_user):
    liked = make_title("movie", "Solaris", genres=["Drama", "Science Fiction"])
    make_title("movie", "Stalker", genres=["Drama", "Science Fiction"], popularity=5.0)
    make_title("movie", "Comedy Hour", genres=["Comedy"], popularity=500.0)
    user = make_user("thin")
    with app.app_context():
        add(user, liked, 90)
        db.session.commit()  # no neighbour table yet: the job has not run
    picks = recommendations(app, user, limit=1)
    assert picks[0].title == "Stalker"
    assert picks[0].reason == "Because you like Drama and Science Fiction"


def test_a_title_nobody_rated_gets_content_neighbours(app, make_title):
    director = CreditRecord(PersonRecord("Andrei Tarkovsky", ref=ExternalRef("tmdb", "person", "8452")), "crew",
                            job="Director")
    solaris = make_title("movie", "Solaris", genres=["Drama", "Science Fiction"], credits=[director])
    stalker = make_title("movie", "Stalker", genres=["Drama", "Science Fiction"], credits=[director])
    make_title("movie", "Unrelated", genres=["Comedy"])
    with app.app_context():
        tasks.rebuild_neighbours()
        rows = db.session.execute(
            select(TitleNeighbour.neighbour_id, TitleNeighbour.source, TitleNeighbour.score)
            .where(TitleNeighbour.title_id == solaris).order_by(TitleNeighbour.score.desc())
        ).all()
    assert rows[0][:2] == (stalker, "content") and rows[0][2] > 0
    assert len(rows) == 1  # the comedy shares nothing, so it is no neighbour at all


def test_rebuild_replaces_the_table(app, clusters):
    with app.app_context():
        first = recommend.rebuild_neighbours()
        db.session.commit()
        second = recommend.rebuild_neighbours()
        db.session.commit()
        count = db.session.scalar(select(func.count()).select_from(TitleNeighbour))
    assert first == second == count > 0


def test_rebuild_on_an_empty_catalog(app):
    with app.app_context():
        assert recommend.rebuild_neighbours() == 0


def test_continue_watching_lists_titles_in_progress_newest_first(app, make_title, make_user):
    old, new, done = (make_title("series", name) for name in ("Old show", "New show", "Done show"))
    user = make_user("viewer")
    with app.app_context():
        add(user, old, status="watching", age_days=5, progress=2)
        add(user, new, status="watching", age_days=1, progress=1)
        add(user, done, status="completed")
        db.session.commit()
        titles = [t.title for t in recommend.list_in_progress(db.session.get(User, user))]
    assert titles == ["New show", "Old show"]


def test_recommendations_are_memoized_until_the_list_or_the_neighbours_change(app, clusters, make_user, monkeypatch):
    a, _ = clusters
    user = make_user("memo")
    with app.app_context():
        add(user, a[0], 90)
        db.session.commit()
        tasks.rebuild_neighbours()
    runs = []
    original = recommend._collaborative
    monkeypatch.setattr(recommend, "_collaborative", lambda *args: runs.append(1) or original(*args))
    first = recommendations(app, user, limit=3)
    assert recommendations(app, user, limit=3) == first and len(runs) == 1

    with app.app_context():  # the user tracks one of the picks: it must go at once
        add(user, a[1], 80)
        db.session.commit()
    assert "Alpha 1" not in {p.title for p in recommendations(app, user, limit=3)} and len(runs) == 2

    with app.app_context():
        tasks.rebuild_neighbours()
    recommendations(app, user, limit=3)
    assert len(runs) == 3
