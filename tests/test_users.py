"""Profiles, settings (profile, preferences, password, deletion) and `flask users create-admin`."""

from __future__ import annotations

import re

import pytest
from conftest import PASSWORD
from sqlalchemy import func, select

from mymovielist.extensions import db
from mymovielist.models import ListEntry, Preferences, Profile, User


def _errors(response) -> list[str]:
    return re.findall(r'class="field-error">([^<]+)<', response.get_data(as_text=True))


@pytest.fixture
def alice(make_user, auth):
    """Alice, logged in; returns her id."""
    user_id = make_user("alice")
    auth.login("alice")
    return user_id


# -- profile ---------------------------------------------------------------------------------


def test_profile_shows_name_bio_avatar_and_join_date(app, make_user, client):
    make_user(
        "alice", display_name="Alice A.", bio="I like\nslow cinema.", avatar_url="https://img.example/a.png"
    )
    html = client.get("/users/alice").get_data(as_text=True)
    assert "<h1>Alice A.</h1>" in html and "@alice" in html
    assert "I like\nslow cinema." in html
    # through our image proxy, never from the user's own host (which would see every viewer)
    assert re.search(r'<img class="avatar" src="/img/avatar/\d+/[0-9a-f]{12}/185"', html)
    assert "img.example" not in html
    assert re.search(r"joined \w{3} \d{1,2}, \d{4}", html)  # a visitor reads English dates (Babel "medium")


def test_profile_lookup_ignores_case_and_unknown_users_are_404(make_user, client):
    make_user("alice")
    assert client.get("/users/ALICE").status_code == 200
    assert client.get("/users/nobody").status_code == 404


def test_a_private_profile_hides_its_bio_from_others_but_not_from_its_owner_or_an_admin(app, make_user, auth):
    make_user("alice", bio="secret bio", is_private=True, avatar_url="https://img.example/a.png")
    make_user("bob")
    make_user("root", role="admin")
    anonymous = app.test_client().get("/users/alice").get_data(as_text=True)
    assert "This profile is private." in anonymous and "secret bio" not in anonymous
    assert "img.example" not in anonymous
    auth.login("bob")
    assert "secret bio" not in auth._client.get("/users/alice").get_data(as_text=True)
    auth.logout()
    auth.login("alice")
    assert "secret bio" in auth._client.get("/users/alice").get_data(as_text=True)
    auth.logout()
    auth.login("root")
    assert "secret bio" in auth._client.get("/users/alice").get_data(as_text=True)


def test_the_nav_links_the_profile_settings_and_a_logout_form(alice, client):
    html = client.get("/").get_data(as_text=True)
    assert 'href="/users/alice"' in html and 'href="/settings"' in html
    assert re.search(r'<form class="logout" method="post" action="/auth/logout">', html)


# -- settings: profile -----------------------------------------------------------------------


def test_settings_shows_every_form_prefilled(alice, client):
    html = client.get("/settings").get_data(as_text=True)
    for action in ("profile", "preferences", "password", "delete"):
        assert f'action="/settings/{action}"' in html
    assert re.search(
        r'<input checked id="score_scale-0" name="score_scale" required type="radio" value="10">', html
    )
    assert re.search(r'<input checked id="theme-0" name="theme" required type="radio" value="system">', html)
    for label in ("Display name", "Bio", "Current password", "New password", "Type your username to confirm"):
        assert f">{label}</label>" in html


def test_saving_the_profile(app, alice, client):
    response = client.post(
        "/settings/profile",
        data={
            "display_name": "  Alice A.  ",
            "bio": "Films.",
            "avatar_url": "https://img.example/a.png",
            "is_private": "y",
        },
    )
    assert response.status_code == 302 and response.location == "/settings"
    assert "Your profile is saved." in client.get("/settings").get_data(as_text=True)
    with app.app_context():
        profile = db.session.get(Profile, alice)
        assert (profile.display_name, profile.bio, profile.avatar_url, profile.is_private) == (
            "Alice A.",
            "Films.",
            "https://img.example/a.png",
            True,
        )


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"display_name": "x" * 65}, "Use at most 64 characters."),
        ({"bio": "x" * 2001}, "Use at most 2,000 characters."),
        ({"avatar_url": "ftp://img.example/a.png"}, "Use an https:// address of an image."),
    ],
)
def test_bad_profile_values_are_refused_and_the_page_says_why(alice, client, data, message):
    response = client.post("/settings/profile", data=data)
    assert response.status_code == 422
    assert message in _errors(response)
    assert 'action="/settings/password"' in response.get_data(as_text=True)  # the rest of the page is there


# -- settings: preferences -------------------------------------------------------------------


def test_saving_preferences_and_the_theme_applies_to_the_page(app, alice, client):
    assert 'data-theme="system"' in client.get("/").get_data(as_text=True)
    response = client.post(
        "/settings/preferences",
        data={"score_scale": "5stars", "kinds_shown": ["anime", "movie"], "show_adult": "y", "theme": "dark"},
    )
    assert response.status_code == 302
    assert '<html lang="en" data-theme="dark">' in client.get("/").get_data(as_text=True)
    with app.app_context():
        prefs = db.session.get(Preferences, alice)
        assert (
            prefs.score_scale,
            prefs.kinds_shown,
            prefs.show_adult,
            prefs.theme,
            prefs.lists_public_by_default,
        ) == ("5stars", ["movie", "anime"], True, "dark", False)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"score_scale": "7", "kinds_shown": ["movie"], "theme": "dark"}, "Not a valid choice."),
        ({"score_scale": "10", "kinds_shown": [], "theme": "dark"}, "Show at least one kind of title."),
        (
            {"score_scale": "10", "kinds_shown": ["movie", "opera"], "theme": "dark"},
            "is not a valid choice for this field.",
        ),
        ({"score_scale": "10", "kinds_shown": ["movie"], "theme": "neon"}, "Not a valid choice."),
        ({"kinds_shown": ["movie"], "theme": "light"}, "Choose a score scale."),
    ],
)
def test_bad_preferences_are_refused(alice, client, data, message):
    response = client.post("/settings/preferences", data=data)
    assert response.status_code == 422
    assert any(message in e for e in _errors(response)), _errors(response)


def test_the_score_filter_uses_the_users_scale(app, alice, client):
    from flask import render_template_string

    client.post(
        "/settings/preferences", data={"score_scale": "3point", "kinds_shown": ["movie"], "theme": "light"}
    )
    with client:
        client.get("/")
        assert render_template_string("{{ 85|score }} {{ 85|score('100') }} {{ none|score }}") == "☺ 85 –"


# -- settings: password ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {
                "current_password": "wrong one!",
                "new_password": "brand new phrase",
                "new_confirm": "brand new phrase",
            },
            "Your current password is not right.",
        ),
        (
            {"current_password": PASSWORD, "new_password": "12345678", "new_confirm": "12345678"},
            "This password is too common",
        ),
        (
            {"current_password": PASSWORD, "new_password": "brand new phrase", "new_confirm": "other phrase"},
            "The passwords do not match.",
        ),
    ],
)
def test_a_refused_password_change_keeps_the_old_password(app, alice, client, data, message):
    response = client.post("/settings/password", data=data)
    assert response.status_code == 422
    assert any(e.startswith(message) for e in _errors(response))
    assert client.get("/settings").status_code == 200  # still logged in
    with app.app_context():
        from mymovielist.services.passwords import verify_password

        assert verify_password(db.session.get(User, alice).password_hash, PASSWORD)


# -- settings: delete ------------------------------------------------------------------------


def test_deleting_the_account_removes_its_personal_data(app, alice, client, make_title):
    title_id = make_title()
    with app.app_context():
        db.session.add(ListEntry(user_id=alice, title_id=title_id, status="watching", score=80))
        db.session.commit()
    response = client.post("/settings/delete", data={"confirm_username": "alice", "password": PASSWORD})
    assert response.status_code == 302 and response.location == "/"
    assert "Your account and its data are deleted." in client.get("/").get_data(as_text=True)
    with app.app_context():
        for model in (User, Profile, Preferences, ListEntry):
            assert db.session.scalar(select(func.count()).select_from(model)) == 0, model
    assert client.get("/users/alice").status_code == 404


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"confirm_username": "bob", "password": PASSWORD}, "That is not your username."),
        ({"confirm_username": "alice", "password": "wrong password"}, "Your password is not right."),
        ({"confirm_username": "", "password": PASSWORD}, "Type your username."),
    ],
)
def test_deletion_needs_the_username_and_the_password(app, alice, client, data, message):
    response = client.post("/settings/delete", data=data)
    assert response.status_code == 422
    assert message in _errors(response)
    with app.app_context():
        assert db.session.get(User, alice) is not None


# -- flask users create-admin ----------------------------------------------------------------


def test_create_admin_reads_the_password_from_stdin(app, runner):
    result = runner.invoke(
        args=["users", "create-admin", "root", "--email", "root@example.org", "--password-stdin"],
        input="a long admin passphrase\n",
    )
    assert result.exit_code == 0, result.output
    assert "Created admin: root" in result.output
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == "root"))
        assert user.is_admin and user.profile is not None
    assert (
        app.test_client()
        .post("/auth/login", data={"username": "root", "password": "a long admin passphrase"})
        .status_code
        == 302
    )


def test_create_admin_prompts_for_email_and_password(app, runner):
    result = runner.invoke(
        args=["users", "create-admin", "root"],
        input="root@example.org\na long admin passphrase\na long admin passphrase\n",
    )
    assert result.exit_code == 0, result.output
    assert "a long admin passphrase" not in result.output  # hidden input


def test_create_admin_promotes_an_existing_user(app, runner, make_user):
    user_id = make_user("alice")
    result = runner.invoke(args=["users", "create-admin", "alice"])
    assert result.exit_code == 0 and "Made admin: alice" in result.output
    with app.app_context():
        assert db.session.get(User, user_id).role == "admin"


def test_create_admin_refuses_a_common_password(app, runner):
    result = runner.invoke(
        args=["users", "create-admin", "root", "--email", "root@example.org", "--password-stdin"],
        input="password\n",
    )
    assert result.exit_code == 1
    assert "Use at least 8 characters." in result.output or "too common" in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(User)) == 0


def test_an_empty_profile_form_clears_the_fields(app, make_user, auth):
    # Found by the fuzzer: absent fields arrive as None, not "".
    user_id = make_user("alice", display_name="Alice", bio="Films.")
    auth.login("alice")
    assert auth._client.post("/settings/profile", data={}).status_code == 302
    with app.app_context():
        profile = db.session.get(Profile, user_id)
        assert (profile.display_name, profile.bio, profile.avatar_url, profile.is_private) == (
            "",
            "",
            None,
            False,
        )
