"""Running jobs: once, in a background thread (admin), or on schedule in the single jobs process."""

from __future__ import annotations

import fcntl
import logging
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from apscheduler.schedulers.blocking import BlockingScheduler
from flask import Flask, current_app

from mymovielist.extensions import db
from mymovielist.jobs import JOBS, JOBS_BY_ID, tasks

log = logging.getLogger(__name__)
_threads: dict[str, threading.Thread] = {}
_threads_lock = threading.Lock()


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


def _in_app(app: Flask, job_id: str) -> None:
    with app.app_context():
        try:
            run_job(job_id)
        except Exception:
            log.exception("job %s failed", job_id)


def start_in_background(job_id: str) -> bool:
    """Start a job in a thread of this process unless it is already running here; never blocks."""
    if job_id not in JOBS_BY_ID:
        raise JobError(f"unknown job {job_id!r}")
    app = current_app._get_current_object()
    with _threads_lock:
        running = _threads.get(job_id)
        if running is not None and running.is_alive():
            return False
        thread = threading.Thread(target=_in_app, args=(app, job_id), name=f"job-{job_id}", daemon=True)
        _threads[job_id] = thread
        thread.start()
    return True


def wait_for_background(timeout: float = 30.0) -> None:
    """Join the background job threads (tests, shutdown)."""
    with _threads_lock:
        threads = list(_threads.values())
    for thread in threads:
        thread.join(timeout)


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
        scheduler.add_job(_in_app, job.trigger, args=(app, job.id), id=job.id, name=job.description,
                          **job.trigger_args)
    return scheduler


def run_scheduler(app: Flask) -> None:
    """The jobs process: one per instance folder, guarded by a lock file."""
    with single_instance(Path(app.instance_path) / "jobs.lock"):
        with app.app_context():
            stale = tasks.mark_interrupted()
            if stale:
                log.warning("%s sync runs were left running by a stopped process", stale)
        scheduler = build_scheduler(app)
        try:
            scheduler.start()
        except (KeyboardInterrupt, SystemExit):
            pass
