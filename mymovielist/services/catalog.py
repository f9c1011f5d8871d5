"""Reading the catalog: browse pages, detail pages, counts."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload, with_polymorphic

from mymovielist.extensions import db
from mymovielist.models import (
    KIND_MODELS,
    KINDS,
    CharacterVoice,
    Credit,
    Title,
    TitleCharacter,
    TitleRelation,
)

T = TypeVar("T")

SORTS = {
    "popularity": (Title.popularity.desc(), Title.id),
    "score": (Title.provider_score.desc().nulls_last(), Title.id),
    "title": (Title.title, Title.id),
    "release_date": (Title.release_date.desc().nulls_last(), Title.id),
    "added": (Title.created_at.desc(), Title.id.desc()),
}


@dataclass
class Page(Generic[T]):
    items: list[T]
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


def list_titles(kind: str, *, page: int = 1, per_page: int = 24, sort: str = "popularity") -> Page[Title]:
    """One page of titles of a kind, with their genres loaded."""
    if kind not in KINDS:
        raise ValueError(f"unknown kind {kind!r}")
    model = KIND_MODELS[kind]
    total = db.session.scalar(select(func.count()).select_from(Title).where(Title.kind == kind)) or 0
    stmt = (
        select(model)
        .options(selectinload(Title.genres))
        .order_by(*SORTS.get(sort, SORTS["popularity"]))
        .limit(per_page)
        .offset((page - 1) * per_page)
    )
    return Page(items=list(db.session.scalars(stmt)), page=page, per_page=per_page, total=total)


def list_popular(kind: str, limit: int = 12) -> list[Title]:
    """The most popular titles of a kind, for the home page."""
    return list_titles(kind, per_page=limit).items


def get_title(title_id: int) -> Title | None:
    """A title with everything its detail page shows, in a bounded number of queries."""
    every_kind = with_polymorphic(Title, "*")
    stmt = (
        select(every_kind)
        .where(every_kind.id == title_id)
        .options(
            selectinload(every_kind.genres),
            selectinload(every_kind.external_ids),
            selectinload(every_kind.credits).selectinload(Credit.person),
            selectinload(every_kind.characters).selectinload(TitleCharacter.character),
            selectinload(every_kind.characters)
            .selectinload(TitleCharacter.voices)
            .selectinload(CharacterVoice.person),
            selectinload(every_kind.relations).selectinload(TitleRelation.related_title),
            selectinload(every_kind.episodes),
            selectinload(every_kind.Series.seasons),
        )
    )
    return db.session.scalars(stmt).first()


def count_by_kind() -> dict[str, int]:
    """Number of titles per kind, every kind present (0 when empty)."""
    rows = db.session.execute(select(Title.kind, func.count()).group_by(Title.kind)).all()
    counts = dict.fromkeys(KINDS, 0)
    counts.update({kind: n for kind, n in rows})
    return counts
