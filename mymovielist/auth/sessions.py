"""Starting and ending a login session (Flask-Login on Flask's signed-cookie session)."""

from __future__ import annotations

from flask import current_app, request, session
from flask_login import login_user, logout_user

from mymovielist.models import User


def start_session(user: User, remember: bool) -> None:
    """Log the user in on a fresh session: nothing from before (CSRF token included) survives."""
    session.clear()
    login_user(user, remember=remember)


def restart_session(user: User) -> None:
    """After the user's token was rotated, keep this device logged in (and remembered if it was)."""
    remembered = current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token") in request.cookies
    start_session(user, remember=remembered)


def end_session() -> None:
    logout_user()
    session.clear()
