"""On-demand sync from the search page: provider results when the catalog has few, import on POST."""

from __future__ import annotations

import pytest
from conftest import AuthActions
from sqlalchemy import func, select

from mymovielist.extensions import db
from mymovielist.models import Title

FRAGMENT = {"HX-Request": "true", "HX-Target": "provider-results"}


@pytest.fixture
def sync_client(sync_app, make_user):
    client = sync_app.test_client()
    make_user("reader")
    return client


def login(client):
    AuthActions(client).login("reader")
    return client


def titles(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Title))


def test_without_providers_nothing_is_offered(client):
    html = client.get("/search?q=before+sunrise").get_data(as_text=True)
    assert "provider-results" not in html
    assert client.get("/search/providers?q=before+sunrise").status_code == 404


def test_few_local_results_offer_the_providers_after_the_page(sync_client):
    html = sync_client.get("/search?q=before+sunrise").get_data(as_text=True)
    assert 'hx-get="/search/providers?q=before+sunrise"' in html and 'hx-trigger="load"' in html
    assert sync_client.get("/search?q=b").get_data(as_text=True).count("provider-results") == 0


def test_provider_results_fragment_lists_importable_titles(sync_app, sync_client, emulator):
    login(sync_client)
    response = sync_client.get("/search/providers?q=thrones", headers=FRAGMENT)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in html
    assert 'name="provider" value="tmdb"' in html and 'name="provider" value="jikan"' in html
    assert 'name="provider" value="comicvine"' in html
    assert [h.path for h in emulator.hits].count("/search/multi") == 1
    # The same URL opened directly is a whole page, from the providers' kept answers.
    assert "<html" in sync_client.get("/search/providers?q=Thrones ").get_data(as_text=True)
    assert [h.path for h in emulator.hits].count("/search/multi") == 1


def test_choosing_a_result_imports_it_and_opens_its_page(sync_app, sync_client):
    login(sync_client)
    response = sync_client.post("/search/import", data={"provider": "tmdb", "kind": "movie", "external_id": "76"})
    assert response.status_code == 303
    assert response.headers["Location"].startswith("/titles/") and response.headers["Location"].endswith("-before-sunrise")
    page = sync_client.get(response.headers["Location"])
    assert page.status_code == 200 and "Before Sunrise" in page.get_data(as_text=True)
    # Already here: the provider list links to it instead of importing again.
    html = sync_client.get("/search/providers?q=sunrise", headers=FRAGMENT).get_data(as_text=True)
    assert titles(sync_app) == 1
    assert html.count("Add to the catalog") > 0


def test_visitors_must_log_in_to_import(sync_app, sync_client):
    html = sync_client.get("/search/providers?q=thrones", headers=FRAGMENT).get_data(as_text=True)
    assert "Log in to add it" in html and "Add to the catalog" not in html
    response = sync_client.post("/search/import", data={"provider": "tmdb", "kind": "movie", "external_id": "76"})
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]
    assert titles(sync_app) == 0


@pytest.mark.parametrize("data, status, message", [
    ({"provider": "imdb", "kind": "movie", "external_id": "1"}, 400, "unknown provider"),
    ({"provider": "tmdb", "kind": "movie", "external_id": "x"}, 400, "whole numbers"),
    ({"provider": "tmdb", "kind": "movie"}, 400, "whole numbers"),
])
def test_bad_imports_are_clear_errors(sync_app, sync_client, data, status, message):
    login(sync_client)
    response = sync_client.post("/search/import", data=data)
    assert response.status_code == status
    assert message in response.get_data(as_text=True)
    assert titles(sync_app) == 0


def test_a_provider_failure_on_import_goes_back_to_the_search(sync_app, sync_client, emulator):
    login(sync_client)
    emulator.inject("malformed", "jikan", "/anime/1/staff")
    data = {"provider": "jikan", "kind": "anime", "external_id": "1", "q": "bebop"}
    response = sync_client.post("/search/import", data=data)
    assert response.status_code == 303 and response.headers["Location"] == "/search?q=bebop"
    page = sync_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "The title could not be added: jikan: /anime/1/staff answered with a body that is not valid JSON" in page
    assert titles(sync_app) == 0


def test_a_failing_provider_leaves_the_others(sync_client, emulator):
    emulator.inject("500", "tmdb")
    html = sync_client.get("/search/providers?q=thrones", headers=FRAGMENT).get_data(as_text=True)
    assert "tmdb did not answer" in html
    assert "MyAnimeList" in html
    # The failure is not kept: once TMDB is back, the same search asks it again.
    emulator.clear_faults()
    asked = [h.path for h in emulator.hits].count("/search/multi")
    html = sync_client.get("/search/providers?q=thrones", headers=FRAGMENT).get_data(as_text=True)
    assert "tmdb did not answer" not in html
    assert [h.path for h in emulator.hits].count("/search/multi") == asked + 1
