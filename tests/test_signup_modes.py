"""Registration modes: open (the default), invite-only with single-use invites from /admin/invites, closed."""

from __future__ import annotations

import re
import threading
from datetime import timedelta

import pytest
from conftest import PASSWORD, AuthActions, _test_config, close_app
from flask import Flask

from mymovielist import create_app
from mymovielist.extensions import db
from mymovielist.models import Invite, User, utcnow
from mymovielist.services import invites
from mymovielist.services.api_tokens import hash_token

CLOSED = "Sign-up is closed"
INVITE_LINK = re.compile(r'value="http://localhost/auth/register\?invite=([A-Za-z0-9_-]+)"')


def sign_up(client, username: str = "newcomer", invite: str | None = None, path: str = "/auth/register"):
    data = {"username": username, "email": f"{username}@example.org", "password": PASSWORD, "confirm": PASSWORD}
    if invite is not None:
        data["invite"] = invite
    return client.post(path, data=data)


def usernames(app) -> set[str]:
    with app.app_context():
        return set(db.session.scalars(db.select(User.username)))


@pytest.fixture
def invite_app(app):
    app.config["REGISTRATION"] = "invite"
    return app


@pytest.fixture
def admin(invite_app, make_user) -> AuthActions:
    make_user("root", role="admin")
    auth = AuthActions(invite_app.test_client())
    assert auth.login("root").status_code == 302
    return auth


def create_invite(admin: AuthActions, **data) -> str:
    page = admin._client.post("/admin/invites", data=data)
    assert page.status_code == 201, page.get_data(as_text=True)
    return INVITE_LINK.search(page.get_data(as_text=True)).group(1)


# -- the setting ----------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["maybe", "Open", "", None, 1])
def test_an_unknown_mode_stops_the_start_with_a_clear_error(tmp_path, monkeypatch, value):
    monkeypatch.setattr(Flask, "auto_find_instance_path", lambda self: str(tmp_path / "instance"))
    with pytest.raises(ValueError, match="REGISTRATION must be one of open, invite, closed"):
        create_app(_test_config(tmp_path, REGISTRATION=value))


def test_the_mode_comes_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setattr(Flask, "auto_find_instance_path", lambda self: str(tmp_path / "instance"))
    monkeypatch.setenv("MYMOVIELIST_REGISTRATION", "closed")
    app = create_app(_test_config(tmp_path))
    assert app.config["REGISTRATION"] == "closed"
    close_app(app)


# -- open --------------------------------------------------------------------------------------


def test_open_is_the_default_and_asks_for_no_invite(app, client):
    assert app.config["REGISTRATION"] == "open"
    page = client.get("/auth/register").get_data(as_text=True)
    assert 'name="invite"' not in page
    assert "Create an account" in client.get("/auth/login").get_data(as_text=True)
    assert ">Sign up</a>" in client.get("/").get_data(as_text=True)
    assert sign_up(client).status_code == 302
    assert usernames(app) == {"newcomer"}


# -- closed ------------------------------------------------------------------------------------


def test_closed_refuses_the_page_the_form_and_the_checks(app, client):
    app.config["REGISTRATION"] = "closed"
    page = client.get("/auth/register")
    assert page.status_code == 403 and CLOSED in page.get_data(as_text=True)
    refused = sign_up(client)
    assert refused.status_code == 403 and CLOSED in refused.get_data(as_text=True)
    check = client.post("/auth/register/check?field=username", data={"username": "newcomer"})
    assert check.status_code == 403
    assert usernames(app) == set()


def test_closed_hides_the_sign_up_links(app, client, make_user):
    app.config["REGISTRATION"] = "closed"
    assert "Create an account" not in client.get("/auth/login").get_data(as_text=True)
    home = client.get("/").get_data(as_text=True)
    assert "/auth/register" not in home
    make_user("alice")
    assert AuthActions(client).login("alice").status_code == 302  # logging in is unchanged


# -- invite-only ---------------------------------------------------------------------------------


def test_an_invite_link_signs_up_one_account(invite_app, admin):
    code = create_invite(admin, note="For Bob", days="7")
    visitor = invite_app.test_client()
    form = visitor.get(f"/auth/register?invite={code}").get_data(as_text=True)
    field = re.search(r'<input[^>]*name="invite"[^>]*>', form).group(0)
    assert f'value="{code}"' in field and 'type="text"' in field
    assert sign_up(visitor, "bob", invite=code).status_code == 302
    assert visitor.get("/settings").status_code == 200  # logged in
    again = sign_up(invite_app.test_client(), "eve", invite=code)
    assert again.status_code == 422 and invites.INVALID in again.get_data(as_text=True)
    assert usernames(invite_app) == {"root", "bob"}

    listing = admin._client.get("/admin/invites").get_data(as_text=True)
    assert "For Bob" in listing and re.search(r"Used [\d-]+ [\d:]+ by\s*<a href=\"/users/bob\">bob</a>", listing)


def test_only_the_code_hash_is_stored(invite_app, admin):
    code = create_invite(admin)
    with invite_app.app_context():
        invite = db.session.scalars(db.select(Invite)).one()
        assert invite.code_hash == hash_token(code) and code not in repr(vars(invite))


@pytest.mark.parametrize("code, message", [(None, invites.MISSING), ("", invites.MISSING),
                                           ("not-a-code", invites.INVALID), ("x" * 500, invites.INVALID)])
def test_sign_up_without_a_valid_code_is_refused_beside_the_field(invite_app, admin, code, message):
    create_invite(admin)
    answer = sign_up(invite_app.test_client(), invite=code)
    assert answer.status_code == 422
    feedback = re.search(r'id="invite-feedback"[^>]*>(.*?)</div>', answer.get_data(as_text=True), re.DOTALL)
    assert message in feedback.group(1)
    assert usernames(invite_app) == {"root"}


def test_revoked_and_expired_invites_sign_up_nobody(invite_app, admin):
    revoked, expired = create_invite(admin, note="revoke me"), create_invite(admin, note="old", days="1")
    with invite_app.app_context():
        ids = {i.note: i.id for i in db.session.scalars(db.select(Invite))}
        db.session.get(Invite, ids["old"]).expires_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
    assert admin._client.post(f"/admin/invites/{ids['revoke me']}/revoke").status_code == 302
    for code in (revoked, expired):
        assert sign_up(invite_app.test_client(), invite=code).status_code == 422
    assert usernames(invite_app) == {"root"}
    listing = admin._client.get("/admin/invites").get_data(as_text=True)
    assert "Revoked" in listing and "Expired" in listing
    assert admin._client.post("/admin/invites/999/revoke").status_code == 404


def test_a_used_invite_cannot_be_revoked(invite_app, admin):
    code = create_invite(admin)
    sign_up(invite_app.test_client(), invite=code)
    with invite_app.app_context():
        invite_id = db.session.scalars(db.select(Invite.id)).one()
    assert admin._client.post(f"/admin/invites/{invite_id}/revoke").status_code == 404


def test_a_failed_sign_up_keeps_the_invite(invite_app, admin, make_user):
    make_user("taken")
    code = create_invite(admin)
    assert sign_up(invite_app.test_client(), "taken", invite=code).status_code == 422
    assert sign_up(invite_app.test_client(), "fresh", invite=code).status_code == 302


def test_two_sign_ups_racing_with_one_invite_make_one_account(invite_app, admin):
    code = create_invite(admin)
    start = threading.Barrier(2)
    answers: dict[str, int] = {}

    def race(name: str) -> None:
        client = invite_app.test_client()
        start.wait()
        answers[name] = sign_up(client, name, invite=code).status_code

    threads = [threading.Thread(target=race, args=(name,)) for name in ("first", "second")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(answers.values()) == [302, 422]
    assert usernames(invite_app) - {"root"} == {name for name, status in answers.items() if status == 302}


def test_consuming_is_guarded_by_the_update_itself(invite_app, admin, make_user, monkeypatch):
    # The window between the check and the UPDATE: another sign-up used the invite in between.
    code = create_invite(admin)
    user_id = make_user("late")
    with invite_app.app_context():
        db.session.scalars(db.select(Invite)).one().used_at = utcnow()
        db.session.commit()
        monkeypatch.setattr(invites, "code_problem", lambda code: None)
        with pytest.raises(invites.InviteError):
            invites.consume_invite(code, db.session.get(User, user_id))


def test_inline_checks_tell_nothing_without_an_invite(invite_app, make_user):
    make_user("alice")
    client = invite_app.test_client()
    check = client.post("/auth/register/check?field=username", data={"username": "alice"})
    text = check.get_data(as_text=True)
    assert check.status_code == 200 and invites.MISSING in text and "taken" not in text


def test_inline_checks_work_with_an_invite(invite_app, admin, make_user):
    make_user("alice")
    code = create_invite(admin)
    check = invite_app.test_client().post("/auth/register/check?field=username",
                                          data={"username": "alice", "invite": code})
    assert "That username is taken." in check.get_data(as_text=True)


@pytest.mark.parametrize("data, message", [({"days": "0"}, "Choose between 1 and 365 days"),
                                           ({"days": "9999999999999"}, "Choose between 1 and 365 days"),
                                           ({"days": "soon"}, "Not a valid integer"),
                                           ({"note": "n" * 201}, "at most 200")])
def test_bad_invite_settings_are_a_422(admin, data, message):
    page = admin._client.post("/admin/invites", data=data)
    assert page.status_code == 422 and message in page.get_data(as_text=True)


def test_invites_are_for_admins_only(invite_app, make_user):
    make_user("alice")
    visitor = invite_app.test_client()
    assert visitor.get("/admin/invites").status_code == 302
    assert visitor.post("/admin/invites").status_code == 302
    user = AuthActions(invite_app.test_client())
    user.login("alice")
    assert user._client.get("/admin/invites").status_code == 403
    assert user._client.post("/admin/invites", data={"note": "mine"}).status_code == 403
    assert user._client.post("/admin/invites/1/revoke").status_code == 403
    with invite_app.app_context():
        assert db.session.scalars(db.select(Invite)).all() == []


def test_the_admin_forms_work_without_javascript_with_csrf_on(invite_app, admin):
    invite_app.config["WTF_CSRF_ENABLED"] = True
    assert admin._client.post("/admin/invites", data={"note": "x"}).status_code == 400
    token = admin.csrf_token("/admin/invites")
    page = admin._client.post("/admin/invites", data={"note": "Carol", "csrf_token": token})
    assert page.status_code == 201
    code = INVITE_LINK.search(page.get_data(as_text=True)).group(1)
    with invite_app.app_context():
        invite_id = db.session.scalars(db.select(Invite.id)).one()
    revoke = admin._client.post(f"/admin/invites/{invite_id}/revoke", data={"csrf_token": token})
    assert revoke.status_code == 302
    visitor = invite_app.test_client()
    token = AuthActions(visitor).csrf_token(f"/auth/register?invite={code}")
    data = {"username": "carol", "email": "carol@example.org", "password": PASSWORD, "confirm": PASSWORD,
            "invite": code, "csrf_token": token}
    assert visitor.post("/auth/register", data=data).status_code == 422  # revoked


def test_the_dashboard_links_to_the_invites(admin):
    assert 'href="/admin/invites"' in admin._client.get("/admin/").get_data(as_text=True)
