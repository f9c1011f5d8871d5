"""Finding our title for each record: by provider ids first, then by name and year.

Lookups are batched (one query per provider namespace and per few hundred names), so matching a
file of thousands of rows costs a handful of queries, not one per row.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from sqlalchemy import func, or_, select

from mymovielist.extensions import db
from mymovielist.models import ExternalId, Title
from mymovielist.services.imports.records import ID_PRIORITY, TitleRef, normalize_name

CHUNK = 500


def _chunks(values: list, size: int = CHUNK) -> Iterable[list]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _ordered_ids(ref: TitleRef) -> list[tuple[str, str]]:
    known = [ns for ns in ID_PRIORITY if ref.ids.get(ns)]
    others = sorted(ns for ns in ref.ids if ns not in ID_PRIORITY and ref.ids[ns])
    return [(ns, ref.ids[ns]) for ns in known + others]


def by_ids(refs: list[TitleRef]) -> dict[str, int]:
    """Title ids of the refs whose provider ids we know, by ref key."""
    wanted: dict[str, set[str]] = defaultdict(set)
    for ref in refs:
        for namespace, value in _ordered_ids(ref):
            wanted[namespace].add(value)
    found: dict[tuple[str, str], int] = {}
    for namespace, values in wanted.items():
        provider, _, kind = namespace.partition(":")
        for chunk in _chunks(sorted(values)):
            rows = db.session.execute(
                select(ExternalId.value, ExternalId.title_id).where(
                    ExternalId.provider == provider, ExternalId.kind == kind, ExternalId.value.in_(chunk)
                )
            )
            found.update({(namespace, value): title_id for value, title_id in rows})
    matched = {}
    for ref in refs:
        for namespace, value in _ordered_ids(ref):
            if (namespace, value) in found:
                matched[ref.key] = found[(namespace, value)]
                break
    return matched


def by_name(refs: list[TitleRef]) -> dict[str, int]:
    """Title ids of refs found by kind, name and year: the same year, else one year off; one candidate only."""
    by_kind: dict[str, set[str]] = defaultdict(set)
    for ref in refs:
        by_kind[ref.kind].add(ref.name.lower())
    candidates: dict[tuple[str, str], list[tuple[int, int | None]]] = defaultdict(list)
    for kind, names in by_kind.items():
        for chunk in _chunks(sorted(names)):
            rows = db.session.execute(
                select(Title.id, Title.title, Title.original_title, Title.year).where(
                    Title.kind == kind,
                    or_(func.lower(Title.title).in_(chunk), func.lower(Title.original_title).in_(chunk)),
                )
            )
            for title_id, name, original, year in rows:
                for text in {name, original} - {None}:
                    candidates[(kind, normalize_name(text))].append((title_id, year))
    matched = {}
    for ref in refs:
        found = {
            title_id: year for title_id, year in candidates.get((ref.kind, normalize_name(ref.name)), [])
        }
        choice = _pick(found, ref.year)
        if choice is not None:
            matched[ref.key] = choice
    return matched


def _pick(found: dict[int, int | None], year: int | None) -> int | None:
    if year is None:
        return next(iter(found)) if len(found) == 1 else None
    for distance in (0, 1):
        near = [title_id for title_id, y in found.items() if y is not None and abs(y - year) == distance]
        if len(near) == 1:
            return near[0]
        if near:
            return None  # two films of that name that year: the user chooses
    return None


def match(refs: list[TitleRef]) -> dict[str, int]:
    """Our title id for every ref we can find, by ref key: by its ids, else by its name and year."""
    matched = by_ids([ref for ref in refs if ref.ids])
    for key, title_id in by_name([r for r in refs if r.key not in matched and _by_name_too(r)]).items():
        matched.setdefault(key, title_id)
    return matched


def _by_name_too(ref: TitleRef) -> bool:
    # A ref whose ids we do not know (Trakt's Se7en in a catalog built from another provider) is
    # looked for by name and year. Without a year a name alone is too weak beside an id (MAL's
    # "Monster" is one of several), so such refs stay unmatched, unless every id is one of this
    # server's demo or test catalog (our own export lists every id a title has).
    return not ref.ids or ref.year is not None or all(ns.split(":")[0] in ("vega", "test") for ns in ref.ids)
