"""A title's revision history as the admin reads it (who, what, when, a diff per field), and finding titles."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from mymovielist.extensions import db
from mymovielist.models import Title, TitleRevision, User
from mymovielist.services import search
from mymovielist.services.catalog import Page
from mymovielist.services.content import ContentFilter
from mymovielist.sync.catalog_ops import SUMMARY_FIELDS, find_title, is_creation, revertible_fields

PAGE_SIZE = 25
EVERYTHING = ContentFilter(show_adult=True)  # admins look after adult titles too
SOURCES = {"provider": "sync", "demo": "demo catalog load", "revert": "revert", "admin": "admin", "user": "edit"}


@dataclass
class DiffRow:
    field: str
    before: str
    after: str
    counts_only: bool = False


@dataclass
class RevisionView:
    id: int
    changed_at: datetime
    who: str
    rows: list[DiffRow]
    revertible: bool


@dataclass
class TitleList:
    items: list[Title]
    page: int
    has_prev: bool
    has_next: bool


def find_titles(query: str, page: int = 1) -> TitleList:
    """Titles for the admin: an id or provider:kind:id first, then search results; no query: most recently changed."""
    query = query.strip()
    if not query:
        recent = _recently_changed(page)
        return TitleList(recent.items, recent.page, recent.has_prev, recent.has_next)
    exact: Title | None = None
    if page == 1:
        try:
            exact = find_title(query) if (query.isdigit() and len(query) < 10) or ":" in query else None
        except ValueError:  # not a provider reference after all: search its words
            exact = None
    found = search.search_titles(query, page=page, per_page=PAGE_SIZE, content=EVERYTHING)
    items = ([exact] if exact else []) + [t for t in found.items if exact is None or t.id != exact.id]
    return TitleList(items, page, found.has_prev, found.has_next)


def _recently_changed(page: int) -> Page[Title]:
    total = db.session.scalar(select(func.count(func.distinct(TitleRevision.title_id)))) or 0
    page = max(1, min(page, max(1, -(-total // PAGE_SIZE))))
    last = (
        select(TitleRevision.title_id, func.max(TitleRevision.id).label("last_id"))
        .group_by(TitleRevision.title_id).subquery()
    )
    titles = db.session.scalars(
        select(Title).join(last, last.c.title_id == Title.id)
        .order_by(last.c.last_id.desc()).limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)
    ).all()
    return Page(list(titles), page, PAGE_SIZE, total)


def revision_history(title: Title) -> list[RevisionView]:
    """Every revision of the title, newest first, with a readable before/after per field."""
    revisions = sorted(title.revisions, key=lambda r: r.id, reverse=True)
    user_ids = {r.user_id for r in revisions if r.user_id is not None}
    rows = db.session.execute(select(User.id, User.username).where(User.id.in_(user_ids))) if user_ids else ()
    names = {user_id: username for user_id, username in rows}
    revertible = revertible_fields(title)
    first = revisions[-1].id if revisions else None
    views = []
    for revision in revisions:
        changes = revision.changes or {}
        views.append(RevisionView(
            id=revision.id, changed_at=revision.changed_at, who=_who(revision, names),
            rows=[_row(name, pair) for name, pair in sorted(changes.items())],
            revertible=not is_creation(revision, first) and any(name in revertible for name in changes),
        ))
    return views


def _who(revision: TitleRevision, names: dict[int, str]) -> str:
    what = SOURCES.get(revision.source, revision.source)
    if revision.provider:
        what = f"{what} from {revision.provider}"
    if revision.user_id is not None:
        return f"{what} by {names.get(revision.user_id, 'a deleted user')}"
    return f"{what} (command line)" if revision.source in ("revert", "admin") else what


def _row(name: str, pair: Any) -> DiffRow:
    if not isinstance(pair, list) or len(pair) != 2:
        return DiffRow(name, "", text_of(pair))
    before, after = pair
    counts = name in SUMMARY_FIELDS and name != "external_ids"
    return DiffRow(name, text_of(before), text_of(after), counts_only=counts)


def text_of(value: Any) -> str:
    """A stored value as plain text: lists joined, booleans as yes/no, nothing as the empty string."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(text_of(v) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{k}: {text_of(v)}" for k, v in value.items())
    return str(value)
