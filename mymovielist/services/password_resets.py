"""Password reset tokens: signed, timed, and dead once used or once the password changes.

The token is itsdangerous's URLSafeTimedSerializer over the user's id and an HMAC of the current
password hash, so setting any new password (through the link or otherwise) voids every link sent
before, and no row needs keeping. Its age is checked against PASSWORD_RESET_MAX_AGE.
"""

from __future__ import annotations

import hashlib
import hmac

from flask import current_app
from itsdangerous import BadData, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import select

from mymovielist.extensions import db
from mymovielist.models import User
from mymovielist.services import accounts, passwords

SALT = "mymovielist.password-reset"
MAX_TOKEN = 500  # longer input is no token of ours


class ResetError(ValueError):
    """A reset link that cannot be used; `status` is 410 when it was good once, else 400."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def _fingerprint(user: User) -> str:
    key = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(key, user.password_hash.encode(), hashlib.sha256).hexdigest()[:32]


def make_token(user: User) -> str:
    return _serializer().dumps({"u": user.id, "p": _fingerprint(user)})


def user_for_reset(email: str) -> User | None:
    """The active account whose email address is `email`, the one a reset link may be sent to."""
    user = db.session.scalar(select(User).where(User.email == accounts.normalize_email(email)))
    return user if user is not None and user.is_active else None


def check_token(token: str) -> User:
    """The user a reset token is for; ResetError when it is forged, expired, used or outdated."""
    if len(token) > MAX_TOKEN:
        raise ResetError("This reset link is not valid. Check that you copied all of it.", 400)
    try:
        data = _serializer().loads(token, max_age=current_app.config["PASSWORD_RESET_MAX_AGE"])
    except SignatureExpired:
        raise ResetError("This reset link has expired. Ask for a new one.", 410) from None
    except BadData:
        raise ResetError("This reset link is not valid. Check that you copied all of it.", 400) from None
    user_id = data.get("u") if isinstance(data, dict) else None
    user = db.session.get(User, user_id) if isinstance(user_id, int) else None
    if user is None or not user.is_active or not hmac.compare_digest(str(data.get("p")), _fingerprint(user)):
        raise ResetError("This reset link was used already, or the password has changed since. "
                         "Ask for a new one if you still need it.", 410)
    return user


def reset_password(user: User, new: str) -> None:
    """Set a new password without the old one (the token vouched for the user); every session ends."""
    problems = passwords.password_problems(new, username=user.username, email=user.email)
    if problems:
        raise accounts.AccountError("password", problems[0])
    user.password_hash = passwords.hash_password(new)
    accounts.revoke_sessions(user)
    db.session.flush()
