"""Who may see a user's data: one rule for every page, fragment and API endpoint that shows it.

Users see all of their own data and admins see everyone's. Anyone else sees a public profile's
list, favourites, stats, year in review, activity, custom lists, reviews and profile sections, and a
private profile's only once its owner approved their follow request. A custom list its owner marked
private is the owner's alone. Whatever is hidden is answered as not found (404), like a missing thing.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, or_, select, true

from mymovielist.extensions import db
from mymovielist.models import CustomList, Follow, Profile, User
from mymovielist.models.tracking import FOLLOW_STATUSES

PENDING, APPROVED = FOLLOW_STATUSES


def viewer_of(viewer: Any) -> User | None:
    """The user behind `viewer` (Flask-Login's current_user, a user or None); None for a visitor."""
    if viewer is None or not getattr(viewer, "is_authenticated", False):
        return None
    return viewer._get_current_object() if hasattr(viewer, "_get_current_object") else viewer


def is_private(owner: User) -> bool:
    return bool(owner.profile and owner.profile.is_private)


def is_approved_follower(viewer: User, owner: User) -> bool:
    follow = db.session.get(Follow, (viewer.id, owner.id))
    return follow is not None and follow.status == APPROVED


def can_see(viewer: Any, owner: User) -> bool:
    """Whether `viewer` (a user, current_user or None) may see `owner`'s data."""
    user = viewer_of(viewer)
    if user is not None and (user.id == owner.id or user.is_admin):
        return True
    if not is_private(owner):
        return True
    return user is not None and is_approved_follower(user, owner)


def can_see_list(viewer: Any, custom_list: CustomList) -> bool:
    """Whether `viewer` may see a custom list: its owner's data, and public unless they are its owner."""
    user = viewer_of(viewer)
    if user is not None and (user.id == custom_list.user_id or user.is_admin):
        return True
    return custom_list.is_public and can_see(user, custom_list.user)


def visible_owners(viewer: Any, user_id: Any) -> ColumnElement[bool]:
    """SQL: the row's owner (the column `user_id`) is someone `viewer` may see, for queries over many users."""
    user = viewer_of(viewer)
    if user is not None and user.is_admin:
        return true()
    public = user_id.not_in(select(Profile.user_id).where(Profile.is_private.is_(True)))
    if user is None:
        return public
    approved = select(Follow.followed_id).where(Follow.follower_id == user.id, Follow.status == APPROVED)
    return or_(public, user_id == user.id, user_id.in_(approved))
