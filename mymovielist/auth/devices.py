"""Device cookies (OWASP's answer to lockouts): a browser that once logged in to an account is known.

A successful login leaves a signed, long-lived cookie naming the account. When an attacker's wrong
passwords have used up the account's failure limit, the owner's own browser, which sends that
cookie, is still let through to try its password; its own failures count against that device.
The cookie proves nothing but a past login: it never logs anyone in.
"""

from __future__ import annotations

import secrets

from flask import Response, current_app, request
from itsdangerous import BadSignature, URLSafeTimedSerializer

COOKIE = "mml_device"
MAX_AGE = 365 * 24 * 3600
_SALT = "known-device"


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt=_SALT)


def cookie_name() -> str:
    return ("__Host-" if current_app.config.get("SESSION_COOKIE_SECURE") else "") + COOKIE


def remember(response: Response, user_id: int) -> None:
    """Mark this browser as one `user_id` logged in from."""
    value = _serializer().dumps({"u": user_id, "n": secrets.token_urlsafe(8)})
    response.set_cookie(cookie_name(), value, max_age=MAX_AGE, httponly=True, samesite="Lax",
                        secure=bool(current_app.config.get("SESSION_COOKIE_SECURE")), path="/")


def device_id(user_id: int) -> str | None:
    """This browser's device id if its cookie is a genuine one for `user_id`, else None."""
    raw = request.cookies.get(cookie_name(), "")
    if not raw:
        return None
    try:
        data = _serializer().loads(raw, max_age=MAX_AGE)
    except BadSignature:
        return None
    if not isinstance(data, dict) or data.get("u") != user_id or not isinstance(data.get("n"), str):
        return None
    return f"{user_id}:{data['n']}"
