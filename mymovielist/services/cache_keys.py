"""Cache keys and invalidation: every cached read names its scopes, every write bumps them here.

Each scope ("catalog", "scores", "title:<id>", "user:<id>") has a generation token, kept beside the
cache in a store that is never pruned (mymovielist.caching: a directory next to the file cache, or
Redis). A cached value's key includes the tokens of the scopes it depends on, so a change is one
`set` of a new token (O(1), shared by every process) and the old entries simply expire. A token is
random, never a counter: should one be lost, its scope gets a value no entry was ever stored under,
so a lost token costs misses and can never bring back an old page.

A write bumps its scopes twice: at once, and again after the transaction commits (a reader that ran
between the two may have cached the old rows under the new token; the second bump discards that).
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from flask import current_app
from sqlalchemy import event
from sqlalchemy.orm import Session

from mymovielist.caching import GENERATIONS, TokenStore
from mymovielist.extensions import cache

T = TypeVar("T")

PENDING = "mymovielist.cache_scopes"
CATALOG = "catalog"
SCORES = "scores"  # every score-ordered list: any rating may reorder them
WEIGHTED = "weighted"  # every title's weighted score: moved together only when the job recomputes the mean
TRENDING = "trending"  # the trending-scores job's table
NEIGHBOURS = "neighbours"  # the title-neighbours job's table
# Rows whose change is a change to their users' scopes: their list, history and taste (recommendations),
# and what shows on a member's own pages (member_pages.py): lists, account, notifications, follows.
USER_DATA = frozenset({"ListEntry", "WatchEvent", "Review", "CustomList", "CustomListItem", "Notification",
                       "Follow", "User", "Profile", "Preferences"})
MEMBERS = "members"  # every member's pages: a write to users' rows whose owners are not known


def title_scope(title_id: int) -> str:
    return f"title:{title_id}"


def user_scope(user_id: int) -> str:
    return f"user:{user_id}"


def _tokens() -> TokenStore:
    return current_app.extensions[GENERATIONS]


def generation(scope: str) -> str:
    """The current token of a scope (created on first use)."""
    key = f"gen:{scope}"
    tokens = _tokens()
    token = tokens.get(key)
    if token is None:
        token = secrets.token_hex(8)
        # add, not set: two workers creating the same scope at once agree on the first token.
        if not tokens.add(key, token, timeout=0):
            token = tokens.get(key) or token
    return token


def _bump(scopes: Iterable[str]) -> None:
    tokens = _tokens()
    for scope in scopes:
        tokens.set(f"gen:{scope}", secrets.token_hex(8), timeout=0)


def _changed(session: Session | None, *scopes: str) -> None:
    _bump(scopes)
    if session is not None:
        session.info.setdefault(PENDING, set()).update(scopes)


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    scopes = session.info.pop(PENDING, None)
    if scopes:
        _bump(scopes)


@event.listens_for(Session, "after_rollback")
def _after_rollback(session: Session) -> None:
    session.info.pop(PENDING, None)


def _session() -> Session:
    from mymovielist.extensions import db

    return db.session()


def title_changed(title_id: int) -> None:
    """A title's ratings or entries changed: its cached aggregates and every score-ordered list."""
    _changed(_session(), title_scope(title_id), SCORES)


def scores_changed() -> None:
    """Every weighted score moved (the job applied a new global mean C): every score-ordered list and title page."""
    _changed(_session(), SCORES, WEIGHTED)


def catalog_changed(title_ids: Iterable[int] = ()) -> None:
    """Catalog data changed (a sync upsert, the demo load): browse, search, trending, those titles."""
    _changed(_session(), CATALOG, SCORES, *(title_scope(t) for t in title_ids))


def user_changed(user_id: int) -> None:
    """A user's list changed: their recommendations and anything else cached per user."""
    _changed(_session(), user_scope(user_id))


def key_for(name: str, scopes: Iterable[str], args: Any) -> str:
    """The cache key of `name` for `args` under the current generations of `scopes`."""
    tokens = ",".join(f"{s}={generation(s)}" for s in scopes)
    digest = hashlib.sha1(repr(args).encode()).hexdigest()[:16]
    return f"v1:{name}:{tokens}:{digest}"


def trending_changed() -> None:
    """The trending-scores job wrote new scores."""
    _changed(_session(), TRENDING)


def neighbours_changed() -> None:
    """The title-neighbours job rebuilt every title's neighbours."""
    _changed(_session(), NEIGHBOURS)


@event.listens_for(Session, "after_flush")
def _user_data_flushed(session: Session, _context) -> None:
    """A row that belongs to users changes their scopes wherever it is written (see `owners`)."""
    users: set[int] = set()
    anyone = False
    for obj in (*session.new, *session.dirty, *session.deleted):
        if type(obj).__name__ in USER_DATA:
            found = owners(obj)
            users.update(found)
            anyone = anyone or not found  # a list's item names no user: every member's pages
    scopes = [user_scope(u) for u in users]
    if anyone:
        scopes.append(MEMBERS)
    if scopes:
        _changed(session, *scopes)


def owners(obj: object) -> set[int]:
    """The users a row belongs to: its user, a user row itself, both sides of a follow."""
    if type(obj).__name__ == "User":
        return {obj.id} if getattr(obj, "id", None) is not None else set()
    found = {getattr(obj, name, None) for name in ("user_id", "follower_id", "followed_id")}
    return {u for u in found if u is not None}


@event.listens_for(Session, "do_orm_execute")
def _user_data_bulk_written(state) -> None:
    """An UPDATE, DELETE or INSERT statement on users' rows (no objects to read owners from): every member's pages."""
    if not (state.is_update or state.is_delete or state.is_insert) or state.bind_mapper is None:
        return
    if state.bind_mapper.class_.__name__ in USER_DATA:
        _changed(state.session, MEMBERS)


def cached(name: str, scopes: Iterable[str], args: Any, compute: Callable[[], T], timeout: int | None = None) -> T:
    """`compute()` memoized under `name`, the generations of `scopes` and a digest of `args`."""
    key = key_for(name, scopes, args)
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, timeout=timeout)
    return value
