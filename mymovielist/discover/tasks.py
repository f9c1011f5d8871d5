"""Discovery jobs: plain functions the scheduler (`flask jobs run`) and bench/recommend.py call."""

from __future__ import annotations

from mymovielist.extensions import db
from mymovielist.services import ratings, recommend, trending


def refresh_trending() -> str:
    """Recompute the day, week and month trending scores, and every title's weighted score for the
    current global mean (a rating sets only its own title's: services/ratings.py), in one transaction."""
    written = trending.refresh_trending()
    ratings.refresh_weighted_scores()
    db.session.commit()
    return ", ".join(f"{window}: {count} titles" for window, count in written.items())


def rebuild_neighbours() -> str:
    """Recompute every title's nearest neighbours (ratings and content) in one transaction."""
    written = recommend.rebuild_neighbours()
    db.session.commit()
    return f"{written} neighbour rows written"
