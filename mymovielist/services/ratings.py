"""Rating aggregates of titles: mean score, rating count and the Bayesian weighted score.

Count and mean are recomputed exactly from `list_entries` by SQL in the transaction of the rating
that changes them (never incremented in Python, so they cannot drift), IMDb-style:
WR = v / (v + m) * R + m / (v + m) * C, with v the title's rating count, R its mean score, C the
mean of the mean scores of every rated title and m the prior count (TRACKING_RATING_PRIOR).

C comes from one `rating_stats` row (the sum of the rated titles' means and their number): a
rating moves it by its title's change, from the title's old and new stored mean, so a rating costs
a few rows however large the catalog. Only the rated title's weighted score is set then; every
other title's follows C when the trending-scores job calls `refresh_weighted_scores`, which also
recomputes the sums from the titles (float additions cannot pile up error past one job period).
Until then the other titles' weighted scores lag C by the ratings since the last run: a prior of
10 ratings at C weighs the same on all of them, and C moves little per rating.
"""

from __future__ import annotations

from collections.abc import Iterable

from flask import current_app
from sqlalchemy import case, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from mymovielist.extensions import db
from mymovielist.models import ListEntry, RatingStats, Title
from mymovielist.services import cache_keys

DEFAULT_PRIOR = 10
STATS_ID = 1
BATCH = 500

titles = Title.__table__
entries = ListEntry.__table__
stats = RatingStats.__table__


def rating_prior() -> float:
    """The prior count m: how many ratings at the global mean every title starts with."""
    value = current_app.config.get("TRACKING_RATING_PRIOR", DEFAULT_PRIOR)
    return max(float(value), 0.0)


def refresh_title(title: Title) -> None:
    """Recompute one title's count, mean and weighted score from its entries (C moves with it)."""
    refresh_titles([title.id])
    db.session.expire(title, ["rating_count", "mean_score", "weighted_score"])


def refresh_titles(title_ids: Iterable[int]) -> None:
    """Recompute these titles' counts and means from their entries, move C by their change, and set
    their weighted scores for the new C; other titles' follow at the next refresh_weighted_scores."""
    db.session.flush()
    ids = sorted(set(title_ids))
    if not ids:
        return
    _lock_stats()  # first, always: writers queue here, never on titles in different orders
    scored = entries.c.title_id == titles.c.id
    added, rated = 0.0, 0
    for start in range(0, len(ids), BATCH):
        chunk = ids[start:start + BATCH]
        old_sum, old_rated = _contribution(chunk)
        db.session.execute(
            update(titles)
            .where(titles.c.id.in_(chunk))
            .values(
                rating_count=select(func.count(entries.c.score)).where(scored).scalar_subquery(),
                mean_score=select(func.avg(entries.c.score)).where(scored).scalar_subquery(),
                updated_at=titles.c.updated_at,  # a rating is not a change of catalog data
            )
        )
        new_sum, new_rated = _contribution(chunk)
        added, rated = added + new_sum - old_sum, rated + new_rated - old_rated
    db.session.execute(
        update(stats)
        .where(stats.c.id == STATS_ID)
        # back at no rated title, the sum is exactly 0 again, whatever rounding the additions left
        .values(mean_sum=case((stats.c.rated_titles + rated == 0, 0.0), else_=stats.c.mean_sum + added),
                rated_titles=stats.c.rated_titles + rated)
    )
    for start in range(0, len(ids), BATCH):
        _set_weighted(titles.c.id.in_(ids[start:start + BATCH]))
    for title_id in ids:
        cache_keys.title_changed(title_id)


def _contribution(title_ids: list[int]) -> tuple[float, int]:
    """What these titles add to C's sums: their means added up, and how many are rated."""
    rows = db.session.execute(
        select(titles.c.rating_count, titles.c.mean_score).where(titles.c.id.in_(title_ids)).with_for_update()
    ).all()
    rated = [mean for count, mean in rows if count and mean is not None]
    return float(sum(rated)), len(rated)


def _lock_stats() -> None:
    """Take the stats row for this transaction, creating it from the titles if it is missing."""
    found = db.session.execute(select(stats.c.id).where(stats.c.id == STATS_ID).with_for_update()).first()
    if found is not None:
        return
    mean_sum, rated = _recomputed_sums()
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    db.session.execute(
        insert(stats).values(id=STATS_ID, mean_sum=mean_sum, rated_titles=rated).on_conflict_do_nothing()
    )
    db.session.execute(select(stats.c.id).where(stats.c.id == STATS_ID).with_for_update())


def _recomputed_sums() -> tuple[float, int]:
    """C's sums recomputed from every rated title."""
    mean_sum, rated = db.session.execute(
        select(func.coalesce(func.sum(titles.c.mean_score), 0.0), func.count()).where(titles.c.rating_count > 0)
    ).one()
    return float(mean_sum), int(rated)


def global_mean() -> float | None:
    """C: the mean of the mean scores of every rated title (None when nothing is rated)."""
    row = db.session.execute(
        select(stats.c.mean_sum, stats.c.rated_titles).where(stats.c.id == STATS_ID)
    ).first()
    if row is None:
        mean_sum, rated = _recomputed_sums()
    else:
        mean_sum, rated = row
    return mean_sum / rated if rated else None


def _set_weighted(which) -> None:
    """Set the weighted score of the titles `which` selects for the current C; unrated ones get none."""
    mean = global_mean()
    prior = rating_prior()
    count, score = titles.c.rating_count, titles.c.mean_score
    weighted = (count * score + prior * mean) / (count + prior) if mean is not None else None
    db.session.execute(
        update(titles)
        .where(which)
        .values(weighted_score=case((count > 0, weighted), else_=None) if weighted is not None else None,
                updated_at=titles.c.updated_at)
    )


def refresh_weighted_scores() -> None:
    """Recompute C's sums from the titles, then set every rated title's weighted score for that C (a job's work)."""
    _lock_stats()
    mean_sum, rated = _recomputed_sums()
    db.session.execute(update(stats).where(stats.c.id == STATS_ID).values(mean_sum=mean_sum, rated_titles=rated))
    _set_weighted(or_(titles.c.rating_count > 0, titles.c.weighted_score.is_not(None)))
    cache_keys.scores_changed()


def expected_aggregates() -> dict[int, tuple[int, float | None, float | None]]:
    """Every title's (count, mean, weighted) recomputed from list_entries in Python, for checks.

    The weighted score is the one `refresh_weighted_scores` sets: a title rated since its last run
    has it at once, the others only after it runs (see the module docstring).
    """
    by_title: dict[int, list[int]] = {}
    for title_id, score in db.session.execute(select(entries.c.title_id, entries.c.score)):
        if score is not None:
            by_title.setdefault(title_id, []).append(score)
    means = {tid: sum(s) / len(s) for tid, s in by_title.items()}
    mean = sum(means.values()) / len(means) if means else None
    prior = rating_prior()
    return {
        tid: (len(by_title[tid]), means[tid], (len(by_title[tid]) * means[tid] + prior * mean) / (len(by_title[tid]) + prior))
        for tid in by_title
    }
