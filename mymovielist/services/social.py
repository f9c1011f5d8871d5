"""Following users, and the notifications it brings: a new follower, a followed user's review."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, func, insert, literal, select, update
from sqlalchemy.orm import joinedload

from mymovielist.extensions import db
from mymovielist.models import Follow, Notification, Title, User, utcnow
from mymovielist.services import activity

PER_PAGE = 30


class SocialError(ValueError):
    """A social action that breaks a rule; the message is shown to the user."""


def is_following(follower: User, followed: User) -> bool:
    """Whether `follower` follows `followed`."""
    return db.session.get(Follow, (follower.id, followed.id)) is not None


def follow(follower: User, followed: User) -> bool:
    """Follow a user; True when it is new (following twice changes nothing)."""
    if follower.id == followed.id:
        raise SocialError("You cannot follow yourself.")
    if is_following(follower, followed):
        return False
    db.session.add(Follow(follower_id=follower.id, followed_id=followed.id))
    db.session.flush()
    notify(followed, "follow", follower)
    activity.record(follower, "followed", user_id=followed.id, username=followed.username)
    return True


def unfollow(follower: User, followed: User) -> bool:
    """Stop following a user; True when there was something to undo."""
    result = db.session.execute(
        delete(Follow).where(Follow.follower_id == follower.id, Follow.followed_id == followed.id)
    )
    db.session.flush()
    return bool(result.rowcount)


def toggle_follow(follower: User, followed: User) -> bool:
    """Follow or unfollow; returns whether `follower` follows `followed` afterwards."""
    if is_following(follower, followed):
        unfollow(follower, followed)
        return False
    follow(follower, followed)
    return True


@dataclass(frozen=True)
class FollowCounts:
    followers: int
    following: int


def count_follows(user: User) -> FollowCounts:
    """How many users follow `user`, and how many `user` follows (one query)."""
    followers = select(func.count()).where(Follow.followed_id == user.id).scalar_subquery()
    following = select(func.count()).where(Follow.follower_id == user.id).scalar_subquery()
    row = db.session.execute(select(followers, following)).one()
    return FollowCounts(row[0], row[1])


def notify(user: User, kind: str, actor: User | None, title: Title | None = None, **data: Any) -> Notification:
    """Tell `user` that `actor` did something (`kind`)."""
    note = Notification(user_id=user.id, kind=kind, actor_id=actor.id if actor else None,
                        title_id=title.id if title else None, data=dict(data))
    db.session.add(note)
    db.session.flush()
    return note


def notify_followers(actor: User, kind: str, title: Title | None = None, **data: Any) -> int:
    """Tell everyone who follows `actor`, in one INSERT ... SELECT; returns how many were told."""
    rows = select(
        Follow.follower_id, literal(kind), literal(actor.id), literal(title.id if title else None),
        literal(data, Notification.data.type), literal(utcnow(), Notification.created_at.type),
    ).where(Follow.followed_id == actor.id)
    result = db.session.execute(
        insert(Notification).from_select(
            ["user_id", "kind", "actor_id", "title_id", "data", "created_at"], rows
        )
    )
    db.session.flush()
    return result.rowcount or 0


def unread_count(user: User) -> int:
    """The number of unread notifications (one COUNT on the (user_id, read_at) index)."""
    return db.session.scalar(
        select(func.count()).select_from(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
    ) or 0


@dataclass
class NotificationPage:
    items: list[Notification]
    page: int
    has_next: bool

    @property
    def has_prev(self) -> bool:
        return self.page > 1


def list_notifications(user: User, *, page: int = 1, per_page: int = PER_PAGE) -> NotificationPage:
    """The user's notifications, newest first, with actors and titles loaded in the same query."""
    page = max(1, page)
    rows = db.session.scalars(
        select(Notification).where(Notification.user_id == user.id)
        .options(joinedload(Notification.actor), joinedload(Notification.title))
        .order_by(Notification.created_at.desc(), Notification.id.desc())
        .limit(per_page + 1).offset((page - 1) * per_page)
    ).all()
    return NotificationPage(list(rows[:per_page]), page, len(rows) > per_page)


def mark_read(user: User, notification_id: int) -> bool:
    """Mark one of the user's notifications read; False when it is not theirs or does not exist."""
    note = db.session.get(Notification, notification_id)
    if note is None or note.user_id != user.id:
        return False
    if note.read_at is None:
        note.read_at = utcnow()
        db.session.flush()
    return True


def mark_all_read(user: User) -> int:
    """Mark every unread notification of the user read, in one UPDATE; returns how many."""
    result = db.session.execute(
        update(Notification).where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
    )
    db.session.flush()
    return result.rowcount or 0
