"""Jikan (the unofficial MyAnimeList API v4) responses to records: anime, and manga as comics."""

from __future__ import annotations

from mymovielist.providers.payload import Payload
from mymovielist.sync.mapping.common import clip, joined, minutes
from mymovielist.sync.records import (
    CharacterRecord,
    CreditRecord,
    EpisodeRecord,
    ExternalRef,
    PersonRecord,
    RelationRecord,
    TitleRecord,
    VoiceRecord,
)

PROVIDER = "jikan"
SITE = "https://myanimelist.net"
ANIME_STATUSES = {"Finished Airing": "finished", "Currently Airing": "airing", "Not yet aired": "upcoming"}
MANGA_STATUSES = {
    "Finished": "finished", "Publishing": "airing", "On Hiatus": "airing", "Discontinued": "cancelled",
    "Not yet published": "upcoming",
}
# MAL's relation names to ours; anything else is kept in MAL's words, lower-cased.
RELATIONS = {
    "Sequel": "sequel", "Prequel": "prequel", "Adaptation": "adaptation", "Side Story": "side story",
    "Spin-Off": "spin-off", "Spin-off": "spin-off", "Alternative Version": "alternative",
    "Alternative Setting": "alternative", "Parent Story": "parent story", "Full Story": "full story",
    "Summary": "summary", "Character": "character", "Other": "other",
}
# Comic formats: MAL's manga types that are comics; novels are kept as comics of format "novel".
MANGA_FORMATS = {
    "Manga": "manga", "Manhwa": "manhwa", "Manhua": "manhua", "One-shot": "one-shot",
    "Doujinshi": "doujinshi", "Light Novel": "novel", "Novel": "novel", "OEL": "manga",
}


def _ref(kind: str, value: str) -> ExternalRef:
    return ExternalRef(PROVIDER, kind, value, f"{SITE}/{kind}/{value}")


def _image(p: Payload) -> str | None:
    images = p.obj("images")
    jpg = images.obj("jpg") if images else None
    if jpg is None:
        return None
    return jpg.str("large_image_url") or jpg.str("image_url")


def _person(p: Payload) -> PersonRecord:
    person_id = p.id("mal_id")
    return PersonRecord(
        name=p.str("name", required=True) or "",
        ref=ExternalRef(PROVIDER, "person", person_id, f"{SITE}/people/{person_id}"),
        image_url=_image(p),
    )


def _titles(p: Payload, main: str) -> tuple[str | None, list[str]]:
    """The original (Japanese) title and the other names a search should find."""
    names = [p.str("title_english"), p.str("title_japanese"), *p.strings("title_synonyms")]
    names += [t.str("title") for t in p.objects("titles")]
    alt = [n for n in dict.fromkeys(n for n in names if n) if n != main]
    return clip(p.str("title_japanese"), 500), alt[:20]


def _genres(p: Payload) -> list[str]:
    return p.names("genres") + p.names("themes") + p.names("demographics") + p.names("explicit_genres")


def _relations(p: Payload) -> list[RelationRecord]:
    out = []
    for group in p.objects("relations"):
        relation = RELATIONS.get(group.text("relation"), group.text("relation").lower() or "other")
        for entry in group.objects("entry"):
            kind = entry.text("type")
            if kind in ("anime", "manga"):
                out.append(RelationRecord(clip(relation, 32) or "other", _ref(kind, entry.id("mal_id")), entry.text("name")))
    return out


def _score(p: Payload) -> float | None:
    score = p.float("score")
    return score if score else None  # MAL reports 0 or null for "not scored yet"


def _popularity(p: Payload) -> float | None:
    members = p.int("members")
    return members / 1000 if members else None  # members in thousands: TMDB-like magnitudes


def _shared_fields(p: Payload, kind: str, period: str) -> dict:
    """What anime and manga objects share: names, synopsis, dates (`aired` or `published`), cover."""
    title = p.str("title", required=True) or ""
    original, alt = _titles(p, title)
    dates = p.obj(period)
    return {
        "title": clip(title, 500) or "",
        "refs": [_ref(kind, p.id("mal_id"))],
        "original_title": original,
        "alt_titles": alt,
        "synopsis": p.text("synopsis"),
        "release_date": dates.date("from") if dates else None,
        "end_date": dates.date("to") if dates else None,
        "poster_url": _image(p),
        "language": "ja",
    }


def anime_record(data: dict) -> TitleRecord:
    """The `data` of GET /anime/{id}/full, /anime/{id}, or an entry of a list (top, search, season)."""
    p = Payload(data, provider=PROVIDER)
    return TitleRecord(
        kind="anime",
        **_shared_fields(p, "anime", "aired"),
        year=p.int("year"),
        status=ANIME_STATUSES.get(p.text("status")),
        age_rating=clip(p.str("rating"), 64),
        adult=p.text("rating").startswith("Rx"),
        provider_score=_score(p),
        provider_votes=p.int("scored_by"),
        popularity=_popularity(p),
        genres=_genres(p),
        relations=_relations(p),
        details={
            "format": clip(p.str("type"), 32),
            "episode_count": p.int("episodes"),
            "episode_minutes": minutes(p.str("duration")),
            "studios": joined(p.names("studios")),
            "source": clip(p.str("source"), 64),
            "season": clip(p.str("season"), 16),
            "season_year": p.int("year"),
        },
    )


def manga_record(data: dict) -> TitleRecord:
    """The `data` of GET /manga/{id}/full, /manga/{id}, or an entry of a list: a comic."""
    p = Payload(data, provider=PROVIDER)
    authors = [
        CreditRecord(_person(a), "crew", job="Author", department="Writing", order=i)
        for i, a in enumerate(p.objects("authors"))
    ]
    return TitleRecord(
        kind="comic",
        **_shared_fields(p, "manga", "published"),
        status=MANGA_STATUSES.get(p.text("status")),
        provider_score=_score(p),
        provider_votes=p.int("scored_by"),
        popularity=_popularity(p),
        genres=_genres(p),
        credits=authors,
        relations=_relations(p),
        details={
            "format": MANGA_FORMATS.get(p.text("type"), clip(p.str("type"), 32)),
            "publisher": joined(p.names("serializations"), 200),
            "volume_count": p.int("volumes"),
            "issue_count": p.int("chapters"),
        },
    )


def characters(data: list) -> list[CharacterRecord]:
    """The `data` of GET /anime/{id}/characters: main characters first, with their voice actors."""
    rows = [Payload(item, f"data[{i}]", PROVIDER) for i, item in enumerate(data or [])]
    out = []
    for i, row in enumerate(rows):
        character = row.obj("character", required=True)
        char_id = character.id("mal_id")
        voices = [
            VoiceRecord(_person(v.obj("person", required=True)), clip(v.text("language"), 32) or "")
            for v in row.objects("voice_actors")
        ]
        out.append(
            CharacterRecord(
                name=clip(character.str("name", required=True), 300) or "",
                ref=ExternalRef(PROVIDER, "character", char_id, f"{SITE}/character/{char_id}"),
                image_url=_image(character),
                role="main" if row.text("role") == "Main" else "supporting",
                voices=voices,
                order=i,
            )
        )
    out.sort(key=lambda c: (c.role != "main", c.order))
    return out


def staff(data: list) -> list[CreditRecord]:
    """The `data` of GET /anime/{id}/staff: one crew credit per person and position."""
    out = []
    for i, item in enumerate(data or []):
        row = Payload(item, f"data[{i}]", PROVIDER)
        person = _person(row.obj("person", required=True))
        for position in row.strings("positions") or ["Staff"]:
            out.append(CreditRecord(person, "crew", job=clip(position, 200) or "", order=len(out)))
    return out


def episodes(data: list) -> list[EpisodeRecord]:
    """The `data` of GET /anime/{id}/episodes."""
    out = []
    for i, item in enumerate(data or []):
        row = Payload(item, f"data[{i}]", PROVIDER)
        out.append(
            EpisodeRecord(
                number=row.int("mal_id", required=True) or 0,
                name=clip(row.text("title"), 500) or "",
                air_date=row.date("aired"),
            )
        )
    return out


def entry_record(data: dict, kind: str) -> TitleRecord:
    """A bare `entry` ({mal_id, url, images, title}) of recommendations and watch lists."""
    p = Payload(data, provider=PROVIDER)
    return TitleRecord(
        kind="anime" if kind == "anime" else "comic",
        title=clip(p.str("title", required=True), 500) or "",
        refs=[_ref(kind, p.id("mal_id"))],
        poster_url=_image(p),
        language="ja",
    )
