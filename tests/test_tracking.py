"""List entries: status rules, progress and +1, completion offers, the watchlist, favourites, the entry form."""

from __future__ import annotations

import json
import re
from datetime import date

import pytest
from sqlalchemy import func, select

from mymovielist.extensions import db
from mymovielist.models import Activity, ListEntry, User, WatchEvent

HX = {"HX-Request": "true"}


def panel_htmx(target: str = "entry-panel") -> dict:
    return {**HX, "HX-Target": target}


@pytest.fixture
def alice(make_user, auth):
    user_id = make_user("alice")
    auth.login("alice")
    return user_id


def entry_of(app, user_id: int, title_id: int) -> ListEntry | None:
    with app.app_context():
        entry = db.session.scalar(select(ListEntry).where(ListEntry.user_id == user_id, ListEntry.title_id == title_id))
        if entry is not None:
            db.session.expunge(entry)
        return entry


def events_of(app, user_id: int, title_id: int) -> list[tuple]:
    with app.app_context():
        return [(e.number, e.is_rewatch, e.score) for e in db.session.scalars(
            select(WatchEvent).where(WatchEvent.user_id == user_id, WatchEvent.title_id == title_id).order_by(WatchEvent.id))]


def assert_fragment(response, status: int = 200) -> str:
    assert response.status_code == status, response.get_data(as_text=True)[:500]
    body = response.get_data(as_text=True)
    assert "<html" not in body
    assert "HX-Request" in response.headers.get("Vary", "")
    json.loads(response.headers["HX-Trigger"])
    return body


def test_anonymous_detail_page_offers_log_in_to_track(client, make_title):
    title_id = make_title("movie", "Heat")
    body = client.get(f"/titles/{title_id}").get_data(as_text=True)
    assert "Log in to track" in body and f"next=/titles/{title_id}" in body.replace("%2F", "/")
    assert 'id="our-score"' in body and "Not rated yet" in body


def test_signed_in_detail_page_shows_the_panel_and_nav_count(client, make_title, alice):
    title_id = make_title("series", "Lost", details={"episode_count": 3})
    body = client.get(f"/titles/{title_id}").get_data(as_text=True)
    assert 'id="entry-panel"' in body and 'id="rating-widget"' in body
    assert 'id="watchlist-count"' in body and ">0</span>" in body
    assert "<legend>Your score" in body and 'type="radio"' in body
    assert "Progress: <strong>0</strong> / 3 episodes" in body


def test_status_change_sets_dates_and_completion_fills_progress(app, client, make_title, alice):
    title_id = make_title("anime", "Bebop", details={"episode_count": 26})
    response = client.post(f"/titles/{title_id}/entry", data={"status": "watching"}, headers=panel_htmx())
    body = assert_fragment(response)
    assert 'id="entry-panel"' in body and 'hx-swap-oob="true"' in body and 'id="watchlist-count"' in body
    entry = entry_of(app, alice, title_id)
    assert entry.status == "watching" and entry.started_on == date.today() and entry.finished_on is None
    client.post(f"/titles/{title_id}/entry", data={"status": "completed"}, headers=panel_htmx())
    entry = entry_of(app, alice, title_id)
    assert entry.status == "completed" and entry.progress == 26 and entry.finished_on == date.today()
    assert len(events_of(app, alice, title_id)) == 26  # every episode passed over is in the log


def test_plus_one_progress_offers_completion_at_the_total_without_forcing_it(app, client, make_title, alice):
    title_id = make_title("series", "Mini", details={"episode_count": 2})
    for n in (1, 2):
        response = client.post(f"/titles/{title_id}/progress", headers=panel_htmx())
        body = assert_fragment(response)
    entry = entry_of(app, alice, title_id)
    assert entry.progress == 2 and entry.status == "watching"
    assert "mark it completed" in json.loads(response.headers["HX-Trigger"])["toast"]["message"].lower()
    assert "Mark completed" in body
    assert events_of(app, alice, title_id) == [(1, False, None), (2, False, None)]
    client.post(f"/titles/{title_id}/entry", data={"status": "completed"}, headers=panel_htmx())
    assert entry_of(app, alice, title_id).status == "completed"
    # +1 after completing starts a rewatch
    body = assert_fragment(client.post(f"/titles/{title_id}/progress", headers=panel_htmx()))
    entry = entry_of(app, alice, title_id)
    assert (entry.status, entry.progress, entry.rewatch_count) == ("watching", 1, 1)
    assert events_of(app, alice, title_id)[-1] == (1, True, None)


def test_plus_one_without_javascript_redirects_with_a_flash(app, client, make_title, alice):
    title_id = make_title("comic", "Saga", details={"issue_count": 54})
    response = client.post(f"/titles/{title_id}/progress")
    assert response.status_code == 302 and response.location.endswith(f"/titles/{title_id}-saga")
    page = client.get(response.location).get_data(as_text=True)
    assert "Issue 1 logged." in page and "Reading" in page


def test_progress_going_back_forgets_this_runs_watches(app, client, make_title, alice):
    title_id = make_title("anime", "Short", details={"episode_count": 12})
    client.post(f"/titles/{title_id}/entry", data={"progress": "5"})
    assert [n for n, *_ in events_of(app, alice, title_id)] == [1, 2, 3, 4, 5]
    client.post(f"/titles/{title_id}/entry", data={"progress": "3"})
    assert [n for n, *_ in events_of(app, alice, title_id)] == [1, 2, 3]
    assert entry_of(app, alice, title_id).progress == 3


@pytest.mark.parametrize("data, message", [
    ({"progress": "13"}, "Progress is a number from 0 to 12"),
    ({"progress": "-1"}, "Number must be between"),
    ({"score": "11"}, "Score: choose a value from 0 to 10"),
    ({"score": "abc"}, "is not a number"),
    ({"started_on": "2999-01-01"}, "Dates cannot be in the future"),
    ({"started_on": "yesterday"}, "Not a valid date"),
    ({"priority": "7"}, "Not a valid choice"),
])
def test_bad_entry_input_is_a_clear_422_and_changes_nothing(app, client, make_title, alice, data, message):
    title_id = make_title("anime", "Twelve", details={"episode_count": 12})
    client.post(f"/titles/{title_id}/entry", data={"status": "watching", "progress": "2"})
    before = entry_of(app, alice, title_id)
    response = client.post(f"/titles/{title_id}/entry", data=data, headers=panel_htmx())
    assert response.status_code == 422 and response.data == b""
    assert message in json.loads(response.headers["HX-Trigger"])["toast"]["message"]
    after = entry_of(app, alice, title_id)
    assert (after.status, after.progress, after.score, after.started_on) == (
        before.status, before.progress, before.score, before.started_on)
    plain = client.post(f"/titles/{title_id}/entry", data=data)
    assert plain.status_code == 422 and message in plain.get_data(as_text=True)


def test_a_refused_status_comes_back_in_the_panel_beside_the_field(app, client, make_title, alice):
    title_id = make_title("anime", "Twelve", details={"episode_count": 12})
    client.post(f"/titles/{title_id}/entry", data={"status": "watching", "progress": "2"})
    response = client.post(f"/titles/{title_id}/entry", data={"status": "binge"}, headers=panel_htmx())
    assert response.status_code == 422 and "HX-Trigger" not in response.headers
    html = response.get_data(as_text=True)
    assert '<section id="entry-panel"' in html
    assert re.search(rf'<select id="entry-status-{title_id}" name="status" aria-invalid="true" '
                     rf'aria-describedby="entry-status-{title_id}-error">', html)
    assert f'<p class="field-error" id="entry-status-{title_id}-error">Not a valid choice' in html
    assert entry_of(app, alice, title_id).status == "watching"
    plain = client.post(f"/titles/{title_id}/entry", data={"status": "binge"})
    assert plain.status_code == 422 and "Not a valid choice" in plain.get_data(as_text=True)


def test_a_refused_score_out_of_100_is_marked_beside_its_input(app, client, make_title, alice):
    with app.app_context():
        db.session.get(User, alice).preferences.score_scale = "100"
        db.session.commit()
    title_id = make_title("movie", "Heat")
    response = client.post(f"/titles/{title_id}/rating", data={"score": "101"}, headers=panel_htmx())
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert re.search(rf'id="score-{title_id}"[^>]* aria-invalid="true" aria-describedby="score-{title_id}-error"', html)
    assert entry_of(app, alice, title_id) is None


def test_a_refusal_for_a_list_row_still_answers_with_a_toast(app, client, make_title, alice):
    title_id = make_title("anime", "Twelve", details={"episode_count": 12})
    client.post(f"/titles/{title_id}/entry", data={"status": "watching"})
    response = client.post(f"/titles/{title_id}/entry", data={"status": "binge"}, headers=panel_htmx(f"entry-row-{title_id}"))
    assert response.status_code == 422 and response.data == b""
    assert "Not a valid choice" in json.loads(response.headers["HX-Trigger"])["toast"]["message"]


def test_finish_before_start_is_refused(app, client, make_title, alice):
    title_id = make_title("movie")
    response = client.post(f"/titles/{title_id}/entry", data={
        "full": "1", "status": "completed", "started_on": "2024-05-02", "finished_on": "2024-05-01"})
    assert response.status_code == 422
    assert "The finish date cannot be before the start date." in response.get_data(as_text=True)
    assert entry_of(app, alice, title_id) is None


def test_full_entry_form_round_trip(app, client, make_title, alice):
    title_id = make_title("series", "Wire", details={"episode_count": 60})
    page = client.get(f"/titles/{title_id}/entry")
    assert page.status_code == 200 and 'name="full"' in page.get_data(as_text=True)
    response = client.post(f"/titles/{title_id}/entry", data={
        "full": "1", "status": "on_hold", "progress": "10", "score": "8.5", "started_on": "2024-01-02",
        "finished_on": "", "rewatch_count": "2", "notes": "  slow start  ", "is_favourite": "y",
        "tags": "Crime, baltimore, crime", "priority": "2", "next": f"/titles/{title_id}/entry"})
    assert response.status_code == 302 and response.location.endswith(f"/titles/{title_id}/entry")
    entry = entry_of(app, alice, title_id)
    assert (entry.status, entry.progress, entry.score, entry.started_on) == ("on_hold", 10, 85, date(2024, 1, 2))
    assert (entry.rewatch_count, entry.notes, entry.is_favourite, entry.tags, entry.priority) == (
        2, "slow start", True, ["crime", "baltimore"], 2)
    page = client.get(f"/titles/{title_id}/entry").get_data(as_text=True)
    assert 'value="8.5"' in page and "crime, baltimore" in page and "slow start" in page
    # a full form without the checkbox unticks the favourite; a partial post leaves it alone
    client.post(f"/titles/{title_id}/entry", data={"status": "watching"})
    assert entry_of(app, alice, title_id).is_favourite is True
    client.post(f"/titles/{title_id}/entry", data={"full": "1", "status": "watching", "progress": "10"})
    assert entry_of(app, alice, title_id).is_favourite is False


def test_watchlist_toggle_updates_the_nav_count_out_of_band(app, client, make_title, alice):
    title_id = make_title("movie", "Alien")
    response = client.post(f"/titles/{title_id}/watchlist", headers=panel_htmx())
    body = assert_fragment(response)
    assert json.loads(response.headers["HX-Trigger"])["toast"] == {"level": "success", "message": "Added to your watchlist."}
    assert 'id="watchlist-count"' in body and 'hx-swap-oob="true"' in body and ">1</span>" in body
    assert entry_of(app, alice, title_id).status == "planned"
    body = assert_fragment(client.post(f"/titles/{title_id}/watchlist", headers=panel_htmx()))
    assert ">0</span>" in body and entry_of(app, alice, title_id) is None
    # a title being watched is not silently dropped by the watchlist button
    client.post(f"/titles/{title_id}/entry", data={"status": "watching"})
    conflict = client.post(f"/titles/{title_id}/watchlist", headers=panel_htmx())
    assert conflict.status_code == 409 and entry_of(app, alice, title_id).status == "watching"


def test_favourite_toggle_and_profile_favourites(app, client, make_title, alice):
    title_id = make_title("movie", "Amélie")
    client.post(f"/titles/{title_id}/favourite")
    assert entry_of(app, alice, title_id).is_favourite
    assert "Amélie" in favourites_section(client.get("/users/alice").get_data(as_text=True))
    client.post(f"/titles/{title_id}/favourite")
    assert not entry_of(app, alice, title_id).is_favourite
    section = favourites_section(client.get("/users/alice").get_data(as_text=True))
    assert "Amélie" not in section and "No favourites yet." in section
    with app.app_context():  # the feed line went with the favourite
        from mymovielist.models import Activity

        assert db.session.scalar(select(func.count()).select_from(Activity).where(Activity.verb == "favourited")) == 0


def favourites_section(page: str) -> str:
    start = page.index('<section class="favourites"')
    return page[start:page.index("</section>", start)]


def test_the_entry_panel_loads_the_entry_and_the_log_in_two_queries(app, client, make_title, alice):
    from flask import render_template
    from flask_login import login_user
    from sqlalchemy import event

    from mymovielist.models import Title

    title_id = make_title("series", "Counted", details={"episode_count": 9})
    client.post(f"/titles/{title_id}/entry", data={"progress": "3", "score": "7"})
    with app.test_request_context(f"/titles/{title_id}"):
        user = db.session.get(User, alice)
        login_user(user)
        title = db.session.get(Title, title_id)
        _ = (title.episode_count, user.preferences.score_scale)  # loaded by the page before the panel
        statements = []
        listener = lambda *args: statements.append(args[2])  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            html = render_template("_entry_panel.html", title=title)
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
    assert "Progress: <strong>3</strong> / 9 episodes" in html and html.count('class="inline"') == 3
    assert len(statements) == 2, statements


def test_remove_from_list(app, client, make_title, alice):
    title_id = make_title("movie")
    client.post(f"/titles/{title_id}/entry", data={"status": "planned"})
    assert client.post(f"/titles/{title_id}/entry/delete").status_code == 302
    assert entry_of(app, alice, title_id) is None
    missing = client.post(f"/titles/{title_id}/entry/delete", headers=panel_htmx())
    assert missing.status_code == 404 and missing.data == b""


def test_tracking_actions_record_activity(app, client, make_title, alice):
    title_id = make_title("series", "Dark", details={"episode_count": 3})
    client.post(f"/titles/{title_id}/watchlist")
    client.post(f"/titles/{title_id}/entry", data={"status": "watching"})
    client.post(f"/titles/{title_id}/progress")
    client.post(f"/titles/{title_id}/rating", data={"score": "9"})
    client.post(f"/titles/{title_id}/favourite")
    client.post(f"/titles/{title_id}/entry", data={"status": "completed"})
    with app.app_context():
        verbs = {a.verb for a in db.session.scalars(select(Activity).where(Activity.user_id == alice))}
    assert {"added", "status", "progress", "rated", "favourited", "completed"} <= verbs


def test_unknown_title_is_404(client, alice):
    for path in ("/titles/999999/entry", "/titles/999999/rating", "/titles/999999/watchlist",
                 "/titles/999999/progress", "/titles/999999/favourite", "/titles/999999/watches"):
        assert client.post(path, data={"status": "watching"}).status_code == 404, path
    assert client.get("/titles/999999/entry").status_code == 404


def test_progress_beyond_any_known_total_is_refused_not_a_500(app, client, make_title, alice):
    title_id = make_title("anime", "Endless")  # no episode count: progress is capped by MAX_PROGRESS
    client.post(f"/titles/{title_id}/entry", data={"progress": "100000"})
    response = client.post(f"/titles/{title_id}/progress", headers=panel_htmx())
    assert response.status_code == 422
    assert "from 0 to 100000" in json.loads(response.headers["HX-Trigger"])["toast"]["message"]
    assert entry_of(app, alice, title_id).progress == 100000


@pytest.mark.sqlite_only  # counts SQLite's BEGIN IMMEDIATE
@pytest.mark.parametrize("data, headers", [
    ({"status": "watching"}, panel_htmx()), ({"progress": "999"}, panel_htmx()), ({"status": "watching"}, {}),
], ids=["saved", "refused", "no-js"])
def test_a_change_takes_the_write_lock_once_not_again_to_answer(app, client, make_title, alice, data, headers):
    from sqlalchemy import event

    title_id = make_title("anime", "Locks", details={"episode_count": 12})
    begins = []
    with app.app_context():
        engine = db.engine
    listener = lambda conn, cursor, statement, *args: statement.startswith("BEGIN") and begins.append(statement)  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    try:
        response = client.post(f"/titles/{title_id}/entry", data=data, headers=headers)
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    assert response.status_code in (200, 302, 422)
    assert begins.count("BEGIN IMMEDIATE") == 1 and set(begins) <= {"BEGIN IMMEDIATE", "BEGIN"}, begins


def _token(app, user_id: int) -> dict:
    from mymovielist.services import api_tokens

    with app.app_context():
        _, secret = api_tokens.create_token(db.session.get(User, user_id), "rules", "read-write")
        db.session.commit()
    return {"Authorization": f"Bearer {secret}"}


def test_a_score_alone_never_starts_an_episodic_title_on_the_web_or_the_api(app, client, make_title, alice):
    web, api, form, film = (make_title("anime", "Web", details={"episode_count": 26}),
                            make_title("series", "Api", details={"episode_count": 10}),
                            make_title("comic", "Form", details={"issue_count": 5}), make_title("movie", "Film"))
    response = client.post(f"/titles/{web}/rating", data={"score": "8"}, headers=panel_htmx())
    assert "Plan to watch" in json.loads(response.headers["HX-Trigger"])["toast"]["message"]
    put = client.put(f"/api/v1/me/ratings/{api}", json={"score": 70}, headers=_token(app, alice))
    assert (put.status_code, put.get_json()["status"], put.get_json()["progress"]) == (200, "planned", 0)
    client.post(f"/titles/{form}/entry", data={"score": "6"})  # the entry form without a status
    client.put(f"/api/v1/me/ratings/{film}", json={"score": 90}, headers=_token(app, alice))
    for title_id in (web, api, form):
        row = entry_of(app, alice, title_id)
        assert (row.status, row.progress, row.started_on) == ("planned", 0, None)
        assert events_of(app, alice, title_id) == []
    film_row = entry_of(app, alice, film)
    assert (film_row.status, film_row.progress) == ("completed", 1)  # Letterboxd: a rated film is watched
    assert events_of(app, alice, film) == [(None, False, None)]
    body = client.get(f"/titles/{web}").get_data(as_text=True)
    assert "Watching" not in body.split('id="entry-panel"')[1].split("</form>")[0]


def test_continue_watching_shows_only_titles_actually_started(app, client, make_title, alice):
    started, logged, untouched = (make_title("series", name, details={"episode_count": 8})
                                  for name in ("Started", "Logged", "Untouched"))
    client.post(f"/titles/{started}/progress")
    client.post(f"/titles/{logged}/watches", data={"number": "3"})  # a watch out of order: progress stays 0
    client.post(f"/titles/{untouched}/entry", data={"status": "watching"})
    shelf = client.get("/continue-watching").get_data(as_text=True)
    assert "Started" in shelf and "Logged" in shelf and "Untouched" not in shelf


def test_deleting_a_rating_leaves_no_ghost_entry_on_the_web_or_the_api(app, client, make_title, alice):
    web, api, kept = (make_title("anime", name, details={"episode_count": 12}) for name in ("Web", "Api", "Kept"))
    client.post(f"/titles/{web}/rating", data={"score": "8"})
    client.put(f"/api/v1/me/ratings/{api}", json={"score": 70}, headers=_token(app, alice))
    client.post(f"/titles/{kept}/rating", data={"score": "5"})
    client.post(f"/titles/{kept}/entry", data={"notes": "Episode 3 is the one."})  # more than a score now
    response = client.post(f"/titles/{web}/rating", data={"score": ""}, headers=panel_htmx())
    assert response.status_code == 200 and 'id="watchlist-count"' in response.get_data(as_text=True)
    assert client.delete(f"/api/v1/me/ratings/{api}", headers=_token(app, alice)).status_code == 204
    client.post(f"/titles/{kept}/rating", data={"score": ""})
    assert entry_of(app, alice, web) is None and entry_of(app, alice, api) is None
    assert (entry_of(app, alice, kept).status, entry_of(app, alice, kept).score) == ("planned", None)
    with app.app_context():
        from mymovielist.services import stats

        assert stats.get_user_stats(alice).total == 1


def test_continue_watching_cards_show_progress_and_plus_one_swaps_the_card(app, client, make_title, alice):
    title_id = make_title("anime", "Twenty-six", details={"episode_count": 26})
    client.post(f"/titles/{title_id}/entry", data={"status": "watching", "progress": "5"})
    page = client.get("/continue-watching").get_data(as_text=True)
    card = f'id="progress-card-{title_id}"'
    assert card in page and "Ep 5 / 26" in page and '<progress value="5" max="26"' in page
    assert f'action="/titles/{title_id}/progress"' in page and 'name="next" value="/continue-watching"' in page
    response = client.post(f"/titles/{title_id}/progress", data={"next": "/continue-watching"},
                           headers=panel_htmx(f"progress-card-{title_id}"))
    html = assert_fragment(response)
    assert html.lstrip().startswith(f'<article class="card progress-card" {card}') and "Ep 6 / 26" in html
    assert "entry-panel" not in html and entry_of(app, alice, title_id).progress == 6
    plain = client.post(f"/titles/{title_id}/progress", data={"next": "/continue-watching"})  # without JavaScript
    assert plain.status_code == 302 and plain.headers["Location"].endswith("/continue-watching")
    assert entry_of(app, alice, title_id).progress == 7
    shelf = client.get("/continue-watching", headers=panel_htmx("shelf-continue")).get_data(as_text=True)
    assert '<div id="shelf-continue"' in shelf and "Ep 7 / 26" in shelf


def test_a_continue_watching_card_at_the_last_episode_offers_completion(app, client, make_title, alice):
    title_id = make_title("anime", "Two", details={"episode_count": 2})
    client.post(f"/titles/{title_id}/entry", data={"status": "watching", "progress": "1"})
    html = client.post(f"/titles/{title_id}/progress", headers=panel_htmx(f"progress-card-{title_id}")).get_data(as_text=True)
    assert "Ep 2 / 2" in html and f'action="/titles/{title_id}/entry"' in html and "Mark completed" in html
    html = client.post(f"/titles/{title_id}/entry", data={"status": "completed"},
                       headers=panel_htmx(f"progress-card-{title_id}")).get_data(as_text=True)
    assert "Completed ✓" in html and entry_of(app, alice, title_id).status == "completed"


def test_the_full_entry_form_marks_a_refused_date_invalid_and_links_its_message(app, client, make_title, alice):
    title_id = make_title("anime", "Twelve", details={"episode_count": 12})
    response = client.post(f"/titles/{title_id}/entry", data={"full": "1", "status": "watching", "progress": "0",
                                                             "started_on": "2999-01-01", "priority": "1"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert re.search(r'<input[^>]* aria-describedby="started_on-error" aria-invalid="true"[^>]* id="started_on"', html)
    assert '<p class="field-error" id="started_on-error">Dates cannot be in the future.</p>' in html
    assert html.count('aria-invalid="true"') == 1


def test_a_forged_score_for_the_radio_scale_is_refused_with_a_toast(app, client, make_title, alice):
    title_id = make_title("movie", "Heat")
    response = client.post(f"/titles/{title_id}/rating", data={"score": "11"}, headers=panel_htmx())
    assert response.status_code == 422 and response.data == b""
    assert "Score" in json.loads(response.headers["HX-Trigger"])["toast"]["message"]


def test_an_empty_progress_field_keeps_the_progress(app, client, auth, make_user, make_title):
    """Found by the route fuzzer: a partial form with `progress=` sent empty was a 500 (None <= int)."""
    make_user("alice")
    auth.login("alice")
    title_id = make_title("series", "Counted", details={"episode_count": 9})
    assert client.post(f"/titles/{title_id}/entry", data={"status": "watching", "progress": "3"}).status_code == 302
    response = client.post(f"/titles/{title_id}/entry", data={"progress": "", "notes": "still going"})
    assert response.status_code == 302  # saved (a plain form post is redirected back)
    with app.app_context():
        entry = db.session.scalar(db.select(ListEntry).where(ListEntry.title_id == title_id))
        assert (entry.progress, entry.notes) == (3, "still going")
