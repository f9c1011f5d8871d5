"""Comic Vine responses to records: a volume is a comic title, its issues are its installments.

Comic Vine descriptions are HTML; they are reduced to plain text through nh3 before they are
stored, so nothing a provider sends is ever rendered as markup.
"""

from __future__ import annotations

from mymovielist.providers.payload import Payload
from mymovielist.sync.mapping.common import clip, plain_text
from mymovielist.sync.records import (
    CharacterRecord,
    CreditRecord,
    EpisodeRecord,
    ExternalRef,
    PersonRecord,
    TitleRecord,
)

PROVIDER = "comicvine"
SITE = "https://comicvine.gamespot.com"
MAX_CHARACTERS = 40
MAX_PEOPLE = 40


def _image(p: Payload) -> str | None:
    image = p.obj("image")
    if image is None:
        return None
    url = image.str("super_url") or image.str("medium_url") or image.str("original_url")
    # Comic Vine's stand-in for "no cover" is a real URL of a blank image: treat it as none.
    return None if url is None or "/6373148-blank.png" in url else url


def _site_url(p: Payload, kind: str, value: str) -> str:
    return p.str("site_detail_url") or f"{SITE}/{kind}/{value}/"


def _synopsis(p: Payload) -> str:
    deck = p.text("deck")
    description = plain_text(p.str("description"))
    if deck and description and not description.startswith(deck):
        return f"{deck}\n\n{description}"
    return description or deck


def volume_record(results: dict) -> TitleRecord:
    """`results` of GET /volume/4050-{id}/, or one entry of GET /volumes/ or /search/."""
    p = Payload(results, "results", PROVIDER)
    volume_id = p.id()
    publisher = p.obj("publisher")
    start_year = p.int("start_year") if _is_year(p.str("start_year")) else None
    people = [
        CreditRecord(
            PersonRecord(
                name=clip(person.str("name", required=True), 300) or "",
                ref=ExternalRef(PROVIDER, "person", person.id(), person.str("site_detail_url")),
            ),
            "crew", job="Creator", order=i,
        )
        for i, person in enumerate(sorted(p.objects("people"), key=_by_count)[:MAX_PEOPLE])
    ]
    characters = [
        CharacterRecord(
            name=clip(c.str("name", required=True), 300) or "",
            ref=ExternalRef(PROVIDER, "character", c.id(), c.str("site_detail_url")),
            order=i,
        )
        for i, c in enumerate(sorted(p.objects("characters"), key=_by_count)[:MAX_CHARACTERS])
    ]
    return TitleRecord(
        kind="comic",
        title=clip(p.str("name", required=True), 500) or "",
        refs=[ExternalRef(PROVIDER, "volume", volume_id, _site_url(p, "volume", volume_id))],
        alt_titles=[a for a in (p.text("aliases").splitlines()) if a.strip()][:20],
        synopsis=_synopsis(p),
        year=start_year,
        poster_url=_image(p),
        credits=people,
        characters=characters,
        details={
            "format": "comic",
            "publisher": clip(publisher.str("name"), 200) if publisher else None,
            "issue_count": p.int("count_of_issues"),
        },
    )


def issue_episodes(results: list) -> list[EpisodeRecord]:
    """`results` of GET /issues/?filter=volume:{id}: one installment per issue with a whole number."""
    out = []
    for i, item in enumerate(results or []):
        issue = Payload(item, f"results[{i}]", PROVIDER)
        number = _issue_number(issue.str("issue_number"))
        if number is None:  # "1/2", "Annual 1": kept out rather than guessed
            continue
        out.append(
            EpisodeRecord(
                number=number,
                name=clip(issue.text("name"), 500) or "",
                air_date=issue.date("cover_date") or issue.date("store_date"),
                synopsis=_synopsis(issue),
                ref=ExternalRef(PROVIDER, "issue", issue.id(), issue.str("site_detail_url")),
            )
        )
    return out


def _by_count(p: Payload) -> int:
    """Most-appearing first (Comic Vine's `count` of appearances in the volume)."""
    return -(p.int("count") or 0)


def _is_year(text: str | None) -> bool:
    return bool(text) and text.strip().isdigit() and 1800 < int(text.strip()) < 2200


def _issue_number(text: str | None) -> int | None:
    if not text:
        return None
    text = text.strip()
    if text.isdigit():
        return int(text)
    try:
        value = float(text)
    except ValueError:
        return None
    return int(value) if value.is_integer() else None
