"""Running scheduled jobs: once, through the queue (admin, `run-once`), or on schedule in the single jobs process."""

from __future__ import annotations

import fcntl
import logging
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from apscheduler.schedulers.blocking import BlockingScheduler
from flask import Flask
from sqlalchemy import select

from mymovielist.extensions import db
from mymovielist.health import heartbeat
from mymovielist.jobs import JOBS, JOBS_BY_ID, queue, tasks, worker
from mymovielist.models import Job

log = logging.getLogger(__name__)
DIRECT = frozenset({"heartbeat"})  # run by the scheduler itself: a long job in the queue must not stall it


class JobError(RuntimeError):
    pass


def run_job(job_id: str) -> Any:
    """Run one job now, in the current app context."""
    job = JOBS_BY_ID.get(job_id)
    if job is None:
        raise JobError(f"unknown job {job_id!r}; choose one of {', '.join(JOBS_BY_ID)}")
    from mymovielist.observability import observe_job_run

    started = time.perf_counter()
    try:
        result = job.func()
    except Exception:
        observe_job_run(job_id, "failed", time.perf_counter() - started)
        raise
    finally:
        db.session.remove()
    observe_job_run(job_id, "ok", time.perf_counter() - started, counts=_counts(result))
    return result


def _counts(result: Any) -> Any:
    # Job results are small dataclasses or dicts of counts; keep numbers only.
    data = getattr(result, "__dict__", result)
    if isinstance(data, dict):
        return {k: v for k, v in data.items() if isinstance(v, int | float) and not isinstance(v, bool)} or None
    return result if isinstance(result, int | float) else None


def _enqueue_in_app(app: Flask, job_id: str) -> None:
    with app.app_context():
        try:
            if enqueue_job(job_id) is None:
                log.info("job %s is still queued or running; not queued again", job_id)
            db.session.commit()
        except Exception:
            log.exception("could not queue job %s", job_id)
        finally:
            db.session.remove()


def _in_app(app: Flask, job_id: str) -> None:
    with app.app_context():
        try:
            run_job(job_id)
        except Exception:
            log.exception("job %s failed", job_id)


def enqueue_job(job_id: str, *, wake: bool = True) -> Job | None:
    """Queue a scheduled job (flushes); None when it is already queued or running."""
    spec = JOBS_BY_ID.get(job_id)
    if spec is None:
        raise JobError(f"unknown job {job_id!r}")
    return queue.enqueue(job_id, label=spec.description, singleton=f"job:{job_id}", wake=wake)


def run_through_queue(job_id: str) -> Any:
    """Queue a scheduled job and run it in this process now (`flask jobs run-once`), recorded like any other."""
    job = enqueue_job(job_id, wake=False)
    if job is None:  # queued by the schedule or an admin: run that one here, unless a worker has it
        job = db.session.scalar(select(Job).where(Job.singleton == f"job:{job_id}"))
    queued = job.id if job is not None else None
    db.session.commit()  # and no transaction after it: on SQLite the claim below needs the write lock
    claim = queue.claim(queue.new_owner(), only=queued) if queued is not None else None
    if claim is None:
        raise JobError(f"{job_id} is running in another worker now")
    return worker.execute(claim)


@contextmanager
def single_instance(lock_path: Path) -> Iterator[None]:
    """Hold an exclusive lock on a file for the block; a second holder fails at once."""
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise JobError(f"another jobs process holds {lock_path}") from None
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        yield
    finally:
        os.close(fd)  # closing releases the lock


def build_scheduler(app: Flask) -> BlockingScheduler:
    """A scheduler holding every job of JOBS, each run inside an app context."""
    scheduler = BlockingScheduler(timezone="UTC", job_defaults={"coalesce": True, "max_instances": 1,
                                                                 "misfire_grace_time": 3600})
    for job in JOBS:
        scheduler.add_job(_in_app if job.id in DIRECT else _enqueue_in_app, job.trigger, args=(app, job.id),
                          id=job.id, name=job.description, **job.trigger_args)
    return scheduler


def run_scheduler(app: Flask) -> None:
    """The jobs process: the schedule and the queue's worker, one per instance folder (a lock file)."""
    with single_instance(Path(app.instance_path) / "jobs.lock"):
        with app.app_context():
            stale = tasks.mark_interrupted()
            if stale:
                log.warning("%s sync runs were left running by a stopped process", stale)
            heartbeat.beat()  # at once: web processes leave queued jobs to this one from now on
        jobs_worker = worker.start(app, embedded=False)
        scheduler = build_scheduler(app)
        try:
            scheduler.start()
        except (KeyboardInterrupt, SystemExit):
            pass
        finally:
            # A job still running is not waited for: its lease runs out and another worker retries it.
            jobs_worker.stop(timeout=5)
