"""When two providers describe the same work: the rule the sync and the demo build share.

Two descriptions are one work when no provider has both (a provider never lists a work twice),
both years are known and at most one apart, the kinds fit (see `compatible_kinds`), they share a
normalized name, and the counts they both know agree. One year apart is allowed only when a main
name (title or original title, not a mere alternative title) is the same: countries release a
work in different years (Spirited Away: 2001 in Japan, 2002 in the US). A missing year is never
guessed around: "Ben-Hur" without a year may be the 1959 film or the 2016 one.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TypeVar

from mymovielist.models import Title
from mymovielist.sync.records import TitleRecord

T = TypeVar("T")
RUNTIME_SLACK = 15  # minutes two cuts of one film may differ by (festival, theatrical, TV)


def normalize_title(text: str | None) -> str:
    """Case, accents, punctuation and spacing folded away: "Cowboy Bebop!" == "cowboy  bebop"."""
    if not text:
        return ""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode() or text
    return re.sub(r"[\W_]+", " ", ascii_text.casefold()).strip()


def _names(*texts: str | None) -> frozenset[str]:
    return frozenset(n for n in map(normalize_title, texts) if n)


@dataclass(frozen=True)
class Work:
    """What matching looks at in a record or a stored title."""

    kind: str
    year: int | None
    main_names: frozenset[str]  # title and original title, normalized
    names: frozenset[str]  # those and the alternative titles
    providers: frozenset[str]
    language: str | None = None
    format: str | None = None  # anime: TV, Movie, OVA...
    episode_count: int | None = None
    runtime: int | None = None


def work_of_record(record: TitleRecord) -> Work:
    main = _names(record.title, record.original_title)
    return Work(
        kind=record.kind, year=record.year, main_names=main, names=main | _names(*record.alt_titles),
        providers=frozenset(r.provider for r in record.refs), language=record.language,
        format=record.details.get("format"), episode_count=record.details.get("episode_count"),
        runtime=record.details.get("runtime_minutes"),
    )


def work_of_title(title: Title) -> Work:
    main = _names(title.title, title.original_title)
    return Work(
        kind=title.kind, year=title.year, main_names=main, names=main | _names(*(title.alt_titles or ())),
        providers=frozenset(e.provider for e in title.external_ids), language=title.language,
        format=getattr(title, "format", None), episode_count=getattr(title, "episode_count", None),
        runtime=getattr(title, "runtime_minutes", None),
    )


def twin_kinds(work: Work) -> tuple[str, ...]:
    """Kinds a twin of this work may have at another provider; none for works only TMDB gives us.

    Anime come from TMDB and MAL, comics from MAL and Comic Vine. TMDB files a Japanese animated
    series as anime, but one without its Animation genre is a series, and an animated film is a
    movie; MAL calls both anime. Other movies and series meet only through shared ids (IMDb).
    """
    if work.kind == "anime":
        return ("anime", "series", "movie")
    if work.kind == "comic":
        return ("comic",)
    return ("anime",) if work.language == "ja" else ()


def compatible_kinds(a: Work, b: Work) -> bool:
    """Same kind; or a MAL anime and TMDB's Japanese series (a TV anime) or film (an anime film)."""
    if a.kind == b.kind:
        return True
    anime, other = (a, b) if a.kind == "anime" else (b, a)
    if anime.kind != "anime" or other.language != "ja":
        return False
    if other.kind == "movie":
        return anime.format == "Movie"
    return other.kind == "series" and anime.format != "Movie"


def _counts_agree(a: int | None, b: int | None, slack: float) -> bool:
    return not (a and b) or abs(a - b) <= slack * max(a, b) or abs(a - b) <= 2


def same_work(a: Work, b: Work) -> bool:
    """True when `a` and `b`, from different providers, describe one work (the rule in the docstring)."""
    if a.providers & b.providers or a.year is None or b.year is None or abs(a.year - b.year) > 1:
        return False
    if not compatible_kinds(a, b) or not a.names & b.names:
        return False
    if a.year != b.year and not a.main_names & b.main_names:
        return False
    runtimes_agree = not (a.runtime and b.runtime) or abs(a.runtime - b.runtime) <= RUNTIME_SLACK
    return runtimes_agree and _counts_agree(a.episode_count, b.episode_count, 0.1)


def sole_match(work: Work, candidates: Iterable[tuple[T, Work]]) -> T | None:
    """The one candidate that is the same work, or None when there is none or more than one."""
    matches = [item for item, other in candidates if same_work(work, other)]
    return matches[0] if len(matches) == 1 else None
