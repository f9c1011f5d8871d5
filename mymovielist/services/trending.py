"""Trending, top rated and new: the catalog-wide shelves of the home page.

Trending is our own recent activity with time decay, blended with the providers' popularity.
`refresh_trending()` (run by a job) writes `trending_scores`; pages only read that table, in
index order, or fall back to the indexed `Title.popularity` order while it is still empty.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import delete, func, insert, select, union_all

from mymovielist.extensions import db
from mymovielist.models import KINDS, Activity, ListEntry, Review, Title, TrendingScore, utcnow
from mymovielist.models.discovery import TRENDING_WINDOWS
from mymovielist.services import cache_keys

WINDOWS = {"day": timedelta(days=1), "week": timedelta(days=7), "month": timedelta(days=30)}
HALF_LIFE_SHARE = 0.25  # an event loses half its weight after a quarter of the window
OWN_WEIGHT = 0.6  # our activity vs the providers' popularity, once both are known
PROVIDER_PER_KIND = 100  # titles per kind that may trend on provider popularity alone
KEEP_PER_KIND = 200  # rows kept per window and kind
assert set(WINDOWS) == set(TRENDING_WINDOWS)


MIN_PROVIDER_VOTES = 50  # a provider score from fewer votes does not make a title "top rated"


@dataclass
class TitlePage:
    items: list[Title]
    page: int
    has_next: bool
    computed_at: datetime | None = None  # trending: None until the job has run (popularity order)

    @property
    def has_prev(self) -> bool:
        return self.page > 1


def _latest_events(since: datetime) -> list[tuple[int, int, datetime]]:
    """(user, title, latest moment) for every user who did something with a title since `since`.

    One contribution per user and title, so rating, reviewing and re-saving a title counts once.
    """
    events = union_all(
        select(Activity.user_id, Activity.title_id, Activity.created_at.label("at")).where(
            Activity.title_id.is_not(None), Activity.created_at >= since
        ),
        select(ListEntry.user_id, ListEntry.title_id, ListEntry.updated_at).where(ListEntry.updated_at >= since),
        select(Review.user_id, Review.title_id, Review.updated_at).where(Review.updated_at >= since),
    ).subquery()
    stmt = select(events.c.user_id, events.c.title_id, func.max(events.c.at)).group_by(
        events.c.user_id, events.c.title_id
    )
    return [(u, t, at) for u, t, at in db.session.execute(stmt)]


def _decay(age: timedelta, window: timedelta) -> float:
    return 0.5 ** (max(age.total_seconds(), 0.0) / (window.total_seconds() * HALF_LIFE_SHARE))


def _provider_popularity() -> dict[int, tuple[str, float]]:
    """The most popular titles of each kind at the providers (one indexed query per kind)."""
    found: dict[int, tuple[str, float]] = {}
    for kind in KINDS:
        stmt = (
            select(Title.id, Title.popularity)
            .where(Title.kind == kind, Title.popularity > 0)
            .order_by(Title.popularity.desc())
            .limit(PROVIDER_PER_KIND)
        )
        found.update({title_id: (kind, popularity) for title_id, popularity in db.session.execute(stmt)})
    return found


def _kinds_and_popularity(title_ids: set[int]) -> dict[int, tuple[str, float]]:
    ids = sorted(title_ids)
    found: dict[int, tuple[str, float]] = {}
    for start in range(0, len(ids), 500):
        stmt = select(Title.id, Title.kind, Title.popularity).where(Title.id.in_(ids[start:start + 500]))
        found.update({title_id: (kind, popularity or 0.0) for title_id, kind, popularity in db.session.execute(stmt)})
    return found


def score_window(
    events: list[tuple[int, int, datetime]], titles: dict[int, tuple[str, float]], window: timedelta, now: datetime
) -> dict[int, tuple[float, float]]:
    """title -> (blended score, own activity) for one window; scores are comparable across kinds."""
    own: dict[int, float] = defaultdict(float)
    for _user, title_id, at in events:
        if now - at <= window:
            own[title_id] += _decay(now - at, window)
    top_own: dict[str, float] = defaultdict(float)
    top_pop: dict[str, float] = defaultdict(float)
    for title_id, (kind, popularity) in titles.items():
        top_own[kind] = max(top_own[kind], own.get(title_id, 0.0))
        top_pop[kind] = max(top_pop[kind], math.log1p(max(popularity, 0.0)))
    scores = {}
    for title_id, (kind, popularity) in titles.items():
        mine = own.get(title_id, 0.0) / top_own[kind] if top_own[kind] else 0.0
        theirs = math.log1p(max(popularity, 0.0)) / top_pop[kind] if top_pop[kind] else 0.0
        score = OWN_WEIGHT * mine + (1 - OWN_WEIGHT) * theirs
        if score > 0:
            scores[title_id] = (score, own.get(title_id, 0.0))
    return scores


def refresh_trending(now: datetime | None = None) -> dict[str, int]:
    """Recompute every window's trending scores; returns the rows written per window."""
    now = now or utcnow()
    events = _latest_events(now - max(WINDOWS.values()))
    titles = _provider_popularity()
    titles.update(_kinds_and_popularity({title_id for _u, title_id, _at in events} - set(titles)))
    db.session.execute(delete(TrendingScore))
    written = {}
    for window, span in WINDOWS.items():
        scores = score_window(events, titles, span, now)
        by_kind: dict[str, list[int]] = defaultdict(list)
        for title_id in sorted(scores, key=lambda t: (-scores[t][0], t)):
            by_kind[titles[title_id][0]].append(title_id)
        rows = [
            {"title_id": t, "window": window, "kind": kind, "score": scores[t][0], "activity": scores[t][1],
             "computed_at": now}
            for kind, ids in by_kind.items() for t in ids[:KEEP_PER_KIND]
        ]
        if rows:
            db.session.execute(insert(TrendingScore), rows)
        written[window] = len(rows)
    db.session.flush()
    cache_keys.trending_changed()
    return written


def list_trending(kind: str | None = None, window: str = "week", *, page: int = 1, per_page: int = 24) -> TitlePage:
    """One page of trending titles, from the precomputed table or, before its first run, by popularity."""
    if window not in WINDOWS:
        raise ValueError(f"unknown window {window!r}")
    if kind is not None and kind not in KINDS:
        raise ValueError(f"unknown kind {kind!r}")

    def query():
        computed_at = db.session.scalar(
            select(TrendingScore.computed_at).where(TrendingScore.window == window).limit(1)
        )
        if computed_at is not None:
            stmt = (
                select(Title.id)
                .join(TrendingScore, TrendingScore.title_id == Title.id)
                .where(TrendingScore.window == window)
                .order_by(TrendingScore.score.desc(), Title.id)
            )
            if kind:
                stmt = stmt.where(TrendingScore.kind == kind)
        else:
            stmt = select(Title.id).order_by(Title.popularity.desc(), Title.id)
            if kind:
                stmt = stmt.where(Title.kind == kind)
        return computed_at, stmt

    return _page("trending", (cache_keys.TRENDING, cache_keys.CATALOG), (kind, window), query, page, per_page)


def list_top_rated(kind: str | None = None, *, page: int = 1, per_page: int = 24) -> TitlePage:
    """Titles by our weighted score, then by provider score (from enough votes)."""
    stmt = (
        select(Title.id)
        .where((Title.weighted_score.is_not(None)) | (Title.provider_votes >= MIN_PROVIDER_VOTES))
        .order_by(Title.weighted_score.desc().nulls_last(), Title.provider_score.desc().nulls_last(), Title.id)
    )
    stmt = stmt.where(Title.kind == kind) if kind else stmt
    return _page("top", (cache_keys.CATALOG, cache_keys.SCORES), (kind,), lambda: (None, stmt), page, per_page)


def list_new(kind: str | None = None, *, page: int = 1, per_page: int = 24, today: date | None = None) -> TitlePage:
    """Titles released most recently, up to today (upcoming ones are not "new" yet)."""
    today = today or date.today()
    stmt = select(Title.id).where(Title.release_date <= today).order_by(Title.release_date.desc(), Title.id.desc())
    stmt = stmt.where(Title.kind == kind) if kind else stmt
    return _page("new", (cache_keys.CATALOG,), (kind, today), lambda: (None, stmt), page, per_page)


def _page(name: str, scopes: tuple[str, ...], args: tuple, query, page: int, per_page: int) -> TitlePage:
    """A page of titles whose ids (one more than a page, to know of a next one) are memoized.

    `query()` gives the computed-at time (trending) and a statement selecting title ids in order.
    """

    def ids() -> tuple[datetime | None, list[int]]:
        computed_at, stmt = query()
        return computed_at, list(db.session.scalars(stmt.limit(per_page + 1).offset((page - 1) * per_page)))

    computed_at, found = cache_keys.cached(name, scopes, (args, page, per_page), ids)
    by_id = {t.id: t for t in db.session.scalars(select(Title).where(Title.id.in_(found[:per_page])))}
    items = [by_id[i] for i in found[:per_page] if i in by_id]
    return TitlePage(items=items, page=page, has_next=len(found) > per_page, computed_at=computed_at)
