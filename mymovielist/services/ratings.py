"""Rating aggregates of titles: mean score, rating count and the Bayesian weighted score.

They are recomputed exactly from `list_entries` by SQL in the transaction of the rating that
changes them (never incremented in Python, so they cannot drift), IMDb-style:
WR = v / (v + m) * R + m / (v + m) * C, with v the title's rating count, R its mean score, C the
mean of the mean scores of every rated title and m the prior count (TRACKING_RATING_PRIOR).
"""

from __future__ import annotations

from collections.abc import Iterable

from flask import current_app
from sqlalchemy import case, func, or_, select, update

from mymovielist.extensions import db
from mymovielist.models import ListEntry, Title
from mymovielist.services import cache_keys

DEFAULT_PRIOR = 10
BATCH = 500

titles = Title.__table__
entries = ListEntry.__table__


def rating_prior() -> float:
    """The prior count m: how many ratings at the global mean every title starts with."""
    value = current_app.config.get("TRACKING_RATING_PRIOR", DEFAULT_PRIOR)
    return max(float(value), 0.0)


def refresh_title(title: Title) -> None:
    """Recompute one title's count and mean from its entries, then every weighted score (C moved)."""
    refresh_titles([title.id])
    db.session.expire(title, ["rating_count", "mean_score", "weighted_score"])


def refresh_titles(title_ids: Iterable[int]) -> None:
    """Recompute these titles' counts and means from their entries, then every weighted score once."""
    db.session.flush()
    ids = sorted(set(title_ids))
    if not ids:
        return
    scored = entries.c.title_id == titles.c.id
    for start in range(0, len(ids), BATCH):  # bounded IN lists
        db.session.execute(
            update(titles)
            .where(titles.c.id.in_(ids[start:start + BATCH]))
            .values(
                rating_count=select(func.count(entries.c.score)).where(scored).scalar_subquery(),
                mean_score=select(func.avg(entries.c.score)).where(scored).scalar_subquery(),
                updated_at=titles.c.updated_at,  # a rating is not a change of catalog data
            )
        )
    refresh_weighted_scores()
    for title_id in ids:
        cache_keys.title_changed(title_id)


def global_mean() -> float | None:
    """C: the mean of the mean scores of every rated title (None when nothing is rated)."""
    return db.session.scalar(select(func.avg(titles.c.mean_score)).where(titles.c.rating_count > 0))


def refresh_weighted_scores() -> None:
    """Set every rated title's weighted score for the current C; unrated titles get none."""
    mean = global_mean()
    prior = rating_prior()
    count, score = titles.c.rating_count, titles.c.mean_score
    weighted = (count * score + prior * mean) / (count + prior) if mean is not None else None
    db.session.execute(
        update(titles)
        .where(or_(count > 0, titles.c.weighted_score.is_not(None)))
        .values(weighted_score=case((count > 0, weighted), else_=None) if weighted is not None else None,
                updated_at=titles.c.updated_at)
    )
    cache_keys.scores_changed()


def expected_aggregates() -> dict[int, tuple[int, float | None, float | None]]:
    """Every title's (count, mean, weighted) recomputed from list_entries in Python, for checks."""
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
