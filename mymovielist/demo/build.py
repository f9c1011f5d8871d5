"""Build `catalog.jsonl.gz`, the demo catalog, from the real data in `sources/`.

    python -m mymovielist.demo.build [--sources DIR] [--out FILE]

Provider responses (TMDB, Jikan, Comic Vine) go through the same mapping code as a live sync
(`mymovielist.sync.mapping`); the vega-datasets film table is validated row by row, and what is
unsound is reported and left out, never stored. Sources and licences: PROVENANCE.md.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import re
import sys
import unicodedata
from collections import Counter
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

from mymovielist.providers.errors import ProviderError
from mymovielist.sync import matching
from mymovielist.sync.mapping import comicvine, jikan, tmdb
from mymovielist.sync.records import CreditRecord, ExternalRef, PersonRecord, TitleRecord

HERE = Path(__file__).parent
SOURCES = HERE / "sources"
OUT = HERE / "catalog.jsonl.gz"

# Detail responses (richest first: a title seen here wins over its entry in a list).
TMDB_MOVIES = ("movies_details_full.json", "more_movie_11_docs_example.json")
TMDB_SERIES = ("tv_details_full.json",)
TMDB_SEASONS = {"tv_details_full.json": ("tv_seasons_details.json",)}
TMDB_LISTS = (
    "trending_movie.json", "trending_tv.json", "more_trending_all_day_docs_example.json",
    "movies_popular.json", "movies_top_rated.json", "movies_now_playing.json", "movies_upcoming.json",
    "movies_recommendations.json", "movies_similar.json", "discover_movie.json",
    "tv_popular.json", "tv_top_rated.json", "tv_airing_today.json", "tv_on_the_air.json",
    "tv_recommendations.json", "tv_similar.json", "discover_tv.json",
    "search_movie.json", "search_tv.json", "search_multi.json",
    "more_search_tv_game_of_thrones.json", "more_search_multi_game_of_thrones.json",
)
JIKAN_ANIME = {  # /full response -> its characters, staff and episodes responses
    "more_anime_1_full.json": ("more_anime_1_characters.json", "more_anime_1_staff.json", None),
    "anime-success.json": (None, None, "anime-episodes-success.json"),
}
JIKAN_MANGA = ("more_manga_1_full.json",)
JIKAN_ANIME_LISTS = (
    "top-success.json", "current-season-success.json", "search-success.json",
    "search-genre-exclude-success.json", "schedule-success.json", "random-anime-success.json",
)
JIKAN_MANGA_LISTS = ("search-manga-success.json",)
JIKAN_ENTRY_LISTS = ("recommendations-success.json",)
COMICVINE_VOLUMES = ("VolumeDetailsResponse.json", "more_volume_4050-18216.json", "more_volume_4050-1194.json")
COMICVINE_ISSUES = {"18216": ("more_issues_filter_volume_18216_issue_number_1.json",)}
COMICVINE_LISTS = (
    "more_search_volume_lantern_page1.json", "more_volumes_filter_name_green_lantern_offset300.json",
    "VolumesResponse.json",
)
VEGA = "vega-movies.json"
# The vega table was compiled around 2010; a later date there is one of its planted errors
# (e.g. 1946 written as 2046). We drop such a date rather than guess its century.
VEGA_LAST_YEAR = 2011
# vega's genres and creative types, in TMDB's genre names so both sources share genre pages.
VEGA_GENRES = {
    "Drama": ["Drama"], "Comedy": ["Comedy"], "Action": ["Action"], "Adventure": ["Adventure"],
    "Thriller/Suspense": ["Thriller"], "Horror": ["Horror"], "Romantic Comedy": ["Romance", "Comedy"],
    "Musical": ["Music"], "Documentary": ["Documentary"], "Western": ["Western"],
    "Black Comedy": ["Comedy"], "Concert/Performance": ["Music", "Documentary"],
}
VEGA_CREATIVE_TYPES = {
    "Historical Fiction": ["History"], "Fantasy": ["Fantasy"], "Science Fiction": ["Science Fiction"],
    "Kids Fiction": ["Family"], "Super Hero": ["Action"],
}


class Report:
    """What the build kept, merged and refused, printed at the end."""

    def __init__(self) -> None:
        self.kept: Counter[str] = Counter()
        self.problems: Counter[str] = Counter()
        self.examples: dict[str, str] = {}

    def problem(self, reason: str, example: str) -> None:
        self.problems[reason] += 1
        self.examples.setdefault(reason, example)

    def lines(self) -> Iterator[str]:
        yield "kept: " + ", ".join(f"{k} {n}" for k, n in sorted(self.kept.items()))
        for reason, n in self.problems.most_common():
            yield f"  {n:5}  {reason}  (e.g. {self.examples[reason]})"


class Catalog:
    """Records keyed by their first external id; the first (richest) description of a work wins."""

    def __init__(self, report: Report) -> None:
        self.records: dict[tuple[str, str, str], TitleRecord] = {}
        self.report = report

    def add(self, record: TitleRecord | None, source: str) -> None:
        if record is None:
            return
        key = _key(record.refs[0])
        if key in self.records:
            self.report.problem("seen again in another response (first kept)", f"{record.title} in {source}")
            return
        self.records[key] = record

    def by_name(self, kind: str) -> dict[str, list[TitleRecord]]:
        """Records of a kind under each of their normalized names (title, original and alternative titles)."""
        index: dict[str, list[TitleRecord]] = {}
        for record in self.records.values():
            if record.kind == kind:
                for name in matching.work_of_record(record).names:
                    index.setdefault(name, []).append(record)
        return index

    def add_bare(self, record: TitleRecord | None, source: str, named: dict[str, list[TitleRecord]]) -> None:
        """A bare list entry (title and picture, no year): left out when another provider has a work of that name.

        Without a year it cannot be matched safely, and kept it would show as a second copy.
        """
        if record is None:
            return
        provider = record.refs[0].provider
        if any(r.refs[0].provider != provider for r in named.get(matching.normalize_title(record.title), ())):
            self.report.problem("bare entry named like a work another provider gave (left out)", record.title)
            return
        self.add(record, source)


def _key(ref: ExternalRef) -> tuple[str, str, str]:
    return (ref.provider, ref.kind, ref.value)


def _norm(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", " ", ascii_text).strip()


def _load(path: Path) -> Any:
    with path.open(encoding="utf-8") as f:
        return json.load(f)


def _mapped(catalog: Catalog, source: str, items: Iterable[Any], map_one) -> None:
    """Map each item; a malformed one is reported and skipped, the rest go on (as in a sync)."""
    for item in items:
        try:
            catalog.add(map_one(item), source)
        except (ProviderError, ValueError) as error:
            catalog.report.problem(f"provider data refused: {error}", source)


def add_tmdb(catalog: Catalog, folder: Path) -> None:
    names = {}
    for genre_file in ("genres_movie_list.json", "genres_tv_list.json"):
        names.update({g["id"]: g["name"] for g in _load(folder / genre_file)["genres"]})
    for name in TMDB_MOVIES:
        _mapped(catalog, name, [_load(folder / name)], tmdb.movie_record)
    for name in TMDB_SERIES:
        record = tmdb.series_record(_load(folder / name))
        for season_file in TMDB_SEASONS.get(name, ()):
            record.episodes.extend(tmdb.season_episodes(_load(folder / season_file)))
        catalog.add(record, name)
    for name in TMDB_LISTS:
        results = _load(folder / name).get("results", [])
        _mapped(catalog, name, results, lambda item: tmdb.list_item_record(item, genre_names=names))
    # people_popular: each person's `known_for` titles are full list entries too.
    for person in _load(folder / "people_popular.json").get("results", []):
        _mapped(catalog, "people_popular.json", person.get("known_for", []),
                lambda item: tmdb.list_item_record(item, genre_names=names))


def add_jikan(catalog: Catalog, folder: Path) -> None:
    for name, (characters, staff, episodes) in JIKAN_ANIME.items():
        record = jikan.anime_record(_load(folder / name)["data"])
        if characters:
            record.characters = jikan.characters(_load(folder / characters)["data"])
        if staff:
            record.credits = jikan.staff(_load(folder / staff)["data"])
        if episodes:
            record.episodes = jikan.episodes(_load(folder / episodes)["data"])
        catalog.add(record, name)
    for name in JIKAN_MANGA:
        catalog.add(jikan.manga_record(_load(folder / name)["data"]), name)
    for name in JIKAN_ANIME_LISTS:
        data = _load(folder / name)["data"]
        _mapped(catalog, name, data if isinstance(data, list) else [data], jikan.anime_record)
    for name in JIKAN_MANGA_LISTS:
        _mapped(catalog, name, _load(folder / name)["data"], jikan.manga_record)
    named = catalog.by_name("anime")
    for name in JIKAN_ENTRY_LISTS:
        entries = [e for rec in _load(folder / name)["data"] for e in rec.get("entry", [])]
        for entry in entries:
            try:
                catalog.add_bare(jikan.entry_record(entry, "anime"), name, named)
            except (ProviderError, ValueError) as error:
                catalog.report.problem(f"provider data refused: {error}", name)


def add_comicvine(catalog: Catalog, folder: Path) -> None:
    for name in COMICVINE_VOLUMES:
        record = comicvine.volume_record(_load(folder / name)["results"])
        for issues_file in COMICVINE_ISSUES.get(record.refs[0].value, ()):
            record.episodes.extend(comicvine.issue_episodes(_load(folder / issues_file)["results"]))
        catalog.add(record, name)
    for name in COMICVINE_LISTS:
        _mapped(catalog, name, _load(folder / name)["results"], comicvine.volume_record)


def add_vega(catalog: Catalog, path: Path) -> None:
    """The vega-datasets film table: validated row by row; films TMDB already gave us are skipped.

    A film is TMDB's when `matching.same_work` says so: vega dates some films by their US release,
    a year after TMDB's (Spirited Away: 2002 here, 2001 at TMDB).
    """
    have = catalog.by_name("movie")
    seen: set[tuple[str, int | None]] = set()
    for row in _load(path):
        record = vega_record(row, catalog.report)
        if record is None:
            continue
        key = (_norm(record.title), record.year)
        if _known(record, have):
            catalog.report.problem("film already in the catalog from TMDB (TMDB kept)", record.title)
        elif key in seen:
            catalog.report.problem("duplicate film (same title and year)", record.title)
        else:
            seen.add(key)
            catalog.add(record, VEGA)


def _known(record: TitleRecord, named: dict[str, list[TitleRecord]]) -> bool:
    work = matching.work_of_record(record)
    candidates = {id(r): r for name in work.names for r in named.get(name, ())}.values()
    return matching.sole_match(work, ((r, matching.work_of_record(r)) for r in candidates)) is not None


def vega_record(row: dict[str, Any], report: Report) -> TitleRecord | None:
    """One vega row as a movie record, or None (reported) when the row is unusable."""
    raw_title = row.get("Title")
    if raw_title is None or not str(raw_title).strip():
        report.problem("film without a title (row refused)", repr(row)[:60])
        return None
    title = str(raw_title).strip()  # a few titles are numbers in the JSON ("300", "1408")
    release = _vega_date(row.get("Release Date"), title, report)
    year = release.year if release else None
    genres = VEGA_GENRES.get(row.get("Major Genre") or "", []) + VEGA_CREATIVE_TYPES.get(row.get("Creative Type") or "", [])
    director = (row.get("Director") or "").strip()
    rating = _in_range(row.get("IMDB Rating"), 0, 10, "IMDB rating", title, report)
    votes = _in_range(row.get("IMDB Votes"), 0, 10_000_000, "IMDB votes", title, report)
    return TitleRecord(
        kind="movie",
        title=title,
        refs=[ExternalRef("vega", "movie", vega_id(title, year))],
        release_date=release,
        age_rating=row.get("MPAA Rating") or None,
        provider_score=rating,
        provider_votes=int(votes) if votes is not None else None,
        popularity=round(votes / 1000, 3) if votes else None,
        genres=list(dict.fromkeys(genres)),
        credits=[CreditRecord(PersonRecord(director), "crew", job="Director", department="Directing")] if director else [],
        details={
            "runtime_minutes": _whole(_in_range(row.get("Running Time min"), 1, 600, "running time", title, report)),
            # 0 in the money columns means "not reported", not a free film.
            "budget": _whole(_in_range(row.get("Production Budget") or None, 1, 10**10, "budget", title, report)),
            "revenue": _whole(_in_range(row.get("Worldwide Gross") or None, 1, 10**11, "worldwide gross", title, report)),
        },
    )


def tmdb_slug(text: str) -> str:
    return re.sub(r"\s+", "-", _norm(text)) or "untitled"


def vega_id(title: str, year: int | None) -> str:
    """A stable id for a vega film: its slug and year, shortened with a hash to fit external_ids.value (64)."""
    value = f"{tmdb_slug(title)}-{year or 'undated'}"
    if len(value) <= 64:
        return value
    digest = hashlib.sha1(value.encode()).hexdigest()[:8]
    return f"{value[:64 - len(digest) - 1]}-{digest}"


def _vega_date(value: Any, title: str, report: Report) -> date | None:
    if not value:
        return None
    try:
        parsed = datetime.strptime(str(value).strip(), "%b %d %Y").date()
    except ValueError:
        report.problem("unreadable release date (date left out)", f"{title}: {value!r}")
        return None
    if parsed.year > VEGA_LAST_YEAR:
        report.problem(f"release date after {VEGA_LAST_YEAR}, impossible in this table (date left out)", f"{title}: {value}")
        return None
    return parsed


def _in_range(value: Any, low: float, high: float, what: str, title: str, report: Report) -> float | None:
    if value is None:
        return None
    if not isinstance(value, (int, float)) or isinstance(value, bool) or not low <= value <= high:
        report.problem(f"impossible {what} (value left out)", f"{title}: {value!r}")
        return None
    return float(value)


def _whole(value: float | None) -> int | None:
    return int(value) if value is not None else None


def build(sources: Path = SOURCES) -> tuple[list[TitleRecord], Report]:
    report = Report()
    catalog = Catalog(report)
    add_tmdb(catalog, sources / "tmdb")
    add_jikan(catalog, sources / "jikan")
    add_comicvine(catalog, sources / "comicvine")
    add_vega(catalog, sources / VEGA)
    records = list(catalog.records.values())
    report.kept.update(r.kind for r in records)
    return records, report


def write(records: list[TitleRecord], out: Path) -> None:
    """One JSON record a line, gzip with a fixed mtime so a rebuild is byte-identical."""
    with out.open("wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0, filename="") as gz:
        for record in records:
            gz.write(json.dumps(record.to_dict(), ensure_ascii=False, sort_keys=True).encode() + b"\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sources", type=Path, default=SOURCES)
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    records, report = build(args.sources)
    write(records, args.out)
    print(f"wrote {len(records)} titles to {args.out}")
    for line in report.lines():
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
