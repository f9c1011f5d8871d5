"""MyAnimeList's list export (XML, usually gzipped): <myanimelist> with <myinfo>, <anime> and <manga>.

Fields as MAL writes them (Profile > Export lists): anime rows carry series_animedb_id,
series_title, series_type, series_episodes, my_watched_episodes, my_start_date, my_finish_date,
my_score (0 = not scored), my_status, my_comments, my_times_watched, my_priority, my_tags and
update_on_import; manga rows carry manga_mangadb_id, manga_title, manga_chapters,
my_read_chapters, my_times_read and the same my_* fields. Older exports write my_status as a
number (1 watching, 2 completed, 3 on hold, 4 dropped, 6 plan to watch); unknown dates are
0000-00-00. The XML is parsed by defusedxml: entity expansion and external entities are refused.
MAL keeps no watch log: the episodes and chapters of my_watched_episodes and my_read_chapters are
logged as watches on my_finish_date, else my_start_date, else the import day (writer.py).
"""

from __future__ import annotations

from datetime import date
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from mymovielist.services.imports.files import gunzip, is_gzip, text
from mymovielist.services.imports.records import Bundle, ImportFileError, TitleRef

STATUS_TEXT = {
    "watching": "watching",
    "reading": "watching",
    "completed": "completed",
    "on-hold": "on_hold",
    "on hold": "on_hold",
    "dropped": "dropped",
    "plan to watch": "planned",
    "plan to read": "planned",
}
STATUS_NUMBER = {"1": "watching", "2": "completed", "3": "on_hold", "4": "dropped", "6": "planned"}
PRIORITY = {"low": 0, "medium": 1, "high": 2, "0": 0, "1": 1, "2": 2}
# (element, id field, title field, progress field, times field, our kind, id namespace)
SECTIONS = (
    (
        "anime",
        "series_animedb_id",
        "series_title",
        "my_watched_episodes",
        "my_times_watched",
        "anime",
        "jikan:anime",
    ),
    ("manga", "manga_mangadb_id", "manga_title", "my_read_chapters", "my_times_read", "comic", "jikan:manga"),
)


def parse(data: bytes) -> Bundle:
    """Every anime and manga row of a MAL export (gzip or plain XML)."""
    if is_gzip(data):
        data = gunzip(data)
    try:
        root = fromstring(text(data, "The file"))
    except ParseError as error:
        raise ImportFileError(f"The file is not valid XML ({error}).") from None
    except DefusedXmlException:
        raise ImportFileError("The XML declares entities; a MyAnimeList export never does.") from None
    if root.tag != "myanimelist":
        raise ImportFileError("This XML is not a MyAnimeList export (its root is not <myanimelist>).")
    bundle = Bundle()
    for element, id_field, title_field, progress_field, times_field, kind, namespace in SECTIONS:
        for n, row in enumerate(root.iter(element), start=1):
            _read_row(
                bundle,
                row,
                f"<{element}> {n}",
                id_field,
                title_field,
                progress_field,
                times_field,
                kind,
                namespace,
            )
    if not bundle.records and not bundle.problems:
        raise ImportFileError("The export holds no <anime> or <manga> entries.")
    return bundle


def _field(row: Element, name: str) -> str:
    return (row.findtext(name) or "").strip()


def _read_row(
    bundle: Bundle,
    row: Element,
    line: str,
    id_field: str,
    title_field: str,
    progress_field: str,
    times_field: str,
    kind: str,
    namespace: str,
) -> None:
    mal_id, name = _field(row, id_field), _field(row, title_field)
    if not mal_id.isdigit():
        bundle.problems.append(f"{line} ({name or 'no title'}): {id_field} is missing or not a number.")
        return
    try:
        entry = {
            "status": _status(_field(row, "my_status")),
            "progress": _count(_field(row, progress_field), progress_field),
            "score": _score(_field(row, "my_score")),
            "started_on": _date(_field(row, "my_start_date")),
            "finished_on": _date(_field(row, "my_finish_date")),
            "rewatch_count": _count(_field(row, times_field), times_field),
            "notes": _field(row, "my_comments"),
            "tags": [tag.strip() for tag in _field(row, "my_tags").split(",") if tag.strip()],
            "priority": PRIORITY.get(_field(row, "my_priority").lower(), 0),
        }
    except ValueError as error:
        bundle.problems.append(f"{line} ({name or mal_id}): {error}")
        return
    record = bundle.record(TitleRef(kind, name or f"MyAnimeList {mal_id}", None, {namespace: mal_id}), line)
    record.entry.update(entry)
    record.logs_progress = True


def _status(value: str) -> str:
    status = STATUS_NUMBER.get(value) or STATUS_TEXT.get(value.lower())
    if status is None:
        raise ValueError(f"my_status {value!r} is not a MyAnimeList status.")
    return status


def _count(value: str, name: str) -> int:
    if not value:
        return 0
    if not value.isdigit() or int(value) > 100_000:
        raise ValueError(f"{name} {value!r} is not a count.")
    return int(value)


def _score(value: str) -> int | None:
    if value in ("", "0"):
        return None
    if not value.isdigit() or not 1 <= int(value) <= 10:
        raise ValueError(f"my_score {value!r} is not 0-10.")
    return int(value) * 10


def _date(value: str) -> date | None:
    """A MAL date; 0000-00-00 means unknown, and a partly known one (2019-05-00) keeps what is known."""
    if not value or value.startswith("0000"):
        return None
    year, _, rest = value.partition("-")
    month, _, day = rest.partition("-")
    try:
        return date(int(year), max(int(month or 1), 1), max(int(day or 1), 1))
    except ValueError:
        raise ValueError(f"date {value!r} is not a date.") from None
