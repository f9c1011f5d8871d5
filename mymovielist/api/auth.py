"""Who is calling the API: a personal access token in `Authorization: Bearer <token>`, or nobody.

Session cookies are never consulted here, so a page on another site cannot make a logged-in
browser write through the API (the reason the blueprint is exempt from CSRF protection).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from functools import wraps
from typing import TypeVar

from flask import current_app, g, make_response, request
from flask_limiter import RequestLimit
from flask_limiter.util import get_remote_address
from sqlalchemy.exc import OperationalError

from mymovielist.api.problems import ApiProblem
from mymovielist.extensions import db
from mymovielist.models import ApiToken, User
from mymovielist.services import api_tokens

F = TypeVar("F", bound=Callable)
DEFAULT_RATE_LIMIT = "300 per minute"
REALM = 'Bearer realm="MyMovieList API"'


def _resolve() -> ApiToken | None:
    """The request's token, looked up once per request; a bad Authorization header is noted."""
    if "api_token" in g:
        return g.api_token
    g.api_token, g.api_auth_error = None, None
    header = request.headers.get("Authorization")
    if header is not None:
        scheme, _, raw = header.strip().partition(" ")
        if scheme.lower() != "bearer" or not raw.strip():
            g.api_auth_error = "Send a personal access token as `Authorization: Bearer <token>`."
        else:
            g.api_token = api_tokens.find_token(raw.strip())
            if g.api_token is None:
                g.api_auth_error = "The token is not valid: it may have been revoked."
    return g.api_token


def authenticate() -> None:
    """Before every API request: refuse a bad token outright, note when a good one was used."""
    token = _resolve()
    if g.api_auth_error:
        raise ApiProblem(401, g.api_auth_error, kind="invalid-token",
                         headers={"WWW-Authenticate": f'{REALM}, error="invalid_token"'})
    if token is not None and api_tokens.touch(token):
        try:
            db.session.commit()
        except OperationalError:  # a busy database (a read cannot always upgrade to a write on SQLite)
            db.session.rollback()  # last_used_at is a hint: the next request records it


def private_responses(response):
    """Answers depend on the token: shared caches must key on it, and keep none sent with one."""
    response.vary.add("Authorization")
    if g.get("api_token") is not None:
        response.headers["Cache-Control"] = "private, no-store"
    return response


def api_user() -> User | None:
    """The owner of the request's token, or None for an anonymous caller."""
    token = _resolve()
    return token.user if token is not None else None


def token_required(scope: str = "read") -> Callable[[F], F]:
    """Only with a token (401 without one); `read-write` also refuses read-only tokens (403)."""

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapped(*args, **kwargs):
            token = _resolve()
            if token is None:
                raise ApiProblem(401, "This needs a personal access token: create one in Settings > API tokens.",
                                 kind="token-required", headers={"WWW-Authenticate": REALM})
            if scope == "read-write" and not token.can_write:
                raise ApiProblem(403, "This token is read-only: writing needs a read-write token.",
                                 kind="insufficient-scope",
                                 headers={"WWW-Authenticate": f'{REALM}, error="insufficient_scope"'})
            return view(*args, **kwargs)

        wrapped.access = "token"  # type: ignore[attr-defined]
        return wrapped  # type: ignore[return-value]

    return decorator


def rate_limit() -> str:
    return current_app.config.get("API_RATE_LIMIT") or DEFAULT_RATE_LIMIT


def rate_key() -> str:
    """One budget per token; anonymous calls (and bad tokens) share their address's budget."""
    token = _resolve()
    who = f"token:{token.id}" if token is not None else f"ip:{get_remote_address() or 'unknown'}"
    # Flask-Limiter keeps the first app's key prefix; apps sharing a store keep their own counters.
    return f"{current_app.config.get('RATELIMIT_KEY_PREFIX', '')}:api:{who}"


def on_breach(limit: RequestLimit):
    """The limiter's response carries Retry-After; api.problems turns it into problem details."""
    response = make_response("", 429)
    response.headers["Retry-After"] = str(max(1, math.ceil(limit.window.reset_time - time.time())))
    return response
