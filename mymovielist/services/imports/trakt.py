"""Trakt's export: the API's own JSON for history, watched, ratings and watchlist.

Accepted as one JSON object {"history": [...], "watched": [...], "ratings": [...], "watchlist": [...]}
or as the ZIP of files Trakt's data export writes (watched-history.json, watched-movies.json,
watched-shows.json, ratings-movies.json, ratings-shows.json, watchlist-movies.json, ...). Items are
the documented shapes of GET /sync/history, /sync/watched, /sync/ratings and /sync/watchlist: a
"movie" or "show" object with "title", "year" and "ids" (trakt, slug, imdb, tmdb), plus
"watched_at", "plays", "last_watched_at", "rating" (1-10), "rated_at" or "listed_at". Titles are
matched by TMDB id, then IMDb id, then (neither known here) by title and year.
"""

from __future__ import annotations

from typing import Any

from mymovielist import safejson
from mymovielist.services.imports.files import is_zip, read_zip, text
from mymovielist.services.imports.records import (
    Bundle,
    ImportFileError,
    Record,
    TitleRef,
    Watch,
    parse_moment,
)

SECTIONS = ("history", "watched", "ratings", "watchlist")
FILE_SECTIONS = {
    "watched-history": "history",
    "history": "history",
    "watched": "watched",
    "ratings": "ratings",
    "watchlist": "watchlist",
}


def parse(data: bytes) -> Bundle:
    """Every watch, play count, rating and watchlist item of a Trakt export."""
    sections = _sections(data)
    bundle = Bundle()
    for section in ("watchlist", "watched", "ratings", "history"):
        for n, item in enumerate(sections.get(section, []), start=1):
            line = f"{section} item {n}"
            if not isinstance(item, dict):
                raise ImportFileError(f"{line} is not an object: this is not a Trakt export.")
            try:
                READERS[section](bundle, item, line)
            except (ValueError, TypeError, KeyError) as error:
                bundle.problems.append(f"{line}: {error}.")
    for record in bundle.records.values():
        _finish(record)
    return bundle


def _finish(record: Record) -> None:
    """Status and progress from the history, once every section is read (a rating never sets them).

    History comes newest first: in time order, a unit seen before is a rewatch. A movie watched is
    completed; a show gets the number of its episodes watched, and the writer completes it only when
    that is every episode of our title. What was watched is no longer only planned.
    """
    record.watches.sort(key=lambda watch: (watch.watched_at, watch.season or 0, watch.episode or 0))
    seen: set[tuple[int | None, int | None]] = set()
    for watch in record.watches:
        unit = (watch.season, watch.episode)
        watch.rewatch = unit in seen
        seen.add(unit)
    if record.watches:
        first = record.watches[0].watched_at.date()
        record.entry["started_on"] = first
        if record.ref.kind == "movie":
            record.entry.update(status="completed", progress=1, finished_on=first)
            record.entry["rewatch_count"] = max(record.entry.get("rewatch_count", 0), len(record.watches) - 1)
        else:
            episodes = len({unit for unit in seen if unit[0] != 0})  # specials are not progress
            record.entry["progress"] = max(record.entry.get("progress", 0), episodes)
    if record.entry.get("progress") and record.entry.get("status") == "planned":
        del record.entry["status"]


def _sections(data: bytes) -> dict[str, list[Any]]:
    if is_zip(data):
        sections: dict[str, list[Any]] = {}
        for name, content in sorted(read_zip(data).items()):
            stem = name.rsplit("/", 1)[-1].removesuffix(".json")
            section = FILE_SECTIONS.get(stem) or FILE_SECTIONS.get(stem.split("-", 1)[0])
            if section and name.endswith(".json"):
                sections.setdefault(section, []).extend(_list(_load(content, name), name))
        if not sections:
            raise ImportFileError("The ZIP holds no history, watched, ratings or watchlist JSON files.")
        return sections
    document = _load(data, "The file")
    if not isinstance(document, dict) or not any(key in document for key in SECTIONS):
        raise ImportFileError(
            "The JSON is not a Trakt export: it needs an object with history, watched, ratings or watchlist."
        )
    return {key: _list(document[key], key) for key in SECTIONS if key in document}


def _load(data: bytes, name: str) -> Any:
    try:
        return safejson.loads(text(data, name))
    except safejson.JSONRefused as error:
        raise ImportFileError(f"{name} cannot be imported: {error}.") from None


def _list(value: Any, name: str) -> list[Any]:
    if not isinstance(value, list):
        raise ImportFileError(f"{name} is not a list of items: this is not a Trakt export.")
    return value


def _ref(item: dict[str, Any]) -> tuple[TitleRef, str]:
    for key, kind, tmdb in (("movie", "movie", "tmdb:movie"), ("show", "series", "tmdb:tv")):
        work = item.get(key)
        if isinstance(work, dict):
            ids = work.get("ids") or {}
            found = {}
            if ids.get("tmdb"):
                found[tmdb] = str(int(ids["tmdb"]))
            if ids.get("imdb"):
                found["imdb:title"] = str(ids["imdb"])
            year = work.get("year")
            return TitleRef(
                kind, str(work.get("title") or "untitled"), int(year) if year else None, found
            ), key
    raise ValueError(f"no movie or show in a {item.get('type', 'untyped')!r} item")


def _record(bundle: Bundle, item: dict[str, Any], line: str) -> tuple[Record, str]:
    ref, key = _ref(item)
    return bundle.record(ref, line), key


def _watchlist(bundle: Bundle, item: dict[str, Any], line: str) -> None:
    record, _ = _record(bundle, item, line)
    record.entry.setdefault("status", "planned")
    if item.get("notes"):
        record.entry["notes"] = str(item["notes"])


def _watched(bundle: Bundle, item: dict[str, Any], line: str) -> None:
    record, key = _record(bundle, item, line)
    last = parse_moment(item["last_watched_at"]).date() if item.get("last_watched_at") else None
    if key == "movie":
        record.entry.update(
            status="completed", progress=1, rewatch_count=max(int(item.get("plays") or 1) - 1, 0)
        )
        if last:
            record.entry["finished_on"] = last
    else:
        episodes = sum(
            len(season.get("episodes") or [])
            for season in item.get("seasons") or []
            if season.get("number") != 0
        )
        record.entry["progress"] = max(record.entry.get("progress", 0), episodes)


def _ratings(bundle: Bundle, item: dict[str, Any], line: str) -> None:
    if item.get("type") in ("season", "episode"):
        raise ValueError(f"{item['type']} ratings are not kept (only movies and shows are rated here)")
    rating = int(item["rating"])
    if not 1 <= rating <= 10:
        raise ValueError(f"rating {rating} is not 1-10")
    record, _ = _record(bundle, item, line)
    record.entry["score"] = rating * 10


def _history(bundle: Bundle, item: dict[str, Any], line: str) -> None:
    record, key = _record(bundle, item, line)
    moment = parse_moment(item["watched_at"])
    if key == "movie":
        record.watches.append(Watch(moment))
    else:
        episode = item.get("episode") or {}
        record.watches.append(Watch(moment, season=int(episode["season"]), episode=int(episode["number"])))


READERS = {"history": _history, "watched": _watched, "ratings": _ratings, "watchlist": _watchlist}
