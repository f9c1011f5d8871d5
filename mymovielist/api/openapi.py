"""The OpenAPI 3.1 description of /api/v1, as data. tests/test_api_openapi.py keeps it and the routes in step.

Scores are integers from 0 to 100 (the stored value), whatever scale a user's pages show.
"""

from __future__ import annotations

from typing import Any

from mymovielist.api.schemas import MAX_NOTES, MAX_PAGE, MAX_PER_PAGE, MAX_STRING_ARG
from mymovielist.models import KINDS
from mymovielist.models.api import TOKEN_SCOPES
from mymovielist.models.catalog import STATUSES
from mymovielist.models.tracking import ENTRY_STATUSES
from mymovielist.services import catalog, tracking

PREFIX = "/api/v1"
MAX_ID = 2_147_483_647  # routes take ids up to this (int converter max): larger ones are 404


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    return {"anyOf": [schema, {"type": "null"}]}


def _obj(properties: dict[str, Any], required: list[str] | None = None, **extra: Any) -> dict[str, Any]:
    return {"type": "object", "properties": properties,
            "required": list(properties) if required is None else required, **extra}


STRING = {"type": "string"}
INTEGER = {"type": "integer"}
NUMBER = {"type": "number"}
BOOLEAN = {"type": "boolean"}
DATE = {"type": "string", "format": "date"}
OPT_STRING = _nullable(STRING)
OPT_INTEGER = _nullable(INTEGER)
OPT_NUMBER = _nullable(NUMBER)
OPT_DATE = _nullable(DATE)
SCORE = {"type": "integer", "minimum": 0, "maximum": 100, "description": "0-100 (the stored score)."}
PERSON = _obj({"id": INTEGER, "name": STRING})

SCHEMAS: dict[str, Any] = {
    "Problem": _obj(
        {
            "type": {"type": "string", "format": "uri"},
            "title": STRING,
            "status": {"type": "integer", "minimum": 400, "maximum": 599},
            "detail": STRING,
            "instance": STRING,
            "errors": {"type": "object", "description": "Messages for each bad field or parameter.",
                       "additionalProperties": {"type": "array", "items": STRING}},
        },
        required=["type", "title", "status", "detail"],
        description="RFC 9457 problem details.",
    ),
    "Genre": _obj({"slug": STRING, "name": STRING}),
    "Scores": _obj({
        "mean": {**OPT_NUMBER, "description": "Mean of our users' scores, 0-100."},
        "rating_count": INTEGER,
        "weighted": {**OPT_NUMBER, "description": "Bayesian weighted score, 0-100."},
        "provider": {**OPT_NUMBER, "description": "The provider's score, 0-10."},
        "provider_votes": OPT_INTEGER,
    }),
    "TitleSummary": _obj({
        "id": INTEGER,
        "kind": {"enum": list(KINDS)},
        "title": STRING,
        "original_title": OPT_STRING,
        "year": OPT_INTEGER,
        "release_date": OPT_DATE,
        "status": OPT_STRING,
        "adult": BOOLEAN,
        "poster_url": OPT_STRING,
        "genres": {"type": "array", "items": _ref("Genre")},
        "scores": _ref("Scores"),
        "popularity": NUMBER,
        "links": _obj({"self": STRING, "html": STRING}),
    }),
    "TitleDetail": {"allOf": [_ref("TitleSummary"), _obj({
        "alt_titles": {"type": "array", "items": STRING},
        "synopsis": STRING,
        "end_date": OPT_DATE,
        "language": OPT_STRING,
        "age_rating": OPT_STRING,
        "backdrop_url": OPT_STRING,
        "details": {"type": "object", "description": "Facts of the kind: runtime, episodes, publisher...",
                    "additionalProperties": {"type": ["string", "integer", "null"]}},
        "external_ids": {"type": "array", "items": _obj(
            {"provider": STRING, "kind": STRING, "value": STRING, "url": OPT_STRING})},
        "credits": {"type": "array", "items": _obj({
            "person": PERSON, "role": {"enum": ["cast", "crew"]}, "character": STRING, "job": STRING,
            "department": STRING, "order": INTEGER})},
        "characters": {"type": "array", "items": _obj({
            "id": INTEGER, "name": STRING, "role": STRING, "image_url": OPT_STRING,
            "voices": {"type": "array", "items": _obj({"person": PERSON, "language": STRING})}})},
    })]},
    "Entry": _obj(
        {
            "title": _obj({"id": INTEGER, "kind": {"enum": list(KINDS)}, "title": STRING, "year": OPT_INTEGER,
                           "poster_url": OPT_STRING, "links": _obj({"self": STRING})}),
            "status": {"enum": list(ENTRY_STATUSES)},
            "progress": {"type": "integer", "minimum": 0},
            "score": _nullable(SCORE),
            "started_on": OPT_DATE,
            "finished_on": OPT_DATE,
            "rewatch_count": {"type": "integer", "minimum": 0},
            "is_favourite": BOOLEAN,
            "tags": {"type": "array", "items": STRING},
            "priority": {"type": "integer", "minimum": 0, "maximum": 2},
            "updated_at": {"type": "string", "format": "date-time"},
            "notes": {**STRING, "description": "Only in the caller's own entries."},
        },
        required=["title", "status", "progress", "score", "started_on", "finished_on", "rewatch_count",
                  "is_favourite", "tags", "priority", "updated_at"],
    ),
    "EntryChanges": _obj(
        {
            "status": {"enum": list(ENTRY_STATUSES)},
            "progress": {"type": "integer", "minimum": 0, "maximum": tracking.MAX_PROGRESS,
                         "description": "Episodes, chapters or issues done; at most the title's total."},
            "score": _nullable(SCORE),
            "started_on": {**OPT_DATE, "description": "Not in the future."},
            "finished_on": {**OPT_DATE, "description": "Not in the future, not before started_on."},
            "rewatch_count": {"type": "integer", "minimum": 0, "maximum": 10_000},
            "notes": {"type": "string", "maxLength": MAX_NOTES},
            "is_favourite": BOOLEAN,
            "tags": {"type": "array", "items": {"type": "string", "maxLength": tracking.MAX_TAG_LENGTH},
                     "maxItems": tracking.MAX_TAGS},
            "priority": {"type": "integer", "minimum": 0, "maximum": 2, "description": "0 low, 1 medium, 2 high."},
        },
        required=[],
        additionalProperties=False,
    ),
    "EntryPut": {"allOf": [_ref("EntryChanges"), {"required": ["status"]}],
                 "description": "Creates the entry or sets the given fields; fields left out keep their value."},
    "Rating": _obj({"score": SCORE}, additionalProperties=False),
    "Links": _obj({"self": STRING, "next": OPT_STRING, "prev": OPT_STRING}),
}
for _name, _item in (("TitlePage", "TitleSummary"), ("EntryPage", "Entry"), ("SearchPage", "TitleSummary")):
    SCHEMAS[_name] = _obj(
        {"items": {"type": "array", "items": _ref(_item)}, "page": INTEGER, "per_page": INTEGER,
         "total": {"type": "integer", "minimum": 0}, "links": _ref("Links")},
        required=["items", "page", "per_page", "links"] + ([] if _name == "SearchPage" else ["total"]),
    )


def _query(name: str, schema: dict[str, Any], description: str, required: bool = False) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": required, "schema": schema, "description": description}


def _path(name: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": schema}


def _enum(values) -> dict[str, Any]:
    return {"type": "string", "enum": list(values)}


PAGE = [
    _query("page", {"type": "integer", "minimum": 1, "maximum": MAX_PAGE, "default": 1}, "Page number, from 1."),
    _query("per_page", {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE},
           f"Items per page, at most {MAX_PER_PAGE}."),
]
TITLE_ID = _path("title_id", {"type": "integer", "minimum": 0, "maximum": MAX_ID})
LIST_FILTERS = [
    _query("status", _enum(ENTRY_STATUSES), "Only entries with this status."),
    _query("kind", _enum(KINDS), "Only titles of this kind."),
    _query("sort", _enum(tracking.LIST_SORTS), "Order of the entries (default: updated)."),
    *PAGE,
]
YEAR = {"type": "integer", "minimum": 0, "maximum": 9999}
TEXT = {"type": "string", "maxLength": MAX_STRING_ARG}

PROBLEM = {"application/problem+json": {"schema": _ref("Problem")}}
PROBLEMS = {
    "400": "Bad query parameters or malformed JSON.",
    "401": "No token, or a token that is not valid (revoked, deleted account).",
    "403": "A read-only token tried to write.",
    "404": "No such title, user, entry or path.",
    "415": "The body is not JSON.",
    "422": "A field is not valid (see `errors`).",
    "429": "Too many requests: see Retry-After.",
}
ANONYMOUS_OK = [{}, {"bearerAuth": []}]
TOKEN = [{"bearerAuth": []}]


def _problems(*codes: str) -> dict[str, Any]:
    found = {code: {"description": PROBLEMS[code], "content": PROBLEM} for code in codes}
    found["default"] = {"description": "Any other error, as problem details.", "content": PROBLEM}
    return found


def _json(schema: str, description: str = "OK") -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": _ref(schema)}}}


def _body(schema: str) -> dict[str, Any]:
    return {"required": True, "content": {"application/json": {"schema": _ref(schema)}}}


NO_CONTENT = {"204": {"description": "Done; no content."}}
READ = ("400", "429")
WRITE = ("401", "403", "404", "415", "422", "429")

PATHS: dict[str, dict[str, Any]] = {
    "/openapi.json": {"get": {
        "operationId": "openapi", "summary": "This document.", "security": ANONYMOUS_OK,
        "responses": {"200": {"description": "The OpenAPI document.",
                              "content": {"application/json": {"schema": {"type": "object"}}}},
                      **_problems("429")}}},
    "/titles": {"get": {
        "operationId": "listTitles", "summary": "Titles, filtered and sorted, a page at a time.",
        "security": ANONYMOUS_OK,
        "parameters": [
            _query("kind", _enum(KINDS), "Only titles of this kind."),
            _query("genre", TEXT, "A genre slug, such as `science-fiction`."),
            _query("year_from", YEAR, "Released in this year or later."),
            _query("year_to", YEAR, "Released in this year or earlier."),
            _query("status", _enum(STATUSES), "Release status."),
            _query("sort", _enum(catalog.SORTS), "Order (default: popularity)."),
            *PAGE,
        ],
        "responses": {"200": _json("TitlePage"), **_problems(*READ)}}},
    "/titles/{title_id}": {"get": {
        "operationId": "getTitle", "summary": "One title with genres, credits, characters, ids and scores.",
        "security": ANONYMOUS_OK, "parameters": [TITLE_ID],
        "responses": {"200": _json("TitleDetail"), **_problems("404", "429")}}},
    "/search": {"get": {
        "operationId": "searchTitles", "summary": "Titles whose name matches, best first (no total).",
        "security": ANONYMOUS_OK,
        "parameters": [_query("q", {**TEXT, "minLength": 1}, "What to search for.", required=True),
                       _query("kind", _enum(KINDS), "Only titles of this kind."), *PAGE],
        "responses": {"200": _json("SearchPage"), **_problems(*READ)}}},
    "/users/{username}/list": {"get": {
        "operationId": "getUserList", "summary": "A user's list; a private profile's is 404 except to its owner, admins and approved followers.",
        "security": ANONYMOUS_OK,
        "parameters": [_path("username", {"type": "string", "minLength": 1, "maxLength": 32}), *LIST_FILTERS],
        "responses": {"200": _json("EntryPage"), **_problems("400", "404", "429")}}},
    "/me/entries": {"get": {
        "operationId": "listMyEntries", "summary": "The caller's entries, with notes.", "security": TOKEN,
        "parameters": LIST_FILTERS,
        "responses": {"200": _json("EntryPage"), **_problems("400", "401", "429")}}},
    "/me/entries/{title_id}": {
        "get": {"operationId": "getMyEntry", "summary": "The caller's entry for a title.", "security": TOKEN,
                "parameters": [TITLE_ID],
                "responses": {"200": _json("Entry"), **_problems("401", "404", "429")}},
        "put": {"operationId": "putMyEntry", "security": TOKEN, "parameters": [TITLE_ID],
                "summary": "Add the title to the list or set fields of its entry (idempotent; needs read-write).",
                "requestBody": _body("EntryPut"),
                "responses": {"200": _json("Entry", "Changed."), "201": {
                    **_json("Entry", "Added to the list."),
                    "headers": {"Location": {"schema": STRING, "description": "The entry's URL."}}},
                    **_problems("400", *WRITE)}},
        "patch": {"operationId": "patchMyEntry", "security": TOKEN, "parameters": [TITLE_ID],
                  "summary": "Change fields of an entry on the list (needs read-write).",
                  "requestBody": _body("EntryChanges"),
                  "responses": {"200": _json("Entry", "Changed."), **_problems("400", *WRITE)}},
        "delete": {"operationId": "deleteMyEntry", "security": TOKEN, "parameters": [TITLE_ID],
                   "summary": "Take the title off the list; its watch log stays (needs read-write).",
                   "responses": {**NO_CONTENT, **_problems("401", "403", "404", "429")}},
    },
    "/me/ratings/{title_id}": {
        "put": {"operationId": "putMyRating", "security": TOKEN, "parameters": [TITLE_ID],
                "summary": "Score the title 0-100, adding it to the list if needed (needs read-write).",
                "requestBody": _body("Rating"),
                "responses": {"200": _json("Entry", "The entry with its score."), **_problems("400", *WRITE)}},
        "delete": {"operationId": "deleteMyRating", "security": TOKEN, "parameters": [TITLE_ID],
                   "summary": "Clear the caller's score (needs read-write).",
                   "responses": {**NO_CONTENT, **_problems("401", "403", "404", "429")}},
    },
}


def build_document() -> dict[str, Any]:
    """The whole OpenAPI 3.1 document."""
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "MyMovieList API",
            "version": "1.0.0",
            "description": (
                "Titles, search and users' lists of a MyMovieList server. Reading public data needs no "
                "token; your own entries need a personal access token (Settings > API tokens) sent as "
                "`Authorization: Bearer <token>`, and changes need a read-write one. Session cookies are not "
                "accepted. Scores are integers from 0 to 100. Errors are RFC 9457 problem details. Requests "
                "are rate limited per token (or per address without one): a 429 says when to retry."
            ),
        },
        "servers": [{"url": PREFIX}],
        "paths": PATHS,
        "components": {
            "schemas": SCHEMAS,
            "securitySchemes": {"bearerAuth": {
                "type": "http", "scheme": "bearer",
                "description": "A personal access token; scope " + " or ".join(TOKEN_SCOPES) + "."}},
        },
    }
