"""Discovery pages: the lazy home page, each section as a page and as a fragment, bad input, access."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest

from mymovielist.discover import tasks
from mymovielist.extensions import db
from mymovielist.models import ListEntry, User, utcnow

HX = {"HX-Request": "true"}
SECTIONS = {"/trending": "shelf-trending", "/top": "shelf-top", "/new": "shelf-new"}


@pytest.fixture
def catalog(make_title):
    from datetime import date

    return {
        "bebop": make_title("anime", "Cowboy Bebop", genres=["Sci-Fi", "Drama"], popularity=90.0,
                            provider_score=8.8, provider_votes=900_000, release_date=date(1998, 4, 3)),
        "trigun": make_title("anime", "Trigun", genres=["Sci-Fi", "Drama"], popularity=40.0,
                             provider_score=8.2, provider_votes=300_000, release_date=date(1998, 4, 1)),
        "sunrise": make_title("movie", "Before Sunrise", genres=["Romance"], popularity=60.0,
                              provider_score=7.9, provider_votes=4_000, release_date=date(1995, 1, 27)),
    }


@pytest.fixture
def member(app, make_user, auth):
    user_id = make_user("member")
    auth.login("member")
    return user_id


def assert_fragment(response, element_id: str) -> str:
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "<html" not in body and f'id="{element_id}"' in body
    assert "HX-Request" in response.headers["Vary"]
    if "HX-Trigger" in response.headers:
        json.loads(response.headers["HX-Trigger"])
    return body


def test_signed_out_home_is_a_shell_that_loads_its_sections(client, catalog):
    response = client.get("/")
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" in body
    for url, element_id in SECTIONS.items():
        assert re.search(rf'id="{element_id}"[^>]*hx-get="{url}" hx-trigger="load"', body)
        assert f'<a href="{url}">' in body  # the link that works without JavaScript
    shelves = body.split('id="heading-popular-', 1)[0]
    assert "Cowboy Bebop" not in shelves  # the shelves come after the first byte
    assert "/recommendations" not in body and "/continue-watching" not in body


def test_home_shows_the_popular_titles_of_every_kind_in_the_page_itself(demo_client):
    body = demo_client.get("/").get_data(as_text=True)
    for kind, path in (("movie", "movies"), ("series", "series"), ("anime", "anime"), ("comic", "comics")):
        assert f'id="heading-popular-{kind}"' in body
        assert f'<a href="/{path}">Browse all</a>' in body
        assert body.count(f"badge badge-{kind}") == 6


def test_signed_in_home_has_personal_sections(client, catalog, member):
    body = client.get("/").get_data(as_text=True)
    for url in ("/continue-watching", "/recommendations", "/trending", "/feed"):
        assert f'hx-get="{url}"' in body
    assert 'hx-get="/top"' not in body and "hero" not in body


@pytest.mark.parametrize("url", list(SECTIONS))
def test_each_section_is_a_full_page_and_a_shelf_fragment(client, catalog, url):
    page = client.get(url)
    assert page.status_code == 200 and "<html" in page.get_data(as_text=True)
    assert "Cowboy Bebop" in page.get_data(as_text=True)
    shelf = assert_fragment(client.get(url, headers={**HX, "HX-Target": SECTIONS[url]}), SECTIONS[url])
    assert "Cowboy Bebop" in shelf and "<form" not in shelf


def test_filter_change_returns_the_results_fragment(client, catalog):
    body = assert_fragment(client.get("/trending?kind=movie&window=day", headers={**HX, "HX-Target": "trending-results"}),
                           "trending-results")
    assert "Before Sunrise" in body and "Cowboy Bebop" not in body
    page = client.get("/trending?kind=movie&window=day", headers={**HX, "HX-Boosted": "true"})
    assert "<html" in page.get_data(as_text=True)


def test_trending_uses_the_table_once_the_job_has_run(app, client, catalog, make_user):
    user = make_user("fan")
    with app.app_context():
        db.session.add(ListEntry(user_id=user, title_id=catalog["trigun"], status="watching",
                                 updated_at=utcnow() - timedelta(hours=1)))
        db.session.commit()
        tasks.refresh_trending()
    body = client.get("/trending?kind=anime").get_data(as_text=True)
    assert body.index("Trigun") < body.index("Cowboy Bebop")
    assert "Ranked by what people here rated" in body


@pytest.mark.parametrize("query", ["window=year", "kind=book", "page=0", "page=abc", "page=1001"])
def test_bad_input_is_a_clear_400(client, query):
    response = client.get(f"/trending?{query}")
    assert response.status_code == 400


def test_a_page_past_the_end_is_404(client, catalog):
    assert client.get("/top?page=2").status_code == 404
    assert client.get("/new?page=5").status_code == 404


@pytest.mark.parametrize("url", ["/recommendations", "/continue-watching"])
def test_personal_pages_need_an_account(client, url):
    response = client.get(url)
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]
    htmx = client.get(url, headers={**HX, "HX-Target": "shelf-recommendations"})
    assert htmx.status_code == 401 and "/auth/login" in htmx.headers["HX-Redirect"]
    json.loads(htmx.headers["HX-Trigger"])


def test_recommendations_page_and_shelf_explain_themselves(app, client, catalog, member):
    with app.app_context():
        db.session.add(ListEntry(user_id=member, title_id=catalog["bebop"], status="completed", score=90))
        db.session.commit()
        tasks.rebuild_neighbours()
    page = client.get("/recommendations").get_data(as_text=True)
    assert "Trigun" in page and "Because you rated Cowboy Bebop 9/10" in page
    assert page.count('class="reason-card"') == 2  # everything else, but never Cowboy Bebop itself
    shelf = assert_fragment(client.get("/recommendations", headers={**HX, "HX-Target": "shelf-recommendations"}),
                            "shelf-recommendations")
    assert "Because you rated Cowboy Bebop 9/10" in shelf
    only_movies = client.get("/recommendations?kind=movie", headers={**HX, "HX-Target": "recommendation-results"})
    body = assert_fragment(only_movies, "recommendation-results")
    assert "Before Sunrise" in body and "Trigun" not in body
    assert client.get("/recommendations?kind=book").status_code == 400


def test_recommendations_for_a_new_member(client, catalog, member):
    body = client.get("/recommendations").get_data(as_text=True)
    assert "Cowboy Bebop" in body and "Popular right now" in body


def test_continue_watching(app, client, catalog, member):
    with app.app_context():
        db.session.add(ListEntry(user_id=member, title_id=catalog["trigun"], status="watching", progress=3))
        db.session.commit()
    shelf = assert_fragment(client.get("/continue-watching", headers={**HX, "HX-Target": "shelf-continue"}),
                            "shelf-continue")
    assert "Trigun" in shelf and "Cowboy Bebop" not in shelf
    assert "<html" in client.get("/continue-watching").get_data(as_text=True)


def test_detail_page_loads_similar_titles_when_revealed(client, catalog):
    bebop = catalog["bebop"]
    body = client.get(f"/titles/{bebop}").get_data(as_text=True)
    assert f'hx-get="/titles/{bebop}/similar" hx-trigger="revealed"' in body
    assert f'<a href="/titles/{bebop}/similar">' in body
    shelf = assert_fragment(client.get(f"/titles/{bebop}/similar", headers={**HX, "HX-Target": "similar-shelf"}),
                            "similar-shelf")
    assert "Trigun" in shelf and "Shares genres" in shelf
    page = client.get(f"/titles/{bebop}/similar").get_data(as_text=True)
    assert "<html" in page and "Titles like" in page and "Trigun" in page


def test_a_title_with_nothing_similar_loses_the_section_not_just_its_cards(client, make_title):
    lonely = make_title("movie", "Lonely")
    body = client.get(f"/titles/{lonely}").get_data(as_text=True)
    assert '<section id="similar" class="shelf"' in body  # a link to the list stands in without JavaScript
    response = client.get(f"/titles/{lonely}/similar", headers={**HX, "HX-Target": "similar-shelf"})
    assert response.status_code == 200
    assert response.get_data(as_text=True) == ('<div id="similar-shelf" hidden></div>'
                                               '<section id="similar" hx-swap-oob="delete"></section>')
    assert "No similar titles known yet." in client.get(f"/titles/{lonely}/similar").get_data(as_text=True)


def test_similar_for_a_missing_title_is_404(client):
    assert client.get("/titles/999999/similar").status_code == 404


def test_empty_catalog_pages_say_so(client):
    assert "the catalog is empty" in client.get("/trending").get_data(as_text=True)
    assert "No rated titles yet" in client.get("/top").get_data(as_text=True)
    shelf = client.get("/new", headers={**HX, "HX-Target": "shelf-new"}).get_data(as_text=True)
    assert "No released titles in the catalog yet" in shelf


def test_adult_titles_only_for_those_who_ask(app, client, make_title, member):
    make_title("movie", "Adult pick", adult=True, popularity=1000.0, genres=["Drama"])
    base = make_title("movie", "Base", genres=["Drama"])
    assert "Adult pick" not in client.get(f"/titles/{base}/similar").get_data(as_text=True)
    with app.app_context():
        db.session.get(User, member).preferences.show_adult = True
        db.session.commit()
    assert "Adult pick" in client.get(f"/titles/{base}/similar").get_data(as_text=True)
