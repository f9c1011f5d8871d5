"""Inline rating: the user's scale in and out, aggregates exact in the same transaction, out-of-band update."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from mymovielist.extensions import db
from mymovielist.models import ListEntry, Preferences, Title, User
from mymovielist.services import ratings

HX = {"HX-Request": "true", "HX-Target": "entry-panel"}


def set_scale(app, user_id: int, scale: str) -> None:
    with app.app_context():
        db.session.get(Preferences, user_id).score_scale = scale
        db.session.commit()


def aggregates(app, title_id: int) -> tuple:
    with app.app_context():
        title = db.session.get(Title, title_id)
        return title.rating_count, title.mean_score, title.weighted_score


def assert_exact(app, fresh: tuple[int, ...] = ()) -> None:
    """Every title's stored aggregates equal a recomputation from list_entries: counts, means, the
    global mean and the `fresh` (just rated) titles' weighted scores at once, every other title's
    weighted score once the trending-scores job has refreshed them (the documented lag)."""
    with app.app_context():
        expected = ratings.expected_aggregates()
        means = [want[1] for want in expected.values()]
        recomputed = sum(means) / len(means) if means else None
        mean = ratings.global_mean()
        assert (mean is None) == (recomputed is None) and (mean is None or abs(mean - recomputed) < 1e-9)
        for title in db.session.scalars(select(Title)):
            want = expected.get(title.id, (0, None, None))
            assert title.rating_count == want[0], title
            checked = ((title.mean_score, want[1]), (title.weighted_score, want[2]))
            for got, exp in checked if title.id in fresh else checked[:1]:
                assert (got is None) == (exp is None) and (got is None or abs(got - exp) < 1e-9), (title, got, exp)
        ratings.refresh_weighted_scores()  # what the trending-scores job does
        db.session.expire_all()
        for title in db.session.scalars(select(Title)):
            want = expected.get(title.id, (0, None, None))
            got = title.weighted_score
            assert (got is None) == (want[2] is None) and (got is None or abs(got - want[2]) < 1e-9), (title, got)
        db.session.rollback()


def test_rating_returns_the_panel_and_the_score_out_of_band(app, client, make_title, make_user, auth):
    uid = make_user("rater")
    auth.login("rater")
    title_id = make_title("movie", "Heat")
    response = client.post(f"/titles/{title_id}/rating", data={"score": "8.5"}, headers=HX)
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "<html" not in body and "HX-Request" in response.headers["Vary"]
    assert json.loads(response.headers["HX-Trigger"])["toast"]["message"] == "Rated and added to your list."
    assert '<span id="our-score" hx-swap-oob="true">8.5/10' in body and "(1 rating" in body
    assert 'value="8.5"\n             checked' in body or 'value="8.5" checked' in " ".join(body.split())
    with app.app_context():
        entry = db.session.scalar(select(ListEntry).where(ListEntry.user_id == uid))
        assert (entry.score, entry.status, entry.progress) == (85, "completed", 1)  # a movie rated is watched
    assert aggregates(app, title_id)[:2] == (1, 85.0)
    assert_exact(app, fresh=(title_id,))


def test_rating_a_series_plans_it_and_keeps_an_existing_status(app, client, make_title, make_user, auth):
    uid = make_user()
    auth.login("user1")
    series = make_title("series", "Lost", details={"episode_count": 10})
    client.post(f"/titles/{series}/rating", data={"score": "7"})
    planned = make_title("anime", "Later")
    client.post(f"/titles/{planned}/watchlist")
    client.post(f"/titles/{planned}/rating", data={"score": "6"})
    with app.app_context():
        got = {e.title_id: e.status for e in db.session.scalars(select(ListEntry).where(ListEntry.user_id == uid))}
    assert got == {series: "planned", planned: "planned"}  # a score says nothing of progress


@pytest.mark.parametrize("scale, sent, stored, shown", [
    ("10", "7.5", 75, "7.5"), ("100", "73", 73, "73"), ("5stars", "4.5", 90, "4.5"), ("3point", "3", 85, "☺ 3"),
])
def test_each_scale_round_trips(app, client, make_title, make_user, auth, scale, sent, stored, shown):
    uid = make_user("scaled")
    set_scale(app, uid, scale)
    auth.login("scaled")
    title_id = make_title("movie")
    body = client.post(f"/titles/{title_id}/rating", data={"score": sent}, headers=HX).get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(ListEntry.score).where(ListEntry.user_id == uid)) == stored
    if scale == "100":
        assert f'type="number" min="0" max="100" step="1" inputmode="numeric"\n           value="{sent}"' in body
    else:
        checked = [chunk for chunk in body.split("<input") if "checked" in chunk and 'name="score"' in chunk]
        assert len(checked) == 1 and f'value="{sent}"' in checked[0]


# The 100-point input shows its refusal beside it: test_tracking's test_a_refused_score_out_of_100_...
@pytest.mark.parametrize("scale, bad", [("10", "10.5"), ("10", "7.3"), ("5stars", "6"), ("3point", "0"),
                                         ("10", "nan"), ("10", "1e3"), ("10", "x" * 5000)])
def test_a_score_off_the_scale_is_a_422_and_nothing_changes(app, client, make_title, make_user, auth, scale, bad):
    uid = make_user("picky")
    set_scale(app, uid, scale)
    auth.login("picky")
    title_id = make_title("movie")
    response = client.post(f"/titles/{title_id}/rating", data={"score": bad}, headers=HX)
    assert response.status_code == 422 and response.data == b""
    toast = json.loads(response.headers["HX-Trigger"])["toast"]
    assert toast["level"] == "error" and toast["message"].startswith("Score: ") and len(toast["message"]) < 80
    assert aggregates(app, title_id)[0] == 0
    with app.app_context():
        assert db.session.scalar(select(ListEntry).where(ListEntry.user_id == uid)) is None


def test_clearing_a_rating_updates_the_aggregates(app, client, make_title, make_user, auth):
    title_id = make_title("movie")
    for name, score in (("ann", "8"), ("bob", "6")):
        make_user(name)
        auth.login(name)
        client.post(f"/titles/{title_id}/rating", data={"score": score})
        auth.logout()
    assert aggregates(app, title_id)[:2] == (2, 70.0)
    auth.login("bob")
    body = client.post(f"/titles/{title_id}/rating", data={"score": ""}, headers=HX).get_data(as_text=True)
    assert '<span id="our-score" hx-swap-oob="true">8.0/10' in body
    assert aggregates(app, title_id)[:2] == (1, 80.0)
    client.post(f"/titles/{title_id}/entry/delete")
    auth.logout()
    auth.login("ann")
    client.post(f"/titles/{title_id}/entry/delete")
    assert aggregates(app, title_id) == (0, None, None)
    assert_exact(app, fresh=(title_id,))


def test_weighted_score_is_bayesian_with_the_configured_prior(app, client, make_title, make_user, auth):
    app.config["TRACKING_RATING_PRIOR"] = 2
    loved, meh = make_title("movie", "Loved"), make_title("movie", "Meh")
    for name in ("usr1", "usr2", "usr3"):
        make_user(name)
        auth.login(name)
        client.post(f"/titles/{loved}/rating", data={"score": "10"})
        auth.logout()
    make_user("usr4")
    auth.login("usr4")
    client.post(f"/titles/{meh}/rating", data={"score": "4"})
    # C = mean of title means = (100 + 40) / 2 = 70; m = 2
    assert aggregates(app, meh) == (1, 40.0, pytest.approx((1 * 40 + 2 * 70) / 3))
    # Loved keeps the C of its own last rating (100) until the trending-scores job runs
    assert aggregates(app, loved) == (3, 100.0, pytest.approx((3 * 100 + 2 * 100) / 5))
    with app.app_context():
        ratings.refresh_weighted_scores()
        db.session.commit()
    assert aggregates(app, loved) == (3, 100.0, pytest.approx((3 * 100 + 2 * 70) / 5))
    assert_exact(app, fresh=(meh,))


def test_the_rating_widget_is_a_keyboard_accessible_radio_fieldset(client, make_title, make_user, auth):
    make_user("keyboard")
    auth.login("keyboard")
    title_id = make_title("movie")
    body = client.get(f"/titles/{title_id}").get_data(as_text=True)
    widget = body[body.index('id="rating-widget"'):body.index("</form>", body.index('id="rating-widget"'))]
    assert "<fieldset>" in widget and "<legend>Your score" in widget
    radios = widget.count('type="radio"')
    assert radios == 22  # 0 to 10 in halves, and "No score"
    for n in range(1, radios):
        assert f'id="score-{title_id}-{n}"' in widget and f'for="score-{title_id}-{n}"' in widget
    assert '<button type="submit"' in widget


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.integers(0, 2), st.integers(0, 2), st.one_of(st.none(), st.integers(0, 20))),
                min_size=1, max_size=25))
def test_aggregates_stay_exact_for_any_sequence_of_ratings(app, steps):
    from mymovielist.services import accounts, tracking
    from mymovielist.sync.records import ExternalRef, TitleRecord
    from mymovielist.sync.upsert import CatalogWriter

    with app.app_context():
        users = [accounts.get_user_by_username(f"prop{i}") for i in range(3)]
        if users[0] is None:
            users = [accounts.register(f"prop{i}", f"prop{i}@example.org", "correct horse battery staple") for i in range(3)]
            for n in range(3):
                CatalogWriter(source="demo").upsert(TitleRecord(kind="anime", title=f"H{n}", refs=[ExternalRef("h", "anime", str(n))]))
        titles = list(db.session.scalars(select(Title).order_by(Title.id)))[:3]
        fresh: tuple[int, ...] = ()
        for user_index, title_index, half_points in steps:
            score = None if half_points is None else half_points * 5
            if tracking.set_rating(users[user_index], titles[title_index], score).score_changed:
                fresh = (titles[title_index].id,)  # the last title rated has the current C
            db.session.commit()
    assert_exact(app, fresh=fresh)


def test_a_rating_does_not_touch_the_titles_catalog_timestamp(app, client, make_title, make_user, auth):
    title_id = make_title("movie")
    other_id = make_title("movie")
    with app.app_context():
        before = {t.id: t.updated_at for t in db.session.scalars(select(Title))}
    make_user("stamp")
    auth.login("stamp")
    client.post(f"/titles/{title_id}/rating", data={"score": "5"})
    client.post(f"/titles/{other_id}/rating", data={"score": "9"})
    with app.app_context():
        assert {t.id: t.updated_at for t in db.session.scalars(select(Title))} == before


def test_the_global_mean_stays_exact_over_many_ratings_and_unratings(app, make_title, make_user):
    """C is kept by deltas in each rating's transaction; after 300 random ratings, clears and
    removals it still equals a recomputation, and the title just rated has its exact weighted score."""
    import random

    from mymovielist.services import tracking

    rng = random.Random(16)
    title_ids = [make_title(rng.choice(("movie", "anime"))) for _ in range(8)]
    user_ids = [make_user(f"many{n}") for n in range(6)]
    with app.app_context():
        users = [db.session.get(User, u) for u in user_ids]
        titles = [db.session.get(Title, t) for t in title_ids]
        for step in range(300):
            user, title = rng.choice(users), rng.choice(titles)
            if step % 7 == 6 and tracking.get_entry(user.id, title.id) is not None:
                result = tracking.remove_entry(user, title)
            else:
                result = tracking.set_rating(user, title, rng.choice((None, None, *range(0, 101, 5))))
            db.session.commit()
            expected = ratings.expected_aggregates()
            means = [want[1] for want in expected.values()]
            want_c = sum(means) / len(means) if means else None
            got_c = ratings.global_mean()
            assert (got_c is None) == (want_c is None) and (got_c is None or abs(got_c - want_c) < 1e-9), step
            if result.score_changed and title.id in expected:
                assert abs(db.session.get(Title, title.id).weighted_score - expected[title.id][2]) < 1e-9, step
        db.session.rollback()
    assert_exact(app)


def test_a_rating_writes_its_own_title_and_the_stats_row_only(app, make_title, make_user):
    """At a million titles a rating must not UPDATE every title: it changes one title row (plus the stats row)."""
    from sqlalchemy import event

    from mymovielist.services import tracking

    ids = [make_title("movie") for _ in range(5)]
    uid = make_user("one")
    with app.app_context():
        user = db.session.get(User, uid)
        for title_id in ids[:4]:
            tracking.set_rating(user, db.session.get(Title, title_id), 60)
        db.session.commit()
        touched: list[int] = []

        def count_rows(conn, cursor, statement, parameters, context, executemany):
            if statement.lstrip().upper().startswith("UPDATE TITLES"):
                touched.append(cursor.rowcount)

        event.listen(db.engine, "after_cursor_execute", count_rows)
        try:
            tracking.set_rating(user, db.session.get(Title, ids[4]), 90)
            db.session.commit()
        finally:
            event.remove(db.engine, "after_cursor_execute", count_rows)
        assert touched and all(n == 1 for n in touched), touched


def test_the_trending_scores_job_brings_every_weighted_score_to_the_current_mean(app, make_title, make_user, auth, client):
    from mymovielist.discover import tasks

    first, second = make_title("movie"), make_title("movie")
    for name, title_id, score in (("jojo", first, "10"), ("alal", second, "2")):
        make_user(name)
        auth.login(name)
        client.post(f"/titles/{title_id}/rating", data={"score": score})
        auth.logout()
    with app.app_context():
        assert db.session.get(Title, first).weighted_score == pytest.approx(100.0)  # C was 100 then
        tasks.refresh_trending()
    prior = app.config.get("TRACKING_RATING_PRIOR", ratings.DEFAULT_PRIOR)
    assert aggregates(app, first)[2] == pytest.approx((100 + prior * 60) / (1 + prior))
    assert_exact(app)


def test_the_stats_row_is_rebuilt_from_the_titles_when_missing(app, make_title, make_user):
    from sqlalchemy import delete

    from mymovielist.models import RatingStats
    from mymovielist.services import tracking

    rated, other = make_title("movie"), make_title("movie")
    uid = make_user("rebuild")
    with app.app_context():
        user = db.session.get(User, uid)
        tracking.set_rating(user, db.session.get(Title, rated), 80)
        db.session.execute(delete(RatingStats))
        db.session.commit()
        assert ratings.global_mean() == pytest.approx(80.0)  # read from the titles while the row is missing
        tracking.set_rating(user, db.session.get(Title, other), 40)
        db.session.commit()
        row = db.session.get(RatingStats, ratings.STATS_ID)
        assert (row.rated_titles, row.mean_sum) == (2, pytest.approx(120.0))
    assert_exact(app, fresh=(other,))


def test_a_rating_keeps_the_browse_search_and_home_caches_but_not_the_score_ordered_ones(app, client, make_title, make_user, auth):
    """Popularity, title and date orders do not depend on our ratings: a rating leaves their cached
    ids and visitors' pages in place, and moves only the title's own scope and the score-ordered lists."""
    from sqlalchemy import event

    from mymovielist.services import cache_keys

    title_id = make_title("movie", "Heat", popularity=5.0)
    make_title("movie", "Ronin", popularity=3.0)
    make_user("keeper")
    warm = ["/movies", "/movies?sort=release_date", "/", "/search?q=heat"]
    for url in warm:
        assert client.get(url).status_code == 200
    auth.login("keeper")
    assert client.get("/movies?sort=title").status_code == 200  # a member's browse: cached ids, no page cache
    with app.app_context():
        before = {s: cache_keys.generation(s) for s in (cache_keys.CATALOG, cache_keys.SCORES, cache_keys.title_scope(title_id))}
    client.post(f"/titles/{title_id}/rating", data={"score": "9"})
    with app.app_context():
        after = {s: cache_keys.generation(s) for s in before}
    assert after[cache_keys.CATALOG] == before[cache_keys.CATALOG]
    assert after[cache_keys.SCORES] != before[cache_keys.SCORES]
    assert after[cache_keys.title_scope(title_id)] != before[cache_keys.title_scope(title_id)]

    ordered: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        if "ORDER BY" in statement and "titles" in statement:
            ordered.append(statement)

    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", record)
    try:
        assert client.get("/movies?sort=title").status_code == 200
        auth.logout()
        for url in warm:
            assert client.get(url).status_code == 200
    finally:
        with app.app_context():
            event.remove(db.engine, "before_cursor_execute", record)
    assert ordered == [], ordered
