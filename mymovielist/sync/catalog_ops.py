"""Catalog operations for the command line and the admin: show a title as JSON, revert a revision."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import func, inspect, select

from mymovielist.extensions import db
from mymovielist.models import ExternalId, Genre, Title, TitleRevision
from mymovielist.services import cache_keys
from mymovielist.sync.upsert import DETAIL_FIELDS, TITLE_FIELDS, slugify

DATE_FIELDS = ("release_date", "end_date")
# Revisions of these hold only counts ([old count, new count]): they cannot be put back.
SUMMARY_FIELDS = ("credits", "characters", "relations", "seasons", "episodes", "external_ids")
# Locked like the others, though a revert cannot put them back (slug follows the title).
LOCKABLE_EXTRA = ("slug", "credits", "characters")


class RevertError(ValueError):
    """A revision cannot be reverted (unknown, of another title, the title's creation, or nothing left to undo)."""


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


@dataclass
class RevertPlan:
    """What reverting a revision would do: field -> [current, restored], and what it leaves alone."""

    changes: dict[str, list[Any]] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)


def revertible_fields(title: Title) -> set[str]:
    """Fields a revert can put back: the title's own values and its genres (not counts)."""
    return set(TITLE_FIELDS) | set(DETAIL_FIELDS[title.kind]) | {"genres"}


def lockable_fields(title: Title) -> list[str]:
    """Fields an admin can lock against syncs: the revertible ones, the slug, credits and characters."""
    return sorted(revertible_fields(title) | set(LOCKABLE_EXTRA))


def is_creation(revision: TitleRevision, first_id: int | None = None) -> bool:
    """The revision that brought the title in: its first one (`first_id` if known), and no field had a value before it."""
    first = first_id or db.session.scalar(
        select(func.min(TitleRevision.id)).where(TitleRevision.title_id == revision.title_id)
    )
    pairs = [pair for name, pair in (revision.changes or {}).items() if name not in SUMMARY_FIELDS]
    return revision.id == first and all(isinstance(p, list) and len(p) == 2 and p[0] in (None, []) for p in pairs)


def plan_revert(title: Title, revision: TitleRevision) -> RevertPlan:
    """What reverting `revision` would change now, without changing anything.

    Only fields still holding the value the revision wrote are put back: a field changed again
    since is left alone (revert the later revision first). The revision that created the title
    is refused: before it there was no title, only empty values a title cannot hold.
    """
    if revision.title_id != title.id:
        raise RevertError(f"title {title.id} has no revision {revision.id}")
    if is_creation(revision):
        raise RevertError(
            f"revision {revision.id} created the title: there is no earlier version to go back to "
            "(nothing was changed; lock the fields you want to keep instead)"
        )
    revertible = revertible_fields(title)
    plan = RevertPlan()
    for name, pair in (revision.changes or {}).items():
        if name not in revertible or not isinstance(pair, list) or len(pair) != 2:
            plan.skipped.append(f"{name} (only counts recorded)" if name in SUMMARY_FIELDS else name)
            continue
        old, new = pair
        current = _current(title, name)
        if current != new:
            plan.skipped.append(f"{name} (changed since)")
        elif old is None and not _nullable(title, name):
            plan.skipped.append(f"{name} (no earlier value)")
        else:
            plan.changes[name] = [current, old]
    return plan


def revert_revision(
    title_id: int, revision_id: int, *, lock: bool = False, user_id: int | None = None
) -> tuple[TitleRevision, list[str]]:
    """Put back the values a revision replaced, as a new revision (flushes); also returns what was left.

    With `lock`, the reverted fields are locked so the next sync does not write them again.
    Nothing is written when the revision cannot be reverted (RevertError).
    """
    title = db.session.get(Title, title_id)
    if title is None:
        raise RevertError(f"no title {title_id}")
    revision = db.session.get(TitleRevision, revision_id)
    if revision is None or revision.title_id != title.id:
        raise RevertError(f"title {title_id} has no revision {revision_id}")
    plan = plan_revert(title, revision)
    if not plan.changes:
        raise RevertError("nothing to revert: " + (", ".join(plan.skipped) or "the revision is empty"))
    for name, (_current_value, old) in plan.changes.items():
        _set(title, name, old)
    if lock:
        title.locked_fields = sorted(set(title.locked_fields or ()) | set(plan.changes))
    entry = TitleRevision(title=title, source="revert", provider=None, user_id=user_id, changes=plan.changes)
    db.session.add(entry)
    db.session.flush()
    cache_keys.catalog_changed([title.id])
    return entry, plan.skipped


def set_locked(title: Title, name: str, locked: bool, *, user_id: int | None = None) -> bool:
    """Lock or unlock one field against syncs, recorded as a revision (flushes); False if already so."""
    if name not in lockable_fields(title):
        raise RevertError(f"the field {name or '(none)'} cannot be locked: this title has no such field")
    before = sorted(title.locked_fields or ())
    after = sorted(set(before) | {name}) if locked else [f for f in before if f != name]
    if after == before:
        return False
    title.locked_fields = after
    db.session.add(TitleRevision(title=title, source="admin", provider=None, user_id=user_id,
                                 changes={"locked_fields": [before, after]}))
    db.session.flush()
    return True


def _nullable(title: Title, name: str) -> bool:
    column = inspect(type(title)).columns.get(name)
    return column is None or bool(column.nullable)


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
