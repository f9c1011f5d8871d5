"""Our own export (services/exports.py, format "mymovielist" version 1), read back with full fidelity."""

from __future__ import annotations

from datetime import date
from typing import Any

from mymovielist import safejson
from mymovielist.models.tracking import ENTRY_STATUSES
from mymovielist.services.imports.files import text
from mymovielist.services.imports.records import (
    Bundle,
    ImportFileError,
    ListSpec,
    Membership,
    ReviewData,
    TitleRef,
    Watch,
    parse_moment,
)
from mymovielist.services.tracking import MAX_PROGRESS, MAX_REWATCHES, PRIORITIES

FORMAT, VERSION = "mymovielist", 1


def parse(data: bytes) -> Bundle:
    """Entries, watches, reviews and lists of one of our JSON exports."""
    try:
        document = safejson.loads(text(data, "The file"))
    except safejson.JSONRefused as error:
        raise ImportFileError(f"The file cannot be imported: {error}.") from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise ImportFileError('This JSON is not a MyMovieList export (it lacks "format": "mymovielist").')
    if document.get("version") != VERSION:
        raise ImportFileError(
            f"Export version {document.get('version')!r} is not one this server reads ({VERSION})."
        )
    for key in ("entries", "watches", "reviews", "lists"):
        if not isinstance(document.get(key, []), list):
            raise ImportFileError(f'"{key}" must be a list.')
    bundle = Bundle()
    for key, reader in (("entries", _entry), ("watches", _watch), ("reviews", _review)):
        for n, item in enumerate(document.get(key, []), start=1):
            _guarded(bundle, f"{key}[{n}]", reader, item)
    for n, spec in enumerate(document.get("lists", []), start=1):
        _guarded(bundle, f"lists[{n}]", _list, spec)
    return bundle


def _guarded(bundle: Bundle, line: str, reader, item: Any) -> None:
    try:
        if not isinstance(item, dict):
            raise TypeError("not an object")
        reader(bundle, item, line)
    except (ValueError, TypeError, KeyError) as error:
        bundle.problems.append(f"{line}: {error}.")


def _ref(value: Any) -> TitleRef:
    if (
        not isinstance(value, dict)
        or not value.get("name")
        or value.get("kind") not in ("movie", "series", "anime", "comic")
    ):
        raise ValueError("its title needs a kind and a name")
    ids = value.get("ids") or {}
    if not isinstance(ids, dict):
        raise TypeError("title ids must be an object")
    year = value.get("year")
    return TitleRef(
        value["kind"],
        str(value["name"]),
        _whole(year, "year", 1800, 2200) if year else None,
        {str(k): str(v) for k, v in ids.items()},
    )


def _whole(value: Any, name: str, low: int, high: int) -> int:
    """A whole number within the bounds the app itself keeps (a database column holds no more)."""
    number = int(value)
    if not low <= number <= high:
        raise ValueError(f"{name} {number} is not {low}-{high}")
    return number


def _day(value: Any) -> date | None:
    return date.fromisoformat(value) if value else None


def _score(value: Any) -> int | None:
    if value is None:
        return None
    if not isinstance(value, int) or not 0 <= value <= 100:
        raise ValueError(f"score {value!r} is not 0-100")
    return value


def _entry(bundle: Bundle, item: dict[str, Any], line: str) -> None:
    if item.get("status") not in ENTRY_STATUSES:
        raise ValueError(f"status {item.get('status')!r} is not one of {', '.join(ENTRY_STATUSES)}")
    entry = {
        "status": item["status"],
        "progress": _whole(item.get("progress") or 0, "progress", 0, MAX_PROGRESS),
        "score": _score(item.get("score")),
        "started_on": _day(item.get("started_on")),
        "finished_on": _day(item.get("finished_on")),
        "rewatch_count": _whole(item.get("rewatch_count") or 0, "rewatch_count", 0, MAX_REWATCHES),
        "notes": str(item.get("notes") or ""),
        "is_favourite": bool(item.get("is_favourite")),
        "tags": [str(t) for t in item.get("tags") or []],
        "priority": _whole(item.get("priority") or 0, "priority", min(PRIORITIES), max(PRIORITIES)),
    }
    bundle.record(_ref(item.get("title")), line).entry.update(entry)


def _watch(bundle: Bundle, item: dict[str, Any], line: str) -> None:
    number = item.get("number")
    watch = Watch(
        parse_moment(item["watched_at"]),
        number=_whole(number, "number", 1, MAX_PROGRESS) if number is not None else None,
        score=_score(item.get("score")),
        note=str(item.get("note") or ""),
        rewatch=bool(item.get("rewatch")),
    )
    bundle.record(_ref(item.get("title")), line).watches.append(watch)


def _review(bundle: Bundle, item: dict[str, Any], line: str) -> None:
    body = item.get("body")
    if not isinstance(body, str) or not body.strip():
        raise ValueError("a review needs a body")
    created, updated = item.get("created_at"), item.get("updated_at")
    bundle.record(_ref(item.get("title")), line).review = ReviewData(
        body,
        bool(item.get("spoiler")),
        parse_moment(created) if created else None,
        parse_moment(updated) if updated else None,
    )


def _list(bundle: Bundle, spec: dict[str, Any], line: str) -> None:
    name = str(spec.get("name") or "").strip()
    if not name:
        raise ValueError("a list needs a name")
    key = f"list:{name}"
    bundle.lists[key] = ListSpec(
        name,
        str(spec.get("description") or ""),
        bool(spec.get("is_public", True)),
        bool(spec.get("is_ranked")),
    )
    for n, item in enumerate(spec.get("items") or [], start=1):
        added = item.get("added_at")
        membership = Membership(
            key,
            int(item.get("position") or n),
            str(item.get("note") or ""),
            parse_moment(added) if added else None,
        )
        bundle.record(_ref(item.get("title")), f"{line}.items[{n}]").lists.append(membership)
