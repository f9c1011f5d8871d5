"""Response hardening: security headers on every response, and cookie settings for HTTPS."""

from __future__ import annotations

from flask import Flask, Response, abort, request
from flask_login import current_user
from werkzeug.middleware.proxy_fix import ProxyFix

# No inline scripts or styles anywhere: htmx's own indicator <style> is switched off in base.html
# (htmx-config includeIndicatorStyles=false) and app.css styles the indicators instead.
# Posters and avatars may come from any HTTPS image host (TMDB, Comic Vine, ...).
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' https: data:",
        "font-src 'self'",
        "connect-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'self'",
        "object-src 'none'",
    ]
)
HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
}
HSTS = "max-age=31536000; includeSubDomains"


def add_security_headers(response: Response) -> Response:
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    if request.is_secure:
        response.headers.setdefault("Strict-Transport-Security", HSTS)
    # Pages built for a logged-in user stay out of shared and back-button caches after logout.
    if "Cache-Control" not in response.headers and current_user.is_authenticated:
        response.headers["Cache-Control"] = "private, no-store"
    return response


def configure_cookies(app: Flask) -> None:
    """With SESSION_COOKIE_SECURE on, every cookie is Secure and carries the __Host- prefix.

    A __Host- cookie must be Secure, have Path=/ and no Domain, so a sibling subdomain cannot plant
    or overwrite it.
    """
    config = app.config
    config["SESSION_COOKIE_HTTPONLY"] = True
    config["REMEMBER_COOKIE_HTTPONLY"] = True
    config.setdefault("SESSION_COOKIE_SAMESITE", "Lax")
    config.setdefault("REMEMBER_COOKIE_SAMESITE", "Lax")
    if not config.get("SESSION_COOKIE_SECURE"):
        return
    config["REMEMBER_COOKIE_SECURE"] = True
    config["SESSION_COOKIE_DOMAIN"] = None
    config["REMEMBER_COOKIE_DOMAIN"] = None
    config["SESSION_COOKIE_PATH"] = "/"
    config["REMEMBER_COOKIE_PATH"] = "/"
    config["SESSION_COOKIE_NAME"] = "__Host-session"
    config["REMEMBER_COOKIE_NAME"] = "__Host-remember_token"


def refuse_nul_bytes() -> None:
    """No text we store may hold a NUL byte (PostgreSQL refuses one outright): a clear 400 instead of a 500."""
    values = [value for source in (request.args, request.form) for _, value in source.items(multi=True)]
    if request.is_json:
        values.append(request.get_data(as_text=True).replace("\\u0000", "\x00"))
    if any("\x00" in value for value in values):
        abort(400, description="Text cannot contain NUL (\\0) characters.")


def trust_proxies(app: Flask) -> None:
    """Take the client's address, scheme and host from the X-Forwarded-* headers of TRUSTED_PROXIES proxies."""
    count = app.config.get("TRUSTED_PROXIES", 0)
    if isinstance(count, bool) or not isinstance(count, int) or not 0 <= count <= 10:
        raise ValueError(f"TRUSTED_PROXIES is the number of reverse proxies in front of the app (0-10), not {count!r}")
    if count:
        # Each proxy appends the address it saw: the count-th from the right is the one to trust.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count, x_port=count)


def register(app: Flask) -> None:
    trust_proxies(app)
    configure_cookies(app)
    app.before_request(refuse_nul_bytes)
    app.after_request(add_security_headers)
