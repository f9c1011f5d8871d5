"""Title search: one small interface, filled by SQLite FTS5 or by PostgreSQL (tsvector + pg_trgm).

Ranking is designed for a million titles. The FTS5 table's rowid is a *search key* that sorts by
popularity (most popular first) with the title id in its low bits, so a match query that orders
by rowid and stops after N rows reads only the N most popular matches instead of ranking every
match (a ranked query over a common word costs hundreds of milliseconds at that size).
Results come in two tiers, each by popularity: titles whose name starts with the query, then
titles matching every word anywhere. The last word is a prefix, so results appear while typing;
the tokenizer folds case and diacritics ("pokemon" finds "Pokémon").
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import select, text
from sqlalchemy.orm import selectinload

from mymovielist.extensions import db
from mymovielist.models import KINDS, Title
from mymovielist.services import cache_keys
from mymovielist.services.content import VISITOR, ContentFilter

ID_BITS = 26  # title ids below 67 million
ID_MASK = (1 << ID_BITS) - 1
MIN_PREFIX = 2  # a one-letter prefix matches too much to be useful
MAX_WORDS = 8
# PostgreSQL's typo fallback: "cowbou bebop" is 0.73 similar to "cowboy bebop", a stray extra
# word ("cowboy or") 0.44; above this it is a typo, below it a different query.
FUZZY_THRESHOLD = 0.5

_WORD = re.compile(r"\w+", re.UNICODE)


@dataclass(frozen=True)
class SearchQuery:
    words: tuple[str, ...]
    kind: str | None = None
    # Without a `kind`, the kinds the viewer follows; None is every kind.
    kinds: tuple[str, ...] | None = None

    @property
    def is_empty(self) -> bool:
        return not self.words


def parse_query(raw: str, kind: str | None = None, kinds: tuple[str, ...] | None = None) -> SearchQuery:
    """Split user input into words (at most MAX_WORDS); unknown kinds are ignored.

    Diacritics are left to the FTS tokenizer, which folds them for Latin scripts only: stripping
    combining marks here would also strip the dakuten of Japanese kana and break those matches.
    """
    folded = unicodedata.normalize("NFKC", raw or "").casefold()
    words = tuple(_WORD.findall(folded))[:MAX_WORDS]
    if words and len(words[-1]) < MIN_PREFIX and len(words) == 1:
        words = ()
    kind = kind if kind in KINDS else None
    kinds = tuple(k for k in KINDS if k in kinds) if kinds and not kind and set(kinds) < set(KINDS) else None
    return SearchQuery(words=words, kind=kind, kinds=kinds or None)


class SearchBackend(Protocol):
    def search_ids(self, query: SearchQuery, *, limit: int, offset: int = 0) -> list[int]:
        """Ids of matching titles, best first."""
        ...


class SqliteFtsBackend:
    """FTS5 over titles.title, original_title and alt_titles, kept in step by triggers."""

    def _match(self, query: SearchQuery, *, anchored: bool) -> str:
        quoted = [f'"{w}"' for w in query.words]
        if anchored:
            # the name starts with the query: a phrase anchored at the column start
            expr = "{title original_title}: ^ " + " + ".join(quoted) + "*"
        else:
            expr = " AND ".join(quoted[:-1] + [quoted[-1] + "*"])
            expr = "{title original_title alt_titles}: (" + expr + ")"
        if query.kind:
            expr = f'kind: "{query.kind}" AND ({expr})'
        elif query.kinds:
            expr = "kind: (" + " OR ".join(f'"{k}"' for k in query.kinds) + f") AND ({expr})"
        return expr

    def _keys(self, match: str, limit: int) -> list[int]:
        rows = db.session.execute(
            text("SELECT rowid FROM title_search WHERE title_search MATCH :m ORDER BY rowid LIMIT :n"),
            {"m": match, "n": limit},
        )
        return [key & ID_MASK for (key,) in rows]

    def search_ids(self, query: SearchQuery, *, limit: int, offset: int = 0) -> list[int]:
        if query.is_empty or limit <= 0:
            return []
        wanted = offset + limit
        first = self._keys(self._match(query, anchored=True), wanted)
        ids = list(first)
        if len(ids) < wanted:
            seen = set(ids)
            # Enough rows to fill the page even if every anchored hit also matches here.
            for title_id in self._keys(self._match(query, anchored=False), wanted + len(first)):
                if title_id not in seen:
                    seen.add(title_id)
                    ids.append(title_id)
                    if len(ids) == wanted:
                        break
        return ids[offset:wanted]


class PostgresBackend:
    """PostgreSQL: the `title_search_pg` side table (migration 0002), filled by a trigger.

    Same two tiers as SQLite: names starting with the query (a text_pattern_ops index on the
    unaccented, lower-cased name), then titles whose document matches every word, the last as a
    prefix (tsquery `word:*` on a GIN index); both by popularity. When neither finds anything, a
    trigram similarity search (pg_trgm) forgives a typo ("cowbou bebop").
    """

    def _filter(self, query: SearchQuery) -> str:
        if query.kind:
            return " AND kind = :kind"
        return " AND kind = ANY(:kinds)" if query.kinds else ""

    def _ids(self, sql: str, params: dict) -> list[int]:
        return [row[0] for row in db.session.execute(text(sql), params)]

    def search_ids(self, query: SearchQuery, *, limit: int, offset: int = 0) -> list[int]:
        if query.is_empty or limit <= 0:
            return []
        wanted = offset + limit
        phrase = " ".join(query.words)
        params = {"kind": query.kind, "kinds": list(query.kinds or ()), "n": wanted, "phrase": phrase,
                  "prefix": _escape_like(phrase) + "%",
                  "tsquery": " & ".join(f"'{w}'" for w in query.words) + ":*"}
        kind = self._filter(query)
        ids = self._ids(
            "SELECT title_id FROM title_search_pg WHERE name_key LIKE title_search_fold(:prefix)"
            f"{kind} ORDER BY popularity DESC, title_id LIMIT :n", params)
        if len(ids) < wanted:
            seen = set(ids)
            more = self._ids(
                "SELECT title_id FROM title_search_pg WHERE document @@ to_tsquery('simple', title_search_fold(:tsquery))"
                f"{kind} ORDER BY popularity DESC, title_id LIMIT :m", {**params, "m": wanted + len(ids)})
            ids += [i for i in more if i not in seen][: wanted - len(ids)]
        if not ids:
            ids = self._ids(
                "SELECT title_id FROM title_search_pg WHERE name_key % title_search_fold(:phrase)"
                f" AND similarity(name_key, title_search_fold(:phrase)) > {FUZZY_THRESHOLD}"
                f"{kind} ORDER BY similarity(name_key, title_search_fold(:phrase)) DESC, popularity DESC LIMIT :n",
                params)
        return ids[offset:wanted]


def _escape_like(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def backend() -> SearchBackend:
    """The search implementation for the database in use."""
    if db.session.get_bind().dialect.name == "postgresql":
        return PostgresBackend()
    return SqliteFtsBackend()


@dataclass
class SearchResults:
    query: SearchQuery
    items: list[Title]
    page: int
    per_page: int
    has_next: bool

    @property
    def has_prev(self) -> bool:
        return self.page > 1


def search_titles(
    raw: str, *, kind: str | None = None, page: int = 1, per_page: int = 20, content: ContentFilter = VISITOR
) -> SearchResults:
    """A page of titles matching the user's query, best first, within what the viewer wants to see."""
    query = parse_query(raw, kind, content.kinds)
    ids = _search_ids(query, limit=per_page + 1, offset=(page - 1) * per_page)
    items = _load(ids[:per_page], content.show_adult)
    return SearchResults(query=query, items=items, page=page, per_page=per_page, has_next=len(ids) > per_page)


def suggest_titles(raw: str, limit: int = 8, content: ContentFilter = VISITOR) -> list[Title]:
    """The few best matches for live search."""
    return _load(_search_ids(parse_query(raw, kinds=content.kinds), limit=limit), content.show_adult)


def _search_ids(query: SearchQuery, limit: int, offset: int = 0) -> list[int]:
    """The backend's ids for a query, cached until the catalog changes."""
    return cache_keys.cached(
        "search", (cache_keys.CATALOG,), (query, limit, offset),  # best match, then popularity: no rating
        lambda: backend().search_ids(query, limit=limit, offset=offset),
    )


def _load(ids: list[int], show_adult: bool = True) -> list[Title]:
    """The titles of `ids` in that order; adult ones dropped unless asked for (they are rare: the
    index does not carry the flag, so a page may come out a title or two short)."""
    if not ids:
        return []
    stmt = select(Title).where(Title.id.in_(ids)).options(selectinload(Title.genres))
    if not show_adult:
        stmt = stmt.where(Title.adult.is_(False))
    by_id = {t.id: t for t in db.session.scalars(stmt)}
    return [by_id[i] for i in ids if i in by_id]
