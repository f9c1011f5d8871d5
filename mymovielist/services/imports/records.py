"""What every parser produces: records keyed by the title they are about, whatever the file's layout.

A `Record` gathers all a file says about one title (entry fields, watches, a review, list places),
so Letterboxd's seven CSV files or Trakt's four sections merge into one row per title. Records
and lists round-trip through JSON: unmatched ones wait in the job until the user picks a title.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from typing import Any

# The order ids are tried in; a record is keyed by the first one it has.
ID_PRIORITY = ("jikan:anime", "jikan:manga", "tmdb:movie", "tmdb:tv", "imdb:title", "letterboxd:film")
ENTRY_FIELDS = (
    "status",
    "progress",
    "score",
    "started_on",
    "finished_on",
    "rewatch_count",
    "notes",
    "is_favourite",
    "tags",
    "priority",
)
DATE_FIELDS = ("started_on", "finished_on")


class ImportFileError(ValueError):
    """The file as a whole cannot be imported (wrong format, broken, too large); nothing is written."""


def normalize_name(name: str) -> str:
    """A title reduced for comparison: no accents, case, punctuation or leading article."""
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    text = re.sub(r"&", " and ", text)
    words = re.findall(r"[a-z0-9]+", text)
    if len(words) > 1 and words[0] in ("the", "a", "an"):
        words = words[1:]
    return " ".join(words)


@dataclass
class TitleRef:
    """How a file names a title: its kind, name, year and any provider ids ("tmdb:movie" -> "603")."""

    kind: str
    name: str
    year: int | None = None
    ids: dict[str, str] = field(default_factory=dict)

    @property
    def key(self) -> str:
        for provider in ID_PRIORITY:
            if self.ids.get(provider):
                return f"{provider}:{self.ids[provider]}"
        return f"{self.kind}:{normalize_name(self.name)}:{self.year or ''}"

    def label(self) -> str:
        return f"{self.name} ({self.year})" if self.year else self.name


@dataclass
class Watch:
    """One watch: when, which unit (absolute number, or season and episode), its score and note."""

    watched_at: datetime
    number: int | None = None
    season: int | None = None
    episode: int | None = None
    score: int | None = None
    note: str = ""
    rewatch: bool = False


@dataclass
class Membership:
    list_key: str
    position: int
    note: str = ""
    added_at: datetime | None = None


@dataclass
class ReviewData:
    body: str
    spoiler: bool = False
    created_at: datetime | None = None
    updated_at: datetime | None = None


@dataclass
class Record:
    """Everything the file says about one title."""

    ref: TitleRef
    lines: list[str] = field(default_factory=list)
    entry: dict[str, Any] = field(default_factory=dict)
    watches: list[Watch] = field(default_factory=list)
    review: ReviewData | None = None
    lists: list[Membership] = field(default_factory=list)
    # The file keeps no watch log (MAL): the units its progress adds are logged as watches, as the
    # app logs progress, so they count in time watched.
    logs_progress: bool = False

    def to_json(self) -> dict[str, Any]:
        return _jsonable(asdict(self))

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Record:
        entry = dict(data.get("entry") or {})
        for name in DATE_FIELDS:
            if entry.get(name):
                entry[name] = date.fromisoformat(entry[name])
        review = data.get("review")
        return cls(
            ref=TitleRef(**data["ref"]),
            lines=list(data.get("lines") or []),
            entry=entry,
            watches=[
                Watch(**{**w, "watched_at": _moment(w["watched_at"])}) for w in data.get("watches") or []
            ],
            review=ReviewData(
                **{
                    **review,
                    "created_at": _moment(review.get("created_at")),
                    "updated_at": _moment(review.get("updated_at")),
                }
            )
            if review
            else None,
            lists=[
                Membership(**{**m, "added_at": _moment(m.get("added_at"))}) for m in data.get("lists") or []
            ],
            logs_progress=bool(data.get("logs_progress")),
        )


@dataclass
class ListSpec:
    name: str
    description: str = ""
    is_public: bool = True
    is_ranked: bool = False


@dataclass
class Bundle:
    """A parsed file: one record per title, the custom lists it names, and rows left out with why."""

    records: dict[str, Record] = field(default_factory=dict)
    lists: dict[str, ListSpec] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    def record(self, ref: TitleRef, line: str) -> Record:
        """The record of `ref`'s title, created on first sight; `line` says where the file named it."""
        record = self.records.get(ref.key)
        if record is None:
            record = self.records[ref.key] = Record(ref)
        else:  # a later file may know more ids or the year
            record.ref.ids = {**ref.ids, **record.ref.ids}
            record.ref.year = record.ref.year or ref.year
        record.lines.append(line)
        return record

    def __len__(self) -> int:
        return len(self.records)


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def _moment(value: str | datetime | None) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    return parse_moment(value)


def parse_moment(text: str) -> datetime:
    """An ISO 8601 moment ("2016-08-28T19:30:00.000Z") as an aware UTC datetime."""
    moment = datetime.fromisoformat(text.strip())  # Python 3.11 reads a trailing "Z"
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def noon(on: date) -> datetime:
    """A day as the moment of a watch, as the watch log stores dates: noon UTC."""
    return datetime(on.year, on.month, on.day, 12, tzinfo=UTC)
