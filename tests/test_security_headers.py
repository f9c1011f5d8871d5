"""Security headers on every response, cookie flags, and templates free of inline script and style."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from conftest import PASSWORD

from mymovielist.security import CONTENT_SECURITY_POLICY

TEMPLATES = Path(__file__).resolve().parents[1] / "mymovielist" / "templates"


def _directives(csp: str) -> dict[str, list[str]]:
    return {d.split()[0]: d.split()[1:] for d in (part.strip() for part in csp.split(";")) if d}


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/auth/register", 200),
        ("GET", "/auth/login", 200),
        ("GET", "/nowhere", 404),
        ("GET", "/static/css/app.css", 200),
        ("POST", "/", 405),
        ("GET", "/healthz", 200),
        ("GET", "/settings", 302),
    ],
)
def test_every_response_carries_the_security_headers(client, method, path, status):
    response = client.open(path, method=method)
    response.close()  # static files are streamed from an open file
    assert response.status_code == status
    assert response.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "Strict-Transport-Security" not in response.headers  # plain HTTP


def test_the_policy_allows_no_inline_script_or_style_and_no_framing():
    directives = _directives(CONTENT_SECURITY_POLICY)
    assert directives["script-src"] == ["'self'"]
    assert directives["style-src"] == ["'self'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives["object-src"] == ["'none'"]
    assert "unsafe-inline" not in CONTENT_SECURITY_POLICY and "unsafe-eval" not in CONTENT_SECURITY_POLICY


def test_hsts_over_https(client):
    response = client.get("/", base_url="https://localhost")
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"


def test_htmx_is_told_not_to_inject_its_indicator_style(client):
    # htmx 2 adds a <style> element unless told not to, and its settle step copies a style attribute
    # with setAttribute; style-src 'self' blocks both.
    page = client.get("/").get_data(as_text=True)
    config = json.loads(re.search(r"""<meta name="htmx-config" content='([^']*)'>""", page).group(1))
    assert config["includeIndicatorStyles"] is False
    assert "style" not in config["attributesToSettle"]


def test_templates_have_no_inline_scripts_handlers_or_styles():
    offenders = []
    for path in TEMPLATES.rglob("*.html"):
        text = path.read_text()
        if re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text):
            offenders.append(f"{path.name}: inline <script>")
        if re.search(r"\son[a-z]+\s*=", text):
            offenders.append(f"{path.name}: on* handler attribute")
        if re.search(r"\sstyle\s*=|<style", text):
            offenders.append(f"{path.name}: inline style")
        if "javascript:" in text.lower():
            offenders.append(f"{path.name}: javascript: URL")
    assert offenders == []


def test_cookies_are_http_only_and_same_site_lax(make_user, client):
    make_user("alice")
    response = client.post("/auth/login", data={"username": "alice", "password": PASSWORD, "remember": "y"})
    cookies = response.headers.getlist("Set-Cookie")
    assert {c.split("=")[0] for c in cookies} == {"session", "remember_token", "mml_device"}
    for cookie in cookies:
        assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie


@pytest.fixture
def secure_env(monkeypatch):
    monkeypatch.setenv("MYMOVIELIST_SESSION_COOKIE_SECURE", "true")


def test_secure_mode_gives_host_prefixed_secure_cookies(secure_env, app, make_user):
    assert app.config["SESSION_COOKIE_SECURE"] is True  # from the environment variable
    make_user("alice")
    client = app.test_client()
    response = client.post(
        "/auth/login",
        base_url="https://localhost",
        data={"username": "alice", "password": PASSWORD, "remember": "y"},
    )
    assert response.status_code == 302
    cookies = response.headers.getlist("Set-Cookie")
    assert {c.split("=")[0] for c in cookies} == {"__Host-session", "__Host-remember_token", "__Host-mml_device"}
    for cookie in cookies:
        assert (
            "; Secure" in cookie
            and "; HttpOnly" in cookie
            and "; Path=/" in cookie
            and "Domain=" not in cookie
        )
    assert client.get("/settings", base_url="https://localhost").status_code == 200


def test_pages_for_a_logged_in_user_are_not_stored_by_caches(make_user, auth, client):
    assert "no-store" not in client.get("/auth/register").headers.get("Cache-Control", "")
    make_user("alice")
    auth.login("alice")
    for path in ("/settings", "/users/alice", "/auth/login"):
        assert client.get(path).headers["Cache-Control"] == "private, no-store", path
    static = client.get("/static/css/app.css")
    static.close()
    assert "no-store" not in static.headers.get("Cache-Control", "")
