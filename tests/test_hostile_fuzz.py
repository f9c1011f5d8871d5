"""Hypothesis throws arbitrary input at the register, login and settings forms: never a 500."""

from __future__ import annotations

import pytest
from conftest import PASSWORD
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

# Printable text, control characters, surrogates-free unicode, markup and very long values.
text = st.one_of(
    st.text(max_size=80),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=300),
    st.sampled_from(
        [
            "",
            " ",
            "\x00",
            "<script>alert(1)</script>",
            "' OR 1=1 --",
            "%s%n",
            "../../etc/passwd",
            "a" * 5000,
            "😀" * 100,
            "alice",
            "alice@example.org",
            PASSWORD,
        ]
    ),
)
values = st.one_of(text, st.lists(text, max_size=4))


def _form(draw_fields: dict) -> dict:
    return {name: value for name, value in draw_fields.items() if value is not None}


def field_map(*names: str):
    return st.fixed_dictionaries({}, optional={name: values for name in names}).map(_form)


@pytest.fixture
def fuzz_app(app, make_user):
    app.config.update(
        LOGIN_FAILURES_PER_ACCOUNT="100000 per minute", LOGIN_FAILURES_PER_IP="100000 per minute",
        REGISTRATIONS_PER_IP="100000 per minute", REGISTRATION_CHECKS_PER_IP="100000 per minute",
    )
    make_user("alice")
    return app


def has_nul(*values) -> bool:
    """Whether any of the fuzzed values holds a NUL byte (a 400 before any form, on every backend)."""
    def flat(value):
        if isinstance(value, dict):
            return [t for v in value.values() for t in flat(v)]
        if isinstance(value, (list, tuple)):
            return [t for v in value for t in flat(v)]
        return [str(value)]

    return any("\x00" in text for text in flat(list(values)))

@FUZZ
@given(data=field_map("username", "email", "password", "confirm", "next"), as_htmx=st.booleans())
def test_register_never_fails(fuzz_app, data, as_htmx):
    client = fuzz_app.test_client()
    headers = {"HX-Request": "true"} if as_htmx else {}
    response = client.post("/auth/register", data=data, headers=headers)
    if has_nul(data):  # refused before any form sees it (security.refuse_nul_bytes)
        assert response.status_code == 400
        return
    assert response.status_code in (302, 422)
    for field in ("username", "email", "password", "confirm"):
        check = client.post(f"/auth/register/check?field={field}", data=data, headers=headers)
        assert check.status_code == 200


@FUZZ
@given(data=field_map("username", "password", "remember", "next"), query=text)
def test_login_never_fails(fuzz_app, data, query):
    response = fuzz_app.test_client().post("/auth/login", data=data, query_string={"next": query})
    assert response.status_code in ((400,) if has_nul(data, query) else (302, 422))
    if response.status_code == 302:
        assert response.location.startswith("/") and not response.location.startswith("//")


@FUZZ
@given(
    path=st.sampled_from(
        ["/settings/profile", "/settings/preferences", "/settings/password", "/settings/delete"]
    ),
    data=field_map(
        "display_name",
        "bio",
        "avatar_url",
        "is_private",
        "score_scale",
        "kinds_shown",
        "show_adult",
        "theme",
        "lists_public_by_default",
        "current_password",
        "new_password",
        "new_confirm",
        "confirm_username",
        "password",
    ),
)
def test_settings_never_fail(fuzz_app, path, data):
    client = fuzz_app.test_client()
    assert client.post("/auth/login", data={"username": "alice", "password": PASSWORD}).status_code == 302
    response = client.post(path, data=data)
    assert response.status_code in ((400,) if has_nul(data) else (302, 422)), response.status_code
    assert client.get("/settings").status_code in (200, 302)
    assert client.get("/users/alice").status_code in (200, 404)
