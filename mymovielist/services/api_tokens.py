"""Personal access tokens: create (shown once), list, revoke, and find the token a request carries.

A token is 32 random bytes (256 bits) behind a `mml_` prefix, so a leaked one is easy to recognise
in logs and secret scanners. Only its SHA-256 is stored: a slow password hash buys nothing against
a secret of that entropy, and a plain hash can be looked up through a unique index. The lookup is
by hash and the match is confirmed with `hmac.compare_digest`, so no timing reveals a prefix.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta

from sqlalchemy import func, select

from mymovielist.extensions import db
from mymovielist.models import ApiToken, User, utcnow
from mymovielist.models.api import TOKEN_SCOPES

PREFIX = "mml_"
MAX_NAME = 64
MAX_TOKENS = 50  # active tokens per user
# Writing last_used_at on every request would make every read a write; once a minute is enough.
LAST_USED_RESOLUTION = timedelta(minutes=1)


class TokenError(ValueError):
    """A token change the rules refuse; `field` names the form field it concerns."""

    def __init__(self, message: str, field: str = "name") -> None:
        super().__init__(message)
        self.message = message
        self.field = field


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8", "surrogatepass")).hexdigest()


def create_token(user: User, name: str, scope: str) -> tuple[ApiToken, str]:
    """Make a token for the user; returns the row and the secret, which is never stored or shown again."""
    name = " ".join((name or "").split())
    if not name:
        raise TokenError("Give the token a name, such as the app that will use it.")
    if len(name) > MAX_NAME:
        raise TokenError(f"Keep the name under {MAX_NAME} characters.")
    if scope not in TOKEN_SCOPES:
        raise TokenError("Choose read or read-write.", "scope")
    if count_active(user.id) >= MAX_TOKENS:
        raise TokenError(f"You have {MAX_TOKENS} tokens already; revoke one first.")
    raw = PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user_id=user.id, name=name, scope=scope, token_hash=hash_token(raw), created_at=utcnow())
    db.session.add(token)
    db.session.flush()
    return token, raw


def list_tokens(user: User) -> list[ApiToken]:
    """The user's active tokens, newest first."""
    return list(db.session.scalars(
        select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
        .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
    ))


def revoke_token(user: User, token_id: int) -> ApiToken | None:
    """Revoke one of the user's tokens; None when the user has no such active token."""
    token = db.session.scalar(select(ApiToken).where(
        ApiToken.id == token_id, ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None)))
    if token is not None:
        token.revoked_at = utcnow()
        db.session.flush()
    return token


def find_token(raw: str) -> ApiToken | None:
    """The active token whose secret is `raw`, its owner not blocked; None for anything else."""
    if not raw.startswith(PREFIX) or len(raw) > 200:
        return None
    digest = hash_token(raw)
    token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == digest))
    if token is None or not hmac.compare_digest(token.token_hash, digest):
        return None
    if token.revoked_at is not None or token.user.is_blocked:
        return None
    return token


def touch(token: ApiToken) -> bool:
    """Note that the token was used, at most once per LAST_USED_RESOLUTION; True when it wrote."""
    now = utcnow()
    if token.last_used_at is not None and now - token.last_used_at < LAST_USED_RESOLUTION:
        return False
    token.last_used_at = now
    db.session.flush()
    return True


def count_active(user_id: int) -> int:
    return db.session.scalar(select(func.count()).select_from(ApiToken).where(
        ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None))) or 0
