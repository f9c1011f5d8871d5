"""/admin/sync: admins only, runs with counts and errors, self-polling progress, starting jobs."""

from __future__ import annotations

import json

import pytest
from conftest import AuthActions

from mymovielist.extensions import db
from mymovielist.jobs.worker import wait_for
from mymovielist.models import Job, SyncRun


@pytest.fixture
def admin(client, auth, make_user):
    make_user("root", role="admin")
    auth.login("root")
    return client


def add_run(app, **fields) -> int:
    with app.app_context():
        run = SyncRun(provider="tmdb", job="refresh", **fields)
        db.session.add(run)
        db.session.commit()
        return run.id


def test_visitors_and_users_are_kept_out(client, auth, make_user):
    assert client.get("/admin/sync").status_code == 302
    make_user("joe")
    auth.login("joe")
    assert client.get("/admin/sync").status_code == 403
    assert client.post("/admin/sync/jobs/trending").status_code in (400, 403)


def test_runs_are_listed_with_counts_and_errors(app, admin):
    done = add_run(app, status="partial", total=3, fetched=3, created=1, updated=1, failed=1,
                   error="tmdb:movie:9: tmdb: /movie/9 not found <b>")
    page = admin.get("/admin/sync")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert f'id="run-{done}"' in html and "partial" in html
    assert "/movie/9 not found &lt;b&gt;" in html  # provider text is escaped
    assert f'hx-get="/admin/sync/runs/{done}/progress"' not in html  # finished: no polling
    for job in ("refresh-stale", "tmdb-changes", "trending", "tracked-updates", "nightly-backup"):
        assert f'action="/admin/sync/jobs/{job}"' in html


def test_a_running_run_polls_itself_until_done(app, admin):
    run_id = add_run(app, status="running", total=4, created=1)
    fragment = admin.get(f"/admin/sync/runs/{run_id}/progress", headers={"HX-Request": "true"})
    html = fragment.get_data(as_text=True)
    assert "<html" not in html
    assert 'hx-trigger="every 1s"' in html and '<progress value="1" max="4"' in html
    with app.app_context():
        run = db.session.get(SyncRun, run_id)
        run.status, run.created, run.unchanged = "succeeded", 1, 3
        db.session.commit()
    html = admin.get(f"/admin/sync/runs/{run_id}/progress", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "hx-trigger" not in html and '<progress value="4" max="4"' in html
    assert admin.get("/admin/sync/runs/999/progress").status_code == 404


def wait_for_queue(app) -> None:
    """Wait until every queued job has run."""
    with app.app_context():
        for job_id in db.session.scalars(db.select(Job.id)).all():
            wait_for(job_id)


def test_starting_a_job_runs_it_in_the_background(app, admin):
    response = admin.post("/admin/sync/jobs/trending-scores")  # succeeds on every backend
    assert response.status_code == 302 and response.headers["Location"] == "/admin/sync"
    wait_for_queue(app)
    page = admin.get("/admin/sync").get_data(as_text=True)
    assert "Queued trending-scores." in page
    assert 'id="job-1"' in page and "trending-scores" in page and "done" in page
    assert admin.post("/admin/sync/jobs/no-such-job").status_code == 404


def test_starting_a_job_with_htmx_returns_the_runs_fragment(sync_app, make_user):
    client = sync_app.test_client()
    make_user("root", role="admin")
    AuthActions(client).login("root")
    response = client.post("/admin/sync/jobs/trending", headers={"HX-Request": "true", "HX-Target": "sync-runs"})
    wait_for_queue(sync_app)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in html and 'id="sync-runs"' in html
    assert json.loads(response.headers["HX-Trigger"])["toast"]["message"] == "Queued trending."
    assert 'hx-trigger="load delay:1s"' in html  # fetches the list again once the run exists
    with sync_app.app_context():
        run = db.session.query(SyncRun).one()
        assert (run.job, run.status) == ("trending", "succeeded")
    html = client.get("/admin/sync", headers={"HX-Request": "true", "HX-Target": "sync-runs"}).get_data(as_text=True)
    assert f'id="run-{run.id}"' in html and "succeeded" in html


def test_the_form_needs_a_csrf_token(app, make_user):
    app.config["WTF_CSRF_ENABLED"] = True
    client = app.test_client()
    make_user("root", role="admin")
    AuthActions(client).login("root")
    assert client.post("/admin/sync/jobs/nightly-backup").status_code == 400
    token = AuthActions(client).csrf_token("/admin/sync")
    response = client.post("/admin/sync/jobs/nightly-backup", headers={"X-CSRFToken": token})
    wait_for_queue(app)
    assert response.status_code == 302


def test_queued_jobs_are_listed_and_poll_themselves_until_they_end(app, admin):
    app.config["JOBS_WORKER"] = "external"  # nothing runs them here: they stay queued
    assert admin.post("/admin/sync/jobs/trending").status_code == 302
    again = admin.post("/admin/sync/jobs/trending", headers={"HX-Request": "true", "HX-Target": "sync-runs"})
    assert json.loads(again.headers["HX-Trigger"])["toast"]["message"] == "trending is already queued or running."
    with app.app_context():
        job_id = db.session.scalar(db.select(Job.id))
        assert db.session.scalar(db.select(db.func.count()).select_from(Job)) == 1
    page = admin.get("/admin/sync").get_data(as_text=True)
    assert f'hx-get="/admin/jobs/{job_id}/progress"' in page and "queued" in page
    assert 'hx-trigger="load delay:1s"' in page  # the list comes back while a job is unfinished
    assert f'id="job-{job_id}"' in admin.get("/admin/").get_data(as_text=True)  # one history on /admin too
    with app.app_context():
        job = db.session.get(Job, job_id)
        job.status, job.progress_done, job.progress_total, job.message = "running", 3, 8, "Refreshing"
        db.session.commit()
    row = admin.get(f"/admin/jobs/{job_id}/progress", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "<html" not in row and 'hx-trigger="every 1s"' in row and '<progress value="3" max="8"' in row
    with app.app_context():
        job = db.session.get(Job, job_id)
        job.status, job.error = "failed", "ProviderError: tmdb answered 503"
        db.session.commit()
    row = admin.get(f"/admin/jobs/{job_id}/progress", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "hx-trigger" not in row and "tmdb answered 503" in row
    assert admin.get("/admin/jobs/999/progress").status_code == 404
