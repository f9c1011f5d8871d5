"""Reviews: one per user and title, markdown, an optional spoiler flag; posting again edits."""

from __future__ import annotations

from sqlalchemy import delete, func, or_, select, true
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from mymovielist.extensions import db
from mymovielist.models import Activity, Notification, Profile, Review, Title, User
from mymovielist.services import activity, social
from mymovielist.services.catalog import Page

MAX_BODY = 10_000
PER_PAGE = 10


class ReviewError(ValueError):
    """A review that breaks a rule; the message is shown to the user."""


def clean_body(body: str | None) -> str:
    """The body as stored: surrounding whitespace trimmed, line endings normalised, length checked."""
    text = (body or "").replace("\r\n", "\n").strip()
    if not text:
        raise ReviewError("Write something before posting your review.")
    if len(text) > MAX_BODY:
        raise ReviewError(f"Keep your review under {MAX_BODY:,} characters (it has {len(text):,}).")
    return text


def get_own_review(user: User, title: Title) -> Review | None:
    """The user's review of the title, if they wrote one."""
    return db.session.scalar(select(Review).where(Review.user_id == user.id, Review.title_id == title.id))


def save_review(user: User, title: Title, body: str, spoiler: bool) -> tuple[Review, bool]:
    """Write the user's review of the title, or edit it if one exists; True when it is new."""
    text = clean_body(body)
    review = get_own_review(user, title)
    created = review is None
    if review is None:
        review = Review(user_id=user.id, title_id=title.id, body=text, spoiler=spoiler)
        try:
            with db.session.begin_nested():  # two first posts at once: the loser edits instead
                db.session.add(review)
        except IntegrityError:
            review, created = get_own_review(user, title), False
            if review is None:
                raise
    if not created:
        review.body, review.spoiler = text, spoiler
    db.session.flush()
    if created:
        activity.record(user, "reviewed", title, review_id=review.id, spoiler=spoiler)
        if not _is_private(user):
            social.notify_followers(user, "review", title, review_id=review.id)
    return review, created


def delete_review(review: Review) -> None:
    """Delete a review, and the feed lines and notifications that pointed at it (the caller checked it is the user's own)."""
    about = {"user_id": review.user_id, "title_id": review.title_id}
    db.session.execute(delete(Activity).where(Activity.verb == "reviewed").filter_by(**about))
    db.session.execute(delete(Notification).where(
        Notification.kind == "review", Notification.actor_id == about["user_id"],
        Notification.title_id == about["title_id"]))
    db.session.delete(review)
    db.session.flush()


def _is_private(user: User) -> bool:
    return bool(user.profile and user.profile.is_private)


def _visible_to(viewer: User | None):
    # Reviews by private profiles are shown only to their author (and admins).
    public = or_(Profile.is_private.is_(None), Profile.is_private.is_(False))
    if viewer is None:
        return public
    if viewer.is_admin:
        return true()
    return or_(public, Review.user_id == viewer.id)


def list_reviews(title: Title, viewer: User | None, *, page: int = 1, per_page: int = PER_PAGE) -> Page[Review]:
    """Reviews of the title the viewer may see, newest first, authors loaded, and their total: one query."""
    page = max(1, page)
    total_col = func.count().over().label("total")
    rows = db.session.execute(
        select(Review, total_col).outerjoin(Profile, Profile.user_id == Review.user_id)
        .where(Review.title_id == title.id).where(_visible_to(viewer))
        .options(joinedload(Review.user).joinedload(User.profile))
        .order_by(Review.created_at.desc(), Review.id.desc())
        .limit(per_page).offset((page - 1) * per_page)
    ).all()
    if rows:
        total = rows[0].total
    elif page > 1:  # past the end: the window had no row to count on
        total = db.session.scalar(
            select(func.count()).select_from(Review).outerjoin(Profile, Profile.user_id == Review.user_id)
            .where(Review.title_id == title.id).where(_visible_to(viewer))
        ) or 0
    else:
        total = 0
    return Page([row[0] for row in rows], page, per_page, total)


def can_view(review: Review, viewer: User | None) -> bool:
    """Whether the viewer may read this review."""
    if viewer is not None and (viewer.id == review.user_id or viewer.is_admin):
        return True
    return not _is_private(review.user)
