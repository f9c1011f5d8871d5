"""Sessions in Redis (SESSION_REDIS_URL): an opaque id in the cookie, a new id at login, none after logout.

These need a real Redis: they run on the scale-out run (MYMOVIELIST_TEST_REDIS_URL, where conftest
gives every app Redis sessions) and skip on the SQLite run, which has no Redis, in CI too.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator

import msgspec
import pytest
from conftest import PASSWORD, REDIS_URL, _test_config
from flask.sessions import SecureCookieSessionInterface

from mymovielist import create_app

needs_redis = pytest.mark.skipif(not REDIS_URL, reason="needs Redis: set MYMOVIELIST_TEST_REDIS_URL")


@pytest.fixture
def store(app) -> Iterator:
    """A client of the test Redis, to look at the session records; fails if Redis does not answer."""
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.ConnectionError as error:
        client.close()
        pytest.fail(f"MYMOVIELIST_TEST_REDIS_URL is set but Redis does not answer: {error}")
    assert app.config["SESSION_REDIS_URL"] == REDIS_URL  # conftest gives every app Redis sessions
    yield client
    client.close()


def _sid(client, name: str = "session") -> str:
    cookie = client.get_cookie(name)
    assert cookie is not None, name
    return cookie.value


def _record(app, store, sid: str) -> dict | None:
    raw = store.get(app.config["SESSION_KEY_PREFIX"] + sid)
    return None if raw is None else msgspec.msgpack.decode(raw)


def test_without_a_url_sessions_are_signed_cookies_and_need_neither_redis_nor_flask_session(
    tmp_path, monkeypatch
):
    for module in ("redis", "flask_session", "flask_session.redis"):
        monkeypatch.setitem(sys.modules, module, None)  # any import of them now fails
    monkeypatch.setattr("flask.Flask.auto_find_instance_path", lambda self: str(tmp_path / "instance"))
    config = _test_config(
        tmp_path,
        SESSION_REDIS_URL="",
        CACHE_TYPE="SimpleCache",
        CACHE_REDIS_URL="",
        RATELIMIT_STORAGE_URI="memory://",
    )
    app = create_app(config)
    assert type(app.session_interface) is SecureCookieSessionInterface


@needs_redis
def test_session_data_lives_in_redis_and_the_cookie_is_an_opaque_id(app, store, make_user, auth):
    make_user("alice")
    assert auth.login("alice").status_code == 302
    sid = _sid(auth._client)
    assert "." not in sid and len(sid) >= 40  # a random token, not a signed payload
    record = _record(app, store, sid)
    assert record is not None and record["_user_id"].startswith("1:")
    token = record["_user_id"].partition(":")[2]
    assert token not in sid
    ttl = store.ttl(app.config["SESSION_KEY_PREFIX"] + sid)
    assert 0 < ttl <= app.permanent_session_lifetime.total_seconds()
    assert auth._client.get("/settings").status_code == 200


@needs_redis
def test_login_gives_a_new_session_id_and_deletes_the_old_record(app, store, make_user, client):
    make_user("alice")
    with client.session_transaction() as session:
        session["planted"] = "before login"
    before = _sid(client)
    assert _record(app, store, before) == {"planted": "before login"}
    client.post("/auth/login", data={"username": "alice", "password": PASSWORD})
    after = _sid(client)
    assert after != before
    assert _record(app, store, before) is None
    assert "planted" not in _record(app, store, after)
    replay = app.test_client()
    replay.set_cookie("session", before)
    assert replay.get("/settings").status_code == 302


@needs_redis
def test_an_id_chosen_by_an_attacker_is_never_adopted(app, store, make_user, client):
    make_user("alice")
    client.set_cookie("session", "chosen-by-the-attacker")
    client.post("/auth/login", data={"username": "alice", "password": PASSWORD})
    assert _sid(client) != "chosen-by-the-attacker"
    assert _record(app, store, "chosen-by-the-attacker") is None


@needs_redis
def test_logout_deletes_the_record_and_the_old_cookie_replayed_is_anonymous(app, store, make_user, auth):
    make_user("alice")
    auth.login("alice")
    stolen = _sid(auth._client)
    assert _record(app, store, stolen) is not None
    auth.logout()
    assert _record(app, store, stolen) is None
    attacker = app.test_client()
    attacker.set_cookie("session", stolen)
    response = attacker.get("/settings")
    assert response.status_code == 302 and response.location.startswith("/auth/login")
    assert _record(app, store, stolen) is None  # the replay did not bring it back


@needs_redis
def test_a_password_change_moves_this_device_to_a_new_id(app, store, make_user, auth):
    make_user("alice")
    auth.login("alice")
    before = _sid(auth._client)
    response = auth.change_password()
    assert response.status_code == 302
    assert _sid(auth._client) != before and _record(app, store, before) is None
    assert auth._client.get("/settings").status_code == 200


@needs_redis
def test_remember_me_logs_a_new_browser_session_in_until_logout(app, store, make_user, auth):
    make_user("alice")
    auth.login("alice", remember=True)
    remembered = _sid(auth._client, "remember_token")
    browser_restarted = app.test_client()
    browser_restarted.set_cookie("remember_token", remembered)
    assert browser_restarted.get("/settings").status_code == 200
    record = _record(app, store, _sid(browser_restarted))
    assert record is not None and record["_user_id"].startswith("1:")
    auth.logout()
    again = app.test_client()
    again.set_cookie("remember_token", remembered)
    assert again.get("/settings").status_code == 302


@needs_redis
def test_an_anonymous_visit_stores_only_its_csrf_token(app, store, client):
    # Catalog pages hold no session at all for a visitor (page_cache.py): nothing is stored.
    assert client.get("/").status_code == 200
    assert client.get_cookie(app.config["SESSION_COOKIE_NAME"]) is None
    assert list(store.scan_iter(app.config["SESSION_KEY_PREFIX"] + "*")) == []
    # A page with a form stores the CSRF token, once.
    assert client.get("/auth/login").status_code == 200
    assert _record(app, store, _sid(client)).keys() == {"csrf_token"}
    assert client.get("/auth/login").status_code == 200
    assert len(list(store.scan_iter(app.config["SESSION_KEY_PREFIX"] + "*"))) == 1  # the same record again


@pytest.fixture
def secure_env(monkeypatch):
    monkeypatch.setenv("MYMOVIELIST_SESSION_COOKIE_SECURE", "true")


@needs_redis
def test_secure_mode_names_the_cookie_host_session(secure_env, app, store, make_user):
    make_user("alice")
    client = app.test_client()
    response = client.post(
        "/auth/login", base_url="https://localhost", data={"username": "alice", "password": PASSWORD}
    )
    assert response.status_code == 302
    (cookie,) = [c for c in response.headers.getlist("Set-Cookie") if c.startswith("__Host-session=")]
    for flag in ("; Secure", "; HttpOnly", "; Path=/", "; SameSite=Lax"):
        assert flag in cookie
    assert "Domain=" not in cookie and "Expires=" not in cookie  # a browser-session cookie
    sid = cookie.split(";")[0].partition("=")[2]
    assert _record(app, store, sid)["_user_id"].startswith("1:")
