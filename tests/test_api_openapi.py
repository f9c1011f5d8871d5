"""The OpenAPI document matches the code: every API route is documented and every documented path
exists; schemathesis fuzzes every operation (bounded) and finds no 5xx and no response off the schema."""

from __future__ import annotations

import re

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from mymovielist.api.openapi import PREFIX, build_document
from mymovielist.extensions import db
from mymovielist.services import accounts, api_tokens, tracking
from mymovielist.sync.records import CharacterRecord, CreditRecord, ExternalRef, PersonRecord

IGNORED_METHODS = {"HEAD", "OPTIONS"}


def _openapi_path(rule: str) -> str:
    """/api/v1/titles/<int(max=...):title_id> -> /titles/{title_id}"""
    return re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"{\1}", rule)[len(PREFIX):]


def test_every_api_route_is_documented_and_every_documented_path_exists(app):
    routes = {
        (_openapi_path(rule.rule), method.lower())
        for rule in app.url_map.iter_rules() if rule.endpoint.startswith("api.")
        for method in rule.methods - IGNORED_METHODS
    }
    documented = {(path, method) for path, item in build_document()["paths"].items() for method in item}
    assert routes, "the api blueprint has no routes"
    assert routes == documented


def test_the_document_is_served_and_is_openapi_3_1(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert body["openapi"] == "3.1.0"
    scheme = body["components"]["securitySchemes"]["bearerAuth"]
    assert (scheme["type"], scheme["scheme"]) == ("http", "bearer")
    assert "0 to 100" in body["info"]["description"]


def test_every_operation_documents_its_parameters(app):
    """Each path parameter in a route is declared, with an id, summary and problem responses."""
    for path, item in build_document()["paths"].items():
        for method, operation in item.items():
            declared = {p["name"] for p in operation.get("parameters", []) if p["in"] == "path"}
            assert declared == set(re.findall(r"{([^}]+)}", path)), (method, path)
            assert operation["operationId"] and operation["summary"]
            assert operation["responses"]["default"]["content"]["application/problem+json"]


# -- schemathesis ----------------------------------------------------------------------------


@pytest.fixture
def fuzz_secret(app, make_title, make_user) -> str:
    """A small catalog of every kind (totals known, so progress stays small) and a read-write token."""
    person = PersonRecord(name="Megumi Hayashibara", ref=ExternalRef("test", "person", "p1"))
    make_title("movie", "Dune", year=2021, genres=["Science Fiction"],
               credits=[CreditRecord(person=person, role="cast", character="Paul")])
    anime = make_title("anime", "Cowboy Bebop", year=1998, details={"episode_count": 26},
                       characters=[CharacterRecord(name="Faye", ref=ExternalRef("test", "character", "c1"))])
    make_title("series", "The Wire", details={"episode_count": 60})
    make_title("comic", "Akira", details={"issue_count": 6, "format": "manga"})
    make_user("fuzzer")
    with app.app_context():
        user = accounts.get_user_by_username("fuzzer")
        tracking.update_entry(user, db.session.get(tracking.Title, anime), status="watching", progress=3, score=80)
        _, secret = api_tokens.create_token(user, "schemathesis", "read-write")
        db.session.commit()
    app.config["API_RATE_LIMIT"] = "100000 per minute"
    return secret


OPERATIONS = [(path, method) for path, item in build_document()["paths"].items() for method in item]
FUZZ_SETTINGS = settings(max_examples=25, deadline=None, derandomize=True, database=None,
                         phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))


@pytest.mark.parametrize("path, method", OPERATIONS, ids=[f"{m.upper()} {p}" for p, m in OPERATIONS])
def test_the_api_conforms_to_its_document(app, fuzz_secret, path, method):
    # Loaded per test from the served document; schemathesis' lazy pytest loader does not run on pytest 9.
    operation = schemathesis.openapi.from_wsgi(f"{PREFIX}/openapi.json", app)[path][method]

    @FUZZ_SETTINGS
    @given(case=operation.as_strategy())
    def check(case):
        if "title_id" in (case.path_parameters or {}):  # mostly titles that exist (ids 1-4), so writes land
            case.path_parameters["title_id"] %= 6
        case.call_and_validate(
            # identity: the WSGI client does not undo the gzip/brotli the app applies to large bodies.
            headers={"Authorization": f"Bearer {fuzz_secret}", "Accept-Encoding": "identity"},
            checks=[not_a_server_error, status_code_conformance, content_type_conformance,
                    response_schema_conformance],
        )

    check()
