"""Provider-neutral catalog records: what a provider mapping produces and `upsert` stores.

Every source of catalog data (a TMDB, Jikan or Comic Vine response, the bundled demo
catalog) is turned into these plain dataclasses first, so one upsert path writes the
database whatever the data came from. Records serialize to and from plain JSON dicts.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import date
from typing import Any

KINDS = ("movie", "series", "anime", "comic")
STATUSES = ("upcoming", "airing", "finished", "cancelled")


@dataclass(frozen=True)
class ExternalRef:
    """An identifier of a record at a provider, e.g. ("tmdb", "movie", "76")."""

    provider: str
    kind: str
    value: str
    url: str | None = None


@dataclass
class PersonRecord:
    name: str
    ref: ExternalRef | None = None
    image_url: str | None = None


@dataclass
class CreditRecord:
    """One line of cast or crew, in billing order within its role."""

    person: PersonRecord
    role: str  # "cast" or "crew"
    character: str = ""
    job: str = ""
    department: str = ""
    order: int = 0


@dataclass
class VoiceRecord:
    person: PersonRecord
    language: str = ""


@dataclass
class CharacterRecord:
    name: str
    ref: ExternalRef | None = None
    image_url: str | None = None
    role: str = "supporting"  # "main" or "supporting"
    voices: list[VoiceRecord] = field(default_factory=list)
    order: int = 0


@dataclass
class RelationRecord:
    """A link to another work; `target` identifies it at the provider."""

    relation: str  # sequel, prequel, adaptation, spin-off, side story, alternative, ...
    target: ExternalRef
    name: str = ""


@dataclass
class EpisodeRecord:
    """An installment: an episode of a series or anime, or an issue of a comic volume."""

    number: int
    name: str = ""
    season_number: int | None = None
    air_date: date | None = None
    runtime_minutes: int | None = None
    synopsis: str = ""
    ref: ExternalRef | None = None


@dataclass
class SeasonRecord:
    number: int
    name: str = ""
    air_date: date | None = None
    episode_count: int | None = None
    poster_url: str | None = None
    synopsis: str = ""


@dataclass
class TitleRecord:
    """A catalog work as a provider describes it. Unknown values are None, never guessed."""

    kind: str
    title: str
    refs: list[ExternalRef]
    original_title: str | None = None
    alt_titles: list[str] = field(default_factory=list)
    synopsis: str = ""
    release_date: date | None = None
    end_date: date | None = None
    year: int | None = None
    status: str | None = None
    poster_url: str | None = None
    backdrop_url: str | None = None
    language: str | None = None
    age_rating: str | None = None
    adult: bool = False
    provider_score: float | None = None  # 0-10 as the provider reports it
    provider_votes: int | None = None
    popularity: float | None = None
    genres: list[str] = field(default_factory=list)
    credits: list[CreditRecord] = field(default_factory=list)
    characters: list[CharacterRecord] = field(default_factory=list)
    relations: list[RelationRecord] = field(default_factory=list)
    seasons: list[SeasonRecord] = field(default_factory=list)
    episodes: list[EpisodeRecord] = field(default_factory=list)
    # Kind-specific facts; keys are the column names of the kind's table
    # (movie: runtime_minutes, tagline, collection, budget, revenue;
    #  series: networks, season_count, episode_count, episode_minutes;
    #  anime: format, episode_count, episode_minutes, studios, source, season, season_year;
    #  comic: format, publisher, volume_count, issue_count).
    details: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown kind {self.kind!r}")
        if not self.title or not self.title.strip():
            raise ValueError("a title record needs a title")
        if not self.refs:
            raise ValueError(f"title record {self.title!r} has no external id")
        if self.status is not None and self.status not in STATUSES:
            raise ValueError(f"unknown status {self.status!r}")
        if self.year is None and self.release_date is not None:
            self.year = self.release_date.year

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (dates as ISO strings)."""
        return _jsonable(dataclasses.asdict(self))

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TitleRecord:
        """Rebuild a record from `to_dict` output."""
        d = dict(data)
        d["refs"] = [ExternalRef(**r) for r in d.get("refs", [])]
        d["credits"] = [
            CreditRecord(**{**c, "person": _person(c["person"])}) for c in d.get("credits", [])
        ]
        d["characters"] = [_character(c) for c in d.get("characters", [])]
        d["relations"] = [
            RelationRecord(**{**r, "target": ExternalRef(**r["target"])})
            for r in d.get("relations", [])
        ]
        d["seasons"] = [
            SeasonRecord(**{**s, "air_date": _date(s.get("air_date"))}) for s in d.get("seasons", [])
        ]
        d["episodes"] = [
            EpisodeRecord(
                **{
                    **e,
                    "air_date": _date(e.get("air_date")),
                    "ref": ExternalRef(**e["ref"]) if e.get("ref") else None,
                }
            )
            for e in d.get("episodes", [])
        ]
        d["release_date"] = _date(d.get("release_date"))
        d["end_date"] = _date(d.get("end_date"))
        return cls(**d)


def _person(data: dict[str, Any]) -> PersonRecord:
    ref = data.get("ref")
    return PersonRecord(
        name=data["name"], ref=ExternalRef(**ref) if ref else None, image_url=data.get("image_url")
    )


def _character(data: dict[str, Any]) -> CharacterRecord:
    ref = data.get("ref")
    return CharacterRecord(
        name=data["name"],
        ref=ExternalRef(**ref) if ref else None,
        image_url=data.get("image_url"),
        role=data.get("role", "supporting"),
        voices=[VoiceRecord(person=_person(v["person"]), language=v.get("language", "")) for v in data.get("voices", [])],
        order=data.get("order", 0),
    )


def _date(value: str | date | None) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(value)


def _jsonable(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    return value
