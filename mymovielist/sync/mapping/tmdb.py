"""TMDB (The Movie Database API v3) responses to records.

TMDB's TV catalog includes Japanese animation; a show that is Animation (genre 16) and Japanese
becomes an `anime` title, so it can meet its MyAnimeList twin as one Title with two external ids.
"""

from __future__ import annotations

from mymovielist.providers.payload import Payload
from mymovielist.sync.mapping.common import clip, joined
from mymovielist.sync.records import (
    CreditRecord,
    EpisodeRecord,
    ExternalRef,
    PersonRecord,
    RelationRecord,
    SeasonRecord,
    TitleRecord,
)

PROVIDER = "tmdb"
SITE = "https://www.themoviedb.org"
IMAGE_BASE = "https://image.tmdb.org/t/p/"
ANIMATION_GENRE_ID = 16
MAX_CAST = 60
MAX_RECOMMENDATIONS = 12
# Crew jobs worth showing on a title page; TMDB lists hundreds of crew for a big film.
CREW_JOBS = (
    "Director", "Creator", "Screenplay", "Writer", "Story", "Novel", "Characters", "Producer",
    "Executive Producer", "Original Music Composer", "Director of Photography", "Editor",
)
MOVIE_STATUSES = {
    "Released": "finished", "Rumored": "upcoming", "Planned": "upcoming", "In Production": "upcoming",
    "Post Production": "upcoming", "Canceled": "cancelled",
}
TV_STATUSES = {
    "Returning Series": "airing", "Ended": "finished", "Canceled": "cancelled", "In Production": "upcoming",
    "Planned": "upcoming", "Pilot": "upcoming",
}
# The ids TMDB's /genre/{movie,tv}/list answer with (English names), for list results that carry
# only `genre_ids`. A client with the live list passes its own mapping instead.
GENRE_NAMES = {
    28: "Action", 12: "Adventure", 16: "Animation", 35: "Comedy", 80: "Crime", 99: "Documentary",
    18: "Drama", 10751: "Family", 14: "Fantasy", 36: "History", 27: "Horror", 10402: "Music",
    9648: "Mystery", 10749: "Romance", 878: "Science Fiction", 10770: "TV Movie", 53: "Thriller",
    10752: "War", 37: "Western", 10759: "Action & Adventure", 10762: "Kids", 10763: "News",
    10764: "Reality", 10765: "Sci-Fi & Fantasy", 10766: "Soap", 10767: "Talk", 10768: "War & Politics",
}


def image_url(path: str | None, size: str = "w500", base: str = IMAGE_BASE) -> str | None:
    return f"{base}{size}{path}" if path else None


def _ref(kind: str, value: str) -> ExternalRef:
    return ExternalRef(PROVIDER, kind, value, f"{SITE}/{kind}/{value}")


def _person(p: Payload) -> PersonRecord:
    return PersonRecord(
        name=p.str("name", required=True) or "",
        ref=ExternalRef(PROVIDER, "person", p.id(), f"{SITE}/person/{p.id()}"),
        image_url=image_url(p.str("profile_path"), "w185"),
    )


def credits(block: Payload | None, creators: list[Payload] = ()) -> list[CreditRecord]:
    """Cast in billing order, then the crew jobs worth showing (creators first for series)."""
    if block is None and not creators:
        return []
    out: list[CreditRecord] = []
    casts = sorted(block.objects("cast"), key=lambda c: c.int("order") or 0) if block else []
    for i, c in enumerate(casts[:MAX_CAST]):
        out.append(CreditRecord(_person(c), "cast", character=clip(c.text("character"), 300) or "", order=i))
    crew = [(c, c.text("job")) for c in (block.objects("crew") if block else [])]
    crew = [(c, job) for c, job in crew if job in CREW_JOBS]
    crew.sort(key=lambda cj: CREW_JOBS.index(cj[1]))
    for i, c in enumerate(creators):
        out.append(CreditRecord(_person(c), "crew", job="Creator", department="Writing", order=i))
    for i, (c, job) in enumerate(crew, start=len(creators)):
        out.append(CreditRecord(_person(c), "crew", job=job, department=c.text("department"), order=i))
    return out


def _recommendations(data: Payload, kind: str) -> list[RelationRecord]:
    block = data.obj("recommendations")
    if block is None:
        return []
    out = []
    for item in list(block.objects("results"))[:MAX_RECOMMENDATIONS]:
        item_kind = item.str("media_type") or kind
        if item_kind in ("movie", "tv"):
            name = item.str("title") or item.str("name") or ""
            out.append(RelationRecord("recommendation", _ref(item_kind, item.id()), name))
    return out


def _external_refs(data: Payload) -> list[ExternalRef]:
    ids = data.obj("external_ids")
    imdb = (ids.str("imdb_id") if ids else None) or data.str("imdb_id")
    return [ExternalRef("imdb", "title", imdb, f"https://www.imdb.com/title/{imdb}/")] if imdb else []


def _keywords(data: Payload) -> list[str]:
    block = data.obj("keywords")
    if block is None:
        return []
    return block.names("keywords") or block.names("results")


def _shared_fields(p: Payload) -> dict:
    """The fields every TMDB title object (movie, show, list entry) carries under the same names."""
    return {
        "synopsis": p.text("overview"),
        "poster_url": image_url(p.str("poster_path")),
        "backdrop_url": image_url(p.str("backdrop_path"), "w1280"),
        "language": clip(p.str("original_language"), 16),
        "adult": p.bool("adult"),
        "provider_score": p.float("vote_average"),
        "provider_votes": p.int("vote_count"),
        "popularity": p.float("popularity"),
    }


def _is_anime(genre_ids: list[int], language: str | None, countries: list[str]) -> bool:
    return ANIMATION_GENRE_ID in genre_ids and (language == "ja" or "JP" in countries)


def movie_record(data: dict) -> TitleRecord:
    """GET /movie/{id}?append_to_response=credits,recommendations,external_ids,keywords."""
    p = Payload(data, provider=PROVIDER)
    collection = p.obj("belongs_to_collection")
    return TitleRecord(
        kind="movie",
        title=clip(p.str("title", required=True), 500) or "",
        refs=[_ref("movie", p.id()), *_external_refs(p)],
        original_title=clip(p.str("original_title"), 500),
        release_date=p.date("release_date"),
        status=MOVIE_STATUSES.get(p.text("status")),
        **_shared_fields(p),
        genres=p.names("genres"),
        credits=credits(p.obj("credits")),
        relations=_recommendations(p, "movie"),
        details={
            "runtime_minutes": p.int("runtime") or None,
            "tagline": clip(p.str("tagline"), 500) or None,
            "collection": clip(collection.str("name"), 200) if collection else None,
            "budget": p.int("budget") or None,
            "revenue": p.int("revenue") or None,
        },
    )


def series_record(data: dict) -> TitleRecord:
    """GET /tv/{id}?append_to_response=credits,recommendations,external_ids,keywords."""
    p = Payload(data, provider=PROVIDER)
    genre_ids = [g.int("id") or 0 for g in p.objects("genres")]
    anime = _is_anime(genre_ids, p.str("original_language"), p.strings("origin_country"))
    seasons = [
        SeasonRecord(
            number=s.int("season_number", required=True) or 0,
            name=clip(s.text("name"), 300) or "",
            air_date=s.date("air_date"),
            episode_count=s.int("episode_count"),
            poster_url=image_url(s.str("poster_path"), "w342"),
            synopsis=s.text("overview"),
        )
        for s in p.objects("seasons")
    ]
    runtimes = [r for r in p.list("episode_run_time") if isinstance(r, int) and r > 0]
    networks = joined(p.names("networks"))
    details = (
        {"format": "TV", "episode_count": p.int("number_of_episodes"),
         "episode_minutes": runtimes[0] if runtimes else None,
         "studios": joined(p.names("production_companies"))}
        if anime else
        {"networks": networks, "season_count": p.int("number_of_seasons"),
         "episode_count": p.int("number_of_episodes"), "episode_minutes": runtimes[0] if runtimes else None}
    )
    return TitleRecord(
        kind="anime" if anime else "series",
        title=clip(p.str("name", required=True), 500) or "",
        refs=[_ref("tv", p.id()), *_external_refs(p)],
        original_title=clip(p.str("original_name"), 500),
        release_date=p.date("first_air_date"),
        end_date=p.date("last_air_date") if TV_STATUSES.get(p.text("status")) in ("finished", "cancelled") else None,
        status=TV_STATUSES.get(p.text("status")),
        **_shared_fields(p),
        genres=p.names("genres"),
        credits=credits(p.obj("credits"), list(p.objects("created_by"))),
        relations=_recommendations(p, "tv"),
        seasons=[] if anime else seasons,
        details=details,
    )


def season_episodes(data: dict) -> list[EpisodeRecord]:
    """GET /tv/{id}/season/{n}: the season's episodes."""
    p = Payload(data, provider=PROVIDER)
    season = p.int("season_number", required=True)
    return [
        EpisodeRecord(
            number=e.int("episode_number", required=True) or 0,
            name=clip(e.text("name"), 500) or "",
            season_number=e.int("season_number") if e.has("season_number") else season,
            air_date=e.date("air_date"),
            runtime_minutes=e.int("runtime"),
            synopsis=e.text("overview"),
            ref=ExternalRef(PROVIDER, "episode", e.id()) if e.has("id") else None,
        )
        for e in p.objects("episodes")
    ]


def list_item_record(
    item: dict, media_type: str | None = None, genre_names: dict[int, str] | None = None
) -> TitleRecord | None:
    """One entry of search, trending, popular or discover results (None for people)."""
    p = Payload(item, provider=PROVIDER)
    kind = p.str("media_type") or media_type or ("movie" if p.has("title") else "tv")
    if kind not in ("movie", "tv"):
        return None
    names = genre_names or GENRE_NAMES
    genre_ids = [g for g in p.list("genre_ids") if isinstance(g, int)]
    is_movie = kind == "movie"
    anime = not is_movie and _is_anime(genre_ids, p.str("original_language"), p.strings("origin_country"))
    return TitleRecord(
        kind="movie" if is_movie else ("anime" if anime else "series"),
        title=clip(p.str("title" if is_movie else "name", required=True), 500) or "",
        refs=[_ref(kind, p.id())],
        original_title=clip(p.str("original_title" if is_movie else "original_name"), 500),
        release_date=p.date("release_date" if is_movie else "first_air_date"),
        **_shared_fields(p),
        genres=[names[g] for g in genre_ids if g in names],
    )
