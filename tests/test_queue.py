"""The job queue: atomic claims, leases and retries, progress seen by any process, the workers."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
from conftest import _test_config, close_app
from sqlalchemy import select, update
from sqlalchemy.exc import OperationalError

from mymovielist import create_app
from mymovielist.extensions import db
from mymovielist.health import heartbeat
from mymovielist.jobs import queue, worker
from mymovielist.jobs.runner import _enqueue_in_app
from mymovielist.models import Job, utcnow


@pytest.fixture
def second_app(tmp_path: Path, app):
    """Another app instance on the same database and instance folder: another web worker, say."""
    other = create_app(_test_config(tmp_path))
    yield other
    close_app(other)


@pytest.fixture
def ran(monkeypatch) -> list[dict]:
    """A kind of job ("count") that records each run of its handler."""
    runs: list[dict] = []
    monkeypatch.setitem(worker.KINDS, "count", worker.Kind(lambda payload, progress: runs.append(payload) or {"n": 1}))
    return runs


def enqueue(app, kind: str = "count", **options) -> int:
    with app.app_context():
        job = queue.enqueue(kind, {"n": 1}, label="a test job", wake=False, **options)
        db.session.commit()
        return job.id


def load(app, job_id: int) -> Job:
    with app.app_context():
        job = db.session.get(Job, job_id)
        db.session.expunge(job)
        return job


def kill_lease(app, job_id: int) -> None:
    """What a killed worker leaves behind: a running job whose lease runs out."""
    with app.app_context():
        db.session.execute(update(Job).where(Job.id == job_id).values(lease_expires_at=utcnow() - timedelta(seconds=1)))
        db.session.commit()


def test_a_job_runs_to_done_with_progress_seen_by_another_app(app, second_app, monkeypatch):
    app.config["JOBS_WORKER"] = "embedded"
    reached, release = threading.Event(), threading.Event()

    def steps(payload, progress):
        progress(2, 5, "Step 2 of 5", force=True)
        reached.set()
        assert release.wait(10)
        return {"steps": 5}

    monkeypatch.setitem(worker.KINDS, "steps", worker.Kind(steps))
    with app.app_context():
        job_id = queue.enqueue("steps", label="five steps").id
        db.session.commit()  # the commit wakes (here: starts) the web process's worker thread
    assert reached.wait(10)
    seen = load(second_app, job_id)  # another process's view: the row, committed by the worker
    assert (seen.status, seen.progress_done, seen.progress_total, seen.message) == ("running", 2, 5, "Step 2 of 5")
    assert seen.attempts == 1 and seen.lease_owner and seen.lease_expires_at > utcnow()
    release.set()
    with second_app.app_context():
        done = worker.wait_for(job_id, 10)
    assert (done.status, done.result, done.lease_owner, done.error) == ("done", {"steps": 5}, None, "")
    assert done.finished_at >= done.started_at


def test_concurrent_claimers_never_share_a_job(app, second_app, ran):
    ids = [enqueue(app) for _ in range(40)]
    claims: list[tuple[str, int]] = []
    errors: list[BaseException] = []
    start = threading.Barrier(6)

    def claimer(instance):
        try:
            with instance.app_context():
                owner = queue.new_owner()
                start.wait()
                while (claim := queue.claim(owner)) is not None:
                    claims.append((owner, claim.id))
                    time.sleep(0.005)  # "work": the other claimers get their turn meanwhile
                    assert queue.complete(claim, {"by": 1})
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=claimer, args=(instance,)) for instance in (app, second_app) * 3]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors
    assert sorted(job_id for _, job_id in claims) == ids  # every job once, none twice
    assert len({owner for owner, _ in claims}) > 1  # they did race
    with app.app_context():
        assert set(db.session.scalars(select(Job.status))) == {"done"}


CLAIMER = """
import sys
from mymovielist import create_app
from mymovielist.jobs import queue
app = create_app({"SQLALCHEMY_DATABASE_URI": sys.argv[1], "SECRET_KEY": "x", "TESTING": True})
with app.app_context():
    owner = queue.new_owner()
    while (claim := queue.claim(owner)) is not None:
        queue.complete(claim)
        print(claim.id, flush=True)
"""


def test_two_processes_never_share_a_job(app, tmp_path, ran):
    ids = [enqueue(app) for _ in range(30)]
    env = {**os.environ, "MYMOVIELIST_LOG_LEVEL": "WARNING"}
    procs = [subprocess.Popen([sys.executable, "-c", CLAIMER, app.config["SQLALCHEMY_DATABASE_URI"]],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=tmp_path, env=env)
             for _ in range(2)]
    outputs = [proc.communicate(timeout=120) for proc in procs]
    assert [proc.returncode for proc in procs] == [0, 0], [err[-2000:] for _, err in outputs]
    claimed = [[int(line) for line in out.split()] for out, _ in outputs]
    assert sorted(claimed[0] + claimed[1]) == ids
    assert not set(claimed[0]) & set(claimed[1])


def test_a_held_lease_keeps_other_workers_off(app, ran):
    job_id = enqueue(app)
    with app.app_context():
        first = queue.claim("worker-a")
        assert first.id == job_id and first.attempt == 1
        assert queue.claim("worker-b") is None
        assert queue.heartbeat(first)
        assert queue.report(first, 1, 3, "one of three")
    assert load(app, job_id).progress_done == 1


def test_a_killed_workers_job_is_retried_and_finishes_once(app, ran):
    job_id = enqueue(app)
    with app.app_context():
        dead = queue.claim("worker-that-dies")
    kill_lease(app, job_id)
    with app.app_context():
        assert worker.run_next("worker-b")
        # The dead worker, had it only been slow, can no longer touch the job.
        assert not queue.heartbeat(dead) and not queue.complete(dead) and not queue.fail(dead, "late")
        assert not worker.run_next("worker-b")  # nothing left
    job = load(app, job_id)
    assert (job.status, job.attempts, job.error) == ("done", 2, "")
    assert ran == [{"n": 1}]  # the handler ran once: the dead worker never got to it


def test_a_job_out_of_attempts_fails_with_a_message(app, ran):
    job_id = enqueue(app, max_attempts=2)
    for attempt in (1, 2):
        with app.app_context():
            assert queue.claim(f"doomed-{attempt}").attempt == attempt
        kill_lease(app, job_id)
    with app.app_context():
        assert queue.claim("worker-c") is None  # out of attempts: not claimable
        assert not worker.run_next("worker-c")
    job = load(app, job_id)
    assert (job.status, job.attempts) == ("failed", 2)
    assert "stopped before it ended, 2 times" in job.error and job.finished_at is not None
    assert ran == []


def test_a_handler_that_raises_fails_the_job_at_once(app, monkeypatch):
    def broken(payload, progress):
        raise ValueError("the payload names no title")

    monkeypatch.setitem(worker.KINDS, "broken", worker.Kind(broken))
    job_id = enqueue(app, "broken")
    with app.app_context():
        assert worker.run_next("worker-a")
    job = load(app, job_id)
    assert (job.status, job.attempts, job.error) == ("failed", 1, "ValueError: the payload names no title")
    unknown = enqueue(app, "no-such-kind")
    with app.app_context():
        assert worker.run_next("worker-a")
    assert "no handler for jobs of kind 'no-such-kind'" in load(app, unknown).error


def test_a_scheduled_job_is_queued_once_until_it_ends(app):
    # trending-scores: a job that succeeds on every backend (nightly-backup is SQLite's own)
    app.config["JOBS_WORKER"] = "external"  # run below by hand, as the jobs process's worker would
    _enqueue_in_app(app, "trending-scores")
    _enqueue_in_app(app, "trending-scores")  # the schedule fires again while the first still waits
    with app.app_context():
        jobs = [(job.id, job.kind, job.singleton, job.status) for job in db.session.scalars(select(Job))]
        assert [row[1:] for row in jobs] == [("trending-scores", "job:trending-scores", "queued")]
        db.session.rollback()
        assert worker.run_next("jobs-process")
    job = load(app, jobs[0][0])
    assert job.status == "done" and job.singleton is None
    _enqueue_in_app(app, "trending-scores")  # done: the next run may be queued
    with app.app_context():
        assert db.session.scalar(select(Job.status).where(Job.id != job.id)) == "queued"


def test_run_once_is_recorded_in_the_queue(app, runner):
    result = runner.invoke(args=["jobs", "run-once", "trending-scores"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        job = db.session.scalars(select(Job)).one()
        assert (job.kind, job.status, job.attempts) == ("trending-scores", "done", 1)
    listing = runner.invoke(args=["jobs", "queue"]).output
    assert f"{job.id:>6} trending-scores" in listing and "done" in listing and "attempt 1/3" in listing


def test_who_runs_queued_jobs(app):
    with app.app_context():
        assert worker.runs_here(app)  # no scheduler has ever beaten here: the web process does
        heartbeat.beat()
        assert not worker.runs_here(app)  # `flask jobs run` is alive: it does
        app.config["JOBS_WORKER"] = "embedded"
        assert worker.runs_here(app)
        app.config["JOBS_WORKER"] = "external"
        assert not worker.runs_here(app) and not worker.kick()
        app.config["JOBS_WORKER"] = "sometimes"
        with pytest.raises(ValueError, match="JOBS_WORKER"):
            worker.runs_here(app)


def test_the_jobs_process_worker_runs_what_the_web_queued(app, ran):
    app.config["JOBS_WORKER"] = "external"  # the web process leaves it to `flask jobs run`
    job_id = enqueue(app)
    with app.app_context():
        second = queue.enqueue("count", {"n": 2}).id
        db.session.commit()  # would wake a worker of this process: there is none
    time.sleep(0.2)
    assert load(app, job_id).status == "queued" and load(app, second).status == "queued"
    jobs_process = worker.start(app, embedded=False)
    try:
        with app.app_context():
            assert worker.wait_for(second, 10).status == "done"
    finally:
        worker.stop(app)
    assert not jobs_process.is_alive()
    assert sorted(run["n"] for run in ran) == [1, 2]


def test_an_outcome_is_recorded_even_while_the_database_is_busy_for_a_moment(app, ran, monkeypatch):
    job_id = enqueue(app)
    real_complete, calls = queue.complete, []

    def busy_once(claim, result=None, message="Done"):
        calls.append(claim.id)
        if len(calls) == 1:  # another process's long write transaction holds SQLite's lock
            raise OperationalError("UPDATE jobs ...", {}, Exception("database is locked"))
        return real_complete(claim, result, message)

    monkeypatch.setattr(queue, "complete", busy_once)
    with app.app_context():
        assert worker.run_next("worker-a")
    assert calls == [job_id, job_id]
    assert (load(app, job_id).status, ran) == ("done", [{"n": 1}])
