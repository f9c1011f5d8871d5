"""Inline rating: the user's scale in and out, aggregates exact in the same transaction, out-of-band update."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from mymovielist.extensions import db
from mymovielist.models import ListEntry, Preferences, Title
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


def assert_exact(app) -> None:
    """Every title's stored aggregates equal a recomputation from list_entries."""
    with app.app_context():
        expected = ratings.expected_aggregates()
        for title in db.session.scalars(select(Title)):
            want = expected.get(title.id, (0, None, None))
            assert title.rating_count == want[0], title
            for got, exp in ((title.mean_score, want[1]), (title.weighted_score, want[2])):
                assert (got is None) == (exp is None) and (got is None or abs(got - exp) < 1e-9), (title, got, exp)


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
    assert_exact(app)


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
    assert_exact(app)


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
    assert aggregates(app, loved) == (3, 100.0, pytest.approx((3 * 100 + 2 * 70) / 5))
    assert aggregates(app, meh) == (1, 40.0, pytest.approx((1 * 40 + 2 * 70) / 3))
    assert_exact(app)


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
        for user_index, title_index, half_points in steps:
            score = None if half_points is None else half_points * 5
            tracking.set_rating(users[user_index], titles[title_index], score)
            db.session.commit()
    assert_exact(app)


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
