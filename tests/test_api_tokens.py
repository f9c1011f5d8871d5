"""Settings > API tokens: create (shown once), list, revoke; login only, CSRF on, other users' tokens untouchable."""

from __future__ import annotations

import re

import pytest
from conftest import AuthActions

from mymovielist.extensions import db
from mymovielist.models import ApiToken
from mymovielist.services import accounts, api_tokens


def _secret(page: str) -> str:
    found = re.search(r'id="new-token" type="text" value="(mml_[^"]+)"', page)
    return found.group(1) if found else ""


@pytest.fixture
def csrf_client(app, make_user):
    app.config["WTF_CSRF_ENABLED"] = True
    make_user("alice")
    client = app.test_client()
    assert AuthActions(client).login("alice").status_code == 302
    return client


def _token(client) -> str:
    return AuthActions(client).csrf_token("/settings/tokens")


def test_the_page_needs_a_login_and_settings_links_to_it(client, make_user, auth):
    response = client.get("/settings/tokens")
    assert response.status_code == 302 and "/auth/login" in response.location
    make_user("alice")
    auth.login("alice")
    assert 'href="/settings/tokens"' in auth._client.get("/settings").get_data(as_text=True)
    page = auth._client.get("/settings/tokens").get_data(as_text=True)
    assert "You have no tokens." in page and 'for="name"' in page


def test_creating_a_token_shows_it_once_and_it_works(csrf_client, app):
    response = csrf_client.post("/settings/tokens", data={"name": "My script", "scope": "read-write",
                                                          "csrf_token": _token(csrf_client)})
    assert response.status_code == 201
    page = response.get_data(as_text=True)
    secret = _secret(page)
    assert secret and "shown only this once" in page
    listing = csrf_client.get("/settings/tokens").get_data(as_text=True)
    assert "My script" in listing and "Read and write" in listing and secret not in listing
    api = app.test_client()
    assert api.get("/api/v1/me/entries", headers={"Authorization": f"Bearer {secret}"}).status_code == 200
    with app.app_context():
        token = db.session.query(ApiToken).one()
        assert token.scope == "read-write" and token.token_hash == api_tokens.hash_token(secret)


@pytest.mark.parametrize("data, message", [
    ({"name": "", "scope": "read"}, "Give the token a name."),
    ({"name": "x" * 65, "scope": "read"}, "Use at most 64 characters."),
    ({"name": "ok", "scope": "admin"}, "Not a valid choice"),
])
def test_bad_token_forms_are_422_with_a_message(csrf_client, app, data, message):
    response = csrf_client.post("/settings/tokens", data={**data, "csrf_token": _token(csrf_client)})
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.query(ApiToken).count() == 0


def test_forms_without_a_csrf_token_are_refused(csrf_client, app):
    assert csrf_client.post("/settings/tokens", data={"name": "x", "scope": "read"}).status_code == 400
    with app.app_context():
        assert db.session.query(ApiToken).count() == 0


def test_revoking_a_token_refuses_it_from_then_on(csrf_client, app):
    page = csrf_client.post("/settings/tokens", data={"name": "phone", "scope": "read",
                                                      "csrf_token": _token(csrf_client)}).get_data(as_text=True)
    secret = _secret(page)
    with app.app_context():
        token_id = db.session.query(ApiToken).one().id
    response = csrf_client.post(f"/settings/tokens/{token_id}/revoke", data={"csrf_token": _token(csrf_client)})
    assert response.status_code == 302
    assert "is revoked" in csrf_client.get("/settings/tokens").get_data(as_text=True)
    api = app.test_client()
    assert api.get("/api/v1/me/entries", headers={"Authorization": f"Bearer {secret}"}).status_code == 401
    again = csrf_client.post(f"/settings/tokens/{token_id}/revoke", data={"csrf_token": _token(csrf_client)})
    assert again.status_code == 404


def test_another_users_token_cannot_be_revoked(csrf_client, app, make_user):
    make_user("bob")
    with app.app_context():
        token, _ = api_tokens.create_token(accounts.get_user_by_username("bob"), "bob's", "read")
        db.session.commit()
        token_id = token.id
    response = csrf_client.post(f"/settings/tokens/{token_id}/revoke", data={"csrf_token": _token(csrf_client)})
    assert response.status_code == 404
    with app.app_context():
        assert db.session.get(ApiToken, token_id).revoked_at is None


def test_a_user_has_at_most_max_tokens(app, make_user, monkeypatch):
    make_user("hoarder")
    monkeypatch.setattr(api_tokens, "MAX_TOKENS", 2)
    with app.app_context():
        user = accounts.get_user_by_username("hoarder")
        api_tokens.create_token(user, "one", "read")
        api_tokens.create_token(user, "two", "read")
        with pytest.raises(api_tokens.TokenError, match="revoke one first"):
            api_tokens.create_token(user, "three", "read")
