"""Signed-in users' pages kept per user, rendered again only when something they show changed.

A member's title page or list is the same page on every request until a write touches what it shows:
the catalog scopes of its titles, the member's own scope (entries, watches, reviews, lists,
notifications, follows, account and preferences: cache_keys bumps it on every such row), the list
owner's scope, and the `members` scope that bulk statements on users' rows bump. The key also holds
the URL, the member, their browser's languages and their "today" (dates and date limits on the page).

Nothing of one request is kept: the page holds CSRF markers (a token a form rendered itself is
turned back into one), which csrf_tokens fills in on the way out, and a request with flashed messages to show is rendered fresh. The after-request hooks
(session, security headers, ETag, compression) run as for any page.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import wraps

from flask import current_app, request, session
from flask_login import current_user

from mymovielist import csrf_tokens, localization
from mymovielist.extensions import cache
from mymovielist.htmx import is_htmx
from mymovielist.services import cache_keys

TIMEOUT = 600  # seconds; a write makes a new key long before this
KEPT_HEADERS = frozenset({"content-type", "vary", "cache-control", "content-language", "link"})


@dataclass(frozen=True)
class KeptMemberPage:
    body: bytes
    headers: tuple[tuple[str, str], ...]


def for_members(scopes: Callable[..., Iterable[str]]):
    """Keep the view's page per signed-in member; `scopes(**view_args)` names what it shows beyond the member's own data."""

    def decorate(view):
        @wraps(view)
        def wrapper(**kwargs):
            if not _keepable():
                return view(**kwargs)
            user_id = current_user.id
            key = cache_keys.key_for(
                "member-page",
                (*scopes(**kwargs), cache_keys.user_scope(user_id), cache_keys.MEMBERS),
                (request.host, request.full_path, user_id, request.headers.get("Accept-Language", ""), localization.today().isoformat()),
            )
            kept = cache.get(key)
            if kept is None:
                response = current_app.make_response(view(**kwargs))
                if response.status_code != 200 or response.is_streamed or response.direct_passthrough:
                    return response
                headers = tuple((k, v) for k, v in response.headers.items() if k.lower() in KEPT_HEADERS)
                kept = KeptMemberPage(csrf_tokens.without_token(response.get_data()), headers)
                cache.set(key, kept, timeout=TIMEOUT)
            return current_app.response_class(kept.body, headers=list(kept.headers))

        return wrapper

    return decorate


def _keepable() -> bool:
    if request.method != "GET" or is_htmx() or not current_user.is_authenticated:
        return False
    # Flashed messages show once: such a page is rendered for this request alone.
    return "_flashes" not in session
