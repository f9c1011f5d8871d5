"""User statistics and the year in review, checked against numbers worked out by hand.

The history is built through the real tracking services (log a watch, rate, move progress), so the
watch log, activity and list entries are exactly what the app would have written.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from collections import Counter
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from mymovielist.extensions import db
from mymovielist.models import Activity, Title, User, WatchEvent
from mymovielist.services import stats, tracking, watchlog
from mymovielist.sync.records import CreditRecord, EpisodeRecord, PersonRecord

SVG = re.compile(r"<svg\b[^>]*\bclass=\"chart\b.*?</svg>", re.DOTALL)  # the charts, not the header's icons


def _person(name: str) -> PersonRecord:
    return PersonRecord(name=name)


@pytest.fixture
def library(make_title) -> dict[str, int]:
    """Five titles with runtimes, genres, credits and a studio."""
    mann = CreditRecord(person=_person("Michael Mann"), role="crew", job="Director")
    return {
        "heat": make_title(
            "movie",
            "Heat",
            genres=["Crime", "Drama"],
            details={"runtime_minutes": 170},
            credits=[mann, CreditRecord(person=_person("Al Pacino"), role="cast", character="Hanna")],
        ),
        "collateral": make_title(
            "movie",
            "Collateral",
            genres=["Crime", "Thriller"],
            details={"runtime_minutes": 120},
            credits=[mann, CreditRecord(person=_person("Tom Cruise"), role="cast")],
        ),
        "bebop": make_title(
            "anime",
            "Bebop",
            genres=["Action", "Drama"],
            details={"episode_count": 26, "episode_minutes": 24, "studios": "Sunrise"},
        ),
        "show": make_title(
            "series",
            "Show",
            genres=["Drama"],
            details={"episode_count": 10, "episode_minutes": 50},
            episodes=[
                EpisodeRecord(number=1, season_number=1, runtime_minutes=55),
                EpisodeRecord(number=2, season_number=1),
            ],
        ),
        "saga": make_title(
            "comic",
            "Saga",
            genres=["Fantasy"],
            details={"issue_count": 60},
            credits=[CreditRecord(person=_person("Brian K. Vaughan"), role="crew", job="Writer")],
        ),
    }


def _load(user_id: int, library: dict[str, int]) -> tuple[User, dict[str, Title]]:
    return db.session.get(User, user_id), {key: db.session.get(Title, tid) for key, tid in library.items()}


def ago(days: int) -> date:
    return tracking.today() - timedelta(days=days)


@pytest.fixture
def ana(app, make_user, library) -> int:
    """A recent history: two films (one watched twice), three anime episodes, two series episodes, a plan."""
    user_id = make_user("ana")
    with app.app_context():
        user, t = _load(user_id, library)
        tracking.log_watch(user, t["heat"], watched_on=ago(100), number=None, score=None, note="")
        tracking.log_watch(user, t["heat"], watched_on=ago(99), number=None, score=None, note="")  # a rewatch
        tracking.set_rating(user, t["heat"], 90)
        tracking.log_watch(user, t["collateral"], watched_on=ago(98), number=None, score=None, note="")
        tracking.set_rating(user, t["collateral"], 70)
        tracking.update_entry(user, t["bebop"], progress=3, score=85, on=ago(50))
        tracking.update_entry(user, t["show"], progress=2, on=ago(10))
        tracking.toggle_watchlist(user, t["saga"])
        db.session.commit()
    return user_id


# Minutes by hand: Heat 170 twice, Collateral 120, Bebop 3 x 24, Show 55 (episode 1's own runtime) + 50.
WATCHES = [(100, 170), (99, 170), (98, 120), (50, 24), (50, 24), (50, 24), (10, 55), (10, 50)]
TOTAL_MINUTES = 637


def test_counts_scores_and_time_equal_the_hand_computation(app, ana):
    with app.app_context():
        result = stats.get_user_stats(ana)
        assert result.total == 5
        assert result.by_status == {"watching": 2, "completed": 2, "on_hold": 0, "dropped": 0, "planned": 1}
        assert result.by_kind == {"movie": 2, "series": 1, "anime": 1, "comic": 1}
        assert (
            result.by_kind_status["movie"]["completed"] == 2
            and result.by_kind_status["comic"]["planned"] == 1
        )
        assert result.scored == 3 and result.mean_score == pytest.approx((90 + 70 + 85) / 3)
        assert result.score_counts == {90: 1, 70: 1, 85: 1}
        assert result.minutes_total == TOTAL_MINUTES == watchlog.time_watched(ana)
        assert result.minutes_by_kind == {"movie": 460, "anime": 72, "series": 105, "comic": 0}
        assert (result.watch_count, result.rewatch_count) == (8, 1)
        expected_months = Counter()
        for days, minutes in WATCHES:
            expected_months[ago(days).strftime("%Y-%m")] += minutes
        shown = dict(result.minutes_by_month)
        assert {k: v for k, v in shown.items() if v} == dict(expected_months)
        assert len(shown) == 12 and max(shown) == tracking.today().strftime("%Y-%m")
        assert sum(shown.values()) == TOTAL_MINUTES  # every watch is within the window
        assert result.years == sorted({ago(d).year for d, _ in WATCHES}, reverse=True)


def test_top_genres_studios_and_people_come_from_watched_titles_only(app, ana):
    with app.app_context():
        result = stats.get_user_stats(ana)
    assert result.top_genres == [
        ("Drama", 3),
        ("Crime", 2),
        ("Action", 1),
        ("Thriller", 1),
    ]  # not Saga's Fantasy
    assert result.top_studios == [("Sunrise", 1)]
    assert [(name, n) for _, name, n in result.top_people] == [
        ("Michael Mann", 2),
        ("Al Pacino", 1),
        ("Tom Cruise", 1),
    ]


def test_heatmap_and_streaks(app, ana):
    with app.app_context():
        result = stats.get_user_stats(ana)
        activities = db.session.scalars(select(Activity).where(Activity.user_id == ana)).all()
    today = tracking.today()
    expected = Counter(ago(days) for days, _ in WATCHES)
    expected.update(a.created_at.date() for a in activities if a.verb != "progress")
    heat = dict(result.heatmap)
    assert len(result.heatmap) == 365 and result.heatmap[-1][0] == today and result.heatmap[0][0] == ago(364)
    assert {day: n for day, n in heat.items() if n} == dict(expected)
    assert heat[ago(50)] == 3 and heat[ago(10)] == 2 and heat[today] > 0  # today: added, rated, completed...
    assert result.active_days == 6
    # active days: 100, 99, 98 days ago (a run of 3), 50 and 10 days ago, and today
    assert (result.current_streak, result.longest_streak) == (1, 3)


@pytest.mark.parametrize(
    ("days", "current", "longest"),
    [
        ([], 0, 0),
        ([0], 1, 1),
        ([1], 1, 1),
        ([2], 0, 1),
        ([0, 1, 2, 5, 6], 3, 3),
        ([1, 2, 3, 4, 9, 10], 4, 4),
        ([3, 4, 5, 6, 7, 0], 1, 5),
    ],
)
def test_streaks_count_back_from_today_or_yesterday(days, current, longest):
    today = date(2026, 3, 1)
    assert stats.streaks({today - timedelta(days=d) for d in days}, today) == (current, longest)


@pytest.mark.parametrize(
    ("scale", "mean", "buckets"),
    [
        ("10", "8.17", [("7", 1), ("8", 1), ("9", 1)]),
        ("100", "81.7", [("70–79", 1), ("80–89", 1), ("90–100", 1)]),
        ("5stars", "4.08 ★", [("3", 1), ("4", 2)]),
        ("3point", "☺", [("😐", 1), ("☺", 2)]),
    ],
)
def test_mean_and_histogram_in_each_scale(scale, mean, buckets):
    counts = {90: 1, 70: 1, 85: 1}
    assert stats.mean_display(sum(s * n for s, n in counts.items()) / 3, scale) == mean
    shown = stats.score_buckets(counts, scale)
    assert [(label, n) for label, n in shown if n] == buckets
    assert sum(n for _, n in shown) == 3
    assert len(shown) == {"10": 11, "100": 10, "5stars": 6, "3point": 3}[scale]


def test_the_page_shows_the_numbers_and_valid_charts(client, ana):
    response = client.get("/users/ana/stats")
    assert response.status_code == 200 and "HX-Request" in response.headers["Vary"]
    html = response.get_data(as_text=True)
    assert "8.17" in html and "10.6 h" in html  # mean in the default 10-point scale; 637 minutes
    svgs = [ET.fromstring(svg) for svg in SVG.findall(html)]
    ids = [svg.find("{http://www.w3.org/2000/svg}title").get("id") for svg in svgs]
    assert ids == [
        "status-chart-title",
        "score-chart-title",
        "time-chart-title",
        "activity-chart-title",
        "genre-chart-title",
        "studio-chart-title",
        "people-chart-title",
    ]
    assert html.count('<details class="chart-data">') == 7
    assert '<th scope="row">Drama</th><td>3</td>' in html
    assert '<th scope="row">Michael Mann</th><td>2</td>' in html
    assert f'href="/users/ana/stats/{ago(10).year}"' in html


def test_the_mean_is_shown_in_the_viewers_scale(app, client, auth, make_user, ana):
    viewer = make_user("viewer")
    with app.app_context():
        db.session.get(User, viewer).preferences.score_scale = "100"
        db.session.commit()
    auth.login("viewer")
    html = client.get("/users/ana/stats").get_data(as_text=True)
    assert "81.7" in html and '<th scope="row">80–89</th><td>1</td>' in html


def test_stats_are_cached_until_the_users_data_changes(app, client, ana, library, monkeypatch):
    assert client.get("/users/ana/stats").status_code == 200
    calls = []
    real = stats.list_watches
    monkeypatch.setattr(stats, "list_watches", lambda *a, **k: calls.append(a) or real(*a, **k))
    with app.app_context():
        first = stats.get_user_stats(ana)
        assert calls == []  # the memoized result served it
        user, titles = _load(ana, library)
        tracking.log_watch(
            user, titles["collateral"], watched_on=tracking.today(), number=None, score=None, note=""
        )
        db.session.commit()
        second = stats.get_user_stats(ana)
        assert len(calls) == 1 and second.watch_count == first.watch_count + 1
        assert second.minutes_total == TOTAL_MINUTES + 120
        event_id = db.session.scalar(
            select(WatchEvent.id).where(WatchEvent.user_id == ana).order_by(WatchEvent.id.desc())
        )
        watchlog.delete_event(user, event_id)
        db.session.commit()
        assert stats.get_user_stats(ana).watch_count == first.watch_count  # a deletion shows too


def test_a_change_through_the_app_shows_on_the_next_request(client, auth, ana, library):
    auth.login("ana")
    assert "10.6 h" in client.get("/users/ana/stats").get_data(as_text=True)
    client.post(f"/titles/{library['collateral']}/watches", data={"watched_on": tracking.today().isoformat()})
    assert "12.6 h" in client.get("/users/ana/stats").get_data(as_text=True)


def test_a_user_with_no_data_gets_a_friendly_page(client, make_user):
    make_user("newbie")
    response = client.get("/users/newbie/stats")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert (
        "No stats yet" in html
        and "Nothing on the list yet." in html
        and "No activity in the last year." in html
    )
    assert "<dd>0 h" in html and "<dd>–" in html  # no time, no mean score


# -- privacy ---------------------------------------------------------------------------------


@pytest.fixture
def hidden(make_user) -> int:
    return make_user("hidden", is_private=True)


@pytest.mark.parametrize("path", ["/users/hidden/stats", f"/users/hidden/stats/{date.today().year}"])
def test_a_private_profiles_stats_are_not_found_by_others(client, auth, make_user, hidden, path):
    assert client.get(path).status_code == 404
    htmx = client.get(path, headers={"HX-Request": "true"})
    assert htmx.status_code == 404 and htmx.data == b"" and json.loads(htmx.headers["HX-Trigger"])["toast"]
    make_user("other")
    auth.login("other")
    assert client.get(path).status_code == 404


@pytest.mark.parametrize("who", ["hidden", "admin"])
def test_the_owner_and_admins_see_a_private_profiles_stats(client, auth, make_user, hidden, who):
    if who == "admin":
        make_user("admin", role="admin")
    auth.login(who)
    assert client.get("/users/hidden/stats").status_code == 200
    assert client.get(f"/users/hidden/stats/{date.today().year}").status_code == 200


def test_unknown_users_are_not_found(client):
    assert client.get("/users/nobody/stats").status_code == 404
    assert client.get("/users/nobody/stats/2024").status_code == 404


# -- year in review --------------------------------------------------------------------------


@pytest.fixture
def bob(app, make_user, library) -> int:
    """2023: Heat in February and again on New Year's Eve, Bebop from June, completed in July; 2022: Collateral."""
    user_id = make_user("bob")
    with app.app_context():
        user, t = _load(user_id, library)
        tracking.log_watch(
            user, t["collateral"], watched_on=date(2022, 12, 31), number=None, score=None, note=""
        )
        tracking.set_rating(user, t["collateral"], 70)
        tracking.log_watch(user, t["heat"], watched_on=date(2023, 2, 10), number=None, score=None, note="")
        tracking.update_entry(user, t["bebop"], progress=2, on=date(2023, 6, 15))
        tracking.update_entry(user, t["bebop"], status="completed", score=85, on=date(2023, 7, 1))
        tracking.log_watch(user, t["heat"], watched_on=date(2023, 12, 31), number=None, score=None, note="")
        tracking.set_rating(user, t["heat"], 90)
        db.session.commit()
    return user_id


def test_year_in_review_equals_the_hand_computation(app, bob):
    with app.app_context():
        review = stats.get_year_review(bob, 2023)
    assert [ref.title for ref in review.completed] == ["Heat", "Bebop"]  # in the order they were finished
    assert review.watch_count == 2 + 26
    assert review.minutes == 2 * 170 + 26 * 24
    months = {label: (minutes, watches) for label, minutes, watches in review.months if watches}
    assert months == {"Feb": (170, 1), "Jun": (48, 2), "Jul": (24 * 24, 24), "Dec": (170, 1)}
    assert len(review.months) == 12
    assert [(r.title.title, r.score) for r in review.top_rated] == [("Heat", 90), ("Bebop", 85)]
    assert review.favourite_genre == ("Drama", 2)
    assert review.first_watch.title.title == "Heat" and review.first_watch.watched_at.date() == date(
        2023, 2, 10
    )
    assert review.last_watch.title.title == "Heat" and review.last_watch.watched_at.date() == date(
        2023, 12, 31
    )


def test_the_year_before_holds_only_its_own_watch(app, bob):
    with app.app_context():
        review = stats.get_year_review(bob, 2022)
        assert stats.get_user_stats(bob).years == [2023, 2022]
    assert [ref.title for ref in review.completed] == ["Collateral"]
    assert (review.watch_count, review.minutes, review.favourite_genre) == (1, 120, ("Crime", 1))
    assert [(r.title.title, r.score) for r in review.top_rated] == [("Collateral", 70)]


def test_year_page_and_its_fragment(client, bob):
    page = client.get("/users/bob/stats/2023")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "2023 in review" in html and "16.1" in html and 'aria-current="page">2023</a>' in html
    for svg in SVG.findall(html):
        ET.fromstring(svg)
    assert len(SVG.findall(html)) == 2
    fragment = client.get("/users/bob/stats/2022", headers={"HX-Request": "true", "HX-Target": "year-review"})
    body = fragment.get_data(as_text=True)
    assert fragment.status_code == 200 and "<html" not in body and "HX-Request" in fragment.headers["Vary"]
    assert body.lstrip().startswith('<article id="year-review"') and "Collateral" in body


def test_a_year_without_data_is_a_friendly_page_and_impossible_years_are_not_found(client, bob):
    response = client.get("/users/bob/stats/2021")
    assert response.status_code == 200
    assert "Nothing logged or completed in 2021." in response.get_data(as_text=True)
    for year in (1899, tracking.today().year + 1, 99999):
        assert client.get(f"/users/bob/stats/{year}").status_code == 404


def test_the_profile_links_to_the_stats(client, make_user):
    make_user("carol")
    assert 'href="/users/carol/stats"' in client.get("/users/carol").get_data(as_text=True)
