"""Reading the catalog: browse pages with filters, detail pages, people, characters, genres, counts."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterable
from dataclasses import dataclass, fields, replace
from datetime import date, datetime
from functools import cache
from typing import Any, Generic, TypeVar

from sqlalchemy import and_, false, func, or_, select
from sqlalchemy.orm import selectinload, with_polymorphic

from mymovielist.extensions import db
from mymovielist.models import (
    KIND_MODELS,
    KINDS,
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



@dataclass(frozen=True)
class SortKey:
    """One column of a browse order; a nullable descending column puts its nulls last."""

    column: Any
    descending: bool = False
    nullable: bool = False

    def order(self, backward: bool = False):
        if self.descending != backward:
            return self.column.desc().nulls_last() if self.nullable else self.column.desc()
        return self.column.asc().nulls_first() if self.nullable else self.column.asc()


# Each order ends with the id, so every row has one place and a keyset cursor names it exactly.
SORT_KEYS: dict[str, tuple[SortKey, ...]] = {
    "popularity": (SortKey(Title.popularity, descending=True), SortKey(Title.id)),
    "score": (SortKey(Title.provider_score, descending=True, nullable=True), SortKey(Title.id)),
    "title": (SortKey(Title.title), SortKey(Title.id)),
    "release_date": (SortKey(Title.release_date, descending=True, nullable=True), SortKey(Title.id)),
    "added": (SortKey(Title.created_at, descending=True), SortKey(Title.id, descending=True)),
}
SORTS = {name: tuple(key.order() for key in keys) for name, keys in SORT_KEYS.items()}
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


@dataclass
class CursorPage(Page[T]):
    """A page whose neighbours are named by keyset cursors (its first and last rows), so a page deep
    in a large catalog costs what the first does; `page` is the number shown, carried by the links."""

    next_cursor: str | None = None
    prev_cursor: str | None = None

    @property
    def has_prev(self) -> bool:
        return self.prev_cursor is not None

    @property
    def has_next(self) -> bool:
        return self.next_cursor is not None

    def link_args(self, forward: bool) -> dict[str, str | int | None]:
        """The query arguments of the next (or previous) page, replacing the current ones."""
        if forward:
            return {"page": self.page + 1, "after": self.next_cursor, "before": None}
        return {"page": max(self.page - 1, 1), "after": None, "before": self.prev_cursor}


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


    def total_args(self) -> BrowseFilters:
        """The same filters in the default order: what the number of matches depends on."""
        return replace(self, sort="popularity")


class BadCursor(ValueError):
    """A page cursor that is not one this catalog wrote."""


def _filtered(kind: str | None, filters: BrowseFilters, show_adult: bool):
    """The ids of the titles the filters keep, on `titles` alone unless a kind's own column is asked for,
    so the (kind, popularity) index serves the plain browse order."""
    stmt = select(Title.id)
    if kind is not None:
        stmt = stmt.where(Title.kind == kind)
    if not show_adult:
        stmt = stmt.where(Title.adult.is_(False))
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
    own = KIND_MODELS[kind].__table__ if kind in ("anime", "comic") else None
    if own is not None and (filters.format or filters.season or filters.publisher):
        stmt = stmt.join(own, own.c.id == Title.id)
        if filters.format:
            stmt = stmt.where(own.c.format == filters.format)
        if filters.season and kind == "anime":
            stmt = stmt.where(own.c.season == filters.season)
        if filters.publisher and kind == "comic":
            stmt = stmt.where(own.c.publisher == filters.publisher)
    return stmt


def encode_cursor(values: tuple[Any, ...]) -> str:
    """A row's sort values as a URL-safe token."""
    plain = [v.isoformat() if isinstance(v, date | datetime) else v for v in values]
    return base64.urlsafe_b64encode(json.dumps(plain, separators=(",", ":")).encode()).decode().rstrip("=")


def decode_cursor(token: str, keys: tuple[SortKey, ...]) -> tuple[Any, ...]:
    """The sort values a cursor names, typed as the order's columns; BadCursor if it is not one of ours."""
    try:
        raw = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        if not isinstance(raw, list) or len(raw) != len(keys):
            raise BadCursor(token)
        return tuple(_typed(key, value) for key, value in zip(keys, raw, strict=True))
    except (ValueError, TypeError) as exc:
        raise BadCursor("This page link is broken: start again from the first page.") from exc


def _typed(key: SortKey, value: Any) -> Any:
    if value is None:
        if not key.nullable:
            raise BadCursor("null")
        return None
    column_type = key.column.type
    kind = getattr(column_type, "impl", column_type).python_type  # UTCDateTime decorates DateTime
    if kind is float and isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    if kind is int and isinstance(value, int) and not isinstance(value, bool):
        return value
    if kind is str and isinstance(value, str):
        return value
    if kind in (date, datetime) and isinstance(value, str):
        return kind.fromisoformat(value)
    raise BadCursor(repr(value))


def _past(key: SortKey, value: Any, backward: bool):
    """Rows strictly past `value` in this column, in the order's direction (or against it)."""
    column = key.column
    if key.nullable and key.descending:  # values high to low, then the nulls
        if value is None:
            return None if not backward else column.is_not(None)
        return column > value if backward else or_(column < value, column.is_(None))
    return column < value if key.descending != backward else column > value


def _beyond(keys: tuple[SortKey, ...], values: tuple[Any, ...], backward: bool):
    """Rows after (or before) the row with these sort values: a keyset condition the index can seek to."""
    clauses = []
    for i, key in enumerate(keys):
        step = _past(key, values[i], backward)
        if step is None:
            continue
        same = [k.column.is_(None) if v is None else k.column == v for k, v in zip(keys[:i], values[:i], strict=True)]
        clauses.append(and_(*same, step))
    condition = or_(*clauses) if clauses else false()
    first, value = keys[0], values[0]
    if not first.nullable:  # a range on the leading column, so the scan starts at the cursor, not the top
        condition = and_(first.column <= value if first.descending != backward else first.column >= value, condition)
    return condition


def _page_rows(stmt, keys: tuple[SortKey, ...], *, per_page: int, offset: int = 0,
               cursor: tuple[Any, ...] | None = None, backward: bool = False) -> list[tuple[Any, ...]]:
    """Up to per_page + 1 rows of (id, *sort values) in display order: the extra one says more exist."""
    columns = [Title.id, *(key.column for key in keys)]
    page_stmt = stmt.with_only_columns(*columns, maintain_column_froms=True)
    if cursor is not None:
        page_stmt = page_stmt.where(_beyond(keys, cursor, backward))
    page_stmt = page_stmt.order_by(*(key.order(backward) for key in keys)).limit(per_page + 1).offset(offset)
    return [tuple(row) for row in db.session.execute(page_stmt)]


@dataclass
class _Window:
    ids: list[int]
    page: int
    next_cursor: str | None
    prev_cursor: str | None


def _window(stmt, keys: tuple[SortKey, ...], page: int, per_page: int, after: str | None, before: str | None,
            span: int = 1) -> _Window:
    """The ids of one page: after or before a cursor (keyset), else by page number (offset).

    Forward (by number or `after`), `span` pages come as one window numbered as its last page.
    """
    if before is not None:
        rows = _page_rows(stmt, keys, per_page=per_page, cursor=decode_cursor(before, keys), backward=True)
        if len(rows) > per_page:
            rows = rows[:per_page][::-1]
            return _Window([r[0] for r in rows], page, encode_cursor(rows[-1][1:]), encode_cursor(rows[0][1:]))
        page, after = 1, None  # reached the first page: show it whole, from the top
    cursor = decode_cursor(after, keys) if after is not None else None
    offset = 0 if cursor is not None else (page - 1) * per_page
    rows = _page_rows(stmt, keys, per_page=per_page * span, offset=offset, cursor=cursor)
    more, rows = len(rows) > per_page * span, rows[:per_page * span]
    last = max(0, len(rows) - 1) // per_page  # the window's last page: its neighbours are named for it
    has_prev = bool(rows) and (cursor is not None or page > 1 or last > 0)
    return _Window(
        [r[0] for r in rows], page + last,
        encode_cursor(rows[-1][1:]) if more else None, encode_cursor(rows[last * per_page][1:]) if has_prev else None,
    )


def list_titles(
    kind: str | None, filters: BrowseFilters | None = None, *, page: int = 1, per_page: int = 24, show_adult: bool = False,
    after: str | None = None, before: str | None = None, through: int | None = None,
) -> CursorPage[Title]:
    """One page of titles of a kind (None: every kind), filtered and sorted, with their genres loaded.

    A page is asked for by number (an offset) or, past the first, by the cursor of the row before
    it (`after`) or after it (`before`), which the returned page names for its neighbours. Adult
    titles are left out unless the viewer asked for them (Settings > Preferences). The ids and
    the total are cached under the catalog's generation: ratings do not reorder a browse page.

    With `through` (not with `before`), pages `page`..`through` come as one list (an infinite scroll
    restored from its URL); the page returned is then numbered as the last of them.
    """
    span = 1 if before is not None else max(1, (through or page) - page + 1)
    if kind is not None and kind not in KINDS:
        raise ValueError(f"unknown kind {kind!r}")
    filters = filters or BrowseFilters()
    keys = SORT_KEYS.get(filters.sort, SORT_KEYS["popularity"])
    stmt = _filtered(kind, filters, show_adult)
    window = cache_keys.cached(
        "browse", (cache_keys.CATALOG,), (kind, filters, page, per_page, show_adult, after, before, span),
        lambda: _window(stmt, keys, page, per_page, after, before, span),
    )
    total = cache_keys.cached(
        "browse-total", (cache_keys.CATALOG,), (kind, filters.total_args(), show_adult),
        lambda: db.session.scalar(select(func.count()).select_from(stmt.subquery())) or 0,
    )
    model = KIND_MODELS[kind] if kind else Title
    loaded = db.session.scalars(select(model).where(Title.id.in_(window.ids)).options(selectinload(Title.genres)))
    by_id = {t.id: t for t in loaded}
    return CursorPage(
        items=[by_id[i] for i in window.ids if i in by_id], page=window.page, per_page=per_page, total=total,
        next_cursor=window.next_cursor, prev_cursor=window.prev_cursor,
    )


def list_popular(kind: str, limit: int = 12, show_adult: bool = False) -> list[Title]:
    """The most popular titles of a kind, for the home page."""
    return list_titles(kind, per_page=limit, show_adult=show_adult).items


@dataclass(frozen=True)
class GenreChoice:
    slug: str
    name: str


@dataclass
class FilterOptions:
    genres: list[GenreChoice]
    formats: list[str]
    publishers: list[str]


def get_filter_options(kind: str) -> FilterOptions:
    """The choices a browse page offers: genres, formats and publishers present in that kind.

    Cached under the catalog's generation: at a million titles the genre facet reads every title of the kind.
    """
    return cache_keys.cached("browse-options", (cache_keys.CATALOG,), kind, lambda: _filter_options(kind))


def _filter_options(kind: str) -> FilterOptions:
    present = select(title_genres.c.genre_id).join(Title, Title.id == title_genres.c.title_id).where(Title.kind == kind)
    genres = db.session.execute(
        select(Genre.slug, Genre.name).where(Genre.id.in_(present)).order_by(Genre.name)
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
    return FilterOptions(genres=[GenreChoice(slug, name) for slug, name in genres], formats=formats,
                         publishers=publishers)


@cache
def every_kind_of_title():
    """Title with every kind's own columns, for one query: one aliased class for the process, since
    building one costs more than the query it serves (about 0.8 ms against 0.3 ms)."""
    return with_polymorphic(Title, "*")


def get_title_row(title_id: int) -> Title | None:
    """A title with its own kind's columns and nothing else loaded (one query): what a page around a cached head needs."""
    every_kind = every_kind_of_title()
    return db.session.scalars(select(every_kind).where(every_kind.id == title_id)).first()


def get_title_summary(title_id: int) -> Title | None:
    """A title with its own columns, genres and external ids: the head of its page (3 queries)."""
    every_kind = every_kind_of_title()
    stmt = (
        select(every_kind)
        .where(every_kind.id == title_id)
        .options(selectinload(every_kind.genres), selectinload(every_kind.external_ids))
    )
    return db.session.scalars(stmt).first()


def get_title(title_id: int) -> Title | None:
    """A title with everything its detail page shows, in a bounded number of queries."""
    every_kind = every_kind_of_title()
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


@dataclass(frozen=True)
class PersonCredits:
    """One person's lines in a title's cast or crew: their characters or jobs, in billing order."""

    person: Person
    parts: tuple[str, ...]


def credits_by_person(credits: Iterable[Credit], role: str) -> list[PersonCredits]:
    """A title's cast or crew with one entry per person (all their jobs), in the order each first appears.

    Providers list a crew member once per job (writer, director, storyboard ...): a long anime's crew
    would otherwise repeat the same names for screens.
    """
    parts: dict[int, list[str]] = {}
    people: dict[int, Person] = {}
    for credit in credits:
        if credit.role != role:
            continue
        person_parts = parts.setdefault(credit.person_id, [])
        people.setdefault(credit.person_id, credit.person)
        part = credit.character if role == "cast" else credit.job
        if part and part not in person_parts:
            person_parts.append(part)
    return [PersonCredits(people[person_id], tuple(found)) for person_id, found in parts.items()]


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
