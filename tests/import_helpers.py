"""Helpers of the import and export tests: the sample catalog, archives built from fixture folders."""

from __future__ import annotations

import gzip
import io
import re
import zipfile
from pathlib import Path

from mymovielist.sync.records import ExternalRef

FIXTURES = Path(__file__).parent / "fixtures" / "imports"


def zip_folder(folder: Path) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                archive.write(path, path.relative_to(folder).as_posix())
    return buffer.getvalue()


def mal_xml() -> bytes:
    return (FIXTURES / "mal" / "animelist.xml").read_bytes()


def mal_gz() -> bytes:
    return gzip.compress(mal_xml())


def letterboxd_zip() -> bytes:
    return zip_folder(FIXTURES / "letterboxd")


def trakt_json(name: str = "export.json") -> bytes:
    return (FIXTURES / "trakt" / name).read_bytes()


def make_catalog(make_title) -> dict[str, int]:
    """The titles the sample files name (and two they do not), by a short name."""

    def refs(*triples):
        return [ExternalRef(*t) for t in triples]

    return {
        "bebop": make_title(
            "anime",
            "Cowboy Bebop",
            year=1998,
            refs=refs(("jikan", "anime", "1")),
            details={"episode_count": 26, "episode_minutes": 24},
        ),
        "fma": make_title(
            "anime",
            "Fullmetal Alchemist: Brotherhood",
            year=2009,
            refs=refs(("jikan", "anime", "5114")),
            details={"episode_count": 64, "episode_minutes": 24},
        ),
        "naruto": make_title(
            "anime", "Naruto", year=2002, refs=refs(("jikan", "anime", "20")), details={"episode_count": 220}
        ),
        "berserk": make_title(
            "comic", "Berserk", year=1989, refs=refs(("jikan", "manga", "2")), details={"format": "manga"}
        ),
        "matrix": make_title(
            "movie",
            "The Matrix",
            year=1999,
            refs=refs(("tmdb", "movie", "603"), ("imdb", "title", "tt0133093")),
        ),
        "parasite": make_title("movie", "Parasite", year=2019, refs=refs(("tmdb", "movie", "496243"))),
        "paddington": make_title("movie", "Paddington 2", year=2017, refs=refs(("tmdb", "movie", "346648"))),
        "spirited": make_title("movie", "Spirited Away", year=2001, refs=refs(("tmdb", "movie", "129"))),
        "inception": make_title("movie", "Inception", year=2010, refs=refs(("tmdb", "movie", "27205"))),
        "dune": make_title("movie", "Dune", year=2021, refs=refs(("imdb", "title", "tt1160419"))),
        "got": make_title(
            "series",
            "Game of Thrones",
            year=2011,
            refs=refs(("tmdb", "tv", "1399")),
            details={"episode_count": 73},
        ),
        "matrix2": make_title("movie", "The Matrix Reloaded", year=2003, refs=refs(("tmdb", "movie", "604"))),
    }


def job_id_from(response) -> int:
    found = re.search(r"/settings/import/(\d+)$", response.headers["Location"])
    assert found, response.headers.get("Location")
    return int(found.group(1))
