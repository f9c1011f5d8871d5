"""/admin: admins only; users (block, promote, delete), runs, schedule, cache, database, backups."""

from __future__ import annotations

import json
import os
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from conftest import PASSWORD, AuthActions

from mymovielist.extensions import cache, db
from mymovielist.models import SyncRun, User
from mymovielist.services import admin as admin_service

HX = {"HX-Request": "true", "HX-Target": "admin-users"}


@pytest.fixture
def admin(client, auth, make_user):
    make_user("root", role="admin")
    auth.login("root")
    return client


def token(client) -> str:
    return AuthActions(client).csrf_token("/admin/")


def user(app, username: str) -> User | None:
    with app.app_context():
        found = db.session.scalar(db.select(User).where(User.username == username))
        if found is not None:
            db.session.expunge(found)
        return found


def test_visitors_and_users_are_kept_out(client, auth, make_user):
    assert client.get("/admin/").status_code == 302
    victim = make_user("joe")
    auth.login("joe")
    assert client.get("/admin/").status_code == 403
    csrf = AuthActions(client).csrf_token("/")
    assert client.post(f"/admin/users/{victim}/promote", data={"csrf_token": csrf}).status_code == 403
    assert client.post("/admin/cache/clear", data={"csrf_token": csrf}).status_code == 403


def test_dashboard_shows_every_part(app, admin, make_user):
    make_user("alice")
    with app.app_context():
        db.session.add(SyncRun(provider="tmdb", job="refresh", status="failed", error="tmdb is down <b>"))
        db.session.commit()
    backups = Path(app.instance_path) / "backups"  # what the nightly job leaves, on any database
    backups.mkdir()
    (backups / "mymovielist-20260101T020000Z.sqlite3").write_bytes(b"x" * 2048)
    stamp = datetime(2026, 1, 1, 2, 0, tzinfo=UTC).timestamp()
    os.utime(backups / "mymovielist-20260101T020000Z.sqlite3", (stamp, stamp))
    page = admin.get("/admin/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "alice" in html and "root" in html and "(you)" in html
    assert "tmdb is down &lt;b&gt;" in html and 'href="/admin/sync"' in html
    assert "nightly-backup" in html and "heartbeat" in html
    assert "mymovielist-20260101T020000Z.sqlite3</code>, 2026-01-01 02:00 UTC" in html and "2.0 kB" in html
    assert re.search(r"Database size</dt>\s*<dd>[\d.]+ [kMG]?B</dd>", html)
    assert "Clear the cache" in html


def test_the_schedule_has_next_run_times_without_a_scheduler():
    now = datetime(2026, 1, 1, 1, 30, tzinfo=UTC)
    jobs = {item.spec.id: item.next_run for item in admin_service.schedule(now)}
    assert jobs["nightly-backup"] == datetime(2026, 1, 1, 2, 0, tzinfo=UTC)
    assert jobs["tmdb-changes"] == datetime(2026, 1, 1, 3, 15, tzinfo=UTC)
    assert jobs["refresh-stale"] == datetime(2026, 1, 1, 2, 30, tzinfo=UTC)
    assert jobs["heartbeat"] == datetime(2026, 1, 1, 1, 31, tzinfo=UTC)


def test_block_signs_the_user_out_and_unblock_lets_them_back(app, admin, make_user):
    victim_id = make_user("mallory")
    other = app.test_client()
    AuthActions(other).login("mallory")
    assert other.get("/settings").status_code == 200
    response = admin.post(f"/admin/users/{victim_id}/block", data={"csrf_token": token(admin)})
    assert response.status_code == 302 and response.headers["Location"] == "/admin/"
    assert user(app, "mallory").is_blocked
    assert other.get("/settings").status_code == 302  # the session is gone
    response = admin.post(f"/admin/users/{victim_id}/unblock", data={"csrf_token": token(admin)}, headers=HX)
    assert response.status_code == 200 and "<html" not in response.get_data(as_text=True)
    assert json.loads(response.headers["HX-Trigger"])["toast"]["message"] == "mallory is unblocked."
    assert 'id="admin-users"' in response.get_data(as_text=True)
    assert not user(app, "mallory").is_blocked
    assert AuthActions(other).login("mallory").status_code == 302


def test_promote_and_demote(app, admin, make_user):
    joe = make_user("joe")
    admin.post(f"/admin/users/{joe}/promote", data={"csrf_token": token(admin)})
    assert user(app, "joe").role == "admin"
    admin.post(f"/admin/users/{joe}/demote", data={"csrf_token": token(admin)})
    assert user(app, "joe").role == "user"


def test_you_cannot_demote_block_or_delete_yourself(app, admin):
    me = user(app, "root").id
    for action, data in (("demote", {}), ("block", {}), ("delete", {"confirm": "root"})):
        response = admin.post(f"/admin/users/{me}/{action}", data={"csrf_token": token(admin), **data})
        assert response.status_code == 409
        assert "your own account" in response.get_data(as_text=True)
        response = admin.post(f"/admin/users/{me}/{action}", data={"csrf_token": token(admin), **data}, headers=HX)
        assert response.status_code == 409 and "your own account" in response.headers["HX-Trigger"]
    found = user(app, "root")
    assert found.role == "admin" and not found.is_blocked


def test_delete_needs_the_username_typed(app, admin, make_user):
    victim = make_user("gone")
    response = admin.post(f"/admin/users/{victim}/delete", data={"csrf_token": token(admin), "confirm": "nope"})
    assert response.status_code == 422 and "Type gone to confirm" in response.get_data(as_text=True)
    assert user(app, "gone") is not None
    response = admin.post(f"/admin/users/{victim}/delete", data={"csrf_token": token(admin), "confirm": "gone"})
    assert response.status_code == 302
    assert user(app, "gone") is None
    assert admin.post(f"/admin/users/{victim}/delete", data={"csrf_token": token(admin)}).status_code == 404


def test_unknown_action_and_missing_csrf(app, admin, make_user):
    joe = make_user("joe")
    assert admin.post(f"/admin/users/{joe}/explode", data={"csrf_token": token(admin)}).status_code == 404
    app.config["WTF_CSRF_ENABLED"] = True
    assert admin.post(f"/admin/users/{joe}/promote").status_code == 400


def test_users_are_paginated(app, admin, make_user):
    for n in range(26):
        make_user(f"u{n:02d}")
    first = admin.get("/admin/").get_data(as_text=True)
    assert 'rel="next" href="/admin/?page=2"' in first and "Page 1 of 2" in first
    second = admin.get("/admin/?page=2", headers=HX)
    assert second.status_code == 200 and "<html" not in second.get_data(as_text=True)
    assert "Vary" in second.headers and "HX-Request" in second.headers["Vary"]
    assert "Page 2 of 2" in second.get_data(as_text=True)
    assert admin.get("/admin/?page=99").status_code == 200


def test_clear_cache(app, admin):
    with app.app_context():
        cache.set("something", 1)
    response = admin.post("/admin/cache/clear", data={"csrf_token": token(admin)}, headers={"HX-Request": "true"})
    assert response.status_code == 200 and json.loads(response.headers["HX-Trigger"])["toast"]["level"] == "success"
    with app.app_context():
        assert cache.get("something") is None
    response = admin.post("/admin/cache/clear", data={"csrf_token": token(admin)})
    assert response.status_code == 302


def test_a_blocked_user_cannot_log_in(app, admin, make_user):
    victim = make_user("blocked")
    admin.post(f"/admin/users/{victim}/block", data={"csrf_token": token(admin)})
    other = app.test_client()
    AuthActions(other).login("blocked", PASSWORD)
    assert other.get("/settings").status_code == 302
