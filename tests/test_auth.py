"""Register, log in, log out, inline validation and login throttling."""

from __future__ import annotations

import json
import re

import pytest
from conftest import PASSWORD, AuthActions
from sqlalchemy import select

from mymovielist.extensions import db
from mymovielist.models import User


def _errors(response) -> list[str]:
    return re.findall(r'class="field-error">([^<]+)<', response.get_data(as_text=True))


def _register(client, **fields):
    data = {"username": "alice", "email": "alice@example.org", "password": PASSWORD, "confirm": PASSWORD}
    data.update(fields)
    return client.post("/auth/register", data=data)


# -- register --------------------------------------------------------------------------------


def test_the_register_page_has_labelled_fields_checked_inline(client):
    html = client.get("/auth/register").get_data(as_text=True)
    for name in ("username", "email", "password", "confirm"):
        assert f'<label for="{name}">' in html
        assert f'name="{name}"' in html
    assert 'hx-post="/auth/register/check?field=username"' in html


def test_register_creates_the_account_logs_it_in_and_goes_home(app, client):
    response = _register(client, username="Alice", email=" Alice@Example.ORG ")
    assert response.status_code == 302 and response.location == "/"
    page = client.get("/").get_data(as_text=True)
    assert "Welcome, Alice!" in page and 'action="/auth/logout"' in page
    with app.app_context():
        user = db.session.scalar(select(User))
        assert (user.username, user.email, user.role) == ("Alice", "alice@example.org", "user")
        assert user.password_hash.startswith("$argon2id$")
        assert PASSWORD not in user.password_hash
        assert user.profile is not None and user.preferences.score_scale == "10"


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"username": ""}, "Choose a username."),
        ({"username": "al"}, "Use 3 to 32 letters, digits, hyphens or underscores."),
        ({"username": "al ice"}, "Use 3 to 32 letters, digits, hyphens or underscores."),
        ({"username": "a" * 33}, "Use at most 32 characters."),
        ({"email": ""}, "Enter your email address."),
        ({"email": "not-an-email"}, "Enter an email address like name@example.org."),
        ({"email": "a@b"}, "Enter an email address like name@example.org."),
        ({"password": "short1", "confirm": "short1"}, "Use at least 8 characters."),
        ({"password": "x" * 129, "confirm": "x" * 129}, "Use at most 128 characters."),
        ({"password": "password1", "confirm": "password1"}, "This password is too common"),
        ({"password": "Qwertyuiop", "confirm": "Qwertyuiop"}, "This password is too common"),
        (
            {"password": "alice-example", "confirm": "alice-example", "username": "alice-example"},
            "Your password must not be your username or email address.",
        ),
        ({"confirm": "something else"}, "The passwords do not match."),
    ],
)
def test_register_refuses_bad_input_with_a_clear_message(client, fields, message):
    response = _register(client, **fields)
    assert response.status_code == 422
    assert any(error.startswith(message) for error in _errors(response)), _errors(response)
    assert client.get("/settings").status_code == 302  # not logged in


def test_register_refuses_a_taken_username_or_email_ignoring_case(client, make_user):
    make_user("alice")
    assert "That username is taken." in _errors(_register(client, username="ALICE", email="new@example.org"))
    assert "An account already uses that email address." in _errors(
        _register(client, username="bob", email="Alice@example.org")
    )


def test_a_password_of_64_characters_is_accepted(client):
    long_password = "correct horse " * 4 + "battery!"
    assert len(long_password) == 64
    assert _register(client, password=long_password, confirm=long_password).status_code == 302


def test_a_logged_in_visitor_is_sent_home_from_register(client, make_user, auth):
    make_user("alice")
    auth.login("alice")
    assert client.get("/auth/register").location == "/"


# -- inline validation -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "data", "message"),
    [
        ("username", {"username": "alice"}, "That username is taken."),
        ("username", {"username": "<b>"}, "Use 3 to 32 letters"),
        ("email", {"email": "alice@example.org"}, "An account already uses that email address."),
        ("password", {"password": "123456789"}, "This password is too common"),
        ("confirm", {"password": PASSWORD, "confirm": "nope"}, "The passwords do not match."),
    ],
)
def test_inline_validation_returns_the_field_feedback_fragment(client, make_user, field, data, message):
    make_user("alice")
    response = client.post(f"/auth/register/check?field={field}", data=data, headers={"HX-Request": "true"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<html" not in html
    assert f'id="{field}-feedback"' in html
    assert message in html


def test_inline_validation_of_a_good_value_clears_the_feedback(client):
    response = client.post("/auth/register/check?field=username", data={"username": "newcomer"})
    assert response.get_data(as_text=True).strip() == (
        '<div class="feedback" id="username-feedback" aria-live="polite"></div>'
    )


def test_inline_validation_of_an_unknown_field_is_a_400(client):
    response = client.post("/auth/register/check?field=role", data={"role": "admin"})
    assert response.status_code == 400


# -- log in and out --------------------------------------------------------------------------


@pytest.mark.parametrize("identifier", ["alice", "ALICE", "alice@example.org", " Alice@Example.org "])
def test_login_takes_a_username_or_an_email(app, make_user, auth, identifier):
    make_user("alice")
    response = auth.login(identifier)
    assert response.status_code == 302 and response.location == "/"
    assert auth._client.get("/settings").status_code == 200
    with app.app_context():
        assert db.session.scalar(select(User)).last_login_at is not None


def test_login_without_remember_sets_no_remember_cookie(make_user, auth):
    make_user("alice")
    auth.login("alice")
    assert auth._client.get_cookie("remember_token") is None


def test_login_with_remember_sets_a_long_lived_http_only_cookie(make_user, client):
    make_user("alice")
    response = client.post("/auth/login", data={"username": "alice", "password": PASSWORD, "remember": "y"})
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("remember_token="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Expires=" in cookie


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"username": "", "password": "x"}, "Enter your username or email address."),
        ({"username": "alice", "password": ""}, "Enter your password."),
    ],
)
def test_login_with_missing_fields_says_what_is_missing(client, data, message):
    response = client.post("/auth/login", data=data)
    assert response.status_code == 422
    assert message in _errors(response)


def test_logout_is_post_only_and_logs_out(make_user, auth):
    make_user("alice")
    auth.login("alice")
    assert auth._client.get("/auth/logout").status_code == 405
    response = auth.logout()
    assert response.status_code == 302 and response.location == "/"
    assert "You are logged out." in auth._client.get("/").get_data(as_text=True)
    assert auth._client.get("/settings").status_code == 302


def test_logout_deletes_the_remember_cookie_in_the_browser(make_user, client):
    make_user("alice")
    client.post("/auth/login", data={"username": "alice", "password": PASSWORD, "remember": "y"})
    assert client.get_cookie("remember_token") is not None
    client.post("/auth/logout")
    assert client.get_cookie("remember_token") is None


def test_logout_when_not_logged_in_just_goes_home(client):
    assert client.post("/auth/logout").location == "/"


def test_a_login_page_for_a_logged_in_user_follows_next(make_user, auth):
    make_user("alice")
    auth.login("alice")
    assert auth._client.get("/auth/login?next=/settings").location == "/settings"


def test_the_login_page_keeps_next_in_a_hidden_field(client):
    html = client.get("/auth/login?next=/settings").get_data(as_text=True)
    assert 'name="next" type="hidden" value="/settings"' in html


def test_rehash_on_login_when_the_parameters_change(app, make_user, auth):
    make_user("alice")
    with app.app_context():
        old_hash = db.session.scalar(select(User.password_hash))
    assert "t=1" in old_hash
    app.config["PASSWORD_HASH_TIME_COST"] = 2
    assert auth.login("alice").status_code == 302
    with app.app_context():
        new_hash = db.session.scalar(select(User.password_hash))
    assert new_hash != old_hash and ",t=2," in new_hash
    assert AuthActions(app.test_client()).login("alice").status_code == 302


# -- throttling ------------------------------------------------------------------------------


def _fail(client, username="alice"):
    return client.post("/auth/login", data={"username": username, "password": "wrong password!"})


def test_throttling_per_account_starts_at_the_configured_count(app, make_user, client):
    app.config["LOGIN_FAILURES_PER_ACCOUNT"] = "3 per 15 minutes"
    make_user("alice")
    assert [_fail(client).status_code for _ in range(3)] == [422, 422, 422]
    blocked = _fail(client)
    assert blocked.status_code == 429
    assert 1 <= int(blocked.headers["Retry-After"]) <= 15 * 60
    assert "Too many requests" in blocked.get_data(as_text=True)
    # the right password waits too, and so does the same account under its email address
    assert client.post("/auth/login", data={"username": "alice", "password": PASSWORD}).status_code == 429
    assert _fail(client, "alice@example.org").status_code == 429
    # another account is not affected
    make_user("bob")
    assert client.post("/auth/login", data={"username": "bob", "password": PASSWORD}).status_code == 302


def test_throttling_per_address_starts_at_the_configured_count(app, client):
    app.config["LOGIN_FAILURES_PER_IP"] = "5 per 15 minutes"
    assert [_fail(client, f"user{n}").status_code for n in range(5)] == [422] * 5
    assert _fail(client, "someone-else").status_code == 429
    other_address = app.test_client().post(
        "/auth/login", data={"username": "x", "password": "y"}, environ_base={"REMOTE_ADDR": "10.0.0.9"}
    )
    assert other_address.status_code == 422


def test_successful_logins_and_login_pages_do_not_count(app, make_user, auth):
    app.config["LOGIN_FAILURES_PER_ACCOUNT"] = "2 per 15 minutes"
    make_user("alice")
    for _ in range(4):
        assert auth._client.get("/auth/login").status_code == 200
        assert auth.login("alice").status_code == 302
        auth.logout()


def test_a_throttled_htmx_request_gets_a_toast(app, client):
    app.config["LOGIN_FAILURES_PER_IP"] = "1 per 15 minutes"
    _fail(client)
    response = client.post(
        "/auth/login", data={"username": "a", "password": "b"}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 429
    assert "Retry-After" in response.headers
    assert json.loads(response.headers["HX-Trigger"])["toast"]["level"] == "error"


def test_throttle_keys_carry_the_apps_prefix(app, make_user):
    # Flask-Limiter keeps the first app's prefix; apps sharing one Redis must still count apart.
    from mymovielist.auth import throttle

    user_id = make_user("alice")
    app.config["RATELIMIT_KEY_PREFIX"] = "instance-a"
    with app.test_request_context("/auth/login", method="POST", data={"username": " Nobody "}):
        assert throttle.account_key() == "instance-a:login:nobody"
        assert throttle.address_key() == "instance-a:127.0.0.1"
    with app.test_request_context("/auth/login", method="POST", data={"username": "ALICE@example.org"}):
        assert throttle.account_key() == f"instance-a:user:{user_id}"
