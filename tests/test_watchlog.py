"""The watch log: logged watches, rewatches, per-episode scores, time watched, deleting one's own."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from mymovielist.extensions import db
from mymovielist.models import ListEntry, User, WatchEvent
from mymovielist.services import watchlog
from mymovielist.sync.records import EpisodeRecord

HX = {"HX-Request": "true", "HX-Target": "entry-panel"}


@pytest.fixture
def viewer(make_user, auth):
    user_id = make_user("viewer")
    auth.login("viewer")
    return user_id


def events(app, user_id: int) -> list[WatchEvent]:
    with app.app_context():
        rows = list(db.session.scalars(select(WatchEvent).where(WatchEvent.user_id == user_id).order_by(WatchEvent.id)))
        db.session.expunge_all()
        return rows


def entry(app, user_id: int, title_id: int) -> ListEntry:
    with app.app_context():
        row = db.session.scalar(select(ListEntry).where(ListEntry.user_id == user_id, ListEntry.title_id == title_id))
        db.session.expunge_all()
        return row


def test_logging_a_movie_completes_it_and_a_second_watch_is_a_rewatch(app, client, make_title, viewer):
    title_id = make_title("movie", "Heat", details={"runtime_minutes": 170})
    response = client.post(f"/titles/{title_id}/watches", data={
        "watched_on": "2024-03-01", "score": "9", "note": "cinema"}, headers=HX)
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "cinema" in body and "Mar 1, 2024" in body  # Babel, English by default
    first = entry(app, viewer, title_id)
    assert (first.status, first.progress, first.finished_on, first.rewatch_count) == ("completed", 1, date(2024, 3, 1), 0)
    client.post(f"/titles/{title_id}/watches", data={"watched_on": "2024-06-01"})
    again = entry(app, viewer, title_id)
    assert again.rewatch_count == 1 and again.finished_on == date(2024, 3, 1)
    assert [(e.is_rewatch, e.score, e.number) for e in events(app, viewer)] == [(False, 90, None), (True, None, None)]
    with app.app_context():
        assert watchlog.time_watched(viewer) == 340 and watchlog.time_watched(viewer, "movie") == 340
        assert watchlog.time_watched(viewer, "anime") == 0


def test_episode_scores_link_episodes_and_time_uses_their_runtime(app, client, make_title, viewer):
    episodes = [EpisodeRecord(number=n, season_number=s, runtime_minutes=40 + n) for s in (1, 2) for n in (1, 2)]
    episodes.append(EpisodeRecord(number=1, season_number=0, runtime_minutes=5))  # a special, ordered last
    title_id = make_title("series", "Show", details={"episode_count": 4, "episode_minutes": 30}, episodes=episodes)
    for number, score in ((1, "7"), (2, "8"), (3, "")):
        assert client.post(f"/titles/{title_id}/watches", data={"number": str(number), "score": score}).status_code == 302
    row = entry(app, viewer, title_id)
    assert (row.status, row.progress) == ("watching", 3)
    logged = events(app, viewer)
    assert [(e.number, e.score) for e in logged] == [(1, 70), (2, 80), (3, None)]
    with app.app_context():
        from mymovielist.models import Episode

        by_id = {e.id: (e.season_number, e.number) for e in db.session.scalars(select(Episode))}
        assert [by_id[e.episode_id] for e in logged] == [(1, 1), (1, 2), (2, 1)]
        assert watchlog.time_watched(viewer) == 41 + 42 + 41
    # an episode out of order is logged without moving progress
    client.post(f"/titles/{title_id}/watches", data={"number": "1", "score": "10"})
    assert entry(app, viewer, title_id).progress == 3


def test_time_watched_falls_back_to_the_titles_episode_length(app, client, make_title, viewer):
    title_id = make_title("anime", "Bebop", details={"episode_count": 26, "episode_minutes": 24})
    comic_id = make_title("comic", "Saga", details={"issue_count": 54})
    client.post(f"/titles/{title_id}/entry", data={"progress": "3"})
    client.post(f"/titles/{comic_id}/progress")
    with app.app_context():
        assert watchlog.time_watched(viewer) == 72
        assert watchlog.time_watched(viewer, "anime") == 72 and watchlog.time_watched(viewer, "comic") == 0
        with pytest.raises(ValueError):
            watchlog.time_watched(viewer, "book")


@pytest.mark.parametrize("data, message", [
    ({"watched_on": (date.today() + timedelta(days=3)).isoformat()}, "Dates cannot be in the future"),
    ({"watched_on": "31/12/2020"}, "Not a valid date"),
    ({"number": "0"}, "Number must be between"),
    ({"number": "13"}, "has no episode 13"),
    ({"score": "12"}, "Score: choose a value"),
    ({"note": "x" * 2001}, "at most 2,000 characters"),
])
def test_bad_watches_are_refused_with_the_message_beside_the_field(app, client, make_title, viewer, data, message):
    title_id = make_title("anime", "Twelve", details={"episode_count": 12})
    response = client.post(f"/titles/{title_id}/watches", data=data, headers=HX)
    assert response.status_code == 422 and "HX-Trigger" not in response.headers
    html = response.get_data(as_text=True)
    field = {"watched_on": "date", "number": "number", "score": "score", "note": "note"}[next(iter(data))]
    input_id = f"watch-{field}-{title_id}"
    assert re.search(rf'id="{input_id}"[^>]* aria-invalid="true" aria-describedby="{input_id}-error"', html)
    assert re.search(rf'<p class="field-error" id="{input_id}-error">[^<]*{re.escape(message)}', html)
    assert html.count('aria-invalid="true"') == 1 and '<details class="watch-log" open>' in html
    assert events(app, viewer) == [] and entry(app, viewer, title_id) is None
    plain = client.post(f"/titles/{title_id}/watches", data=data)  # without JavaScript: the error page says why
    assert plain.status_code == 422 and message in plain.get_data(as_text=True)


def test_a_refused_watch_keeps_what_was_typed(client, make_title, viewer):
    title_id = make_title("anime", "Twelve", details={"episode_count": 12})
    future = (date.today() + timedelta(days=3)).isoformat()
    html = client.post(f"/titles/{title_id}/watches", headers=HX,
                       data={"watched_on": future, "number": "7", "score": "8", "note": "great fight"}).get_data(as_text=True)
    assert f'value="{future}"' in html and 'value="7"' in html and 'value="great fight"' in html
    assert '<option value="8" selected>' in html


def test_a_movie_has_no_episode_numbers(client, make_title, viewer):
    title_id = make_title("movie")
    assert client.post(f"/titles/{title_id}/watches", data={"number": "2"}).status_code == 422


def test_deleting_own_watch_and_not_anothers(app, client, make_title, make_user, auth, viewer):
    title_id = make_title("movie")
    client.post(f"/titles/{title_id}/watches", data={})
    mine = events(app, viewer)[0].id
    auth.logout()
    make_user("mallory")
    auth.login("mallory")
    for headers in ({}, HX):
        assert client.post(f"/watches/{mine}/delete", headers=headers).status_code == 404
    assert len(events(app, viewer)) == 1
    auth.logout()
    auth.login("viewer")
    response = client.post(f"/watches/{mine}/delete", headers=HX)
    assert response.status_code == 200 and "Nothing logged yet." in response.get_data(as_text=True)
    assert events(app, viewer) == []
    assert client.post(f"/watches/{mine}/delete").status_code == 404


def test_the_detail_page_shows_the_users_log(client, make_title, viewer):
    title_id = make_title("series", "Log", details={"episode_count": 5})
    client.post(f"/titles/{title_id}/watches", data={"number": "1", "note": "pilot was great"})
    body = client.get(f"/titles/{title_id}").get_data(as_text=True)
    assert "pilot was great" in body and "Episode 1" in body and "Log a watch" in body
    assert 'name="number" type="number" min="1" max="5"' in body


def test_a_movie_watched_on_an_earlier_day_starts_and_finishes_that_day(app, client, make_title, viewer):
    title_id = make_title("movie")
    client.post(f"/titles/{title_id}/entry", data={"status": "watching"})  # started today
    client.post(f"/titles/{title_id}/watches", data={"watched_on": "2020-02-02"})
    row = entry(app, viewer, title_id)
    assert (row.status, row.started_on, row.finished_on) == ("completed", date(2020, 2, 2), date(2020, 2, 2))


def test_first_watches_are_not_rewatches_in_the_log_the_stats_or_letterboxd(app, client, make_title, viewer):
    import csv
    import io

    from mymovielist.services import stats

    movie = make_title("movie", "Heat", details={"runtime_minutes": 170})
    series = make_title("series", "Mini", details={"episode_count": 3, "episode_minutes": 30})
    client.post(f"/titles/{movie}/rating", data={"score": "8"})  # a film rated is a film watched
    client.post(f"/titles/{series}/entry", data={"status": "completed"})
    assert [(e.number, e.is_rewatch) for e in events(app, viewer)] == [(None, False), (1, False), (2, False), (3, False)]
    with app.app_context():
        figures = stats.get_user_stats(viewer)
        assert (figures.watch_count, figures.rewatch_count) == (4, 0)
    rows = list(csv.DictReader(io.StringIO(client.get("/settings/export/letterboxd").get_data(as_text=True))))
    assert [(row["Title"], row["Rewatch"]) for row in rows] == [("Heat", "false")]
    # watching it again is the one rewatch
    client.post(f"/titles/{movie}/watches", data={})
    assert [e.is_rewatch for e in events(app, viewer) if e.number is None] == [False, True]


def test_a_backfilled_finish_date_logs_the_watches_on_that_day_for_that_years_review(app, client, make_title, viewer):
    from mymovielist.services import stats

    title_id = make_title("anime", "Bebop", details={"episode_count": 4, "episode_minutes": 24})
    client.post(f"/titles/{title_id}/watchlist")
    response = client.post(f"/titles/{title_id}/entry", data={
        "full": "1", "status": "completed", "progress": "0", "started_on": "2019-05-01",
        "finished_on": "2019-05-20", "rewatch_count": "0", "priority": "0"})
    assert response.status_code == 302
    logged = events(app, viewer)
    assert [(e.number, e.watched_at.date(), e.is_rewatch) for e in logged] == [
        (n, date(2019, 5, 20), False) for n in (1, 2, 3, 4)]
    with app.app_context():
        review = stats.get_year_review(viewer, 2019)
        assert (review.watch_count, review.minutes) == (4, 96)
        assert stats.get_user_stats(viewer).rewatch_count == 0


def test_a_finish_date_set_before_completing_dates_the_completion(app, client, make_title, viewer):
    title_id = make_title("series", "Slow", details={"episode_count": 3, "episode_minutes": 50})
    client.post(f"/titles/{title_id}/entry", data={"status": "watching"})
    client.post(f"/titles/{title_id}/entry", data={"started_on": "2018-01-02", "finished_on": "2018-02-03"})
    client.post(f"/titles/{title_id}/entry", data={"status": "completed"})
    assert [(e.watched_at.date(), e.is_rewatch) for e in events(app, viewer)] == [(date(2018, 2, 3), False)] * 3


def test_moving_the_finish_date_of_a_completed_film_moves_its_first_watch(app, client, make_title, viewer):
    from mymovielist.services import stats

    title_id = make_title("movie", "Alien", details={"runtime_minutes": 117})
    client.post(f"/titles/{title_id}/rating", data={"score": "9"})  # completed today
    client.post(f"/titles/{title_id}/entry", data={"started_on": "2015-03-01", "finished_on": "2015-03-01"})
    assert [(e.watched_at.date(), e.is_rewatch) for e in events(app, viewer)] == [(date(2015, 3, 1), False)]
    with app.app_context():
        assert stats.get_year_review(viewer, 2015).minutes == 117
        assert stats.get_year_review(viewer, date.today().year).watch_count == 0


def test_a_watch_logged_for_a_day_before_the_first_becomes_the_first(app, client, make_title, viewer):
    import csv
    import io

    title_id = make_title("movie", "Jaws", details={"runtime_minutes": 124})
    client.post(f"/titles/{title_id}/watches", data={"watched_on": "2022-06-01"})
    client.post(f"/titles/{title_id}/watches", data={"watched_on": "2010-06-01"})  # remembered later
    assert sorted((e.watched_at.date(), e.is_rewatch) for e in events(app, viewer)) == [
        (date(2010, 6, 1), False), (date(2022, 6, 1), True)]
    rows = list(csv.DictReader(io.StringIO(client.get("/settings/export/letterboxd").get_data(as_text=True))))
    assert [(row["WatchedDate"], row["Rewatch"]) for row in rows] == [("2010-06-01", "false"), ("2022-06-01", "true")]
    assert entry(app, viewer, title_id).rewatch_count == 1


def test_going_back_after_a_second_stay_on_the_list_keeps_the_first_watches(app, client, make_title, viewer):
    title_id = make_title("anime", "Twice", details={"episode_count": 6})
    client.post(f"/titles/{title_id}/entry", data={"progress": "2"})
    client.post(f"/titles/{title_id}/entry/delete")  # the log stays: it is history
    client.post(f"/titles/{title_id}/entry", data={"progress": "2"})
    assert [(e.number, e.is_rewatch) for e in events(app, viewer)] == [(1, False), (2, False), (1, True), (2, True)]
    client.post(f"/titles/{title_id}/entry", data={"progress": "0"})
    assert [(e.number, e.is_rewatch) for e in events(app, viewer)] == [(1, False), (2, False)]


def test_a_finish_date_alone_moves_a_one_day_watch_and_an_api_entry_completes_on_it(app, client, make_title, viewer):
    from mymovielist.services import api_tokens

    film = make_title("movie", "Alien", details={"runtime_minutes": 117})
    client.post(f"/titles/{film}/rating", data={"score": "9"})  # started and finished today
    assert client.post(f"/titles/{film}/entry", data={"finished_on": "2015-03-01"}).status_code == 302
    row = entry(app, viewer, film)
    assert (row.started_on, row.finished_on) == (date(2015, 3, 1), date(2015, 3, 1))
    series = make_title("anime", "Bebop", details={"episode_count": 2})
    with app.app_context():
        _, secret = api_tokens.create_token(db.session.get(User, viewer), "t", "read-write")
        db.session.commit()
    response = client.put(f"/api/v1/me/entries/{series}", json={"status": "completed", "finished_on": "2019-01-02"},
                          headers={"Authorization": f"Bearer {secret}"})
    assert response.status_code == 201, response.get_json()
    assert (response.get_json()["started_on"], response.get_json()["progress"]) == ("2019-01-02", 2)
    assert {(e.title_id, e.watched_at.date(), e.is_rewatch) for e in events(app, viewer)} == {
        (film, date(2015, 3, 1), False), (series, date(2019, 1, 2), False)}


def _episode_items(html: str) -> list[str]:
    return re.findall(r'<li class="episode[^"]*">.*?</li>', html, re.DOTALL)


def test_the_episode_list_numbers_each_episode_once_and_marks_one_watched(app, client, make_title, viewer):
    episodes = [EpisodeRecord(number=n, season_number=s, name=f"Part {s}.{n}") for s in (1, 2) for n in (1, 2)]
    title_id = make_title("series", "Show", details={"episode_count": 4}, episodes=episodes)
    items = _episode_items(client.get(f"/titles/{title_id}").get_data(as_text=True))
    assert len(items) == 4 and "<ol" not in items[0]
    assert re.search(r'<span class="ep-number">S2E1</span>\s*<span class="ep-name">Part 2.1', items[2])
    assert items[2].count("S2E1") == 2  # the visible number, and the button's hidden name: no second numbering
    assert 'name="number" value="3"' in items[2]  # the absolute number the watch log counts
    response = client.post(f"/titles/{title_id}/watches", data={"number": "1"}, headers={**HX, "HX-Target": "episodes"})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert html.lstrip().startswith('<section id="episodes"') and 'id="entry-panel"' in html and 'hx-swap-oob="true"' in html
    assert "Mark watched" not in _episode_items(html)[0] and "✓ Watched" in _episode_items(html)[0]
    assert "Mark watched" in _episode_items(html)[1]
    assert entry(app, viewer, title_id).progress == 1
    plain = client.post(f"/titles/{title_id}/watches", data={"number": "3", "next": f"/titles/{title_id}#episodes"})
    assert plain.status_code == 302 and plain.headers["Location"].endswith("#episodes")
    items = _episode_items(client.get(f"/titles/{title_id}").get_data(as_text=True))
    assert ["✓ Watched" in item for item in items] == [True, False, True, False]
    assert [(e.number, e.is_rewatch) for e in events(app, viewer)] == [(1, False), (3, False)]


def test_visitors_see_the_episode_list_without_marks(client, make_title):
    title_id = make_title("anime", "Bebop", details={"episode_count": 2},
                          episodes=[EpisodeRecord(number=n, name=f"Session {n}") for n in (1, 2)])
    items = _episode_items(client.get(f"/titles/{title_id}").get_data(as_text=True))
    assert len(items) == 2 and '<span class="ep-number">#1</span>' in items[0]
    assert "<form" not in items[0] and "✓" not in items[0]
