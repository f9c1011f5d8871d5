"""Activity: what users did, for their profile and for the feeds of the users who follow them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import Select, delete, select
from sqlalchemy.orm import joinedload

from mymovielist.extensions import db
from mymovielist.models import Activity, Follow, Title, User, utcnow
from mymovielist.services import visibility

# Every verb the app records, with how a feed phrases it ("<user> <phrase> <title>").
VERBS: dict[str, str] = {
    "added": "added",
    "status": "updated",
    "rated": "rated",
    "progress": "made progress on",
    "completed": "completed",
    "favourited": "favourited",
    "reviewed": "reviewed",
    "listed": "added",
    "followed": "followed",
}
# Repeated small steps (each "+1", a score changed twice) fold into the previous row, so a
# binge of twelve episodes is one line in a feed, not twelve.
COALESCED_VERBS = frozenset({"status", "rated", "progress"})
COALESCE_WINDOW = timedelta(minutes=30)
PER_PAGE = 20


@dataclass
class ActivityPage:
    """One page of activity, newest first; `has_next` comes from fetching one row more."""

    items: list[Activity]
    page: int
    per_page: int
    has_next: bool

    @property
    def has_prev(self) -> bool:
        return self.page > 1


def record(user: User, verb: str, title: Title | None = None, **data: Any) -> Activity:
    """Record that `user` did `verb` (to `title`), folding a repeat of a small step into the last row."""
    if verb not in VERBS:
        raise ValueError(f"unknown activity verb {verb!r}")
    title_id = title.id if title is not None else None
    if verb in COALESCED_VERBS and title_id is not None:
        last = db.session.scalar(
            select(Activity)
            .where(Activity.user_id == user.id, Activity.verb == verb, Activity.title_id == title_id)
            .where(Activity.created_at >= utcnow() - COALESCE_WINDOW)
            .order_by(Activity.created_at.desc(), Activity.id.desc())
            .limit(1)
        )
        if last is not None:
            last.data = {**(last.data or {}), **data}
            last.created_at = utcnow()
            db.session.flush()
            return last
    activity = Activity(user_id=user.id, verb=verb, title_id=title_id, data=dict(data))
    db.session.add(activity)
    db.session.flush()
    return activity


def retract(user: User, verb: str, title: Title | None = None) -> int:
    """Take back what `user` undid (unfavouriting withdraws "favourited"); returns the rows removed."""
    result = db.session.execute(
        delete(Activity).where(Activity.user_id == user.id, Activity.verb == verb,
                               Activity.title_id == (title.id if title is not None else None))
    )
    db.session.flush()
    return result.rowcount or 0


def _page(keys: Select, page: int, per_page: int) -> ActivityPage:
    """One page of the activities picked by `keys`, with who and what loaded: one statement.

    The page is chosen on the narrow (id, created_at) rows first, and only its rows are joined to
    users, profiles and titles, so a feed over many followed users never joins rows it then drops.
    """
    page = max(1, page)
    newest = (Activity.created_at.desc(), Activity.id.desc())
    chosen = keys.order_by(*newest).limit(per_page + 1).offset((page - 1) * per_page).subquery()
    query = (
        select(Activity).join(chosen, chosen.c.id == Activity.id)
        .options(joinedload(Activity.user).joinedload(User.profile), joinedload(Activity.title))
        .order_by(*newest)
    )
    rows = list(db.session.scalars(query).unique())
    return ActivityPage(rows[:per_page], page, per_page, len(rows) > per_page)


def list_for_user(user: User, *, page: int = 1, per_page: int = PER_PAGE) -> ActivityPage:
    """The user's own activity, newest first (callers check `visibility.can_see`)."""
    return _page(select(Activity.id).where(Activity.user_id == user.id), page, per_page)


def feed_for(user: User, *, page: int = 1, per_page: int = PER_PAGE) -> ActivityPage:
    """Activity of the users `user` follows, newest first; a pending follow request shows nothing.

    An approved follow is exactly what lets a follower see a private profile (`visibility.can_see`).
    """
    keys = select(Activity.id).join(
        Follow,
        (Follow.followed_id == Activity.user_id) & (Follow.follower_id == user.id) & (Follow.status == visibility.APPROVED),
    )
    return _page(keys, page, per_page)


def describe(activity: Activity) -> str:
    """The verb phrase a feed shows for `activity`."""
    return VERBS.get(activity.verb, activity.verb)
