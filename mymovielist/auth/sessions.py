"""Where sessions live, and starting and ending a login session (Flask-Login).

By default the session is Flask's signed cookie. With SESSION_REDIS_URL it is kept in Redis by
Flask-Session and the cookie holds only a random session id. Either way the session carries the
login id `<user id>:<session token>:<login time>` (`load_user`), and so does Flask-Login's remember
cookie, which is signed and made from the same id: rotating the user's token revokes both, and
neither is honoured past REMEMBER_COOKIE_DURATION after the login, whatever the browser keeps.
"""

from __future__ import annotations

import time
from datetime import timedelta

from flask import Flask, current_app, request, session
from flask_login import login_user, logout_user
from sqlalchemy import bindparam, select
from sqlalchemy.orm import joinedload

from mymovielist.extensions import db
from mymovielist.models import User

FLASK_LOGIN_ID = "_user_id"  # where Flask-Login keeps the id, and makes the remember cookie from
CLOCK_SKEW = 60  # seconds a login time may lie in the future (clocks of several workers)


def _now() -> float:
    return time.time()


def login_lifetime() -> float:
    """Seconds a login (its session, or its remember cookie) is honoured for."""
    duration = current_app.config.get("REMEMBER_COOKIE_DURATION", 30 * 24 * 3600)
    return duration.total_seconds() if isinstance(duration, timedelta) else float(duration)


# Preferences in the same query: nearly every page reads them (time zone, locale, score scale). Built
# once: a statement made per request (session.get with options) costs half as much again as the query.
_USER_BY_ID = select(User).options(joinedload(User.preferences)).where(User.id == bindparam("user_id"))


def load_user(login_id: str) -> User | None:
    """The user a session or remember cookie names, if its token is current and its login not too old."""
    user_id, token, issued = (login_id.split(":") + ["", ""])[:3]
    if not user_id.isdigit() or not token or not issued.isdigit():
        return None  # ids from before login times were recorded are refused: log in again
    age = _now() - int(issued)
    if not -CLOCK_SKEW <= age <= login_lifetime():
        return None
    user = db.session.execute(_USER_BY_ID, {"user_id": int(user_id)}).unique().scalar_one_or_none()
    if user is None or user.session_token != token:
        return None
    return user


def install(app: Flask) -> None:
    """Keep sessions in Redis when SESSION_REDIS_URL is set; otherwise leave Flask's signed cookie."""
    url = app.config.get("SESSION_REDIS_URL")
    if not url:
        return
    # Imported here: the embedded mode runs without redis and Flask-Session installed.
    from flask_session.redis import RedisSessionInterface
    from redis import Redis

    app.session_interface = RedisSessionInterface(
        app,
        client=Redis.from_url(url),
        key_prefix=app.config["SESSION_KEY_PREFIX"],
        # A browser-session cookie, as the signed cookie is; staying logged in across browser restarts
        # is Flask-Login's remember cookie. The Redis record expires PERMANENT_SESSION_LIFETIME after
        # the last request.
        permanent=False,
    )


def close(app: Flask) -> None:
    """Close the Redis connections of the session store, if the app has one."""
    client = getattr(app.session_interface, "client", None)
    if client is not None:
        client.close()


def _new_session_id() -> None:
    """Server-side sessions: delete the stored record and give the session a new id (no fixation).

    Flask-Session regenerates only a non-empty session, so this runs before the session is cleared;
    an empty one already has an id the browser never sent (an unknown id is never adopted).
    """
    regenerate = getattr(current_app.session_interface, "regenerate", None)
    if regenerate is not None:
        regenerate(session)


def start_session(user: User, remember: bool) -> None:
    """Log the user in on a fresh session: nothing from before (CSRF token included) survives."""
    _new_session_id()
    session.clear()
    login_user(user, remember=remember)
    # The login time goes into the id, hence into the remember cookie Flask-Login makes from it.
    session[FLASK_LOGIN_ID] = f"{user.get_id()}:{int(_now())}"


def restart_session(user: User) -> None:
    """After the user's token was rotated, keep this device logged in (and remembered if it was)."""
    remembered = current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token") in request.cookies
    start_session(user, remember=remembered)


def end_session() -> None:
    """Log out this browser; a server-side session record is deleted, not just emptied."""
    _new_session_id()
    session.clear()
    logout_user()  # after the clear: it leaves the note that deletes the remember cookie
