"""A hostile visitor: every route found by walking `app.url_map`, so routes added later are covered too.

CSRF, access control, open redirects, replayed cookies after logout and password change, account
enumeration on login, and XSS through account fields.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from conftest import PASSWORD, AuthActions
from flask import Flask
from werkzeug.routing import AnyConverter, FloatConverter, IntegerConverter, Rule

from mymovielist.auth.access import protected_endpoints
from mymovielist.extensions import db
from mymovielist.models import User

UNSAFE_METHODS = ("POST", "PUT", "PATCH", "DELETE")
FLASK_LOGIN_DECORATOR = r"from flask_login import[^\n]*\blogin_required\b|flask_login\.login_required"
CSRF_MESSAGE = "Your form expired or was sent from another site"
# The JSON API is exempt from CSRF: it ignores session cookies and acts only for a bearer token, which
# a forged cross-site request cannot carry. Without a token it must refuse every write with a 401.
API_PREFIX = "/api/"


def assert_api_write_refused(response, method: str, path: str) -> None:
    assert response.status_code == 401, (method, path, response.status_code)
    assert response.mimetype == "application/problem+json", (method, path)


def sample_path(rule: Rule) -> str:
    """A concrete URL for the rule, with a plausible value for each argument."""
    values: dict[str, object] = {}
    for name, converter in rule._converters.items():
        if isinstance(converter, AnyConverter):
            values[name] = sorted(converter.items)[0]
        elif isinstance(converter, IntegerConverter | FloatConverter):
            values[name] = 1
        else:
            values[name] = "x"
    return rule.build(values)[1]


def rules_with(app: Flask, methods: tuple[str, ...]) -> list[tuple[str, str]]:
    found = []
    for rule in app.url_map.iter_rules():
        for method in sorted(set(rule.methods or ()) & set(methods)):
            found.append((method, sample_path(rule)))
    return found


@pytest.fixture
def csrf_app(app) -> Flask:
    """The app with CSRF protection on, as in production (Flask-WTF reads the flag per request)."""
    app.config["WTF_CSRF_ENABLED"] = True
    return app


# -- CSRF ------------------------------------------------------------------------------------


def test_the_walk_finds_the_state_changing_routes(app):
    found = {path for _, path in rules_with(app, UNSAFE_METHODS)}
    assert {
        "/auth/login",
        "/auth/logout",
        "/auth/register",
        "/settings/password",
        "/settings/delete",
    } <= found


@pytest.mark.parametrize("as_htmx", [False, True], ids=["form", "htmx"])
def test_every_state_changing_request_without_a_token_is_refused(csrf_app, as_htmx):
    client = csrf_app.test_client()
    headers = {"HX-Request": "true"} if as_htmx else {}
    for method, path in rules_with(csrf_app, UNSAFE_METHODS):
        response = client.open(path, method=method, data={"username": "x", "password": "y"}, headers=headers)
        if path.startswith(API_PREFIX):
            assert_api_write_refused(response, method, path)
            continue
        assert response.status_code == 400, (method, path, response.status_code)
        if as_htmx:
            assert response.get_data() == b""
            assert CSRF_MESSAGE in json.loads(response.headers["HX-Trigger"])["toast"]["message"]
        else:
            assert CSRF_MESSAGE in response.get_data(as_text=True)


def test_a_logged_in_user_without_a_token_is_refused_too(csrf_app, make_user):
    with csrf_app.app_context():
        from mymovielist.services import accounts

        accounts.register("victim", "victim@example.org", PASSWORD)
        db.session.commit()
    client = csrf_app.test_client()
    assert AuthActions(client).login("victim").status_code == 302
    for method, path in rules_with(csrf_app, UNSAFE_METHODS):
        response = client.open(
            path,
            method=method,
            data={"password": PASSWORD, "confirm_username": "victim"},
            headers={"X-CSRFToken": "forged"},
        )
        if path.startswith(API_PREFIX):  # the session cookie is ignored: still no credentials
            assert_api_write_refused(response, method, path)
            continue
        assert response.status_code == 400, (method, path)
    assert client.get("/settings").status_code == 200  # still logged in, nothing deleted


def test_a_token_from_the_header_is_accepted_as_htmx_sends_it(csrf_app):
    client = csrf_app.test_client()
    token = AuthActions(client).csrf_token("/auth/register")
    assert token
    response = client.post(
        "/auth/register/check?field=username",
        data={"username": "newcomer"},
        headers={"X-CSRFToken": token, "HX-Request": "true"},
    )
    assert response.status_code == 200
    assert "<html" not in response.get_data(as_text=True)


def test_settings_forms_with_their_token_are_accepted(csrf_app, make_user):
    make_user("alice")
    auth = AuthActions(csrf_app.test_client())
    assert auth.login("alice").status_code == 302
    token = auth.csrf_token("/settings")
    response = auth._client.post(
        "/settings/profile", data={"display_name": "Alice", "bio": "", "csrf_token": token}
    )
    assert response.status_code == 302
    response = auth._client.post(
        "/settings/preferences",
        data={"score_scale": "100", "kinds_shown": ["movie"], "theme": "dark", "csrf_token": token},
    )
    assert response.status_code == 302
    assert 'data-theme="dark"' in auth._client.get("/settings").get_data(as_text=True)


def test_a_token_from_another_session_is_refused(csrf_app):
    stolen = AuthActions(csrf_app.test_client()).csrf_token("/auth/login")
    response = csrf_app.test_client().post(
        "/auth/login", data={"username": "x", "password": "y", "csrf_token": stolen}
    )
    assert response.status_code == 400


# -- access control --------------------------------------------------------------------------


def test_login_only_routes_are_marked_and_found(app):
    marked = protected_endpoints(app)
    assert {"users.settings", "users.update_profile", "users.change_password", "users.delete_account"} <= set(
        marked
    )


def test_views_use_the_marking_decorators_not_flask_logins():
    # The walk below only sees views marked by auth.access; flask_login's decorator leaves no mark.
    package = Path(__file__).resolve().parents[1] / "mymovielist"
    offenders = [
        str(path)
        for path in package.rglob("*.py")
        if re.search(FLASK_LOGIN_DECORATOR, path.read_text())
    ]
    assert offenders == []


def _protected_requests(app: Flask):
    for rule in app.url_map.iter_rules():
        level = protected_endpoints(app).get(rule.endpoint)
        if level:
            for method in sorted(set(rule.methods or ()) - {"HEAD", "OPTIONS"}):
                yield level, method, sample_path(rule)


def test_every_login_only_route_sends_visitors_to_the_login_page(app):
    client = app.test_client()
    requests = list(_protected_requests(app))
    assert requests
    for _, method, path in requests:
        response = client.open(path, method=method)
        assert response.status_code == 302, (method, path)
        location = urlsplit(response.location)
        assert location.path == "/auth/login", (method, path)
        if method == "GET":
            assert f"next={path}" in response.location.replace("%2F", "/")


def test_every_login_only_route_answers_htmx_visitors_with_401_and_a_redirect(app):
    client = app.test_client()
    for _, method, path in _protected_requests(app):
        response = client.open(path, method=method, headers={"HX-Request": "true"})
        assert response.status_code == 401, (method, path)
        assert response.headers["HX-Redirect"].startswith("/auth/login")
        assert json.loads(response.headers["HX-Trigger"])["toast"]["level"] == "error"


def test_admin_routes_refuse_users_who_are_not_admins(app, make_user, auth):
    make_user("plain")
    auth.login("plain")
    client = auth._client
    for level, method, path in _protected_requests(app):
        if level == "admin":
            assert client.open(path, method=method).status_code == 403, (method, path)


def test_admin_required_lets_admins_in_and_keeps_users_out(app, make_user, auth):
    from mymovielist.auth.access import admin_required

    @app.get("/_test/admin-only")
    @admin_required
    def admin_only():
        return "secret"

    assert protected_endpoints(app)["admin_only"] == "admin"
    assert app.test_client().get("/_test/admin-only").status_code == 302
    make_user("plain")
    make_user("boss", role="admin")
    auth.login("plain")
    assert auth._client.get("/_test/admin-only").status_code == 403
    auth.logout()
    auth.login("boss")
    assert auth._client.get("/_test/admin-only").get_data(as_text=True) == "secret"


def test_every_page_answers_a_visitor_without_a_server_error(app, make_user, auth):
    make_user("visitor")
    for as_user in (False, True):
        if as_user:
            auth.login("visitor")
        client = auth._client
        for _, path in rules_with(app, ("GET",)):
            response = client.get(path, headers={"Accept": "text/html"})
            response.close()
            assert response.status_code < 500, (path, as_user, response.status_code)


# -- open redirects --------------------------------------------------------------------------

OPEN_REDIRECTS = [
    "https://evil.example/",
    "http://evil.example",
    "//evil.example",
    "///evil.example",
    "////evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "\\/evil.example",
    "/\t/evil.example",
    " //evil.example",
    "https:evil.example",
    "http:/evil.example",
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "evil.example",
    "/\n/evil.example",
    "\x00//evil.example",
    "//evil.example/%2F..",
    "https://localhost@evil.example",
    "/" + "a" * 3000,
]


def _assert_same_origin(location: str) -> None:
    parts = urlsplit(location)
    assert parts.scheme in ("", "http") and parts.netloc in ("", "localhost"), location
    assert parts.path.startswith("/") and not parts.path.startswith("//") and "\\" not in location, location


@pytest.mark.parametrize("target", OPEN_REDIRECTS)
def test_next_never_leaves_the_site_after_login(app, make_user, auth, target):
    make_user("alice")
    response = auth.login("alice", next=target)
    if "\x00" in target:  # refused whole before login runs (security.refuse_nul_bytes): no redirect at all
        assert response.status_code == 400 and "Location" not in response.headers
        return
    assert response.status_code == 302
    _assert_same_origin(response.location)
    assert response.location == "/"


@pytest.mark.parametrize("target", OPEN_REDIRECTS[:8])
def test_next_never_leaves_the_site_after_register_or_for_a_logged_in_visitor(
    app, client, make_user, auth, target
):
    response = client.post(
        "/auth/register",
        query_string={"next": target},
        data={"username": "newbie", "email": "newbie@example.org", "password": PASSWORD, "confirm": PASSWORD},
    )
    assert response.status_code == 302 and response.location == "/"
    response = client.get("/auth/login", query_string={"next": target})
    assert response.status_code == 302 and response.location == "/"


def test_next_to_a_path_on_the_site_is_followed(app, make_user, auth):
    make_user("alice")
    response = auth.login("alice", next="/settings?tab=1#x")
    assert response.location == "/settings?tab=1#x"


# -- session revocation ----------------------------------------------------------------------


def _cookie(client, name: str) -> str:
    cookie = client.get_cookie(name)
    assert cookie is not None, name
    return cookie.value


def test_an_old_session_cookie_replayed_after_logout_is_logged_out(app, make_user, auth):
    make_user("alice")
    auth.login("alice")
    stolen = _cookie(auth._client, "session")
    auth.logout()
    attacker = app.test_client()
    attacker.set_cookie("session", stolen)
    response = attacker.get("/settings")
    assert response.status_code == 302 and response.location.startswith("/auth/login")


def test_a_remember_me_cookie_replayed_after_logout_is_logged_out(app, make_user, auth):
    make_user("alice")
    auth.login("alice", remember=True)
    stolen = _cookie(auth._client, "remember_token")
    fresh = app.test_client()
    fresh.set_cookie("remember_token", stolen)
    assert fresh.get("/settings").status_code == 200  # the cookie works while the session lives
    auth.logout()
    attacker = app.test_client()
    attacker.set_cookie("remember_token", stolen)
    assert attacker.get("/settings").status_code == 302


def test_a_password_change_logs_out_other_sessions_but_not_this_one(app, make_user, auth):
    make_user("alice")
    other = AuthActions(app.test_client())
    other.login("alice", remember=True)
    remembered = _cookie(other._client, "remember_token")
    auth.login("alice")
    response = auth.change_password()
    assert response.status_code == 302
    assert auth._client.get("/settings").status_code == 200
    assert other._client.get("/settings").status_code == 302
    replay = app.test_client()
    replay.set_cookie("remember_token", remembered)
    assert replay.get("/settings").status_code == 302
    assert AuthActions(app.test_client()).login("alice").status_code == 422
    assert AuthActions(app.test_client()).login("alice", "a brand new passphrase").status_code == 302


def test_deleting_the_account_ends_its_sessions(app, make_user, auth):
    make_user("alice")
    other = AuthActions(app.test_client())
    other.login("alice")
    auth.login("alice")
    response = auth._client.post("/settings/delete", data={"confirm_username": "alice", "password": PASSWORD})
    assert response.status_code == 302
    assert other._client.get("/settings").status_code == 302
    assert auth._client.get("/settings").status_code == 302


def test_login_starts_a_fresh_session(app, make_user, client):
    make_user("alice")
    with client.session_transaction() as session:
        session["planted"] = "by an attacker"
        session["csrf_token"] = "known-token"
    client.post("/auth/login", data={"username": "alice", "password": PASSWORD})
    with client.session_transaction() as session:
        assert "planted" not in session
        assert session.get("csrf_token") != "known-token"
        assert session["_user_id"].startswith(f"{1}:")


# -- enumeration -----------------------------------------------------------------------------


def test_unknown_user_and_wrong_password_get_identical_answers(app, make_user, monkeypatch):
    from mymovielist.services import passwords

    make_user("alice")
    calls = []
    real_verify = passwords.verify_password
    monkeypatch.setattr(passwords, "verify_password", lambda h, p: calls.append(h) or real_verify(h, p))

    wrong = app.test_client().post("/auth/login", data={"username": "alice", "password": "not the password"})
    assert len(calls) == 1
    unknown = app.test_client().post(
        "/auth/login", data={"username": "zelda", "password": "not the password"}
    )
    assert len(calls) == 2  # a dummy hash is verified too, so both take the same time

    assert wrong.status_code == unknown.status_code == 422

    def shape(response):
        headers = {k: v for k, v in response.headers if k not in {"Date", "Content-Length", "Set-Cookie", "X-Request-ID"}}
        cookies = sorted(
            re.sub(r"=[^;]*;", "=…;", c, count=1) for c in response.headers.getlist("Set-Cookie")
        )
        return headers, cookies

    assert shape(wrong) == shape(unknown)

    def page(response, typed):  # the typed name is echoed back; CSRF tokens differ per session
        html = response.get_data(as_text=True).replace(typed, "USER")
        return re.sub(r'("X-CSRFToken": "|name="csrf_token" type="hidden" value=")[^"]+', r"\1…", html)

    assert page(wrong, "alice") == page(unknown, "zelda")
    assert "do not match an account" in wrong.get_data(as_text=True)


def test_a_blocked_user_gets_the_same_answer_as_a_wrong_password(app, make_user, client):
    user_id = make_user("mallory")
    with app.app_context():
        db.session.get(User, user_id).is_blocked = True
        db.session.commit()
    response = client.post("/auth/login", data={"username": "mallory", "password": PASSWORD})
    assert response.status_code == 422
    assert "do not match an account" in response.get_data(as_text=True)


# -- XSS -------------------------------------------------------------------------------------

XSS = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "'><svg onload=alert(1)>",
    "<b>bold</b>",
]


def _assert_escaped(html: str, vector: str) -> None:
    assert vector not in html
    for raw in ("<script>alert", "<img src=x", "<svg onload", "<b>bold</b>"):
        assert raw not in html


@pytest.mark.parametrize("vector", XSS)
def test_xss_in_username_is_refused_and_echoed_escaped(client, vector):
    response = client.post(
        "/auth/register",
        data={"username": vector, "email": "x@example.org", "password": PASSWORD, "confirm": PASSWORD},
    )
    assert response.status_code == 422
    _assert_escaped(response.get_data(as_text=True), vector)


@pytest.mark.parametrize("vector", XSS)
def test_xss_in_a_stored_username_renders_escaped(app, make_user, auth, vector):
    user_id = make_user("victim")
    with app.app_context():
        db.session.get(User, user_id).username = vector  # as if it came from an import
        db.session.commit()
    auth.login("victim@example.org")
    html = auth._client.get("/settings").get_data(as_text=True)
    _assert_escaped(html, vector)


@pytest.mark.parametrize("vector", XSS)
def test_xss_in_display_name_and_bio_renders_escaped(app, make_user, auth, vector):
    make_user("alice")
    auth.login("alice")
    response = auth._client.post("/settings/profile", data={"display_name": vector[:64], "bio": vector})
    assert response.status_code == 302
    for path in ("/users/alice", "/settings"):
        html = auth._client.get(path).get_data(as_text=True)
        _assert_escaped(html, vector)
        assert "&lt;" in html or "&#34;" in html or "&#39;" in html
    anonymous = app.test_client().get("/users/alice").get_data(as_text=True)
    _assert_escaped(anonymous, vector)


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        'https://x.example/a.png" onerror="alert(1)',
        "data:image/svg+xml,<svg onload=alert(1)>",
        "http://x.example/a.png",
    ],
)
def test_unsafe_avatar_addresses_are_refused(make_user, auth, url):
    make_user("alice")
    auth.login("alice")
    response = auth._client.post("/settings/profile", data={"display_name": "", "bio": "", "avatar_url": url})
    assert response.status_code == 422
    assert "Use an https:// address of an image." in response.get_data(as_text=True)


# -- login lifetime (issue 17.8) -------------------------------------------------------------

DAY = 24 * 3600


def _age_logins_by(monkeypatch, seconds: float) -> None:
    from mymovielist.auth import sessions

    real = sessions._now
    monkeypatch.setattr(sessions, "_now", lambda: real() + seconds)


@pytest.mark.parametrize("cookie", ["remember_token", "session"])
def test_a_login_is_honoured_until_the_remember_duration_only(app, make_user, auth, monkeypatch, cookie):
    """The server, not the browser, ends a remembered login after REMEMBER_COOKIE_DURATION (30 days)."""
    make_user("alice")
    auth.login("alice", remember=True)
    stolen = _cookie(auth._client, cookie)
    _age_logins_by(monkeypatch, 29 * DAY)
    fresh = app.test_client()
    fresh.set_cookie(cookie, stolen)
    assert fresh.get("/settings").status_code == 200
    _age_logins_by(monkeypatch, 2 * DAY)  # 31 days after the login
    later = app.test_client()
    later.set_cookie(cookie, stolen)
    response = later.get("/settings")
    assert response.status_code == 302 and response.location.startswith("/auth/login")


def test_the_remember_duration_setting_is_the_lifetime(app, make_user, auth, monkeypatch):
    app.config["REMEMBER_COOKIE_DURATION"] = 3600
    make_user("alice")
    auth.login("alice", remember=True)
    stolen = _cookie(auth._client, "remember_token")
    _age_logins_by(monkeypatch, 3601)
    fresh = app.test_client()
    fresh.set_cookie("remember_token", stolen)
    assert fresh.get("/settings").status_code == 302


@pytest.mark.parametrize("login_id", ["{id}:{token}", "{id}:{token}:", "{id}:{token}:abc",
                                      "{id}:{token}:99999999999", "{id}:wrong:{now}", "x:{token}:{now}"])
def test_login_ids_without_a_current_token_and_a_sane_login_time_are_refused(app, make_user, login_id):
    import time

    from mymovielist.auth import sessions

    user_id = make_user("alice")
    with app.app_context():
        user = db.session.get(User, user_id)
        value = login_id.format(id=user.id, token=user.session_token, now=int(time.time()))
        assert sessions.load_user(value) is None
        assert sessions.load_user(f"{user.id}:{user.session_token}:{int(time.time())}") is user
