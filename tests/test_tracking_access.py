"""Every tracking route as an anonymous visitor and as another user (IDOR): nothing of the owner changes."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from mymovielist.extensions import db
from mymovielist.models import Activity, ListEntry, Title, WatchEvent


def tracking_routes(app) -> list[tuple[str, str]]:
    found = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("tracking.") and rule.endpoint != "tracking.user_list":
            for method in sorted(set(rule.methods) - {"HEAD", "OPTIONS"}):
                found.append((method, rule.rule))
    return found


def snapshot(app) -> tuple:
    with app.app_context():
        entries = [(e.user_id, e.title_id, e.status, e.progress, e.score, e.is_favourite, e.notes, e.rewatch_count)
                   for e in db.session.scalars(select(ListEntry).order_by(ListEntry.id))]
        events = [(e.id, e.user_id, e.number) for e in db.session.scalars(select(WatchEvent).order_by(WatchEvent.id))]
        titles = [(t.id, t.rating_count, t.mean_score, t.weighted_score) for t in db.session.scalars(select(Title))]
        return entries, events, titles


@pytest.fixture
def victim_state(app, client, make_title, make_user, auth):
    make_user("victim")
    auth.login("victim")
    title_id = make_title("series", "Mine", details={"episode_count": 5})
    client.post(f"/titles/{title_id}/entry", data={"status": "watching", "progress": "2", "score": "8", "notes": "secret"})
    client.post(f"/titles/{title_id}/favourite")
    with app.app_context():
        event_id = db.session.scalar(select(WatchEvent.id).order_by(WatchEvent.id))
    auth.logout()
    return title_id, event_id


def fill(rule: str, title_id: int, event_id: int) -> str:
    return rule.replace("<int:title_id>", str(title_id)).replace("<int:event_id>", str(event_id))


def test_the_routes_under_test_are_all_found(app):
    paths = {rule for _, rule in tracking_routes(app)}
    assert {"/titles/<int:title_id>/entry", "/titles/<int:title_id>/rating", "/titles/<int:title_id>/watchlist",
            "/titles/<int:title_id>/progress", "/titles/<int:title_id>/favourite", "/titles/<int:title_id>/watches",
            "/titles/<int:title_id>/entry/delete", "/watches/<int:event_id>/delete"} <= paths


@pytest.mark.parametrize("as_htmx", [False, True], ids=["form", "htmx"])
def test_anonymous_visitors_are_sent_to_log_in_and_change_nothing(app, client, victim_state, as_htmx):
    title_id, event_id = victim_state
    before = snapshot(app)
    headers = {"HX-Request": "true"} if as_htmx else {}
    for method, rule in tracking_routes(app):
        response = client.open(fill(rule, title_id, event_id), method=method, headers=headers,
                               data={"status": "dropped", "score": "1", "progress": "0"})
        if as_htmx:
            assert response.status_code == 401, (method, rule)
            assert response.headers["HX-Redirect"].startswith("/auth/login")
            assert json.loads(response.headers["HX-Trigger"])["toast"]["level"] == "error"
        else:
            assert response.status_code == 302 and "/auth/login" in response.location, (method, rule)
    assert snapshot(app) == before


def test_another_user_cannot_touch_the_owners_entry_or_log(app, client, victim_state, make_user, auth):
    title_id, event_id = victim_state
    entries, events, _ = snapshot(app)
    make_user("mallory")
    auth.login("mallory")
    assert client.post(f"/watches/{event_id}/delete").status_code == 404
    for method, rule in tracking_routes(app):
        client.open(fill(rule, title_id, event_id), method=method,
                    data={"status": "dropped", "score": "1", "progress": "0", "notes": "pwned", "full": "1"})
    after_entries, after_events, _ = snapshot(app)
    victim_rows = [row for row in after_entries if row[0] == entries[0][0]]
    assert victim_rows == entries  # the victim's entry is exactly as it was
    assert all(event in after_events for event in events)  # and every one of their watches is still there
    # what mallory did only touched mallory's own rows
    with app.app_context():
        from mymovielist.services import accounts

        mallory = accounts.get_user_by_username("mallory").id
        assert {row[0] for row in after_entries} <= {entries[0][0], mallory}
        assert all(a.user_id in (entries[0][0], mallory) for a in db.session.scalars(select(Activity)))


def test_the_owners_private_notes_are_not_shown_to_others(app, client, victim_state, make_user, auth):
    title_id, _ = victim_state
    make_user("reader")
    auth.login("reader")
    assert "secret" not in client.get(f"/titles/{title_id}").get_data(as_text=True)
    assert "secret" not in client.get("/users/victim/list").get_data(as_text=True)
    assert client.get(f"/titles/{title_id}/entry").status_code == 200  # their own, empty form
    assert "secret" not in client.get(f"/titles/{title_id}/entry").get_data(as_text=True)
