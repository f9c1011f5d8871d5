"""Every page of the foundation renders, and bad requests get clear errors."""

from datetime import date

import pytest
from sqlalchemy import text

from mymovielist.sync.records import CreditRecord, EpisodeRecord, PersonRecord, SeasonRecord

KIND_PATHS = {"movie": "/movies", "series": "/series", "anime": "/anime", "comic": "/comics"}


@pytest.fixture
def titles(make_title):
    return {
        "movie": make_title(
            "movie", "Before Sunrise", release_date=date(1995, 1, 27), genres=["Romance", "Drama"],
            details={"runtime_minutes": 101},
            credits=[CreditRecord(PersonRecord("Ethan Hawke"), "cast", character="Jesse", order=0),
                     CreditRecord(PersonRecord("Richard Linklater"), "crew", job="Director")],
        ),
        "series": make_title(
            "series", "Game of Thrones", release_date=date(2011, 4, 17), details={"networks": "HBO", "season_count": 8},
            seasons=[SeasonRecord(1, "Season 1", episode_count=10)],
            episodes=[EpisodeRecord(1, "Winter Is Coming", season_number=1)],
        ),
        "anime": make_title("anime", "Cowboy Bebop", details={"format": "TV", "studios": "Sunrise"}),
        "comic": make_title("comic", "Green Lantern", details={"publisher": "DC Comics", "issue_count": 67}),
    }


def test_home_shows_every_kind(client, titles):
    # The home page loads its sections lazily (tests/test_discover.py); its trending shelf has every kind.
    page = client.get("/").get_data(as_text=True)
    for path in KIND_PATHS.values():
        assert f'href="{path}"' in page
    shelf = client.get("/trending", headers={"HX-Request": "true", "HX-Target": "shelf-trending"})
    for name in ("Before Sunrise", "Game of Thrones", "Cowboy Bebop", "Green Lantern"):
        assert name in shelf.get_data(as_text=True)


def test_home_on_an_empty_catalog(client):
    response = client.get("/")
    assert response.status_code == 200
    shelf = client.get("/trending", headers={"HX-Request": "true", "HX-Target": "shelf-trending"})
    assert "Nothing to show yet: the catalog is empty." in shelf.get_data(as_text=True)


@pytest.mark.parametrize("kind", KIND_PATHS)
def test_browse_each_kind(client, titles, kind):
    response = client.get(KIND_PATHS[kind])
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert f'href="/titles/{titles[kind]}-' in body
    assert 'aria-current="page"' in body
    assert "HX-Request" in response.headers["Vary"]


def test_browse_paginates(app, client, make_title):
    app.config["PAGE_SIZE"] = 2
    for n in range(5):
        make_title("movie", f"Film {n}", popularity=float(10 - n))
    first = client.get("/movies").get_data(as_text=True)
    assert "Film 0" in first and "Film 2" not in first
    assert 'rel="next" href="/movies?page=2&amp;after=' in first  # the next page by keyset cursor
    third = client.get("/movies?page=3").get_data(as_text=True)
    assert "Film 4" in third and 'rel="prev"' in third and 'rel="next"' not in third
    assert client.get("/movies?page=4").status_code == 404


@pytest.mark.parametrize("query", ["page=0", "page=-1", "page=abc", "page=99999999999", "sort=nope"])
def test_browse_rejects_bad_query_strings(client, query):
    response = client.get(f"/movies?{query}")
    assert response.status_code == 400
    assert "<h1>Bad request</h1>" in response.get_data(as_text=True)


@pytest.mark.parametrize("sort", ["popularity", "score", "title", "release_date", "added"])
def test_browse_sorts(client, titles, sort):
    assert client.get(f"/movies?sort={sort}").status_code == 200


def test_detail_page(client, titles):
    response = client.get(f"/titles/{titles['movie']}")
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<h1>Before Sunrise" in body and "(1995)" in body
    assert "Romance" in body and "Drama" in body
    assert "Ethan Hawke" in body and "as Jesse" in body and "Richard Linklater" in body
    assert "1 h 41 min" in body
    assert 'width="300" height="450"' in body and 'alt="Poster of Before Sunrise"' in body


def test_detail_pages_of_other_kinds(client, titles):
    series = client.get(f"/titles/{titles['series']}").get_data(as_text=True)
    assert "HBO" in series and "Season 1" in series and "Winter Is Coming" in series
    anime = client.get(f"/titles/{titles['anime']}").get_data(as_text=True)
    assert "Sunrise" in anime
    comic = client.get(f"/titles/{titles['comic']}").get_data(as_text=True)
    assert "DC Comics" in comic and "67" in comic


def test_detail_slug_redirects_to_the_canonical_url(client, titles):
    response = client.get(f"/titles/{titles['movie']}-wrong-slug")
    assert response.status_code == 301
    assert response.headers["Location"].endswith(f"/titles/{titles['movie']}-before-sunrise")
    assert client.get(f"/titles/{titles['movie']}-before-sunrise").status_code == 200


def test_missing_title_is_404(client):
    response = client.get("/titles/999999")
    assert response.status_code == 404
    assert "We could not find that page" in response.get_data(as_text=True)


def test_poster_placeholder_is_svg_with_the_title_escaped(client, make_title):
    title_id = make_title("movie", "<script>alert(1)</script> & Co")
    response = client.get(f"/titles/{title_id}/poster.svg")
    assert response.status_code == 200 and response.mimetype == "image/svg+xml"
    svg = response.get_data(as_text=True)
    assert "<script>" not in svg and "&lt;script&gt;" in svg
    import xml.etree.ElementTree as ET

    ET.fromstring(svg)  # well-formed


def test_titles_without_poster_use_the_placeholder(client, titles):
    body = client.get(f"/titles/{titles['anime']}").get_data(as_text=True)
    assert f'src="/titles/{titles["anime"]}/poster.svg"' in body


def test_healthz(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.get_json() == {"status": "ok", "database": "ok"}


def test_healthz_reports_an_unreachable_database(tmp_path, monkeypatch):
    from flask import Flask

    from mymovielist import create_app

    monkeypatch.setattr(Flask, "auto_find_instance_path", lambda self: str(tmp_path / "instance"))
    app = create_app({"TESTING": True, "SECRET_KEY": "x",
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'missing' / 'nowhere.sqlite3'}"})
    response = app.test_client().get("/healthz")
    assert response.status_code == 503 and response.get_json()["database"] == "unreachable"


@pytest.mark.parametrize("status", [400, 403, 404, 405, 429, 500])
def test_error_pages(app, client, status):
    from flask import abort

    @app.get(f"/_boom/{status}")
    def boom():
        if status == 500:
            raise RuntimeError("kaboom-internal-detail")
        abort(status)

    response = client.get(f"/_boom/{status}")
    assert response.status_code == status
    body = response.get_data(as_text=True)
    assert "<html" in body and f'<p class="error-code">{status}</p>' in body
    assert "Traceback" not in body and "kaboom-internal-detail" not in body


@pytest.mark.parametrize("status", [400, 403, 404, 429, 500])
def test_error_responses_for_htmx_are_empty_with_a_toast(app, client, status):
    import json

    from flask import abort

    @app.get(f"/_boom/{status}")
    def boom():
        if status == 500:
            raise RuntimeError("kaboom-internal-detail")
        abort(status)

    response = client.get(f"/_boom/{status}", headers={"HX-Request": "true"})
    assert response.status_code == status and response.data == b""
    trigger = json.loads(response.headers["HX-Trigger"])
    assert trigger["toast"]["level"] == "error" and trigger["toast"]["message"]


def test_405_names_the_allowed_methods(client):
    response = client.post("/movies")
    assert response.status_code == 405
    assert "GET" in response.headers["Allow"]


def test_500_on_a_database_failure_is_a_page(app, client, monkeypatch):
    from mymovielist.services import catalog

    def broken(*args, **kwargs):
        from mymovielist.extensions import db

        db.session.execute(text("SELECT * FROM no_such_table"))

    monkeypatch.setattr(catalog, "list_titles", broken)
    response = client.get("/movies")
    assert response.status_code == 500 and "Something went wrong" in response.get_data(as_text=True)


def test_base_layout(client):
    body = client.get("/").get_data(as_text=True)
    assert '<meta name="viewport"' in body
    assert "/static/js/htmx-2.0.11.min.js" in body and "defer" in body
    assert "<script>" not in body  # no inline scripts
    assert 'href="#main"' in body and 'id="main"' in body


def test_unexpected_errors_are_logged(app, client, caplog):
    @app.get("/_boom")
    def boom():
        raise RuntimeError("kaboom-internal-detail")

    with caplog.at_level("ERROR"):
        assert client.get("/_boom").status_code == 500
    assert "kaboom-internal-detail" in caplog.text and "GET /_boom" in caplog.text
