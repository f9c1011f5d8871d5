"""Provider mappings on real recorded responses: key fields exact, bad shapes named."""

import copy
import json
from datetime import date
from pathlib import Path

import pytest

from mymovielist.providers.errors import ProviderError
from mymovielist.sync.mapping import comicvine, jikan, tmdb

SOURCES = Path(__file__).parent.parent / "mymovielist" / "demo" / "sources"


def load(provider: str, name: str):
    return json.loads((SOURCES / provider / name).read_text())


def test_tmdb_movie_details():
    record = tmdb.movie_record(load("tmdb", "movies_details_full.json"))
    assert (record.kind, record.title, record.year, record.status) == ("movie", "Before Sunrise", 1995, "finished")
    assert record.release_date == date(1995, 1, 27)
    assert [(r.provider, r.kind, r.value) for r in record.refs] == [("tmdb", "movie", "76"), ("imdb", "title", "tt0112471")]
    assert record.genres == ["Drama", "Romance"]
    assert record.details["runtime_minutes"] == 101 and record.details["collection"] == "Before... Collection"
    cast = [c for c in record.credits if c.role == "cast"]
    assert cast[0].person.name == "Ethan Hawke" and cast[0].character == "Jesse Wallace"
    assert [c.order for c in cast] == sorted(c.order for c in cast)
    assert any(c.job == "Director" and c.person.name == "Richard Linklater" for c in record.credits)
    assert record.poster_url.startswith("https://image.tmdb.org/t/p/w500/")


def test_tmdb_series_with_creators_seasons_and_episodes():
    record = tmdb.series_record(load("tmdb", "tv_details_full.json"))
    assert (record.kind, record.title, record.status) == ("series", "Game of Thrones", "finished")
    assert record.details == {"networks": "HBO", "season_count": 8, "episode_count": 73, "episode_minutes": 60}
    assert [c.person.name for c in record.credits if c.job == "Creator"] == ["David Benioff", "D.B. Weiss"]
    assert len(record.seasons) == 9 and record.seasons[1].name == "Season 1"
    episodes = tmdb.season_episodes(load("tmdb", "tv_seasons_details.json"))
    assert len(episodes) == 10 and (episodes[0].season_number, episodes[0].number, episodes[0].name) == (1, 1, "Winter Is Coming")


def test_tmdb_japanese_animation_is_anime():
    results = load("tmdb", "trending_tv.json")["results"]
    titan = next(r for r in results if r["name"] == "Attack on Titan")
    assert tmdb.list_item_record(titan).kind == "anime"
    assert tmdb.list_item_record(next(r for r in results if r["name"] == "The Mandalorian")).kind == "series"


def test_tmdb_list_items_skip_people_and_name_genres():
    results = load("tmdb", "search_multi.json")["results"]
    records = [tmdb.list_item_record(r) for r in results]
    assert all(r is None for r, raw in zip(records, results) if raw.get("media_type") == "person")
    avengers = tmdb.list_item_record(load("tmdb", "search_movie.json")["results"][0])
    assert avengers.title == "The Avengers" and avengers.genres == ["Science Fiction", "Action", "Adventure"]


def test_jikan_anime_full_with_characters_staff_relations():
    record = jikan.anime_record(load("jikan", "more_anime_1_full.json")["data"])
    assert (record.title, record.year, record.status, record.original_title) == ("Cowboy Bebop", 1998, "finished", "カウボーイビバップ")
    assert record.details["episode_count"] == 26 and record.details["episode_minutes"] == 24
    assert record.details["studios"] == "Sunrise" and record.details["season"] == "spring"
    assert "Action" in record.genres and "Space" in record.genres
    assert ("adaptation", "manga", "174") in {(r.relation, r.target.kind, r.target.value) for r in record.relations}
    characters = jikan.characters(load("jikan", "more_anime_1_characters.json")["data"])
    spike = next(c for c in characters if c.name == "Spiegel, Spike")
    assert spike.role == "main" and {v.language for v in spike.voices} >= {"Japanese", "English"}
    assert characters[0].role == "main"
    staff = jikan.staff(load("jikan", "more_anime_1_staff.json")["data"])
    assert any(c.person.name == "Watanabe, Shinichirou" and c.job == "Director" for c in staff)


def test_jikan_manga_is_a_comic():
    record = jikan.manga_record(load("jikan", "more_manga_1_full.json")["data"])
    assert (record.kind, record.title) == ("comic", "Monster")
    assert record.details == {"format": "manga", "publisher": "Big Comic Original", "volume_count": 18, "issue_count": 162}
    assert [(c.person.name, c.job) for c in record.credits] == [("Urasawa, Naoki", "Author")]


def test_comicvine_volume_html_is_plain_text():
    record = comicvine.volume_record(load("comicvine", "more_volume_4050-18216.json")["results"])
    assert (record.kind, record.title, record.year) == ("comic", "Green Lantern", 2005)
    assert record.details["publisher"] == "DC Comics" and record.details["issue_count"] == 67
    assert "<" not in record.synopsis and "Green Lantern" in record.synopsis
    issues = comicvine.issue_episodes(load("comicvine", "more_issues_filter_volume_18216_issue_number_1.json")["results"])
    assert issues[0].number == 1 and issues[0].name == "Airborne"


def test_script_in_a_description_never_survives():
    data = copy.deepcopy(load("comicvine", "VolumeDetailsResponse.json")["results"])
    data["description"] = '<p>Hi <script>alert("x")</script><img src=x onerror=alert(1)>there</p>'
    record = comicvine.volume_record(data)
    assert "script" not in record.synopsis and "onerror" not in record.synopsis and "Hi" in record.synopsis


@pytest.mark.parametrize(
    ("mapper", "provider", "name", "path", "breakage", "field"),
    [
        (tmdb.movie_record, "tmdb", "movies_details_full.json", [], ("title", None), "title"),
        (tmdb.movie_record, "tmdb", "movies_details_full.json", [], ("release_date", "someday"), "release_date"),
        (tmdb.movie_record, "tmdb", "movies_details_full.json", [], ("genres", "Drama"), "genres"),
        (tmdb.series_record, "tmdb", "tv_details_full.json", [], ("seasons", [{"name": "S"}]), "seasons[0].season_number"),
        (jikan.anime_record, "jikan", "more_anime_1_full.json", ["data"], ("mal_id", None), "mal_id"),
        (jikan.anime_record, "jikan", "more_anime_1_full.json", ["data"], ("episodes", "many"), "episodes"),
        (comicvine.volume_record, "comicvine", "VolumeDetailsResponse.json", ["results"], ("publisher", "DC"), "results.publisher"),
    ],
)
def test_a_wrong_shape_is_a_provider_error_naming_the_field(mapper, provider, name, path, breakage, field):
    data = load(provider, name)
    for key in path:
        data = data[key]
    key, value = breakage
    data[key] = value
    with pytest.raises(ProviderError) as caught:
        mapper(data)
    assert caught.value.field == field and field in str(caught.value)
