"""Reading the catalog: browse pages with filters, detail pages, people, characters, genres, counts."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Generic, TypeVar

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload, with_polymorphic

from mymovielist.extensions import db
from mymovielist.models import (
    KIND_MODELS,
    KINDS,
    AnimatedShow,
    Character,
    CharacterVoice,
    Comic,
    Credit,
    Genre,
    Person,
    Title,
    TitleCharacter,
    TitleRelation,
    title_genres,
)
from mymovielist.services import cache_keys

T = TypeVar("T")

SORTS = {
    "popularity": (Title.popularity.desc(), Title.id),
    "score": (Title.provider_score.desc().nulls_last(), Title.id),
    "title": (Title.title, Title.id),
    "release_date": (Title.release_date.desc().nulls_last(), Title.id),
    "added": (Title.created_at.desc(), Title.id.desc()),
}
SEASONS = ("winter", "spring", "summer", "fall")


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


@dataclass(frozen=True)
class BrowseFilters:
    """What a browse page is narrowed to; None means "any"."""

    genre: str | None = None  # a genre slug
    year_from: int | None = None
    year_to: int | None = None
    status: str | None = None
    format: str | None = None  # anime and comics
    season: str | None = None  # anime
    publisher: str | None = None  # comics
    sort: str = "popularity"

    def as_args(self) -> dict[str, str]:
        """The non-default filters as query-string arguments."""
        args = {f.name: str(getattr(self, f.name)) for f in fields(self) if getattr(self, f.name) is not None}
        if args.get("sort") == "popularity":
            del args["sort"]
        return args


def _filtered(kind: str | None, filters: BrowseFilters):
    model = KIND_MODELS[kind] if kind else Title
    stmt = select(model)
    if filters.genre:
        stmt = stmt.join(title_genres, title_genres.c.title_id == Title.id).join(
            Genre, (Genre.id == title_genres.c.genre_id) & (Genre.slug == filters.genre)
        )
    if filters.year_from is not None:
        stmt = stmt.where(Title.year >= filters.year_from)
    if filters.year_to is not None:
        stmt = stmt.where(Title.year <= filters.year_to)
    if filters.status:
        stmt = stmt.where(Title.status == filters.status)
    if filters.format and kind in ("anime", "comic"):
        stmt = stmt.where(model.format == filters.format)
    if filters.season and kind == "anime":
        stmt = stmt.where(AnimatedShow.season == filters.season)
    if filters.publisher and kind == "comic":
        stmt = stmt.where(Comic.publisher == filters.publisher)
    return stmt


def list_titles(
    kind: str | None,
    filters: BrowseFilters | None = None,
    *,
    page: int = 1,
    per_page: int = 24,
    show_adult: bool = False,
    through: int | None = None,
) -> Page[Title]:
    """One page of titles of a kind (None: every kind), filtered and sorted, with their genres loaded (3 queries).

    With `through`, pages `page`..`through` come as one list (an infinite scroll restored from its URL); the
    Page returned is then the last of them. Adult titles are left out unless the viewer asked for them.
    """
    span = max(1, (through or page) - page + 1)
    if kind is not None and kind not in KINDS:
        raise ValueError(f"unknown kind {kind!r}")
    filters = filters or BrowseFilters()
    stmt = _filtered(kind, filters)
    if not show_adult:
        stmt = stmt.where(Title.adult.is_(False))

    def ids_and_total() -> tuple[list[int], int]:
        total = db.session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
        page_stmt = (
            stmt.with_only_columns(Title.id, maintain_column_froms=True)
            .order_by(*SORTS.get(filters.sort, SORTS["popularity"]))
            .limit(per_page * span)
            .offset((page - 1) * per_page)
        )
        return list(db.session.scalars(page_stmt)), total

    ids, total = cache_keys.cached(
        "browse", (cache_keys.CATALOG, cache_keys.SCORES), (kind, filters, page, per_page, show_adult, span), ids_and_total
    )
    model = KIND_MODELS[kind] if kind else Title
    loaded = db.session.scalars(select(model).where(Title.id.in_(ids)).options(selectinload(Title.genres)))
    by_id = {t.id: t for t in loaded}
    items = [by_id[i] for i in ids if i in by_id]
    last = max(page, min(page + span - 1, -(-total // per_page)))
    return Page(items=items, page=last, per_page=per_page, total=total)


def list_popular(kind: str, limit: int = 12, show_adult: bool = False) -> list[Title]:
    """The most popular titles of a kind, for the home page."""
    return list_titles(kind, per_page=limit, show_adult=show_adult).items


@dataclass
class FilterOptions:
    genres: list[Genre]
    formats: list[str]
    publishers: list[str]


def get_filter_options(kind: str) -> FilterOptions:
    """The choices a browse page offers: genres, formats and publishers present in that kind."""
    genres = db.session.scalars(
        select(Genre)
        .join(title_genres, title_genres.c.genre_id == Genre.id)
        .join(Title, Title.id == title_genres.c.title_id)
        .where(Title.kind == kind)
        .group_by(Genre.id)
        .order_by(Genre.name)
    ).all()
    formats: list[str] = []
    publishers: list[str] = []
    if kind in ("anime", "comic"):
        model = KIND_MODELS[kind]
        formats = [f for f in db.session.scalars(select(model.format).distinct().order_by(model.format)) if f]
    if kind == "comic":
        publishers = [
            p for p in db.session.scalars(select(Comic.publisher).distinct().order_by(Comic.publisher)) if p
        ]
    return FilterOptions(genres=list(genres), formats=formats, publishers=publishers)


def get_title_summary(title_id: int) -> Title | None:
    """A title with its own columns, genres and external ids: the head of its page (3 queries)."""
    every_kind = with_polymorphic(Title, "*")
    stmt = (
        select(every_kind)
        .where(every_kind.id == title_id)
        .options(selectinload(every_kind.genres), selectinload(every_kind.external_ids))
    )
    return db.session.scalars(stmt).first()


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


def get_person(person_id: int) -> Person | None:
    """A person with their credits and voice roles, titles loaded."""
    stmt = (
        select(Person)
        .where(Person.id == person_id)
        .options(selectinload(Person.credits).selectinload(Credit.title))
    )
    return db.session.scalars(stmt).first()


def list_voice_roles(person_id: int) -> list[CharacterVoice]:
    """The characters a person voiced, with the character and title loaded."""
    stmt = (
        select(CharacterVoice)
        .where(CharacterVoice.person_id == person_id)
        .options(
            selectinload(CharacterVoice.title_character).selectinload(TitleCharacter.character),
            selectinload(CharacterVoice.title_character).selectinload(TitleCharacter.title),
        )
    )
    return list(db.session.scalars(stmt))


def get_character(character_id: int) -> Character | None:
    """A character with the titles they appear in and who voiced them."""
    stmt = (
        select(Character)
        .where(Character.id == character_id)
        .options(
            selectinload(Character.appearances).selectinload(TitleCharacter.title),
            selectinload(Character.appearances)
            .selectinload(TitleCharacter.voices)
            .selectinload(CharacterVoice.person),
        )
    )
    return db.session.scalars(stmt).first()


def get_genre(slug: str) -> Genre | None:
    return db.session.scalars(select(Genre).where(Genre.slug == slug)).first()


def list_genre_titles(genre: Genre, *, kind: str | None = None, page: int = 1, per_page: int = 24) -> Page[Title]:
    """Titles of a genre, most popular first, optionally of one kind."""
    stmt = select(Title).join(title_genres, title_genres.c.title_id == Title.id).where(
        title_genres.c.genre_id == genre.id
    )
    if kind:
        stmt = stmt.where(Title.kind == kind)
    total = db.session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    items = db.session.scalars(
        stmt.order_by(*SORTS["popularity"]).limit(per_page).offset((page - 1) * per_page)
    ).all()
    return Page(items=list(items), page=page, per_page=per_page, total=total)


def count_by_kind() -> dict[str, int]:
    """Number of titles per kind, every kind present (0 when empty)."""
    rows = db.session.execute(select(Title.kind, func.count()).group_by(Title.kind)).all()
    counts = dict.fromkeys(KINDS, 0)
    counts.update({kind: n for kind, n in rows})
    return counts
