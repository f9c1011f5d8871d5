"""Every route, fuzzed: random path arguments, query strings, form fields and JSON bodies, as a
signed-in admin who owns data and as a visitor; no answer may be a 5xx (issue 17.3).

The routes are read from `app.url_map`, so a route added later is fuzzed too. Only the few that end
the fuzzing session itself or start background work are left out, each for the reason given.
"""

from __future__ import annotations

from datetime import date

import pytest
from conftest import PASSWORD
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.routing import AnyConverter, IntegerConverter, PathConverter, Rule

from mymovielist.extensions import db
from mymovielist.models import Title, User
from mymovielist.services import api_tokens, lists, reviews, tracking

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
LEFT_OUT = {
    ("POST", "/auth/logout"): "ends the signed-in session every other example uses",
    ("POST", "/settings/delete"): "deletes the account every other example uses",
    ("POST", "/admin/sync/jobs/<job_id>"): "starts provider syncs and backups in the background",
}
FIELDS = [
    "q", "page", "per_page", "kind", "sort", "order", "genre", "status", "year_from", "year_to", "field",
    "next", "row", "title_id", "list_id", "progress", "score", "rating", "note", "notes", "name",
    "description", "is_public", "is_ranked", "body", "spoiler", "number", "watched_on", "started_on",
    "finished_on", "rewatch_count", "tags", "priority", "is_favourite", "direction", "confirm", "mode",
    "source", "scope", "label", "action", "full", "username", "email", "password", "tab", "year",
]

# What people and programs send by mistake or on purpose.
text = st.one_of(
    st.text(max_size=40),
    st.sampled_from([
        "", " ", "0", "-1", "1", "2", "3", "1.5", "1e309", "NaN", "-0", str(2**31), str(2**63), str(10**40),
        "9" * 5000, "true", "null", "[]", "{}", "2024-02-30", "0000-00-00", "9999-12-31", "2024-01-01",
        "<script>alert(1)</script>", "' OR 1=1 --", "../../etc/passwd", "%00", "a" * 3000, "😀" * 50,
        "completed", "watching", "planned", "movie", "anime", "comic", "series", "up", "down", "title",
    ]),
)
json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(min_value=-(2**70), max_value=2**70),
              st.floats(allow_nan=False, allow_infinity=False), text),
    lambda children: st.one_of(st.lists(children, max_size=4),
                               st.dictionaries(st.sampled_from(FIELDS), children, max_size=4)),
    max_leaves=12,
)


def fuzzed_routes(app) -> list[tuple[str, Rule]]:
    return [
        (method, rule)
        for rule in app.url_map.iter_rules()
        for method in sorted(set(rule.methods or ()) & set(METHODS))
        if (method, rule.rule) not in LEFT_OUT and rule.endpoint != "static"
    ]


def path_value(converter) -> st.SearchStrategy:
    if isinstance(converter, AnyConverter):
        return st.sampled_from(sorted(converter.items))
    if isinstance(converter, IntegerConverter):
        return st.one_of(st.integers(1, 4), st.integers(0, 2**70))
    if isinstance(converter, PathConverter):
        return st.text(min_size=1, max_size=30).filter(lambda s: s.strip("/"))
    return st.one_of(st.sampled_from(["admin", "alice", "x", "1"]), st.text(min_size=1, max_size=30))


@st.composite
def requests(draw, routes):
    method, rule = draw(st.sampled_from(routes))
    values = {name: draw(path_value(converter)) for name, converter in rule._converters.items()}
    path = rule.build(values, append_unknown=False)[1]
    query = draw(st.dictionaries(st.sampled_from(FIELDS), text, max_size=4))
    if path.startswith("/api/"):
        body = {"json": draw(json_values)}
    else:
        body = {"data": draw(st.dictionaries(st.sampled_from(FIELDS), st.one_of(text, st.lists(text, max_size=3)),
                                             max_size=6))}
    return method, path, query, body


@pytest.fixture
def fuzzed_app(app, make_user, make_title):
    """An admin with entries, a review and a list on a few titles; limits out of the way."""
    app.config.update(LOGIN_FAILURES_PER_ACCOUNT="100000 per minute", LOGIN_FAILURES_PER_IP="100000 per minute",
                      REGISTRATIONS_PER_IP="100000 per minute", REGISTRATION_CHECKS_PER_IP="100000 per minute",
                      API_RATE_LIMIT="100000 per minute")
    admin_id = make_user("root", role="admin")
    make_user("alice")
    titles = [make_title("movie", "Heat", year=1995), make_title("series", "Bebop", details={"episode_count": 26}),
              make_title("anime", "Trigun", year=1998), make_title("comic", "Saga", year=2012)]
    with app.app_context():
        admin = db.session.get(User, admin_id)
        for title_id in titles:
            title = db.session.get(Title, title_id)
            tracking.update_entry(admin, title, on=date(2024, 1, 2), status="watching", progress=1, score=70)
        reviews.save_review(admin, title, "Space cowboys.", spoiler=False)
        lists.add_item(lists.create_list(admin, "Best"), title)
        _, secret = api_tokens.create_token(admin, "fuzz", "read-write")
        db.session.commit()
    app.config["FUZZ_TOKEN"] = secret
    return app


FUZZ = settings(max_examples=250, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


@pytest.mark.parametrize("signed_in", [True, False], ids=["admin", "visitor"])
def test_no_route_answers_any_input_with_a_server_error(fuzzed_app, signed_in):
    client = fuzzed_app.test_client()
    if signed_in:
        assert client.post("/auth/login", data={"username": "root", "password": PASSWORD}).status_code == 302
    token = {"Authorization": f"Bearer {fuzzed_app.config['FUZZ_TOKEN']}"} if signed_in else {}
    routes = fuzzed_routes(fuzzed_app)
    assert len(routes) > 80  # the walk really covers the app

    @FUZZ
    @given(request=requests(routes))
    def fuzz(request):
        method, path, query, body = request
        headers = token if path.startswith("/api/") else {}
        response = client.open(path, method=method, query_string=query, headers=headers, **body)
        response.close()
        assert response.status_code < 500, (method, path, query, body, response.status_code)

    fuzz()
