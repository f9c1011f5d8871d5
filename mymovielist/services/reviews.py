"""Reviews: one per user and title, markdown, an optional spoiler flag; posting again edits."""

from __future__ import annotations

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from mymovielist.extensions import db
from mymovielist.models import Activity, Notification, Review, Title, User
from mymovielist.services import activity, social, visibility
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
        social.notify_followers(user, "review", title, review_id=review.id)  # approved followers may read it
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


def list_reviews(title: Title, viewer: User | None, *, page: int = 1, per_page: int = PER_PAGE) -> Page[Review]:
    """Reviews of the title the viewer may see, newest first, authors loaded, and their total: one query."""
    page = max(1, page)
    total_col = func.count().over().label("total")
    rows = db.session.execute(
        select(Review, total_col)
        .where(Review.title_id == title.id, visibility.visible_owners(viewer, Review.user_id))
        .options(joinedload(Review.user).joinedload(User.profile))
        .order_by(Review.created_at.desc(), Review.id.desc())
        .limit(per_page).offset((page - 1) * per_page)
    ).all()
    if rows:
        total = rows[0].total
    elif page > 1:  # past the end: the window had no row to count on
        total = db.session.scalar(
            select(func.count()).select_from(Review)
            .where(Review.title_id == title.id, visibility.visible_owners(viewer, Review.user_id))
        ) or 0
    else:
        total = 0
    return Page([row[0] for row in rows], page, per_page, total)


def can_view(review: Review, viewer: User | None) -> bool:
    """Whether the viewer may read this review: whether they may see its author's data."""
    return visibility.can_see(viewer, review.user)
