"""Access checks, as decorators: the only place that decides who may open a view.

Each decorator marks the view (`view.access = "login"` or `"admin"`), so tests can walk
`app.url_map` and prove that every marked route refuses visitors without an account.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import TypeVar
from urllib.parse import urlsplit

from flask import Flask, abort, redirect, request, url_for
from flask_login import current_user

from mymovielist.extensions import login_manager
from mymovielist.htmx import htmx_response, is_htmx, toast
from mymovielist.models import User
from mymovielist.services import accounts, visibility

F = TypeVar("F", bound=Callable)
LOGIN_MESSAGE = "Please log in to continue."


def login_required(view: F) -> F:
    """Only for logged-in users; others are sent to the login page (htmx: 401 + HX-Redirect)."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        return view(*args, **kwargs)

    wrapped.access = "login"  # type: ignore[attr-defined]
    return wrapped  # type: ignore[return-value]


def admin_required(view: F) -> F:
    """Only for admins: visitors go to the login page, logged-in users who are not admins get 403."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        if not current_user.is_admin:
            abort(403)
        return view(*args, **kwargs)

    wrapped.access = "admin"  # type: ignore[attr-defined]
    return wrapped  # type: ignore[return-value]


def protected_endpoints(app: Flask) -> dict[str, str]:
    """Every endpoint marked by a decorator above, with its level ("login" or "admin")."""
    return {
        endpoint: view.access
        for endpoint, view in app.view_functions.items()
        if getattr(view, "access", None) in ("login", "admin")
    }


def safe_next(target: str | None, default: str | None = None) -> str:
    """`target` when it is a path on this site, else `default` (the home page)."""
    fallback = default or url_for("discover.home")
    if not target or len(target) > 2000:
        return fallback
    # Browsers read a backslash as a slash and drop tabs and newlines: "/\evil" is "//evil".
    if "\\" in target or any(ord(ch) < 32 or ord(ch) == 127 for ch in target):
        return fallback
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return fallback
    return target


def _unauthorized():
    # After logging in, come back to the page that asked (a POST cannot be replayed: go home).
    next_path = request.full_path.rstrip("?") if request.method == "GET" else None
    login = url_for("auth.login", next=next_path)
    if is_htmx():
        return htmx_response("", 401, trigger=toast(LOGIN_MESSAGE, "error"), redirect=login)
    return redirect(login)


def register(app: Flask) -> None:
    login_manager.login_view = "auth.login"
    login_manager.unauthorized_handler(_unauthorized)
    app.jinja_env.globals["safe_next"] = safe_next


def visible_user_or_404(username: str) -> User:
    """The user `username` when the current user may see their data (`visibility.can_see`), else 404.

    A hidden profile's data and a missing user get the same answer, so neither can be told apart.
    """
    owner = accounts.get_user_by_username(username)
    if owner is None or not visibility.can_see(current_user, owner):
        abort(404)
    return owner
