"""Where sessions live, and starting and ending a login session (Flask-Login).

By default the session is Flask's signed cookie. With SESSION_REDIS_URL it is kept in Redis by
Flask-Session and the cookie holds only a random session id. Either way the session carries the
user's `session_token` (see `load_user` in `create_app`), so revocation works the same in both.
"""

from __future__ import annotations

from flask import Flask, current_app, request, session
from flask_login import login_user, logout_user

from mymovielist.models import User


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


def restart_session(user: User) -> None:
    """After the user's token was rotated, keep this device logged in (and remembered if it was)."""
    remembered = current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token") in request.cookies
    start_session(user, remember=remembered)


def end_session() -> None:
    """Log out this browser; a server-side session record is deleted, not just emptied."""
    _new_session_id()
    session.clear()
    logout_user()  # after the clear: it leaves the note that deletes the remember cookie
