"""Catalog operations for the command line and the admin: show a title as JSON, revert a revision."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select

from mymovielist.extensions import db
from mymovielist.models import ExternalId, Genre, Title, TitleRevision
from mymovielist.sync.upsert import DETAIL_FIELDS, TITLE_FIELDS, slugify

DATE_FIELDS = ("release_date", "end_date")
# Revisions of these hold only counts ([old count, new count]): they cannot be put back.
SUMMARY_FIELDS = ("credits", "characters", "relations", "seasons", "episodes", "external_ids")


class RevertError(ValueError):
    """A revision cannot be reverted (unknown, of another title, or nothing left to undo)."""


def find_title(ref: str) -> Title | None:
    """A title by local id ("42") or by provider id ("tmdb:movie:76")."""
    ref = ref.strip()
    if ref.isdigit():
        return db.session.get(Title, int(ref))
    parts = ref.split(":")
    if len(parts) != 3 or not all(parts):
        raise ValueError(f"a title reference is an id or provider:kind:external_id, got {ref!r}")
    provider, kind, value = parts
    return db.session.scalars(
        select(Title).join(ExternalId).where(
            ExternalId.provider == provider, ExternalId.kind == kind, ExternalId.value == value
        )
    ).first()


def title_json(title: Title) -> dict[str, Any]:
    """The title as one JSON-ready object (what `flask catalog show --json` prints)."""
    credits = sorted(title.credits, key=lambda c: (c.role != "cast", c.order, c.id))
    return {
        "id": title.id,
        "kind": title.kind,
        "title": title.title,
        "original_title": title.original_title,
        "year": title.year,
        "release_date": title.release_date.isoformat() if title.release_date else None,
        "runtime_minutes": getattr(title, "runtime_minutes", None) or getattr(title, "episode_minutes", None),
        "episode_count": getattr(title, "episode_count", None) or getattr(title, "issue_count", None),
        "status": title.status,
        "genres": [g.name for g in title.genres],
        "external_ids": {e.provider: e.value for e in sorted(title.external_ids, key=lambda e: e.id)},
        "credits": [
            {"name": c.person.name, "role": c.role, "character": c.character or None, "job": c.job or None}
            for c in credits
        ],
        "characters": [{"name": tc.character.name, "role": tc.role} for tc in title.characters],
        "synopsis": title.synopsis,
    }


def revert_revision(title_id: int, revision_id: int, *, lock: bool = False) -> tuple[TitleRevision, list[str]]:
    """Put back the values a revision replaced, as a new revision (flushes); also returns what was left.

    Only fields still holding the value the revision wrote are reverted: a field changed again
    since is left alone (revert the later revision first). With `lock`, the reverted fields are
    locked so the next sync does not write them again.
    """
    title = db.session.get(Title, title_id)
    if title is None:
        raise RevertError(f"no title {title_id}")
    revision = db.session.get(TitleRevision, revision_id)
    if revision is None or revision.title_id != title.id:
        raise RevertError(f"title {title_id} has no revision {revision_id}")
    revertible = set(TITLE_FIELDS) | set(DETAIL_FIELDS[title.kind]) | {"genres"}
    changes: dict[str, list[Any]] = {}
    skipped: list[str] = []
    for name, pair in (revision.changes or {}).items():
        if name not in revertible or not isinstance(pair, list) or len(pair) != 2:
            skipped.append(f"{name} (only counts recorded)" if name in SUMMARY_FIELDS else name)
            continue
        old, new = pair
        current = _current(title, name)
        if current != new:
            skipped.append(f"{name} (changed since)")
            continue
        _set(title, name, old)
        changes[name] = [current, old]
    if not changes:
        raise RevertError("nothing to revert: " + (", ".join(skipped) or "the revision is empty"))
    if lock:
        title.locked_fields = sorted(set(title.locked_fields or ()) | set(changes))
    entry = TitleRevision(title=title, source="revert", provider=None, changes=changes)
    db.session.add(entry)
    db.session.flush()
    return entry, skipped


def _current(title: Title, name: str) -> Any:
    if name == "genres":
        return sorted(g.slug for g in title.genres)
    value = getattr(title, name)
    return value.isoformat() if isinstance(value, date) else value


def _set(title: Title, name: str, value: Any) -> None:
    if name == "genres":
        slugs = value or []
        genres = db.session.scalars(select(Genre).where(Genre.slug.in_(slugs))).all()
        title.genres = sorted(genres, key=lambda g: slugs.index(g.slug))
        return
    if name in DATE_FIELDS and isinstance(value, str):
        value = date.fromisoformat(value)
    setattr(title, name, value)
    if name == "title" and "slug" not in (title.locked_fields or ()):
        title.slug = slugify(value)
