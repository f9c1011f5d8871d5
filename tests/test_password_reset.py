"""Password reset by email: a real SMTP server on 127.0.0.1 (aiosmtpd) receives the link, and the link
resets the password once; no answer tells whether an address has an account."""

from __future__ import annotations

import email
import email.policy
import logging
import re
import socket
import threading
import time
from collections.abc import Iterator
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller
from conftest import PASSWORD, AuthActions, _test_config, clone_database, close_app
from flask import Flask

from mymovielist import create_app
from mymovielist.extensions import db
from mymovielist.models import User
from mymovielist.redact import redact
from mymovielist.services import accounts, mail, password_resets

NEW_PASSWORD = "a fresh tangerine lighthouse"
SENT = "If an account uses that address, we have sent it a link"
LINK = re.compile(r"http://localhost/auth/reset/[A-Za-z0-9_.-]+")


class Inbox:
    """aiosmtpd handler: keeps every message it is given."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.arrived = threading.Condition()

    async def handle_DATA(self, server, session, envelope) -> str:
        message = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        with self.arrived:
            self.messages.append(message)
            self.arrived.notify_all()
        return "250 Message accepted"

    def wait_for(self, count: int, timeout: float = 10.0) -> list[EmailMessage]:
        with self.arrived:
            assert self.arrived.wait_for(lambda: len(self.messages) >= count, timeout), self.messages
            return list(self.messages)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield inbox, controller.port
    controller.stop()


def mail_settings(port: int) -> dict:
    return {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": port, "MAIL_USE_TLS": False,
            "MAIL_DEFAULT_SENDER": "MyMovieList <movies@example.org>", "MAIL_TIMEOUT": 5.0}


@pytest.fixture
def mail_app(app, smtp):
    app.config.update(mail_settings(smtp[1]))
    return app


def ask_for_link(client, address: str = "alice@example.org"):
    return client.post("/auth/reset", data={"email": address})


def without_csrf_token(response) -> str:
    # The token carries the time it was signed at, in seconds: two pages a second apart differ there.
    return re.sub(r'"X-CSRFToken": "[^"]+"', "", response.get_data(as_text=True))


def received_link(inbox: Inbox, count: int = 1) -> str:
    body = inbox.wait_for(count)[count - 1].get_content()
    found = LINK.search(body)
    assert found, body
    return found.group(0).removeprefix("http://localhost")


def test_the_emailed_link_sets_a_new_password_and_logs_out_every_session(mail_app, make_user, smtp):
    inbox, _ = smtp
    make_user("alice")
    elsewhere = AuthActions(mail_app.test_client())
    assert elsewhere.login("alice").status_code == 302
    client = mail_app.test_client()

    answer = ask_for_link(client)
    assert answer.status_code == 200 and SENT in answer.get_data(as_text=True)
    message = inbox.wait_for(1)[0]
    assert message["To"] == "alice@example.org"
    assert message["From"] == "MyMovieList <movies@example.org>"
    assert message["Subject"] == "Reset your MyMovieList password"
    assert message.get_content_type() == "text/plain"
    link = received_link(inbox)

    form = client.get(link)
    assert form.status_code == 200 and "Choose a new password" in form.get_data(as_text=True)
    done = client.post(link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert done.status_code == 302 and done.location.endswith("/auth/login")

    assert elsewhere._client.get("/settings").status_code == 302  # the other session is over
    auth = AuthActions(mail_app.test_client())
    assert auth.login("alice", PASSWORD).status_code == 422
    assert auth.login("alice", NEW_PASSWORD).status_code == 302


@pytest.fixture
def in_tmp(tmp_path, monkeypatch):
    """Apps made by a test itself keep their instance folder in tmp_path."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(Flask, "auto_find_instance_path", lambda self: str(tmp_path / "instance"))
    return tmp_path


def test_behind_a_trusted_proxy_the_link_has_the_public_host_and_scheme(in_tmp, migrated_db_file, smtp):
    clone_database(migrated_db_file, in_tmp)
    app = create_app(_test_config(in_tmp, TRUSTED_PROXIES=1, **mail_settings(smtp[1])))
    try:
        with app.app_context():
            accounts.register("alice", "alice@example.org", PASSWORD)
            db.session.commit()
        headers = {"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "https",
                   "X-Forwarded-Host": "movies.example.org"}
        assert app.test_client().post("/auth/reset", data={"email": "alice@example.org"},
                                      headers=headers).status_code == 200
        body = smtp[0].wait_for(1)[0].get_content()
        assert re.search(r"https://movies\.example\.org/auth/reset/[A-Za-z0-9_.-]+", body), body
    finally:
        close_app(app)


def test_a_used_link_is_refused(mail_app, make_user, smtp):
    make_user("alice")
    client = mail_app.test_client()
    ask_for_link(client)
    link = received_link(smtp[0])
    assert client.post(link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}).status_code == 302
    again = client.post(link, data={"password": "another one entirely", "confirm": "another one entirely"})
    assert again.status_code == 410
    assert "used already" in again.get_data(as_text=True)
    assert client.get(link).status_code == 410
    assert AuthActions(mail_app.test_client()).login("alice", NEW_PASSWORD).status_code == 302


def test_a_password_changed_since_voids_the_link(mail_app, make_user, smtp):
    make_user("alice")
    client = mail_app.test_client()
    ask_for_link(client)
    link = received_link(smtp[0])
    auth = AuthActions(mail_app.test_client())
    auth.login("alice")
    assert auth.change_password().status_code == 302
    assert client.get(link).status_code == 410


def test_an_expired_link_is_refused(mail_app, make_user, monkeypatch):
    user_id = make_user("alice")
    with mail_app.test_request_context():
        token = password_resets.make_token(db.session.get(User, user_id))
    client = mail_app.test_client()
    assert client.get(f"/auth/reset/{token}").status_code == 200
    later = time.time() + mail_app.config["PASSWORD_RESET_MAX_AGE"] + 2
    monkeypatch.setattr("itsdangerous.timed.time.time", lambda: later)
    page = client.get(f"/auth/reset/{token}")
    assert page.status_code == 410 and "expired" in page.get_data(as_text=True)
    refused = client.post(f"/auth/reset/{token}", data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert refused.status_code == 410
    assert AuthActions(mail_app.test_client()).login("alice").status_code == 302


@pytest.mark.parametrize("token", ["garbage", "x" * 600, "eyJ1IjoxLCJwIjoiYWJjIn0.Zz9Xyw.forged-signature-here"])
def test_forged_or_mangled_links_are_a_clear_400(mail_app, token):
    page = mail_app.test_client().get(f"/auth/reset/{token}")
    assert page.status_code == 400
    assert "not valid" in page.get_data(as_text=True)


def test_a_token_signed_for_another_purpose_is_refused(mail_app, make_user):
    user_id = make_user("alice")
    from itsdangerous import URLSafeTimedSerializer

    with mail_app.test_request_context():
        user = db.session.get(User, user_id)
        other = URLSafeTimedSerializer(mail_app.config["SECRET_KEY"], salt="something-else")
        token = other.dumps({"u": user.id, "p": password_resets._fingerprint(user)})
    assert mail_app.test_client().get(f"/auth/reset/{token}").status_code == 400


def test_the_new_password_must_follow_the_rules(mail_app, make_user, smtp):
    make_user("alice")
    client = mail_app.test_client()
    ask_for_link(client)
    link = received_link(smtp[0])
    weak = client.post(link, data={"password": "password", "confirm": "password"})
    assert weak.status_code == 422
    mismatch = client.post(link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD + "!"})
    assert mismatch.status_code == 422 and "do not match" in mismatch.get_data(as_text=True)
    assert AuthActions(mail_app.test_client()).login("alice").status_code == 302  # unchanged


def test_an_unknown_address_gets_the_same_answer_and_no_email(mail_app, make_user, smtp):
    inbox, _ = smtp
    make_user("alice")
    client = mail_app.test_client()
    unknown = ask_for_link(client, "nobody@example.org")
    known = ask_for_link(client, "Alice@Example.org")
    assert unknown.status_code == known.status_code == 200
    assert without_csrf_token(unknown) == without_csrf_token(known)
    inbox.wait_for(1)
    time.sleep(0.3)  # room for a stray second message to arrive
    assert [m["To"] for m in inbox.messages] == ["alice@example.org"]


def test_a_blocked_account_gets_no_link(mail_app, make_user, smtp):
    user_id = make_user("mallory")
    make_user("alice")
    with mail_app.app_context():
        db.session.get(User, user_id).is_blocked = True
        db.session.commit()
    client = mail_app.test_client()
    assert ask_for_link(client, "mallory@example.org").status_code == 200
    ask_for_link(client, "alice@example.org")
    inbox = smtp[0]
    inbox.wait_for(1)
    time.sleep(0.3)
    assert [m["To"] for m in inbox.messages] == ["alice@example.org"]


@pytest.mark.parametrize("address", ["", "not-an-address", "x" * 300 + "@example.org"])
def test_a_malformed_address_is_a_422_whoever_asks(mail_app, address):
    answer = ask_for_link(mail_app.test_client(), address)
    assert answer.status_code == 422
    assert SENT not in answer.get_data(as_text=True)


def test_requests_past_the_limit_per_address_typed_are_429(mail_app, make_user, smtp):
    make_user("alice")
    mail_app.config["PASSWORD_RESETS_PER_EMAIL"] = "2 per hour"
    client = mail_app.test_client()
    for address in ("alice@example.org", "nobody@example.org"):  # the same for known and unknown
        answers = [ask_for_link(client, address) for _ in range(3)]
        assert [a.status_code for a in answers] == [200, 200, 429]
        assert int(answers[-1].headers["Retry-After"]) > 0
    assert ask_for_link(client, "ALICE@example.org ").status_code == 429  # the same address
    assert len(smtp[0].wait_for(2)) == 2


def test_requests_past_the_limit_per_client_address_are_429(mail_app):
    mail_app.config["PASSWORD_RESETS_PER_IP"] = "3 per hour"
    client = mail_app.test_client()
    answers = [ask_for_link(client, f"person{n}@example.org").status_code for n in range(4)]
    assert answers == [200, 200, 200, 429]


def test_the_forms_work_without_javascript_with_csrf_on(mail_app, make_user, smtp):
    make_user("alice")
    mail_app.config["WTF_CSRF_ENABLED"] = True
    client = mail_app.test_client()
    auth = AuthActions(client)
    assert ask_for_link(client).status_code == 400  # no token
    token = auth.csrf_token("/auth/reset")
    assert client.post("/auth/reset", data={"email": "alice@example.org", "csrf_token": token}).status_code == 200
    link = received_link(smtp[0])
    token = auth.csrf_token(link)
    data = {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD, "csrf_token": token}
    assert client.post(link, data=data).status_code == 302


def test_login_page_offers_the_reset_only_when_mail_is_set_up(app, smtp):
    assert "Forgot your password?" not in app.test_client().get("/auth/login").get_data(as_text=True)
    app.config.update(mail_settings(smtp[1]))
    assert "Forgot your password?" in app.test_client().get("/auth/login").get_data(as_text=True)


def test_without_mail_the_reset_page_says_to_ask_an_administrator(app, make_user):
    make_user("alice")
    client = app.test_client()
    for answer in (client.get("/auth/reset"), ask_for_link(client)):
        assert answer.status_code == 200
        text = answer.get_data(as_text=True)
        assert "not set up on this server" in text and "administrator" in text
        assert SENT not in text


def test_smtp_failures_are_logged_never_raised(app, caplog):
    app.config.update(mail_settings(free_port()))  # nothing listens there
    with app.app_context(), caplog.at_level(logging.ERROR, "mymovielist.mail"):
        assert mail.in_background(mail.send, "alice@example.org", "Hello", "Body").result(10) is None
    assert "Background mail task send failed" in caplog.text and "ConnectionRefusedError" in caplog.text


@pytest.mark.parametrize("settings, problem", [
    ({"MAIL_SERVER": "smtp.example.org"}, "MAIL_DEFAULT_SENDER"),
    ({"MAIL_SERVER": "smtp.example.org", "MAIL_DEFAULT_SENDER": "a@example.org", "MAIL_USE_SSL": True},
     "not both"),
    ({"MAIL_SERVER": "smtp.example.org", "MAIL_DEFAULT_SENDER": "a@example.org", "MAIL_PORT": "smtp"},
     "MAIL_PORT"),
])
def test_unworkable_mail_settings_stop_the_start(in_tmp, settings, problem):
    with pytest.raises(ValueError, match=problem):
        create_app(_test_config(in_tmp, **settings))


def test_mail_settings_come_from_the_environment(in_tmp, monkeypatch, smtp):
    monkeypatch.setenv("MYMOVIELIST_MAIL_SERVER", "127.0.0.1")
    monkeypatch.setenv("MYMOVIELIST_MAIL_PORT", str(smtp[1]))
    monkeypatch.setenv("MYMOVIELIST_MAIL_USE_TLS", "false")
    monkeypatch.setenv("MYMOVIELIST_MAIL_DEFAULT_SENDER", "movies@example.org")
    monkeypatch.setenv("MYMOVIELIST_PASSWORD_RESET_MAX_AGE", "600")
    app = create_app({"TESTING": True, "SECRET_KEY": "k", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    try:
        with app.app_context():
            assert mail.settings() == mail.MailSettings("127.0.0.1", smtp[1], "", "", False, False,
                                                        "movies@example.org", 10.0)
            mail.send("alice@example.org", "Hi", "Body")
        assert app.config["PASSWORD_RESET_MAX_AGE"] == 600
        assert smtp[0].wait_for(1)[0]["To"] == "alice@example.org"
    finally:
        close_app(app)


def test_reset_tokens_are_masked_in_logged_paths():
    assert redact("/auth/reset/eyJ1IjoxfQ.Zz9X.sig") == "/auth/reset/***"
    assert redact("GET /auth/reset HTTP/1.1") == "GET /auth/reset HTTP/1.1"


# -- flask users reset-password --------------------------------------------------------------


def test_the_cli_sets_a_password_from_stdin_and_logs_out_every_session(app, runner, make_user):
    make_user("alice")
    auth = AuthActions(app.test_client())
    auth.login("alice")
    result = runner.invoke(args=["users", "reset-password", "alice", "--password-stdin"], input=NEW_PASSWORD + "\n")
    assert result.exit_code == 0, result.output
    assert "New password set for alice" in result.output
    assert auth._client.get("/settings").status_code == 302
    assert AuthActions(app.test_client()).login("alice", NEW_PASSWORD).status_code == 302


def test_the_cli_prompts_twice_without_stdin(app, runner, make_user):
    make_user("alice")
    result = runner.invoke(args=["users", "reset-password", "alice"], input=f"{NEW_PASSWORD}\n{NEW_PASSWORD}\n")
    assert result.exit_code == 0, result.output
    assert AuthActions(app.test_client()).login("alice", NEW_PASSWORD).status_code == 302


@pytest.mark.parametrize("username, password, message", [
    ("nobody", NEW_PASSWORD, "There is no user named nobody"),
    ("alice", "short", "at least 8"),
])
def test_the_cli_refuses_unknown_users_and_weak_passwords(app, runner, make_user, username, password, message):
    make_user("alice")
    result = runner.invoke(args=["users", "reset-password", username, "--password-stdin"], input=password + "\n")
    assert result.exit_code != 0
    assert message in result.output
    assert AuthActions(app.test_client()).login("alice").status_code == 302
