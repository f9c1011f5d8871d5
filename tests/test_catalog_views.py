"""Browse filters and fragments, search pages, people, characters and genres; bounded queries."""

import html
import json
import re
from datetime import date

import pytest
from sqlalchemy import event

from mymovielist.catalog.views import MAX_RESTORED_PAGES
from mymovielist.extensions import db
from mymovielist.services import catalog
from mymovielist.sync.records import (
    CharacterRecord,
    CreditRecord,
    ExternalRef,
    PersonRecord,
    RelationRecord,
    VoiceRecord,
)

HX = {"HX-Request": "true"}


@pytest.fixture
def shelf(make_title):
    ids = {}
    ids["bebop"] = make_title(
        "anime", "Cowboy Bebop", popularity=300.0, release_date=date(1998, 4, 3), status="finished",
        genres=["Action", "Sci-Fi"], details={"format": "TV", "season": "spring", "season_year": 1998},
        characters=[CharacterRecord("Spike Spiegel", ExternalRef("mal", "character", "1"), role="main",
                                    voices=[VoiceRecord(PersonRecord("Koichi Yamadera", ExternalRef("mal", "person", "11")), "Japanese")])],
        relations=[RelationRecord("side story", ExternalRef("mal", "anime", "5"), "Cowboy Bebop: Tengoku no Tobira")],
    )
    ids["movie"] = make_title(
        "anime", "Cowboy Bebop: Tengoku no Tobira", popularity=90.0, release_date=date(2001, 9, 1),
        refs=[ExternalRef("mal", "anime", "5")],
        genres=["Action"], details={"format": "Movie"},
    )
    ids["eva"] = make_title("anime", "Neon Genesis Evangelion", popularity=250.0, release_date=date(1995, 10, 4),
                            status="finished", genres=["Mecha", "Drama"], details={"format": "TV", "season": "fall"})
    ids["upcoming"] = make_title("anime", "Future Show", popularity=10.0, status="upcoming", genres=["Drama"])
    ids["gl"] = make_title("comic", "Green Lantern", genres=["Superhero"], details={"publisher": "DC Comics", "format": "comic"})
    ids["xmen"] = make_title("comic", "X-Men", genres=["Superhero"], details={"publisher": "Marvel", "format": "comic"})
    return ids


def titles_in(body):
    return [line.split(">", 1)[1].split("<", 1)[0] for line in body.split('class="card-title"')[1:]]


def test_filters_by_genre_year_status_format_and_season(client, shelf):
    assert titles_in(client.get("/anime?genre=drama").get_data(as_text=True)) == ["Neon Genesis Evangelion", "Future Show"]
    assert titles_in(client.get("/anime?year_from=1996&year_to=2001").get_data(as_text=True)) == [
        "Cowboy Bebop", "Cowboy Bebop: Tengoku no Tobira"]
    assert titles_in(client.get("/anime?status=upcoming").get_data(as_text=True)) == ["Future Show"]
    assert titles_in(client.get("/anime?format=Movie").get_data(as_text=True)) == ["Cowboy Bebop: Tengoku no Tobira"]
    assert titles_in(client.get("/anime?season=fall").get_data(as_text=True)) == ["Neon Genesis Evangelion"]
    assert titles_in(client.get("/comics?publisher=Marvel").get_data(as_text=True)) == ["X-Men"]


def test_filter_form_offers_what_the_kind_has(client, shelf):
    anime = client.get("/anime").get_data(as_text=True)
    assert '<option value="mecha"' in anime and '<option value="Movie"' in anime and 'id="season"' in anime
    comics = client.get("/comics").get_data(as_text=True)
    assert '<option value="DC Comics"' in comics and 'id="season"' not in comics


@pytest.mark.parametrize(
    "query, message",
    [("year_from=1990x", "From year"), ("year_from=2000&year_to=1990", "end year is before"),
     ("status=paused", "Status"), ("genre=%3Cscript%3E", "Unknown genre"), ("season=monsoon", "Season")],
)
def test_bad_filters_are_a_clear_400(client, query, message):
    response = client.get(f"/anime?{query}")
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)


def test_sort_orders(client, shelf):
    assert titles_in(client.get("/anime?sort=title").get_data(as_text=True))[0] == "Cowboy Bebop"
    assert titles_in(client.get("/anime?sort=release_date").get_data(as_text=True))[0] == "Cowboy Bebop: Tengoku no Tobira"


def test_filter_change_returns_the_results_fragment(client, shelf):
    response = client.get("/anime?genre=action", headers={**HX, "HX-Target": "results"})
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in body and body.lstrip().startswith('<section id="results"')
    assert titles_in(body) == ["Cowboy Bebop", "Cowboy Bebop: Tengoku no Tobira"]
    assert "HX-Request" in response.headers["Vary"]


def test_history_restore_and_boosted_requests_get_the_full_page(client, shelf):
    for extra in ({"HX-History-Restore-Request": "true"}, {"HX-Boosted": "true"}):
        body = client.get("/anime?genre=action", headers={**HX, "HX-Target": "results", **extra}).get_data(as_text=True)
        assert "<html" in body


def _link(body: str, marker: str) -> str | None:
    """The URL of the first attribute `marker="..."` in a page (entities undone), or None."""
    found = re.search(marker + r'"([^"]+)"', body)
    return html.unescape(found.group(1)) if found else None


def test_infinite_scroll_sentinel_and_next_page_fragment(app, client, make_title):
    app.config["PAGE_SIZE"] = 2
    for n in range(5):
        make_title("movie", f"Film {n}", popularity=float(10 - n), genres=["Drama"])
    first = client.get("/movies?genre=drama").get_data(as_text=True)
    sentinel = _link(first, 'id="load-more" class="load-more" hx-get=')
    assert 'hx-trigger="revealed"' in first and sentinel.startswith("/movies?genre=drama&page=2&after=")
    assert _link(first, 'rel="next" href=') == sentinel  # the plain link without JavaScript is the same page
    more = client.get(sentinel, headers={**HX, "HX-Target": "load-more"}).get_data(as_text=True)
    assert "<html" not in more and 'id="results"' not in more
    assert titles_in(more) == ["Film 2", "Film 3"]
    third = _link(more, 'id="load-more" class="load-more" hx-get=')
    assert third.startswith("/movies?genre=drama&page=3&after=")
    assert 'hx-swap-oob="outerHTML:#pagination"' in more
    last = client.get(third, headers={**HX, "HX-Target": "load-more"}).get_data(as_text=True)
    assert titles_in(last) == ["Film 4"] and 'hx-trigger="revealed"' not in last


@pytest.mark.parametrize("sort", ["popularity", "score", "title", "release_date", "added"])
def test_keyset_pages_follow_next_and_prev_links_without_duplicates_or_gaps(app, client, make_title, sort):
    """Ties and missing values included: walking Next covers every title once, in the sort's order,
    Previous walks back through the same pages, and a page by number shows the same rows."""
    from datetime import date

    app.config["PAGE_SIZE"] = 3
    for n in range(11):
        make_title("movie", f"Film {n % 4}", popularity=float(n % 3),  # ties on popularity and title
                   provider_score=None if n % 4 == 0 else float(n % 5),
                   release_date=None if n % 3 == 0 else date(2000 + n % 2, 1, 1))
    pages, url = [], f"/movies?sort={sort}"
    while url:
        response = client.get(url)
        assert response.status_code == 200, url
        body = response.get_data(as_text=True)
        pages.append((url, re.findall(r'href="/titles/(\d+)-', body)))
        url = _link(body, 'rel="next" href=')
    seen = [title_id for _url, ids in pages for title_id in ids]
    assert len(seen) == len(set(seen)) == 11, pages
    with app.app_context():
        expected = [str(t.id) for t in catalog.list_titles("movie", catalog.BrowseFilters(sort=sort), per_page=11).items]
    assert seen == expected
    for number, (_url, ids) in enumerate(pages, start=1):  # the same rows by page number (an offset)
        by_number = client.get(f"/movies?sort={sort}&page={number}").get_data(as_text=True)
        assert re.findall(r'href="/titles/(\d+)-', by_number) == ids
    body = client.get(pages[-1][0]).get_data(as_text=True)
    back = []
    while (url := _link(body, 'rel="prev" href=')) is not None:
        body = client.get(url).get_data(as_text=True)
        back.append(re.findall(r'href="/titles/(\d+)-', body))
    assert back == [ids for _url, ids in pages[:-1]][::-1]
    assert 'rel="prev"' not in body and "Page 1 of 4" in body


@pytest.mark.parametrize("cursor", ["abc", "!!", "W10", "WyJ4IiwxXQ", "x" * 401])
def test_a_broken_page_cursor_is_a_400(client, shelf, cursor):
    for arg in ("after", "before"):
        assert client.get(f"/anime?{arg}={cursor}").status_code == 400


def test_infinite_scroll_keeps_its_place_in_the_url_and_restores_it(app, client, make_title):
    app.config["PAGE_SIZE"] = 2
    for n in range(7):
        make_title("movie", f"Film {n}", popularity=float(10 - n), genres=["Drama"])
    more = client.get("/movies?page=2&genre=drama", headers={**HX, "HX-Target": "load-more"}).get_data(as_text=True)
    # loading page 3 writes the URL that shows pages 1 to 3
    assert 'hx-replace-url="/movies?through=3&amp;genre=drama"' in more
    restored = client.get("/movies?through=3&genre=drama").get_data(as_text=True)
    assert titles_in(restored) == [f"Film {n}" for n in range(6)]
    assert "Show earlier titles" not in restored
    # the next load-more request names page 4 by the keyset cursor of the last card shown
    following = _link(restored, 'class="load-more" hx-get=')
    assert following.startswith("/movies?genre=drama&page=4&after=") and "start=" not in following
    assert titles_in(client.get(following, headers={**HX, "HX-Target": "load-more"}).get_data(as_text=True)) == ["Film 6"]
    assert "Page 3 of 4" in restored
    # its Next and Previous links are the neighbours of its last page, by cursor
    assert titles_in(client.get(_link(restored, 'rel="next" href=')).get_data(as_text=True)) == ["Film 6"]
    previous = client.get(_link(restored, 'rel="prev" href=')).get_data(as_text=True)
    assert titles_in(previous) == ["Film 2", "Film 3"] and "Page 2 of 4" in previous
    # a list that starts at page 2 (a no-JS page link) keeps its start in the next requests
    second = client.get("/movies?page=2&genre=drama").get_data(as_text=True)
    assert titles_in(second) == ["Film 2", "Film 3"] and "Show earlier titles" in second
    following = _link(second, 'class="load-more" hx-get=')
    assert following.startswith("/movies?start=2&genre=drama&page=3&after=")
    third = client.get(following, headers={**HX, "HX-Target": "load-more"}).get_data(as_text=True)
    assert titles_in(third) == ["Film 4", "Film 5"]
    assert 'hx-replace-url="/movies?page=2&amp;through=4&amp;genre=drama"' in third
    assert titles_in(client.get("/movies?page=2&through=4&genre=drama").get_data(as_text=True)) == [f"Film {n}" for n in range(2, 7)]
    # past the last page the list ends there; a huge range is bounded and offers the earlier pages
    assert titles_in(client.get("/movies?through=99").get_data(as_text=True)) == [f"Film {n}" for n in range(7)]
    app.config["PAGE_SIZE"] = 1
    for n in range(7, MAX_RESTORED_PAGES + 3):
        make_title("movie", f"Film {n}", popularity=float(-n))
    long = client.get(f"/movies?through={MAX_RESTORED_PAGES + 3}").get_data(as_text=True)
    assert titles_in(long) == [f"Film {n}" for n in range(3, MAX_RESTORED_PAGES + 3)]
    assert 'href="/movies?through=3">Show earlier titles' in long
    assert client.get("/movies?through=abc").status_code == 400
    assert client.get("/movies?page=50&through=60").status_code == 404


def test_filter_urls_drop_empty_parameters(client, shelf):
    response = client.get("/anime?genre=action&year_from=&year_to=&status=&sort=title&format=")
    assert response.status_code == 302 and response.location == "/anime?genre=action&sort=title"
    assert client.get("/anime?genre=&status=").location == "/anime"
    assert client.get("/anime?genre=action&sort=title").status_code == 200


def test_search_page_and_live_suggestions(client, shelf):
    page = client.get("/search?q=bebop").get_data(as_text=True)
    assert "<html" in page and titles_in(page) == ["Cowboy Bebop", "Cowboy Bebop: Tengoku no Tobira"]
    live = client.get("/search?q=beb", headers={**HX, "HX-Target": "search-suggestions"})
    body = live.get_data(as_text=True)
    assert live.status_code == 200 and "<html" not in body
    assert body.count('class="suggestion"') == 2 and "See all results for “beb”" in body
    assert f'href="/titles/{shelf["bebop"]}-cowboy-bebop"' in body
    none = client.get("/search?q=zzzz", headers={**HX, "HX-Target": "search-suggestions"}).get_data(as_text=True)
    assert "No titles match “zzzz”" in none


def test_search_page_kind_filter_and_empty_query(client, shelf):
    assert titles_in(client.get("/search?q=green&kind=comic").get_data(as_text=True)) == ["Green Lantern"]
    assert "Type at least two letters" in client.get("/search?q=").get_data(as_text=True)
    assert client.get("/search?q=x&kind=book").status_code == 400
    assert client.get("/search?q=" + "x" * 300).status_code == 400


def test_search_escapes_the_query(client, shelf):
    body = client.get("/search?q=%3Cscript%3Ealert(1)%3C/script%3E").get_data(as_text=True)
    assert "<script>alert" not in body and "&lt;script&gt;" in body


def test_detail_links_to_people_characters_genres_and_relations(client, shelf):
    body = client.get(f"/titles/{shelf['bebop']}").get_data(as_text=True)
    assert 'href="/genres/sci-fi"' in body and 'href="/characters/' in body and 'href="/people/' in body
    assert f'href="/titles/{shelf["movie"]}-cowboy-bebop-tengoku-no-tobira"' in body  # relation resolved
    assert "Voiced by" in body and "Koichi Yamadera" in body


def test_person_character_and_genre_pages(client, shelf):
    detail = client.get(f"/titles/{shelf['bebop']}").get_data(as_text=True)
    person_url = detail.split('href="/people/')[1].split('"')[0]
    character_url = detail.split('href="/characters/')[1].split('"')[0]
    person = client.get(f"/people/{person_url}").get_data(as_text=True)
    assert "Koichi Yamadera" in person and "Spike Spiegel" in person and "Voice roles" in person
    character = client.get(f"/characters/{character_url}").get_data(as_text=True)
    assert "Spike Spiegel" in character and "Cowboy Bebop" in character and "Koichi Yamadera" in character
    genre = client.get("/genres/superhero?kind=comic").get_data(as_text=True)
    assert titles_in(genre) == ["Green Lantern", "X-Men"] or titles_in(genre) == ["X-Men", "Green Lantern"]
    for url in ("/people/999999", "/characters/999999", "/genres/nope"):
        assert client.get(url).status_code == 404
    assert client.get("/genres/superhero?kind=book").status_code == 400


@pytest.fixture
def count_queries(app):
    """Count SQL statements run inside the block."""
    class Counter:
        def __init__(self):
            self.n = 0

        def __enter__(self):
            with app.app_context():
                self.engine = db.engine
            event.listen(self.engine, "before_cursor_execute", self.hit)
            return self

        def hit(self, *args):
            self.n += 1

        def __exit__(self, *exc):
            event.remove(self.engine, "before_cursor_execute", self.hit)

    return Counter


def test_detail_page_queries_are_bounded(client, make_title, count_queries):
    credits = [CreditRecord(PersonRecord(f"Actor {i}", ExternalRef("test", "person", str(i))), "cast", character=f"Role {i}", order=i)
               for i in range(100)]
    characters = [CharacterRecord(f"Char {i}", ExternalRef("test", "character", str(i)),
                                  voices=[VoiceRecord(PersonRecord(f"Voice {i}", ExternalRef("test", "person", str(1000 + i))), "Japanese")])
                  for i in range(30)]
    title_id = make_title("anime", "Big Cast", credits=credits, characters=characters, genres=["A", "B", "C"])
    client.get(f"/titles/{title_id}")  # warm-up
    with count_queries() as counter:
        body = client.get(f"/titles/{title_id}").get_data(as_text=True)
    assert "Actor 99" in body and "Voice 29" in body
    assert counter.n <= 12, counter.n


def test_browse_and_search_queries_are_a_small_constant(app, client, make_title, count_queries):
    for n in range(30):
        make_title("movie", f"Film {n}", genres=[f"G{n % 5}", "Drama"])
    with count_queries() as counter:
        client.get("/movies")
    assert counter.n <= 6, counter.n
    with count_queries() as counter:
        client.get("/search?q=film")
    assert counter.n <= 5, counter.n
    with count_queries() as counter:
        client.get("/search?q=fil", headers={**HX, "HX-Target": "search-suggestions"})
    assert counter.n <= 4, counter.n


def test_htmx_error_toast_on_bad_filter(client):
    response = client.get("/anime?year_from=abc", headers={**HX, "HX-Target": "results"})
    assert response.status_code == 400 and response.data == b""
    assert "From year" in json.loads(response.headers["HX-Trigger"])["toast"]["message"]


def test_a_film_only_the_vega_table_knows_says_what_is_missing(client, make_title):
    director = CreditRecord(PersonRecord("Some Body"), "crew", job="Director", department="Directing")
    vega = make_title("movie", "Plain Film", refs=[ExternalRef("vega", "movie", "plain-film-1998")],
                      release_date=date(1998, 6, 12), credits=[director])
    html = client.get(f"/titles/{vega}", follow_redirects=True).get_data(as_text=True)
    assert "<strong>Limited data:</strong> this title comes from the vega-datasets film table" in html
    assert re.search(r"so its synopsis, runtime and\s+cast\s+are not known", html)
    assert "<dt>Runtime</dt>" not in html and 'id="synopsis"' not in html
    assert '<p class="external"></p>' not in html and 'class="external"' not in html  # no empty row of links
    rich = make_title("movie", "Rich Film", refs=[ExternalRef("tmdb", "movie", "42", "https://www.themoviedb.org/movie/42")],
                      synopsis="Told in full.", details={"runtime_minutes": 95})
    html = client.get(f"/titles/{rich}", follow_redirects=True).get_data(as_text=True)
    assert "Limited data" not in html and "<dt>Runtime</dt>" in html and 'class="external"' in html
