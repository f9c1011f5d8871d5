"""Ids past any database integer, in paths, query strings and forms: a 404 or a 400, never a 500 (issue 17.3).

SQLite and PostgreSQL store ids as signed 64-bit integers; a larger Python int used to reach the
driver and raise OverflowError (SQLite) or a DataError (PostgreSQL) from 20 endpoints.
"""

from __future__ import annotations

import pytest
from werkzeug.routing import AnyConverter, FloatConverter, IntegerConverter

HUGE = [2**31, 2**63, 2**64 + 1, 10**40]  # 2**31: past PostgreSQL's INTEGER ids
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


def huge_paths(app, value: int) -> list[tuple[str, str]]:
    """Every (method, path) of a rule with an int argument, that argument set to `value`."""
    found = []
    for rule in app.url_map.iter_rules():
        if not any(isinstance(c, IntegerConverter) for c in rule._converters.values()):
            continue
        values = {name: _value(converter, value) for name, converter in rule._converters.items()}
        path = rule.build(values, append_unknown=False)[1]
        found += [(method, path) for method in sorted(set(rule.methods or ()) & set(METHODS))]
    return found


def _value(converter, huge: int) -> object:
    if isinstance(converter, AnyConverter):
        return min(converter.items)
    if isinstance(converter, IntegerConverter | FloatConverter):
        return huge
    return "x"


@pytest.fixture
def signed_in(app, make_user, auth):
    make_user("root", role="admin")
    auth.login("root")
    return auth._client


def test_routes_with_int_arguments_exist(app):
    assert len(huge_paths(app, 1)) >= 20  # the walk below really covers the routes


@pytest.mark.parametrize("value", HUGE)
def test_huge_ids_in_paths_are_not_found(app, signed_in, value):
    failures = []
    for method, path in huge_paths(app, value):
        response = signed_in.open(path, method=method, json={} if path.startswith("/api/") else None,
                                  headers={"Accept": "text/html"})
        response.close()
        if response.status_code >= 500:
            failures.append((method, path, response.status_code))
    assert failures == []


@pytest.mark.parametrize("value", [str(2**63), str(10**40), "-" + str(2**63)])
@pytest.mark.parametrize("path", [
    "/lists/new?title_id={v}",
    "/admin/?page={v}",
    "/api/v1/titles?page={v}",
    "/api/v1/titles?per_page=5&year_from={v}",
    "/movies?page={v}",
    "/search?q=a&page={v}",
    "/recommendations?page={v}",
])
def test_huge_ids_in_query_strings_are_refused_plainly(app, signed_in, path, value):
    response = signed_in.get(path.format(v=value))
    assert response.status_code < 500, response.status_code


@pytest.mark.parametrize("value", [str(2**31), str(2**63), str(10**40)])
def test_huge_ids_in_forms_are_refused_plainly(app, signed_in, make_title, value):
    from mymovielist.extensions import db
    from mymovielist.models import User
    from mymovielist.services import lists

    title_id = make_title("movie", title="Heat", year=1995)
    with app.app_context():
        custom = lists.create_list(db.session.scalar(db.select(User)), "Crime")
        db.session.commit()
        list_id = custom.id
    for path, form in [
        (f"/lists/{list_id}/items", {"title_id": value}),
        ("/lists/new", {"name": "Heists", "title_id": value}),
        (f"/titles/{title_id}/entry", {"status": "watching", "progress": value, "rewatch_count": value}),
    ]:
        response = signed_in.post(path, data=form)
        assert response.status_code == 422, (path, response.status_code)
