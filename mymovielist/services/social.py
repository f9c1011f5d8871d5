"""Following users, and the notifications it brings: a new follower, a followed user's review."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, func, insert, literal, select, update
from sqlalchemy.orm import joinedload

from mymovielist.extensions import db
from mymovielist.models import Follow, Notification, Title, User, utcnow
from mymovielist.services import activity, visibility

PER_PAGE = 30


class SocialError(ValueError):
    """A social action that breaks a rule; the message is shown to the user."""


def follow_status(follower: User, followed: User) -> str | None:
    """"approved", "pending" (a request to a private profile) or None when `follower` does not follow."""
    found = db.session.get(Follow, (follower.id, followed.id))
    return found.status if found is not None else None


def is_following(follower: User, followed: User) -> bool:
    """Whether `follower` follows `followed` (an approved follow, not a pending request)."""
    return follow_status(follower, followed) == visibility.APPROVED


def follow(follower: User, followed: User) -> bool:
    """Follow a user, or ask to when their profile is private; True when it is new (twice changes nothing)."""
    if follower.id == followed.id:
        raise SocialError("You cannot follow yourself.")
    if follow_status(follower, followed) is not None:
        return False
    if visibility.is_private(followed):
        db.session.add(Follow(follower_id=follower.id, followed_id=followed.id, status=visibility.PENDING))
        db.session.flush()
        notify(followed, "follow_request", follower)
        return True
    db.session.add(Follow(follower_id=follower.id, followed_id=followed.id, status=visibility.APPROVED))
    db.session.flush()
    notify(followed, "follow", follower)
    activity.record(follower, "followed", user_id=followed.id, username=followed.username)
    return True


def unfollow(follower: User, followed: User) -> bool:
    """Stop following a user, or withdraw a request; True when there was something to undo."""
    result = db.session.execute(
        delete(Follow).where(Follow.follower_id == follower.id, Follow.followed_id == followed.id)
    )
    db.session.flush()
    return bool(result.rowcount)


def toggle_follow(follower: User, followed: User) -> str | None:
    """Follow (or ask to), or unfollow (or withdraw the request); returns the follow status afterwards."""
    if follow_status(follower, followed) is not None:
        unfollow(follower, followed)
        return None
    follow(follower, followed)
    return follow_status(follower, followed)


def list_requests(user: User) -> list[User]:
    """The users waiting for `user` to approve their follow request, oldest request first."""
    return list(db.session.scalars(
        select(User).join(Follow, Follow.follower_id == User.id)
        .where(Follow.followed_id == user.id, Follow.status == visibility.PENDING)
        .options(joinedload(User.profile))
        .order_by(Follow.created_at, Follow.follower_id)
    ))


def count_requests(user: User) -> int:
    """How many follow requests wait for `user`."""
    return db.session.scalar(
        select(func.count()).where(Follow.followed_id == user.id, Follow.status == visibility.PENDING)
    ) or 0


def answer_request(user: User, follower: User, approve: bool) -> bool:
    """Approve `follower`'s request to follow `user`, or decline it; False when there was no request."""
    request = db.session.get(Follow, (follower.id, user.id))
    if request is None or request.status != visibility.PENDING:
        return False
    if approve:
        request.status = visibility.APPROVED
        db.session.flush()
        notify(follower, "follow_approved", user)
        activity.record(follower, "followed", user_id=user.id, username=user.username)
    else:
        db.session.delete(request)
        db.session.flush()
    return True


@dataclass(frozen=True)
class FollowCounts:
    followers: int
    following: int


def count_follows(user: User) -> FollowCounts:
    """How many users follow `user`, and how many `user` follows (one query; requests do not count)."""
    approved = Follow.status == visibility.APPROVED
    followers = select(func.count()).where(Follow.followed_id == user.id, approved).scalar_subquery()
    following = select(func.count()).where(Follow.follower_id == user.id, approved).scalar_subquery()
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
    """Tell everyone who follows `actor` (approved follows only), in one INSERT ... SELECT; returns how many."""
    rows = select(
        Follow.follower_id, literal(kind), literal(actor.id), literal(title.id if title else None),
        literal(data, Notification.data.type), literal(utcnow(), Notification.created_at.type),
    ).where(Follow.followed_id == actor.id, Follow.status == visibility.APPROVED)
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
