"""The durable job queue: enqueue in the caller's transaction; claim, renew and finish in short ones.

Every state change a worker makes (claim, heartbeat, progress, outcome) is its own short write
transaction on a connection of its own, committed at once, so any process reading the jobs table
sees it, and none of them waits on the job's own (possibly long) transaction. A claim is a
conditional UPDATE: it succeeds only while the job is still queued, or running under an expired
lease, so of two workers racing for one job exactly one gets it (SQLite serializes the write
transactions, BEGIN IMMEDIATE; PostgreSQL re-checks the condition on the locked row, and
FOR UPDATE SKIP LOCKED sends the other claimer on to the next job). The owner and attempt number
guard every later write: a worker whose lease was taken over can no longer touch the job.
On SQLite, call these with no write transaction open in the caller's own session: it would hold
the one write lock they wait for.
"""

from __future__ import annotations

import os
import socket
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from mymovielist.database import transaction_mode
from mymovielist.extensions import db
from mymovielist.models import Job, utcnow

WAKE_KEY = "jobs.enqueued"  # set in session.info by enqueue: the commit wakes the embedded worker
MESSAGE_CHARS = 255
ERROR_CHARS = 4000


@dataclass(frozen=True)
class Claim:
    """A job a worker holds: enough to run it and to prove, on every write, that it still holds it."""

    id: int
    kind: str
    payload: dict[str, Any]
    owner: str
    attempt: int


def new_owner() -> str:
    """A worker's name, unique across hosts, processes and restarts: host:pid:thread:random."""
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{threading.get_ident() % 10**6}:{uuid.uuid4().hex[:8]}"


@contextmanager
def _short_transaction() -> Iterator[Connection]:
    """A write transaction of its own, committed at once (BEGIN IMMEDIATE on SQLite)."""
    with transaction_mode(immediate=True), db.engine.begin() as conn:
        yield conn


def enqueue(kind: str, payload: dict[str, Any] | None = None, *, label: str = "",
            singleton: str | None = None, max_attempts: int | None = None, wake: bool = True) -> Job | None:
    """Add a job in the caller's transaction (flushes); None when `singleton` is queued or running already."""
    job = Job(kind=kind, payload=payload or {}, label=label[:MESSAGE_CHARS], singleton=singleton,
              status="queued", message="Waiting for a worker", error="",
              max_attempts=max_attempts or current_app.config["JOBS_MAX_ATTEMPTS"])
    if singleton is not None:
        if db.session.scalar(select(Job.id).where(Job.singleton == singleton)) is not None:
            return None
        try:
            with db.session.begin_nested():  # two processes enqueueing at once: the unique key decides
                db.session.add(job)
        except IntegrityError:
            return None
    else:
        db.session.add(job)
        db.session.flush()
    if wake:
        db.session.info[WAKE_KEY] = True
    return job


def _claimable(now: datetime):
    expired = and_(Job.status == "running", Job.lease_expires_at < now, Job.attempts < Job.max_attempts)
    return or_(Job.status == "queued", expired)


def claim(owner: str, *, only: int | None = None) -> Claim | None:
    """Take the oldest queued job (or one whose worker's lease ran out), or None; atomic."""
    now = utcnow()
    lease = now + timedelta(seconds=current_app.config["JOBS_LEASE_SECONDS"])
    with _short_transaction() as conn:
        pick = select(Job.id).where(_claimable(now)).order_by(Job.id).limit(1).with_for_update(skip_locked=True)
        if only is not None:
            pick = pick.where(Job.id == only)
        job_id = conn.scalar(pick)
        if job_id is None:
            return None
        taken = conn.execute(
            update(Job).where(Job.id == job_id, _claimable(now)).values(
                status="running", lease_owner=owner, lease_expires_at=lease, attempts=Job.attempts + 1,
                started_at=func.coalesce(Job.started_at, now), message="Started",
            )
        )
        if taken.rowcount != 1:
            return None  # another worker got there first
        kind, payload, attempt = conn.execute(
            select(Job.kind, Job.payload, Job.attempts).where(Job.id == job_id)
        ).one()
    return Claim(job_id, kind, payload or {}, owner, attempt)


def _held(claim: Claim):
    return and_(Job.id == claim.id, Job.status == "running", Job.lease_owner == claim.owner,
                Job.attempts == claim.attempt)


def heartbeat(claim: Claim) -> bool:
    """Extend the lease; False when the job is no longer this worker's."""
    lease = utcnow() + timedelta(seconds=current_app.config["JOBS_LEASE_SECONDS"])
    with _short_transaction() as conn:
        return conn.execute(update(Job).where(_held(claim)).values(lease_expires_at=lease)).rowcount == 1


def report(claim: Claim, done: int, total: int | None = None, message: str | None = None) -> bool:
    """Record progress (and renew the lease); False when the job is no longer this worker's."""
    values: dict[str, Any] = {
        "progress_done": done, "progress_total": total,
        "lease_expires_at": utcnow() + timedelta(seconds=current_app.config["JOBS_LEASE_SECONDS"]),
    }
    if message is not None:
        values["message"] = message[:MESSAGE_CHARS]
    with _short_transaction() as conn:
        return conn.execute(update(Job).where(_held(claim)).values(**values)).rowcount == 1


def _finish(claim: Claim, **values: Any) -> bool:
    values.update(finished_at=utcnow(), lease_owner=None, lease_expires_at=None, singleton=None)
    with _short_transaction() as conn:
        return conn.execute(update(Job).where(_held(claim)).values(**values)).rowcount == 1


def complete(claim: Claim, result: dict[str, Any] | None = None, message: str = "Done") -> bool:
    """Mark the job done; False when another worker had taken it over (its outcome stands)."""
    return _finish(claim, status="done", result=result, message=message[:MESSAGE_CHARS])


def fail(claim: Claim, error: str) -> bool:
    """Mark the job failed with the reason; False when another worker had taken it over."""
    return _finish(claim, status="failed", error=error[:ERROR_CHARS], message="Failed")


def give_up_abandoned() -> list[Claim]:
    """Fail the jobs whose lease ran out on their last allowed attempt; returns them (as claims)."""
    now = utcnow()
    with _short_transaction() as conn:
        rows = conn.execute(
            select(Job.id, Job.kind, Job.payload, Job.lease_owner, Job.attempts).where(
                Job.status == "running", Job.lease_expires_at < now, Job.attempts >= Job.max_attempts
            ).with_for_update(skip_locked=True)
        ).all()
        abandoned = [Claim(job_id, kind, payload or {}, owner or "", attempts)
                     for job_id, kind, payload, owner, attempts in rows]
        for job in abandoned:
            error = (f"The worker running it stopped before it ended, {job.attempt} times "
                     "(its lease ran out); it is not tried again.")
            conn.execute(update(Job).where(_held(job)).values(
                status="failed", error=error, message="Failed", finished_at=now,
                lease_owner=None, lease_expires_at=None, singleton=None,
            ))
    return abandoned


def pending_count() -> int:
    """Jobs waiting for a worker, or held by one."""
    return db.session.scalar(select(func.count()).select_from(Job).where(Job.status.in_(("queued", "running"))))


def list_jobs(limit: int = 50) -> list[Job]:
    """The latest jobs, newest first."""
    return list(db.session.scalars(select(Job).order_by(Job.id.desc()).limit(limit)))
