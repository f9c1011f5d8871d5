"""The JSON API: titles, search, users' lists, the caller's entries and ratings, tokens, errors, limits, CORS."""

from __future__ import annotations

import json

import pytest

from mymovielist.extensions import db
from mymovielist.models import ApiToken, ListEntry, Title, User
from mymovielist.services import accounts, api_tokens, tracking
from mymovielist.sync.records import CreditRecord, ExternalRef

PROBLEM = "application/problem+json"


@pytest.fixture
def token_for(app, make_user):
    """`token_for("alice", "read-write")`: a token for the user (created if needed); returns its secret."""
    made: set[str] = set()

    def make(username: str, scope: str = "read-write", **profile) -> str:
        if username not in made:
            made.add(username)
            make_user(username, **profile)
        with app.app_context():
            user = accounts.get_user_by_username(username)
            _, secret = api_tokens.create_token(user, f"{username} {scope}", scope)
            db.session.commit()
            return secret

    return make


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def assert_problem(response, status: int, field: str | None = None) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == PROBLEM
    body = response.get_json(force=True)
    assert body["status"] == status
    assert isinstance(body["title"], str) and body["title"]
    assert isinstance(body["detail"], str) and body["detail"]
    assert body["type"] == "about:blank" or body["type"].startswith("urn:mymovielist:problem:")
    if field:
        assert field in body["errors"], body
    return body


@pytest.fixture
def catalog(make_title) -> dict[str, int]:
    return {
        "dune": make_title("movie", "Dune", year=2021, status="finished", genres=["Science Fiction"],
                           popularity=90.0, provider_score=8.0, provider_votes=100,
                           credits=[CreditRecord(person=_person(), role="cast", character="Paul")]),
        "arrival": make_title("movie", "Arrival", year=2016, status="finished", genres=["Science Fiction", "Drama"],
                              popularity=50.0),
        "heat": make_title("movie", "Heat", year=1995, status="finished", genres=["Crime"], popularity=40.0),
        "bebop": make_title("anime", "Cowboy Bebop", year=1998, status="finished", popularity=80.0,
                            details={"episode_count": 26}),
        "show": make_title("series", "The Wire", year=2002, status="finished", popularity=70.0,
                           details={"episode_count": 60}),
        "adult": make_title("movie", "Adult Film", year=2000, adult=True, popularity=99.0),
    }


def _person():
    from mymovielist.sync.records import PersonRecord

    return PersonRecord(name="Timothée Chalamet", ref=ExternalRef("test", "person", "p1"))


# -- titles ----------------------------------------------------------------------------------


def test_titles_list_pages_with_links_and_total(client, catalog):
    response = client.get("/api/v1/titles?per_page=2")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert body["total"] == 5  # the adult title is left out for visitors
    assert body["page"] == 1 and body["per_page"] == 2
    assert [t["title"] for t in body["items"]] == ["Dune", "Cowboy Bebop"]
    assert body["links"]["prev"] is None
    assert body["links"]["next"] == "/api/v1/titles?per_page=2&page=2"
    last = client.get("/api/v1/titles?per_page=2&page=3").get_json()
    assert [t["title"] for t in last["items"]] == ["Heat"]
    assert last["links"]["next"] is None and last["links"]["prev"] == "/api/v1/titles?per_page=2&page=2"
    assert client.get("/api/v1/titles?page=9").get_json()["items"] == []


@pytest.mark.parametrize("query, expected", [
    ("kind=anime", ["Cowboy Bebop"]),
    ("kind=movie&genre=science-fiction", ["Dune", "Arrival"]),
    ("genre=crime", ["Heat"]),
    ("year_from=1998&year_to=2016", ["Cowboy Bebop", "The Wire", "Arrival"]),
    ("kind=movie&sort=title", ["Arrival", "Dune", "Heat"]),
    ("kind=movie&sort=release_date", ["Dune", "Arrival", "Heat"]),
    ("status=airing", []),
])
def test_titles_filters_and_sorts(client, catalog, query, expected):
    body = client.get(f"/api/v1/titles?{query}").get_json()
    if "sort=release_date" in query:  # no release dates in the fixture: ties fall back to id order
        expected = sorted(expected, key=lambda t: catalog[{"Dune": "dune", "Arrival": "arrival", "Heat": "heat"}[t]])
    assert [t["title"] for t in body["items"]] == expected
    assert body["total"] == len(expected)


@pytest.mark.parametrize("query, field", [
    ("kind=book", "kind"), ("per_page=101", "per_page"), ("per_page=0", "per_page"), ("page=0", "page"),
    ("page=abc", "page"), ("year_from=99999", "year_from"), ("sort=random", "sort"), ("status=lost", "status"),
    ("page=99999999999999999999", "page"),
])
def test_titles_bad_parameters_are_400_problems_naming_the_field(client, catalog, query, field):
    assert_problem(client.get(f"/api/v1/titles?{query}"), 400, field)


def test_title_detail_has_genres_credits_ids_and_both_scores(client, catalog, make_user, app):
    user_id = make_user("rater")
    with app.app_context():
        tracking.set_rating(db.session.get(User, user_id), db.session.get(Title, catalog["dune"]), 80)
        db.session.commit()
    response = client.get(f"/api/v1/titles/{catalog['dune']}")
    assert response.status_code == 200
    body = response.get_json()
    assert body["title"] == "Dune" and body["kind"] == "movie"
    assert body["genres"] == [{"slug": "science-fiction", "name": "Science Fiction"}]
    assert body["credits"][0]["person"]["name"] == "Timothée Chalamet"
    assert body["credits"][0]["character"] == "Paul"
    assert {"provider": "test", "kind": "movie", "value": "1", "url": None} in body["external_ids"]
    assert body["scores"]["provider"] == 8.0 and body["scores"]["provider_votes"] == 100
    assert body["scores"]["mean"] == 80.0 and body["scores"]["rating_count"] == 1
    assert body["characters"] == []
    assert set(body["details"]) == {"runtime_minutes", "tagline", "collection", "budget", "revenue"}
    assert body["links"]["self"] == f"/api/v1/titles/{catalog['dune']}"


@pytest.mark.parametrize("path", ["/api/v1/titles/999999", "/api/v1/titles/99999999999999999999", "/api/v1/nowhere"])
def test_unknown_titles_and_paths_are_404_problems(client, path):
    assert_problem(client.get(path), 404)


def test_html_error_pages_are_unchanged(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert response.mimetype == "text/html"


def test_a_method_a_route_does_not_take_is_a_405_problem_with_allow(client):
    response = client.post("/api/v1/titles")
    assert_problem(response, 405)
    assert "GET" in response.headers["Allow"]


def test_search_finds_titles_without_a_total(client, catalog):
    response = client.get("/api/v1/search?q=cowboy")
    assert response.status_code == 200
    body = response.get_json()
    assert [t["title"] for t in body["items"]] == ["Cowboy Bebop"]
    assert "total" not in body
    assert body["links"]["next"] is None
    assert client.get("/api/v1/search?q=adult").get_json()["items"] == []
    assert_problem(client.get("/api/v1/search"), 400, "q")
    assert_problem(client.get("/api/v1/search?q=a&kind=toy"), 400, "kind")


def test_a_user_who_chose_adult_titles_sees_them_with_a_token(client, catalog, token_for, app):
    secret = token_for("grownup", "read")
    with app.app_context():
        accounts.get_user_by_username("grownup").preferences.show_adult = True
        db.session.commit()
    assert client.get("/api/v1/titles", headers=bearer(secret)).get_json()["total"] == 6


# -- users' lists and privacy ----------------------------------------------------------------


def _rate(app, username: str, title_id: int, score: int, notes: str = "") -> None:
    with app.app_context():
        user = accounts.get_user_by_username(username)
        tracking.update_entry(user, db.session.get(Title, title_id), status="completed", score=score, notes=notes)
        db.session.commit()


def test_a_public_list_is_readable_anonymously_without_notes(client, catalog, make_user, app):
    make_user("alice")
    _rate(app, "alice", catalog["dune"], 90, notes="my secret thoughts")
    response = client.get("/api/v1/users/alice/list")
    assert response.status_code == 200
    body = response.get_json()
    assert body["total"] == 1
    item = body["items"][0]
    assert item["title"]["title"] == "Dune" and item["status"] == "completed" and item["score"] == 90
    assert "notes" not in item
    assert client.get("/api/v1/users/alice/list?status=watching").get_json()["total"] == 0
    assert_problem(client.get("/api/v1/users/alice/list?status=bored"), 400, "status")


def test_a_private_list_is_404_for_others_and_readable_by_its_owner(client, catalog, make_user, token_for, app):
    owner = token_for("hermit", "read", is_private=True)
    other = token_for("nosy", "read")
    _rate(app, "hermit", catalog["dune"], 70, notes="mine")
    assert_problem(client.get("/api/v1/users/hermit/list"), 404)
    assert_problem(client.get("/api/v1/users/hermit/list", headers=bearer(other)), 404)
    assert_problem(client.get("/api/v1/users/nobody/list"), 404)
    body = client.get("/api/v1/users/hermit/list", headers=bearer(owner)).get_json()
    assert body["items"][0]["notes"] == "mine"


def test_a_session_cookie_does_not_open_a_private_list(client, catalog, make_user, auth, app):
    make_user("shy", is_private=True)
    auth.login("shy")
    assert_problem(auth._client.get("/api/v1/users/shy/list"), 404)
    assert_problem(auth._client.get("/api/v1/me/entries"), 401)


# -- the caller's entries and ratings --------------------------------------------------------


def test_me_entries_need_a_token(client):
    response = client.get("/api/v1/me/entries")
    assert_problem(response, 401)
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_put_adds_then_changes_an_entry_and_is_idempotent(client, catalog, token_for, app):
    secret = token_for("alice")
    path = f"/api/v1/me/entries/{catalog['show']}"
    body = {"status": "watching", "progress": 3, "score": 75, "started_on": "2024-01-02", "tags": ["Noir"]}
    first = client.put(path, json=body, headers=bearer(secret))
    assert first.status_code == 201
    assert first.headers["Location"] == path
    entry = first.get_json()
    assert entry["status"] == "watching" and entry["progress"] == 3 and entry["score"] == 75
    assert entry["started_on"] == "2024-01-02" and entry["tags"] == ["noir"] and entry["notes"] == ""
    second = client.put(path, json=body, headers=bearer(secret))
    assert second.status_code == 200
    again = second.get_json()
    assert {k: v for k, v in again.items() if k != "updated_at"} == {
        k: v for k, v in entry.items() if k != "updated_at"}
    with app.app_context():
        assert db.session.query(ListEntry).count() == 1
        assert db.session.get(Title, catalog["show"]).rating_count == 1
    listed = client.get("/api/v1/me/entries", headers=bearer(secret)).get_json()
    assert listed["total"] == 1 and listed["items"][0]["progress"] == 3
    assert client.get(path, headers=bearer(secret)).get_json()["score"] == 75


def test_patch_changes_some_fields_and_needs_an_entry(client, catalog, token_for):
    secret = token_for("alice")
    path = f"/api/v1/me/entries/{catalog['bebop']}"
    assert_problem(client.patch(path, json={"progress": 2}, headers=bearer(secret)), 404)
    client.put(path, json={"status": "watching"}, headers=bearer(secret))
    response = client.patch(path, json={"progress": 26, "notes": "see you space cowboy"}, headers=bearer(secret))
    assert response.status_code == 200
    body = response.get_json()
    assert body["progress"] == 26 and body["status"] == "watching" and body["notes"] == "see you space cowboy"
    body = client.patch(path, json={"status": "completed", "finished_on": None}, headers=bearer(secret)).get_json()
    assert body["status"] == "completed"


@pytest.mark.parametrize("payload, field", [
    ({"status": "binging"}, "status"),
    ({"status": "watching", "score": 101}, "score"),
    ({"status": "watching", "score": 8.5}, "score"),
    ({"status": "watching", "score": True}, "score"),
    ({"status": "watching", "progress": -1}, "progress"),
    ({"status": "watching", "progress": 27}, "progress"),  # past the 26 episodes
    ({"status": "watching", "started_on": "2024-13-01"}, "started_on"),
    ({"status": "watching", "started_on": "2999-01-01"}, "started_on"),
    ({"status": "watching", "started_on": "2024-02-02", "finished_on": "2024-02-01"}, "finished_on"),
    ({"status": "watching", "tags": "noir"}, "tags"),
    ({"status": "watching", "tags": ["x" * 41]}, "tags"),
    ({"status": "watching", "is_favourite": "yes"}, "is_favourite"),
    ({"status": "watching", "colour": "blue"}, "colour"),
    ({"progress": 1}, "status"),
])
def test_bad_entry_fields_are_422_problems_naming_the_field(client, catalog, token_for, app, payload, field):
    secret = token_for("alice")
    response = client.put(f"/api/v1/me/entries/{catalog['bebop']}", json=payload, headers=bearer(secret))
    assert_problem(response, 422, field)
    with app.app_context():
        assert db.session.query(ListEntry).count() == 0  # nothing half-saved


def test_bodies_that_are_not_json_objects_are_refused(client, catalog, token_for):
    secret = token_for("alice")
    path = f"/api/v1/me/entries/{catalog['dune']}"
    assert_problem(client.put(path, data="status=watching", headers=bearer(secret),
                              content_type="application/x-www-form-urlencoded"), 415)
    assert_problem(client.put(path, data="{not json", headers=bearer(secret), content_type="application/json"), 400)
    assert_problem(client.put(path, json=["watching"], headers=bearer(secret)), 422)
    assert_problem(client.put("/api/v1/me/entries/999999", json={"status": "watching"}, headers=bearer(secret)), 404)


def test_delete_takes_an_entry_off_the_list(client, catalog, token_for):
    secret = token_for("alice")
    path = f"/api/v1/me/entries/{catalog['dune']}"
    client.put(path, json={"status": "planned"}, headers=bearer(secret))
    response = client.delete(path, headers=bearer(secret))
    assert response.status_code == 204 and response.get_data() == b""
    assert_problem(client.delete(path, headers=bearer(secret)), 404)
    assert_problem(client.get(path, headers=bearer(secret)), 404)


def test_ratings_put_and_delete_keep_the_aggregates_exact(client, catalog, token_for, app):
    secret = token_for("alice")
    path = f"/api/v1/me/ratings/{catalog['arrival']}"
    for _ in range(2):  # idempotent
        response = client.put(path, json={"score": 85}, headers=bearer(secret))
        assert response.status_code == 200
        assert response.get_json()["score"] == 85
    detail = client.get(f"/api/v1/titles/{catalog['arrival']}").get_json()
    assert detail["scores"]["mean"] == 85.0 and detail["scores"]["rating_count"] == 1
    assert_problem(client.put(path, json={"score": None}, headers=bearer(secret)), 422, "score")
    assert_problem(client.put(path, json={}, headers=bearer(secret)), 422, "score")
    for _ in range(2):
        assert client.delete(path, headers=bearer(secret)).status_code == 204
    detail = client.get(f"/api/v1/titles/{catalog['arrival']}").get_json()
    assert detail["scores"]["mean"] is None and detail["scores"]["rating_count"] == 0
    entry = client.get(f"/api/v1/me/entries/{catalog['arrival']}", headers=bearer(secret)).get_json()
    assert entry["score"] is None  # the entry stays; only the score goes


# -- tokens: scopes, revocation, IDOR --------------------------------------------------------


def test_a_read_token_reads_but_cannot_write(client, catalog, token_for):
    secret = token_for("reader", "read")
    assert client.get("/api/v1/me/entries", headers=bearer(secret)).status_code == 200
    for method, path, body in (
        ("PUT", f"/api/v1/me/entries/{catalog['dune']}", {"status": "planned"}),
        ("PATCH", f"/api/v1/me/entries/{catalog['dune']}", {"progress": 1}),
        ("DELETE", f"/api/v1/me/entries/{catalog['dune']}", None),
        ("PUT", f"/api/v1/me/ratings/{catalog['dune']}", {"score": 50}),
        ("DELETE", f"/api/v1/me/ratings/{catalog['dune']}", None),
    ):
        response = client.open(path, method=method, json=body, headers=bearer(secret))
        assert_problem(response, 403)
        assert 'error="insufficient_scope"' in response.headers["WWW-Authenticate"]


@pytest.mark.parametrize("header", ["Bearer mml_not-a-real-token", "Bearer nonsense", "Basic dXNlcjpwYXNz",
                                    "Bearer", "Bearer  "])
def test_a_bad_authorization_header_is_401_even_on_public_reads(client, catalog, header):
    response = client.get("/api/v1/titles", headers={"Authorization": header})
    assert_problem(response, 401)
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_revoked_token_is_401(client, catalog, token_for, app):
    secret = token_for("alice")
    assert client.get("/api/v1/me/entries", headers=bearer(secret)).status_code == 200
    with app.app_context():
        user = accounts.get_user_by_username("alice")
        api_tokens.revoke_token(user, api_tokens.list_tokens(user)[0].id)
        db.session.commit()
    assert_problem(client.get("/api/v1/me/entries", headers=bearer(secret)), 401)


def test_deleting_the_account_deletes_its_tokens(client, catalog, token_for, app):
    from conftest import PASSWORD

    secret = token_for("leaver")
    with app.app_context():
        accounts.delete_account(accounts.get_user_by_username("leaver"), PASSWORD)
        db.session.commit()
        assert db.session.query(ApiToken).count() == 0
    assert_problem(client.get("/api/v1/me/entries", headers=bearer(secret)), 401)


def test_a_blocked_users_tokens_are_refused(client, token_for, app):
    secret = token_for("troll")
    with app.app_context():
        accounts.get_user_by_username("troll").is_blocked = True
        db.session.commit()
    assert_problem(client.get("/api/v1/me/entries", headers=bearer(secret)), 401)


def test_a_token_only_changes_its_own_users_entries(client, catalog, token_for, app):
    alice = token_for("alice")
    mallory = token_for("mallory")
    client.put(f"/api/v1/me/entries/{catalog['dune']}", json={"status": "completed", "score": 90},
               headers=bearer(alice))
    # mallory's requests on the same title touch only mallory's entry
    assert_problem(client.delete(f"/api/v1/me/entries/{catalog['dune']}", headers=bearer(mallory)), 404)
    client.put(f"/api/v1/me/ratings/{catalog['dune']}", json={"score": 10}, headers=bearer(mallory))
    client.delete(f"/api/v1/me/ratings/{catalog['dune']}", headers=bearer(mallory))
    mine = client.get(f"/api/v1/me/entries/{catalog['dune']}", headers=bearer(alice)).get_json()
    assert mine["score"] == 90 and mine["status"] == "completed"
    assert client.get("/api/v1/me/entries", headers=bearer(mallory)).get_json()["items"][0]["score"] is None


def test_answers_to_a_token_stay_out_of_shared_caches(client, catalog, token_for):
    secret = token_for("alice", "read")
    private = client.get("/api/v1/me/entries", headers=bearer(secret))
    assert private.headers["Cache-Control"] == "private, no-store"
    assert "Authorization" in private.headers["Vary"]
    public = client.get("/api/v1/titles")
    assert "no-store" not in public.headers.get("Cache-Control", "")
    assert "Authorization" in public.headers["Vary"]


def test_last_used_is_noted(client, catalog, token_for, app):
    secret = token_for("alice", "read")
    client.get("/api/v1/titles", headers=bearer(secret))
    with app.app_context():
        assert db.session.query(ApiToken).one().last_used_at is not None


def test_tokens_are_stored_hashed(token_for, app):
    secret = token_for("alice")
    with app.app_context():
        token = db.session.query(ApiToken).one()
        assert secret.startswith("mml_") and len(secret) > 40
        assert token.token_hash == api_tokens.hash_token(secret) and secret not in token.token_hash


# -- CSRF, rate limits, CORS -----------------------------------------------------------------


def test_api_writes_skip_csrf_but_need_a_token(app, catalog, token_for):
    app.config["WTF_CSRF_ENABLED"] = True
    client = app.test_client()
    secret = token_for("alice")
    path = f"/api/v1/me/entries/{catalog['dune']}"
    assert_problem(client.put(path, json={"status": "planned"}), 401)
    assert client.put(path, json={"status": "planned"}, headers=bearer(secret)).status_code == 201


def test_the_rate_limit_answers_429_problems_with_retry_after(app, catalog, token_for):
    app.config.update(API_RATE_LIMIT="3 per minute", RATELIMIT_KEY_PREFIX="api-limit-test")
    client = app.test_client()
    for _ in range(3):
        assert client.get("/api/v1/titles").status_code == 200
    response = client.get("/api/v1/search?q=dune")  # one budget across the API
    assert_problem(response, 429)
    assert 1 <= int(response.headers["Retry-After"]) <= 60
    # a token has its own budget
    assert client.get("/api/v1/titles", headers=bearer(token_for("alice", "read"))).status_code == 200


def test_no_cors_headers_unless_configured(client, catalog):
    response = client.get("/api/v1/titles", headers={"Origin": "https://app.example"})
    assert not [name for name, _ in response.headers.items() if name.lower().startswith("access-control-")]


def test_cors_only_for_configured_origins(app, catalog):
    app.config["API_CORS_ORIGINS"] = "https://app.example, https://other.example"
    client = app.test_client()
    response = client.get("/api/v1/titles", headers={"Origin": "https://app.example"})
    assert response.headers["Access-Control-Allow-Origin"] == "https://app.example"
    assert "Origin" in response.headers["Vary"]
    assert "Access-Control-Allow-Credentials" not in response.headers
    refused = client.get("/api/v1/titles", headers={"Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in refused.headers
    preflight = client.options(f"/api/v1/me/entries/{catalog['dune']}", headers={
        "Origin": "https://other.example", "Access-Control-Request-Method": "PUT",
        "Access-Control-Request-Headers": "authorization, content-type"})
    assert preflight.status_code == 200
    assert "PUT" in preflight.headers["Access-Control-Allow-Methods"]
    assert "Authorization" in preflight.headers["Access-Control-Allow-Headers"]
    problem = client.get("/api/v1/titles/999999", headers={"Origin": "https://app.example"})
    assert problem.status_code == 404 and problem.headers["Access-Control-Allow-Origin"] == "https://app.example"
    html = client.get("/", headers={"Origin": "https://app.example"})
    assert "Access-Control-Allow-Origin" not in html.headers


def test_a_server_error_is_a_500_problem_and_is_logged(app, monkeypatch, caplog):
    from mymovielist.services import catalog as catalog_service

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(catalog_service, "list_titles", broken)
    response = app.test_client().get("/api/v1/titles")
    body = assert_problem(response, 500)
    assert "boom" not in json.dumps(body)
    assert "Unhandled API error" in caplog.text


@pytest.mark.parametrize("status", [400, 403, 409, 413, 422])
def test_any_error_raised_under_api_is_a_problem(app, status):
    from flask import abort

    @app.get("/api/v1/_test/error")
    def _raise_error():
        abort(status)

    body = assert_problem(app.test_client().get("/api/v1/_test/error"), status)
    assert body["type"] == "about:blank" and body["instance"] == "/api/v1/_test/error"


def test_too_large_bodies_are_413_problems(app, catalog, token_for):
    app.config["MAX_CONTENT_LENGTH"] = 1000
    response = app.test_client().put(f"/api/v1/me/entries/{catalog['dune']}", data="x" * 2000,
                                     content_type="application/json", headers=bearer(token_for("alice")))
    assert_problem(response, 413)
