"""Exports of a user's history: our JSON (full fidelity) and CSV, MyAnimeList XML, Letterboxd CSV.

Our JSON is what services/imports/ours.py reads back: exporting, wiping, importing and exporting
again gives the same document (only `exported_at` differs). MAL XML follows MAL's own export
(myinfo, then one <anime> or <manga> per title with a MyAnimeList id) with update_on_import set,
so MAL's import applies it. The Letterboxd CSV uses the columns of Letterboxd's importer (Title,
Year, tmdbID, imdbID, Rating, WatchedDate, Rewatch, Review): one row per watch of a film.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections import defaultdict
from typing import Any
from xml.sax.saxutils import escape

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from mymovielist.extensions import db
from mymovielist.models import (
    CustomList,
    CustomListItem,
    ExternalId,
    ListEntry,
    Review,
    Title,
    User,
    WatchEvent,
    utcnow,
)
from mymovielist.services import scores
from mymovielist.services.imports.records import ENTRY_FIELDS

FORMAT, VERSION = "mymovielist", 1
MAL_STATUS = {
    "watching": "Watching",
    "completed": "Completed",
    "on_hold": "On-Hold",
    "dropped": "Dropped",
    "planned": "Plan to Watch",
}
MAL_READ_STATUS = {**MAL_STATUS, "watching": "Reading", "planned": "Plan to Read"}
MAL_PRIORITY = {0: "LOW", 1: "MEDIUM", 2: "HIGH"}


def _ids(titles: list[Title]) -> dict[int, dict[str, str]]:
    found: dict[int, dict[str, str]] = defaultdict(dict)
    if titles:
        rows = db.session.execute(
            select(ExternalId.title_id, ExternalId.provider, ExternalId.kind, ExternalId.value).where(
                ExternalId.title_id.in_([t.id for t in titles])
            )
        )
        for title_id, provider, kind, value in rows:
            found[title_id][f"{provider}:{kind}"] = value
    return found


def _ref(title: Title, ids: dict[int, dict[str, str]]) -> dict[str, Any]:
    return {
        "kind": title.kind,
        "name": title.title,
        "year": title.year,
        "ids": dict(sorted(ids[title.id].items())),
    }


def _day(value) -> str | None:
    return value.isoformat() if value else None


def _load(user: User) -> dict[str, list]:
    entries = list(
        db.session.scalars(
            select(ListEntry).where(ListEntry.user_id == user.id).options(selectinload(ListEntry.title))
        )
    )
    watches = list(
        db.session.scalars(
            select(WatchEvent).where(WatchEvent.user_id == user.id).options(selectinload(WatchEvent.title))
        )
    )
    reviews = list(
        db.session.scalars(
            select(Review).where(Review.user_id == user.id).options(selectinload(Review.title))
        )
    )
    custom = list(
        db.session.scalars(
            select(CustomList)
            .where(CustomList.user_id == user.id)
            .options(selectinload(CustomList.items).selectinload(CustomListItem.title))
        )
    )
    return {"entries": entries, "watches": watches, "reviews": reviews, "lists": custom}


def _sort_key(title: Title) -> tuple:
    return (title.kind, title.title.lower(), title.year or 0, title.id)


def export_data(user: User) -> dict[str, Any]:
    """Everything the user keeps, as our export document (sorted, so two exports compare equal)."""
    data = _load(user)
    titles = (
        [e.title for e in data["entries"]]
        + [w.title for w in data["watches"]]
        + [r.title for r in data["reviews"]]
        + [i.title for c in data["lists"] for i in c.items]
    )
    ids = _ids(list({t.id: t for t in titles}.values()))
    entries = [
        {
            "title": _ref(e.title, ids),
            "status": e.status,
            "progress": e.progress,
            "score": e.score,
            "started_on": _day(e.started_on),
            "finished_on": _day(e.finished_on),
            "rewatch_count": e.rewatch_count,
            "notes": e.notes,
            "is_favourite": e.is_favourite,
            "tags": list(e.tags or []),
            "priority": e.priority,
        }
        for e in sorted(data["entries"], key=lambda e: _sort_key(e.title))
    ]
    watches = [
        {
            "title": _ref(w.title, ids),
            "watched_at": w.watched_at.isoformat(),
            "number": w.number,
            "score": w.score,
            "note": w.note,
            "rewatch": w.is_rewatch,
        }
        for w in sorted(
            data["watches"], key=lambda w: (w.watched_at, _sort_key(w.title), w.number or 0, w.is_rewatch)
        )
    ]
    reviews = [
        {
            "title": _ref(r.title, ids),
            "body": r.body,
            "spoiler": r.spoiler,
            "created_at": r.created_at.isoformat(),
            "updated_at": r.updated_at.isoformat(),
        }
        for r in sorted(data["reviews"], key=lambda r: _sort_key(r.title))
    ]
    custom = [
        {
            "name": c.name,
            "description": c.description,
            "is_public": c.is_public,
            "is_ranked": c.is_ranked,
            "items": [
                {
                    "title": _ref(i.title, ids),
                    "position": i.position,
                    "note": i.note,
                    "added_at": i.added_at.isoformat(),
                }
                for i in sorted(c.items, key=lambda i: i.position)
            ],
        }
        for c in sorted(data["lists"], key=lambda c: c.name.lower())
    ]
    return {
        "format": FORMAT,
        "version": VERSION,
        "exported_at": utcnow().isoformat(),
        "user": user.username,
        "entries": entries,
        "watches": watches,
        "reviews": reviews,
        "lists": custom,
    }


def export_json(user: User) -> bytes:
    return json.dumps(export_data(user), ensure_ascii=False, indent=2).encode()


def _csv(rows: list[dict[str, Any]], columns: list[str]) -> str:
    out = io.StringIO()
    # RFC 4180's CRLF: Python's writer quotes only fields holding a character of the line
    # terminator, so with "\n" a lone "\r" in a note went out bare and split the row in two.
    writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\r\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: _cell(row.get(k)) for k in columns})
    return out.getvalue()


def _cell(value: Any) -> Any:
    if isinstance(value, list | dict):
        value = json.dumps(value, ensure_ascii=False, sort_keys=True)
    return "" if value is None else defuse_formula(value) if isinstance(value, str) else value


# A spreadsheet runs a cell that starts with one of these as a formula (OWASP, "CSV Injection").
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def defuse_formula(text: str) -> str:
    """Text a spreadsheet shows as text: a leading quote before a formula-like start, numbers kept."""
    if not text.startswith(_FORMULA_STARTS):
        return text
    try:
        float(text)  # "-3" or "+1.5" are values, not formulas
    except ValueError:
        return "'" + text
    return text


def _flat(row: dict[str, Any]) -> dict[str, Any]:
    title = row.pop("title")
    return {"kind": title["kind"], "title": title["name"], "year": title["year"], "ids": title["ids"], **row}


def export_csv_zip(user: User) -> bytes:
    """Our export as CSV, one file per part (entries, watches, reviews, list items), in a ZIP."""
    data = export_data(user)
    head = ["kind", "title", "year", "ids"]
    parts = {
        "entries.csv": (
            [_flat(e) for e in data["entries"]],
            head + list(ENTRY_FIELDS),
        ),
        "watches.csv": (
            [_flat(w) for w in data["watches"]],
            head + ["watched_at", "number", "score", "note", "rewatch"],
        ),
        "reviews.csv": (
            [_flat(r) for r in data["reviews"]],
            head + ["body", "spoiler", "created_at", "updated_at"],
        ),
        "lists.csv": (
            [
                {
                    "list": c["name"],
                    "list_description": c["description"],
                    "is_public": c["is_public"],
                    "is_ranked": c["is_ranked"],
                    **_flat(i),
                }
                for c in data["lists"]
                for i in c["items"]
            ],
            ["list", "list_description", "is_public", "is_ranked", "position", *head, "note", "added_at"],
        ),
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, (rows, columns) in parts.items():
            archive.writestr(name, _csv(rows, columns))
    return buffer.getvalue()


def export_mal(user: User, kind: str) -> bytes:
    """The user's anime (kind "anime") or manga ("manga") with a MyAnimeList id, as MAL's XML."""
    ours, namespace = ("anime", "jikan:anime") if kind == "anime" else ("comic", "jikan:manga")
    entries = [e for e in _load(user)["entries"] if e.title.kind == ours]
    ids = _ids([e.title for e in entries])
    rows = sorted(
        ((ids[e.title.id][namespace], e) for e in entries if namespace in ids[e.title.id]),
        key=lambda pair: int(pair[0]) if pair[0].isdigit() else 0,
    )
    statuses = MAL_STATUS if kind == "anime" else MAL_READ_STATUS
    lines = [
        '<?xml version="1.0" encoding="UTF-8" ?>',
        "<myanimelist>",
        "  <myinfo>",
        f"    <user_name>{escape(user.username)}</user_name>",
        f"    <user_export_type>{1 if kind == 'anime' else 2}</user_export_type>",
        f"    <user_total_{kind}>{len(rows)}</user_total_{kind}>",
        "  </myinfo>",
    ]
    for mal_id, entry in rows:
        fields = _mal_fields(kind, mal_id, entry, statuses[entry.status])
        lines.append(f"  <{kind}>")
        lines.extend(f"    <{name}>{value}</{name}>" for name, value in fields)
        lines.append(f"  </{kind}>")
    lines.append("</myanimelist>")
    return ("\n".join(lines) + "\n").encode()


def _mal_fields(kind: str, mal_id: str, entry: ListEntry, status: str) -> list[tuple[str, str]]:
    title = entry.title
    score = (entry.score + 5) // 10 if entry.score else 0  # MAL scores are whole numbers 1-10
    common = [
        ("my_start_date", _day(entry.started_on) or "0000-00-00"),
        ("my_finish_date", _day(entry.finished_on) or "0000-00-00"),
        ("my_score", str(score)),
        ("my_status", status),
        ("my_comments", f"<![CDATA[{entry.notes.replace(']]>', ']] >')}]]>"),
        ("my_tags", f"<![CDATA[{', '.join(entry.tags or [])}]]>"),
        ("my_priority", MAL_PRIORITY.get(entry.priority, "LOW")),
    ]
    if kind == "anime":
        head = [
            ("series_animedb_id", mal_id),
            ("series_title", f"<![CDATA[{title.title}]]>"),
            ("series_episodes", str(getattr(title, "episode_count", None) or 0)),
            ("my_watched_episodes", str(entry.progress)),
        ]
        tail = [("my_times_watched", str(entry.rewatch_count))]
    else:
        head = [
            ("manga_mangadb_id", mal_id),
            ("manga_title", f"<![CDATA[{title.title}]]>"),
            ("manga_chapters", str(getattr(title, "issue_count", None) or 0)),
            ("my_read_chapters", str(entry.progress)),
            ("my_read_volumes", "0"),
        ]
        tail = [("my_times_read", str(entry.rewatch_count))]
    return head + common + tail + [("update_on_import", "1")]


def export_letterboxd(user: User) -> bytes:
    """The user's films in Letterboxd's import CSV: a row per watch (the diary), else one per film."""
    data = _load(user)
    # A planned film is no watch of its own, but its watches logged before keep the user's rating.
    entries = {e.title_id: e for e in data["entries"] if e.title.kind == "movie"}
    watches = defaultdict(list)
    for watch in data["watches"]:
        if watch.title.kind == "movie":
            watches[watch.title_id].append(watch)
    reviews = {r.title_id: r.body for r in data["reviews"] if r.title.kind == "movie"}
    films = {
        **{e.title_id: e.title for e in entries.values() if e.status != "planned"},
        **{w[0].title_id: w[0].title for w in watches.values()},
    }
    ids = _ids(list(films.values()))
    rows = []
    for title in sorted(films.values(), key=_sort_key):
        entry = entries.get(title.id)
        rating = scores.to_display(entry.score, "5stars") if entry and entry.score else None
        base = {
            "Title": title.title,
            "Year": title.year or "",
            "tmdbID": ids[title.id].get("tmdb:movie", ""),
            "imdbID": ids[title.id].get("imdb:title", ""),
            "Rating": rating if rating else "",
        }
        seen = sorted(watches.get(title.id, []), key=lambda w: w.watched_at)
        if not seen:
            watched = _day(entry.finished_on) if entry and entry.status == "completed" else ""
            rows.append(
                {**base, "WatchedDate": watched or "", "Rewatch": "", "Review": reviews.get(title.id, "")}
            )
        for n, watch in enumerate(seen):
            rows.append(
                {
                    **base,
                    "WatchedDate": watch.watched_at.date().isoformat(),
                    "Rewatch": "true" if watch.is_rewatch else "false",
                    "Review": reviews.get(title.id, "") if n == len(seen) - 1 else "",
                }
            )
    return _csv(
        rows, ["Title", "Year", "tmdbID", "imdbID", "Rating", "WatchedDate", "Rewatch", "Review"]
    ).encode()
