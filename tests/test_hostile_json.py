"""JSON nobody should send, to the API and in import files: a clear 400 or a failed job, never a 500 (issue 17.3)."""

from __future__ import annotations

import io
import json

import pytest
from import_helpers import job_id_from
from test_api import bearer, token_for  # noqa: F401 - token_for is a fixture

from mymovielist import safejson
from mymovielist.extensions import db
from mymovielist.models import ImportJob, ListEntry, User
from mymovielist.services import lists
from mymovielist.services.imports import runner

HOSTILE_BODIES = {
    "100,000 nested brackets": "[" * 100_000 + "]" * 100_000,
    "100,000 nested objects": '{"a":' * 100_000 + "1" + "}" * 100_000,
    "65 levels": '{"status": ' + "[" * 65 + "]" * 65 + "}",
    "a 5,000-digit score": '{"status": "watching", "score": ' + "9" * 5_000 + "}",
    "a 19-digit progress": '{"status": "watching", "progress": 9223372036854775808}',
    "1e309": '{"status": "watching", "score": 1e309}',
    "NaN": '{"status": "watching", "score": NaN}',
    "-Infinity": '{"status": "watching", "score": -Infinity}',
    "a NUL in the notes": '{"status": "watching", "notes": "a\\u0000b"}',
    "not UTF-8": b'{"status": "\xff\xfe"}',
}


@pytest.mark.parametrize("case", list(HOSTILE_BODIES))
def test_the_api_answers_hostile_json_with_a_problem(app, client, make_title, token_for, case):  # noqa: F811
    title_id = make_title("movie", title="Heat", year=1995)
    headers = {**bearer(token_for("alice")), "Content-Type": "application/json"}
    for method in ("PUT", "PATCH"):
        response = client.open(f"/api/v1/me/entries/{title_id}", method=method, data=HOSTILE_BODIES[case],
                               headers=headers)
        assert response.status_code == 400, (method, response.status_code, response.get_data(as_text=True)[:300])
        problem = response.get_json()
        assert response.mimetype == "application/problem+json" and problem["detail"]
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(ListEntry)) == 0


def test_the_api_still_reads_ordinary_json(app, client, make_title, token_for):  # noqa: F811
    title_id = make_title("movie", title="Heat", year=1995)
    response = client.put(f"/api/v1/me/entries/{title_id}", json={"status": "completed", "score": 85, "notes": "Diner."},
                          headers=bearer(token_for("alice")))
    assert response.status_code in (200, 201), response.get_json()


def _ours(**extra) -> str:
    return json.dumps({"format": "mymovielist", "version": 1, "entries": [], **extra})


def _entry(**fields) -> dict:
    return {"title": {"kind": "movie", "name": "Heat", "year": 1995, "ids": {}}, "status": "completed", **fields}


HOSTILE_FILES = {
    "deep nesting": ('{"format": "mymovielist", "version": 1, "entries": ' + "[" * 5_000 + "]" * 5_000 + "}",
                     "nested more than 64 levels"),
    "a 5,000-digit number": (_ours()[:-1] + ', "x": ' + "9" * 5_000 + "}", "a number is too large"),
    "1e309": (_ours()[:-1] + ', "x": 1e309}', "a number is too large"),
    "NaN": (_ours()[:-1] + ', "x": NaN}', "NaN is not a number"),
    "a NUL character": (_ours(entries=[_entry(notes="a\x00b")]), "NUL character"),
}


@pytest.fixture
def member(app, make_user, auth, make_title):
    user_id = make_user("mallory")
    auth.login("mallory")
    make_title("movie", title="Heat", year=1995)
    return user_id


def _import(app, client, source: str, data: bytes) -> ImportJob:
    response = client.post("/settings/import", data={"source": source, "mode": "overwrite",
                                                     "file": (io.BytesIO(data), "export.json")},
                           content_type="multipart/form-data")
    assert response.status_code in (302, 303), response.status_code
    job_id = job_id_from(response)
    with app.app_context():
        runner.wait(job_id)
        return db.session.get(ImportJob, job_id)


@pytest.mark.parametrize("source", ["ours", "trakt"])
@pytest.mark.parametrize("case", list(HOSTILE_FILES))
def test_hostile_import_files_fail_with_their_own_message(app, client, member, source, case):
    data, message = HOSTILE_FILES[case]
    job = _import(app, client, source, data.encode())
    assert job.status == "failed"
    assert message in job.error and "unexpected" not in job.error
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(ListEntry)) == 0


@pytest.mark.parametrize("fields, problem", [
    ({"progress": 10**17}, "progress 100000000000000000 is not 0-100000"),
    ({"priority": 10**17}, "priority 100000000000000000 is not 0-2"),
    ({"rewatch_count": -1}, "rewatch_count -1 is not 0-10000"),
])
def test_out_of_range_numbers_leave_their_row_out_with_a_reason(app, client, member, fields, problem):
    job = _import(app, client, "ours", _ours(entries=[_entry(**fields), _entry()]).encode())
    assert job.status == "succeeded", job.error
    assert any(problem in line for line in job.problems), job.problems


def test_the_list_limit_inside_an_import_is_its_own_clear_error(app, client, member):
    with app.app_context():
        user = db.session.get(User, member)
        for n in range(lists.MAX_LISTS):
            lists.create_list(user, f"List {n}")
        db.session.commit()
    spec = {"name": "One too many", "description": "", "is_public": True, "is_ranked": False,
            "items": [{"title": _entry()["title"], "position": 1, "note": "", "added_at": None}]}
    job = _import(app, client, "ours", _ours(entries=[_entry()], lists=[spec]).encode())
    assert job.status == "failed"
    assert "One too many" in job.error and str(lists.MAX_LISTS) in job.error and "unexpected" not in job.error


def test_safejson_reads_what_our_exports_write():
    document = {"entries": [{"score": 85, "progress": 12, "mean": 7.25, "tags": ["a"], "notes": "é\n"}], "n": None}
    assert safejson.loads(json.dumps(document)) == document
