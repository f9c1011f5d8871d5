"""Titles like a given one: precomputed neighbours, provider recommendations, then shared genres."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from mymovielist.extensions import db
from mymovielist.models import Title, TitleNeighbour, TitleRelation, title_genres

PROVIDER_NAMES = {"tmdb": "TMDB", "jikan": "MyAnimeList", "comicvine": "Comic Vine"}
REASONS = {
    "ratings": "Often enjoyed by the same people",
    "content": "Shares genres, people or studio",
}


@dataclass
class SimilarTitle:
    title: Title
    reason: str


def _relation_reason(relation: str, provider: str) -> str:
    if relation == "recommendation":
        return f"Recommended by {PROVIDER_NAMES.get(provider, provider)} users"
    return relation.replace("_", " ").capitalize()


def list_similar(title: Title, *, limit: int = 12, show_adult: bool = False) -> list[SimilarTitle]:
    """Up to `limit` titles like `title`: its neighbours, its relations, then titles sharing its genres."""
    found: dict[int, str] = {}
    neighbours = db.session.execute(
        select(TitleNeighbour.neighbour_id, TitleNeighbour.source)
        .where(TitleNeighbour.title_id == title.id)
        .order_by(TitleNeighbour.score.desc(), TitleNeighbour.neighbour_id)
        .limit(limit * 2)
    )
    relations = db.session.execute(
        select(TitleRelation.related_title_id, TitleRelation.relation, TitleRelation.target_provider)
        .where(TitleRelation.title_id == title.id, TitleRelation.related_title_id.is_not(None))
        .order_by(TitleRelation.relation != "recommendation", TitleRelation.id)
    ).all()
    for neighbour_id, source in neighbours:
        relation = next((r for r in relations if r[0] == neighbour_id), None)
        found[neighbour_id] = _relation_reason(relation[1], relation[2]) if relation else REASONS.get(source, "")
    for related_id, relation, provider in relations:
        found.setdefault(related_id, _relation_reason(relation, provider))
    if len(found) < limit:
        for title_id in _sharing_genres(title, exclude=set(found) | {title.id}, limit=limit * 2):
            found.setdefault(title_id, REASONS["content"])
    found.pop(title.id, None)
    stmt = select(Title).where(Title.id.in_(list(found)))
    if not show_adult:
        stmt = stmt.where(Title.adult.is_(False))
    titles = {t.id: t for t in db.session.scalars(stmt)}
    return [SimilarTitle(titles[t], reason) for t, reason in found.items() if t in titles][:limit]


def _sharing_genres(title: Title, *, exclude: set[int], limit: int) -> list[int]:
    """Titles sharing most of this title's genres, its own kind first, then the most popular."""
    genre_ids = select(title_genres.c.genre_id).where(title_genres.c.title_id == title.id)
    stmt = (
        select(Title.id)
        .join(title_genres, title_genres.c.title_id == Title.id)
        .where(title_genres.c.genre_id.in_(genre_ids), Title.id.not_in(exclude))
        .group_by(Title.id)
        .order_by(func.count().desc(), (Title.kind != title.kind), Title.popularity.desc(), Title.id)
        .limit(limit)
    )
    return list(db.session.scalars(stmt))
