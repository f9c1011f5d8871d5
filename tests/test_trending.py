"""Trending: decay, windows, kinds, the provider blend, the job and the empty-table fallback."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from mymovielist.extensions import db
from mymovielist.jobs.runner import run_job
from mymovielist.models import Activity, ListEntry, Review, TrendingScore, utcnow
from mymovielist.services import trending


def entry(user_id: int, title_id: int, age: timedelta, status: str = "completed") -> None:
    moment = utcnow() - age
    db.session.add(ListEntry(user_id=user_id, title_id=title_id, status=status, created_at=moment, updated_at=moment))


def names(page) -> list[str]:
    return [t.title for t in page.items]


def test_recent_activity_beats_old_activity(app, make_title, make_user):
    old, recent = make_title("movie", "Old news"), make_title("movie", "Fresh")
    users = [make_user(f"viewer{i}") for i in range(2)]
    with app.app_context():
        entry(users[0], old, timedelta(days=5))
        entry(users[1], recent, timedelta(hours=2))
        db.session.commit()
        written = trending.refresh_trending()
        db.session.commit()
        assert written["week"] == 2 and written["day"] == 1
        assert names(trending.list_trending(window="week")) == ["Fresh", "Old news"]
        assert names(trending.list_trending(window="day")) == ["Fresh"]  # five days old is out of today's window


def test_more_people_beat_fewer_at_the_same_age(app, make_title, make_user):
    quiet, busy = make_title("anime", "Quiet"), make_title("anime", "Busy")
    users = [make_user(f"fan{i}") for i in range(3)]
    with app.app_context():
        entry(users[0], quiet, timedelta(hours=1))
        for user in users[1:]:
            entry(user, busy, timedelta(hours=1))
        db.session.add(Activity(user_id=users[0], verb="rated", title_id=busy, created_at=utcnow()))
        db.session.commit()
        trending.refresh_trending()
        assert names(trending.list_trending(window="week")) == ["Busy", "Quiet"]


def test_one_user_counts_once_per_title(app, make_title, make_user):
    spammed, liked = make_title("movie", "Spammed"), make_title("movie", "Liked")
    spammer, a, b = make_user("spammer"), make_user("alice"), make_user("bob")
    with app.app_context():
        for _ in range(20):
            db.session.add(Activity(user_id=spammer, verb="rated", title_id=spammed, created_at=utcnow()))
        db.session.add(Review(user_id=spammer, title_id=spammed, body="again and again"))
        entry(a, liked, timedelta(hours=1))
        entry(b, liked, timedelta(hours=1))
        db.session.commit()
        trending.refresh_trending()
        assert names(trending.list_trending(window="day")) == ["Liked", "Spammed"]


def test_provider_popularity_blends_in_and_kinds_filter(app, make_title, make_user):
    ours = make_title("movie", "Ours")
    make_title("movie", "Their hit", popularity=500.0)
    make_title("comic", "Their comic", popularity=50.0)
    user = make_user("watcher")
    with app.app_context():
        entry(user, ours, timedelta(hours=1))
        db.session.commit()
        trending.refresh_trending()
        week = trending.list_trending(window="week")
        assert set(names(week)) == {"Ours", "Their hit", "Their comic"}
        assert names(trending.list_trending("comic", "week")) == ["Their comic"]
        assert names(trending.list_trending("movie", "week")) == ["Ours", "Their hit"]
        assert week.computed_at is not None


def test_refresh_replaces_the_previous_run(app, make_title):
    make_title("movie", "Popular", popularity=10.0)
    with app.app_context():
        for _ in range(2):
            trending.refresh_trending()
            db.session.commit()
        assert db.session.scalar(select(func.count()).select_from(TrendingScore)) == 3  # one row per window


def test_empty_table_falls_back_to_provider_popularity(app, make_title):
    make_title("movie", "Less", popularity=1.0)
    make_title("series", "More", popularity=9.0)
    with app.app_context():
        page = trending.list_trending(window="month")
        assert page.computed_at is None
        assert names(page) == ["More", "Less"]
        assert names(trending.list_trending("movie")) == ["Less"]


def test_pages(app, make_title):
    for i in range(5):
        make_title("movie", f"Movie {i}", popularity=float(10 - i))
    with app.app_context():
        first = trending.list_trending(per_page=2)
        last = trending.list_trending(page=3, per_page=2)
        assert names(first) == ["Movie 0", "Movie 1"] and first.has_next and not first.has_prev
        assert names(last) == ["Movie 4"] and not last.has_next and last.has_prev


@pytest.mark.parametrize("kwargs", [{"window": "year"}, {"kind": "book"}])
def test_unknown_window_or_kind(app, kwargs):
    with app.app_context(), pytest.raises(ValueError):
        trending.list_trending(**kwargs)


def test_the_job_is_registered_and_commits(app, make_title):
    make_title("movie", "Scheduled", popularity=3.0)
    with app.app_context():
        outcome = run_job("trending-scores")
        assert outcome == "day: 1 titles, week: 1 titles, month: 1 titles"
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(TrendingScore)) == 3


def test_top_rated_and_new(app, make_title):
    make_title("movie", "Few votes", provider_score=9.9, provider_votes=3)
    make_title("movie", "Good", provider_score=8.0, provider_votes=5000)
    make_title("movie", "Fine", provider_score=7.0, provider_votes=5000, release_date=date(2020, 1, 1))
    make_title("movie", "Upcoming", release_date=date.today() + timedelta(days=30))
    make_title("movie", "Older", release_date=date(2001, 1, 1))
    with app.app_context():
        assert names(trending.list_top_rated()) == ["Good", "Fine"]
        assert names(trending.list_new()) == ["Fine", "Older"]
        assert names(trending.list_new("series")) == []


def test_pages_are_memoized_until_the_job_writes_new_scores(app, make_title, make_user):
    hot = make_title("movie", "Hot Film", popularity=1.0)
    make_title("movie", "Steady Film", popularity=50.0)
    fans = [make_user("fan1"), make_user("fan2")]
    with app.app_context():
        trending.refresh_trending()
        db.session.commit()
        assert names(trending.list_trending("movie")) == ["Steady Film", "Hot Film"]
        entry(fans[0], hot, timedelta(hours=1))
        entry(fans[1], hot, timedelta(hours=2))
        db.session.commit()
        # The table has not changed yet, so neither has the page (served from the cache).
        assert names(trending.list_trending("movie")) == ["Steady Film", "Hot Film"]
        trending.refresh_trending()
        db.session.commit()
        assert names(trending.list_trending("movie"))[0] == "Hot Film"
