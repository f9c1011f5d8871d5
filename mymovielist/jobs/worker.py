"""Queue workers: a thread of `flask jobs run`, or one thread in the web process in the embedded mode.

A worker claims a job (jobs/queue.py), runs its kind's handler in a fresh app context while a
lease thread renews its lease, then records the outcome. A handler that raises fails the job at
once with its message; a worker that dies lets its lease run out, and the job goes back to the
queue for another attempt (JOBS_MAX_ATTEMPTS in all). Handlers must therefore be idempotent:
running one again after a crash must not write twice.

Which process runs jobs: `flask jobs run` when it runs (its heartbeat is fresh), else the web
process itself, in one thread started on the first enqueue (or the first look at an unfinished
job) and kept polling while no scheduler beats (JOBS_WORKER forces either side).
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Flask, current_app
from sqlalchemy import event, select
from sqlalchemy.exc import OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session

from mymovielist.database import transaction_mode
from mymovielist.extensions import db
from mymovielist.health import heartbeat
from mymovielist.jobs import queue
from mymovielist.models import Job, utcnow

log = logging.getLogger(__name__)
WORKER_MODES = ("auto", "embedded", "external")


class Progress:
    """What a running handler tells the queue; writes at most every `every` seconds unless forced."""

    def __init__(self, claim: queue.Claim, every: float = 0.5) -> None:
        self.claim, self.every, self._last = claim, every, 0.0

    @property
    def live_during_writes(self) -> bool:
        """Whether progress can be committed while the handler's own write transaction is open.

        SQLite has one write lock per database, held by that transaction until it ends.
        """
        return db.engine.dialect.name != "sqlite"

    def __call__(self, done: int, total: int | None = None, message: str | None = None, *,
                 force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self._last < self.every:
            return
        self._last = now
        try:
            queue.report(self.claim, done, total, message)
        except SQLAlchemyError as exc:  # progress is a courtesy: the job goes on without it
            log.warning("could not record the progress of job %s: %s", self.claim.id, exc)


@dataclass(frozen=True)
class Kind:
    """How to run one kind of job, and what to do when its attempts ran out with no outcome."""

    run: Callable[[dict[str, Any], Progress], Any]
    give_up: Callable[[dict[str, Any], str], None] | None = None


KINDS: dict[str, Kind] = {}  # tests add kinds of their own


def kinds() -> dict[str, Kind]:
    """Every kind of job: imports and each scheduled job (filled on first use: no import cycles)."""
    if "import" not in KINDS:
        from mymovielist.jobs import JOBS
        from mymovielist.jobs.runner import run_job
        from mymovielist.services.imports import runner as imports

        built = {spec.id: Kind(lambda _payload, _progress, job_id=spec.id: run_job(job_id)) for spec in JOBS}
        built["import"] = Kind(imports.run_queued, imports.give_up)  # last: its presence means all are in
        for name, kind in built.items():
            KINDS.setdefault(name, kind)
    return KINDS


def summary(result: Any) -> dict[str, Any] | None:
    """A handler's return value as stored JSON: counts, or a short text."""
    if isinstance(result, str):
        return {"message": result[: queue.MESSAGE_CHARS]}
    data = result if isinstance(result, dict) else getattr(result, "__dict__", None)
    if isinstance(data, dict):
        numbers = {k: v for k, v in data.items() if isinstance(v, int | float) and not isinstance(v, bool)}
        return numbers or None
    return None


class _Lease(threading.Thread):
    """Renews a claim's lease every quarter lease while its handler runs."""

    def __init__(self, app: Flask, claim: queue.Claim) -> None:
        super().__init__(name=f"job-{claim.id}-lease", daemon=True)
        self.app, self.claim, self.ended = app, claim, threading.Event()

    def run(self) -> None:
        interval = self.app.config["JOBS_LEASE_SECONDS"] / 4
        while not self.ended.wait(interval):
            try:
                with self.app.app_context():
                    held = queue.heartbeat(self.claim)
            except SQLAlchemyError as exc:  # e.g. SQLite's lock held by the job's own write: next time
                log.warning("could not renew the lease of job %s: %s", self.claim.id, exc)
                continue
            if not held:
                log.warning("job %s is no longer held by %s", self.claim.id, self.claim.owner)
                return


def execute(claim: queue.Claim) -> Any:
    """Run a claimed job to its outcome (recorded); a handler's exception is recorded, then raised."""
    lease = _Lease(current_app._get_current_object(), claim)
    lease.start()
    try:
        kind = kinds().get(claim.kind)
        if kind is None:
            raise LookupError(f"no handler for jobs of kind {claim.kind!r}")
        result = kind.run(claim.payload, Progress(claim))
    except Exception as exc:
        db.session.rollback()
        error = f"{exc.__class__.__name__}: {exc}" if str(exc) else exc.__class__.__name__
        _persist(lambda: queue.fail(claim, error), claim)
        raise
    finally:
        lease.ended.set()
        db.session.remove()
    _persist(lambda: queue.complete(claim, summary(result)), claim)
    return result


def _persist(write: Callable[[], bool], claim: queue.Claim, tries: int = 3) -> None:
    """Record an outcome, trying again while the database is busy (another process's long write on SQLite).

    Should it still fail, the lease runs out and the job runs again: its handler is idempotent.
    """
    for attempt in range(1, tries + 1):
        try:
            if not write():
                log.warning("job %s ended after another worker took it over; its outcome stands", claim.id)
            return
        except OperationalError:
            if attempt == tries:
                raise
            time.sleep(attempt)


def give_up_abandoned() -> None:
    """Fail the jobs out of attempts and tell their kinds (an import then says it failed)."""
    for claim in queue.give_up_abandoned():
        kind = kinds().get(claim.kind)
        if kind is not None and kind.give_up is not None:
            kind.give_up(claim.payload, "The worker running it stopped before it ended, on every attempt.")
            db.session.commit()


def has_work() -> bool:
    """Whether any job is waiting or held under an expired lease (a read: no write lock)."""
    with transaction_mode(immediate=False):
        found = db.session.scalar(
            select(Job.id).where(Job.status.in_(("queued", "running")),
                                 (Job.status == "queued") | (Job.lease_expires_at < utcnow())).limit(1)
        )
        db.session.rollback()
    return found is not None


def run_next(owner: str) -> bool:
    """Claim and run one job, if there is one; returns whether it ran one."""
    if not has_work():
        return False
    give_up_abandoned()
    claim = queue.claim(owner)
    if claim is None:
        return False
    try:
        execute(claim)
    except Exception:  # recorded on the job; the worker goes on with the next one
        log.exception("job %s (%s) failed", claim.id, claim.kind)
    return True


class Worker(threading.Thread):
    """Runs queued jobs one after another, polling every JOBS_POLL_SECONDS when idle."""

    def __init__(self, app: Flask, *, embedded: bool) -> None:
        super().__init__(name="jobs-embedded" if embedded else "jobs-worker", daemon=True)
        self.app, self.embedded, self.pid = app, embedded, os.getpid()
        self.woken, self.stopping = threading.Event(), threading.Event()

    def run(self) -> None:
        owner = queue.new_owner()
        while not self.stopping.is_set():
            self.woken.clear()
            try:
                with self.app.app_context():
                    if self.embedded and not runs_here(self.app):
                        return  # a `flask jobs run` took over
                    if run_next(owner):
                        continue
            except Exception:  # a database hiccup must not end the worker
                log.exception("the job worker could not poll the queue")
            self.woken.wait(self.app.config["JOBS_POLL_SECONDS"])

    def stop(self, timeout: float | None = 30.0) -> None:
        """Finish the current job, then end (waits up to `timeout` seconds)."""
        self.stopping.set()
        self.woken.set()
        if self.is_alive() and self is not threading.current_thread():
            self.join(timeout)


_workers: dict[Flask, Worker] = {}
_workers_lock = threading.Lock()


def runs_here(app: Flask) -> bool:
    """Whether this (web) process should run queued jobs itself: JOBS_WORKER, else no fresh scheduler heartbeat."""
    mode = app.config["JOBS_WORKER"]
    if mode not in WORKER_MODES:
        raise ValueError(f"JOBS_WORKER must be one of {', '.join(WORKER_MODES)}, not {mode!r}")
    if mode != "auto":
        return mode == "embedded"
    return not heartbeat.fresh()


def start(app: Flask, *, embedded: bool) -> Worker:
    """Start this process's worker for the app (or return the running one)."""
    with _workers_lock:
        worker = _workers.get(app)
        if worker is None or not worker.is_alive() or worker.pid != os.getpid() or worker.stopping.is_set():
            worker = Worker(app, embedded=embedded)
            _workers[app] = worker
            worker.start()
        return worker


def kick() -> bool:
    """Have queued jobs run: wake this process's worker, or start the embedded one; False if another process runs them."""
    app = current_app._get_current_object()
    with _workers_lock:
        worker = _workers.get(app)
        if worker is not None and worker.is_alive() and worker.pid == os.getpid() and not worker.stopping.is_set():
            worker.woken.set()
            return True
    if not runs_here(app):
        return False
    start(app, embedded=True)
    return True


def stop(app: Flask, timeout: float | None = 30.0) -> None:
    """Stop this process's worker for the app, if it has one (shutdown, tests)."""
    with _workers_lock:
        worker = _workers.pop(app, None)
    if worker is not None:
        worker.stop(timeout)


def wait_for(job_id: int, timeout: float = 60.0) -> Job:
    """Block until the job has ended (tests, the CLI); returns it, detached. TimeoutError past `timeout`."""
    deadline = time.monotonic() + timeout
    while True:
        with transaction_mode(immediate=False):
            job = db.session.get(Job, job_id, populate_existing=True)
            if job is None:
                raise LookupError(f"no job {job_id}")
            db.session.expunge(job)
            db.session.rollback()
        if job.is_finished:
            return job
        if time.monotonic() > deadline:
            raise TimeoutError(f"job {job_id} is still {job.status} after {timeout} s")
        time.sleep(0.02)


def install() -> None:
    """Wake a worker after each commit that enqueued a job (once per process)."""
    if getattr(install, "_done", False):
        return
    install._done = True

    @event.listens_for(Session, "after_commit")
    def _after_commit(session: Session) -> None:
        if session.in_nested_transaction():
            return  # a savepoint: the job is not visible to workers yet
        if session.info.pop(queue.WAKE_KEY, False):
            try:
                kick()
            except Exception:  # the job is queued; a worker's next poll finds it
                log.exception("could not wake a job worker")

    @event.listens_for(Session, "after_rollback")
    def _after_rollback(session: Session) -> None:
        session.info.pop(queue.WAKE_KEY, None)
