"""New episodes, issues and chapters of titles people follow: count them before and after a sync, tell the followers."""

from __future__ import annotations

from sqlalchemy import func, select

from mymovielist.extensions import db
from mymovielist.models import AnimatedShow, Comic, Episode, ListEntry, Series, Title
from mymovielist.models.social import Notification

# Who hears of a new installment: people still following the title, not those done with it.
FOLLOWING_STATUSES = ("watching", "planned", "on_hold")
NOUNS = {"series": "episodes", "anime": "episodes", "comic": "issues", "movie": "parts"}


def count_installments(title_ids: list[int]) -> dict[int, int]:
    """Installments each title has: its announced count or its listed episodes/issues, whichever is larger."""
    if not title_ids:
        return {}
    titles, series, anime, comics = (m.__table__ for m in (Title, Series, AnimatedShow, Comic))
    announced = dict(
        db.session.execute(
            select(titles.c.id, func.coalesce(series.c.episode_count, anime.c.episode_count, comics.c.issue_count, 0))
            .select_from(
                titles.outerjoin(series, series.c.id == titles.c.id)
                .outerjoin(anime, anime.c.id == titles.c.id)
                .outerjoin(comics, comics.c.id == titles.c.id)
            )
            .where(titles.c.id.in_(title_ids))
        ).all()
    )
    listed = dict(
        db.session.execute(
            select(Episode.title_id, func.count()).where(Episode.title_id.in_(title_ids)).group_by(Episode.title_id)
        ).all()
    )
    return {tid: max(announced.get(tid) or 0, listed.get(tid, 0)) for tid in title_ids}


def notify_new_installments(before: dict[int, int]) -> int:
    """Compare with `before` (from count_installments) and notify each follower of a title that grew; flushes."""
    after = count_installments(list(before))
    grown = {tid: after[tid] - before[tid] for tid in before if after.get(tid, 0) > before[tid]}
    if not grown:
        return 0
    kinds = dict(db.session.execute(select(Title.id, Title.kind).where(Title.id.in_(grown))).all())
    followers = db.session.execute(
        select(ListEntry.user_id, ListEntry.title_id).where(
            ListEntry.title_id.in_(grown), ListEntry.status.in_(FOLLOWING_STATUSES)
        )
    ).all()
    for user_id, title_id in followers:
        db.session.add(
            Notification(user_id=user_id, kind="new_installments", title_id=title_id,
                         data={"count": grown[title_id], "noun": NOUNS.get(kinds[title_id], "episodes")})
        )
    db.session.flush()
    return len(followers)
