"""The same-work rule shared by the sync and the demo build: near twins join, remakes and guesses do not."""

from __future__ import annotations

import pytest

from mymovielist.sync.matching import Work, normalize_title, same_work, sole_match


def work(title: str, year: int | None, provider: str, kind: str = "movie", **fields) -> Work:
    names = frozenset({normalize_title(title)})
    alt = frozenset(normalize_title(t) for t in fields.pop("alt", ()))
    return Work(kind=kind, year=year, main_names=names, names=names | alt, providers=frozenset({provider}), **fields)


@pytest.mark.parametrize("a, b", [
    (work("Spirited Away", 2001, "tmdb"), work("Spirited Away", 2002, "vega")),  # Japan 2001, US 2002
    (work("It Happened One Night", 1934, "tmdb"), work("It happened one night!", 1933, "vega")),
    (work("Fullmetal Alchemist: Brotherhood", 2009, "tmdb", "anime"),
     work("Fullmetal Alchemist: Brotherhood", 2009, "jikan", "anime", format="TV", episode_count=64)),
    (work("One Piece", 1999, "tmdb", "series", language="ja"), work("One Piece", 1999, "jikan", "anime", format="TV")),
    (work("Spirited Away", 2001, "tmdb", language="ja"),
     work("Sen to Chihiro no Kamikakushi", 2001, "jikan", "anime", format="Movie", alt=["Spirited Away"])),
])
def test_the_same_work_from_two_providers(a, b):
    assert same_work(a, b) and same_work(b, a)


@pytest.mark.parametrize("a, b", [
    (work("Ben-Hur", 1959, "vega"), work("Ben-Hur", 2016, "tmdb")),  # a remake
    (work("Ben-Hur", None, "vega"), work("Ben-Hur", 2016, "tmdb")),  # no year: never guessed
    (work("Spirited Away", 2001, "tmdb"), work("Spirited Away", 2001, "tmdb")),  # one provider, two works
    (work("Crash", 2004, "tmdb", runtime=112), work("Crash", 2004, "vega", runtime=60)),  # another film entirely
    (work("Monster", 2003, "vega"), work("Monster", 2004, "jikan", "anime", format="TV")),  # a film is not a TV anime
    (work("Bubble", 2022, "vega"), work("Bubble", 2022, "jikan", "anime", format="Movie")),  # not Japanese: not an anime film
    (work("Monster", 2004, "tmdb", "series", language="ko"), work("Monster", 2004, "jikan", "anime")),
    (work("Solaris", 2002, "tmdb", alt=["Solyaris"]), work("Solyaris", 2003, "vega")),  # a year off, alt name only
    (work("Hunter x Hunter", 2011, "tmdb", "anime", episode_count=148),
     work("Hunter x Hunter", 2011, "jikan", "anime", episode_count=62)),
    (work("Superman", 1978, "vega"), work("Superman", 1978, "comicvine", "comic")),
])
def test_different_or_unsure_works_stay_apart(a, b):
    assert not same_work(a, b) and not same_work(b, a)


def test_one_candidate_only():
    film = work("Spirited Away", 2002, "vega")
    one = [("tmdb-2001", work("Spirited Away", 2001, "tmdb"))]
    two = one + [("tmdb-2003", work("Spirited Away", 2003, "tmdb"))]
    assert sole_match(film, one) == "tmdb-2001"
    assert sole_match(film, two) is None and sole_match(film, []) is None
