"""Import jobs: created by the upload, run by a worker of the job queue (jobs/), reported after.

The upload records an ImportJob and queues a job of kind "import" in the same transaction; a
queue worker (`flask jobs run`, or the web process's own thread in the embedded mode) runs it.
Progress goes to the queue's row in short transactions of its own, so any web worker answers the
progress page: reading and matching the file are reported as they go; the writing is one
transaction, reported live on PostgreSQL, and on SQLite (whose one write lock that transaction
holds) as "writing N titles" until it commits.

A job: read the file (instance/imports/<id>), parse and match everything first, then write every
matched record in one transaction, with the job's own outcome; on any failure nothing is written
and the job records why. A retried job (its worker died) starts again from the file, and one whose
outcome was committed already does nothing: an import is never written twice.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import Flask, current_app
from sqlalchemy import select

from mymovielist.database import transaction_mode
from mymovielist.extensions import db
from mymovielist.jobs import queue
from mymovielist.jobs.worker import Progress, wait_for
from mymovielist.models import ImportJob, Title, User, utcnow
from mymovielist.models.imports import IMPORT_MODES, IMPORT_SOURCES
from mymovielist.services.imports import ImportFileError, matching, parse
from mymovielist.services.imports.records import Bundle, ListSpec, Record
from mymovielist.services.imports.writer import Writer, order_memberships

log = logging.getLogger(__name__)
JOBS_SHOWN = 20


class ImportJobError(ValueError):
    """A request about an import that the rules refuse (the message is shown)."""

    def __init__(self, message: str, status: int = 422) -> None:
        super().__init__(message)
        self.message, self.status = message, status


def folder(app: Flask | None = None) -> Path:
    path = Path((app or current_app).instance_path) / "imports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def create_job(user: User, source: str, mode: str, filename: str, data: bytes) -> ImportJob:
    """Record an import and keep its file until the job is done (the caller commits, then submits)."""
    if source not in IMPORT_SOURCES or mode not in IMPORT_MODES:
        raise ImportJobError("Choose a source and a mode from the lists.")
    job = ImportJob(
        user_id=user.id,
        source=source,
        mode=mode,
        filename=(filename or "upload")[:255],
        status="pending",
        unmatched=[],
        problems=[],
        error="",
    )
    db.session.add(job)
    db.session.flush()
    (folder() / str(job.id)).write_bytes(data)
    return job


def submit(job: ImportJob) -> None:
    """Queue the import for a worker, in the caller's transaction (flushes; the commit wakes a worker)."""
    job.job = queue.enqueue("import", {"import_job_id": job.id}, label=f"Import {job.id}: {job.filename}")
    db.session.flush()


def wait(job_id: int, timeout: float = 60.0) -> None:
    """Block until the import's queued job has run (tests, the CLI)."""
    with transaction_mode(immediate=False):
        queued = db.session.scalar(select(ImportJob.job_id).where(ImportJob.id == job_id))
        db.session.rollback()
    if queued is not None:
        wait_for(queued, timeout)


@dataclass(frozen=True)
class ImportProgress:
    done: int
    total: int | None
    message: str
    waiting: bool  # still in the queue: no worker has taken it yet


def progress_of(job: ImportJob) -> ImportProgress:
    """Where an import stands, from its queue row while it runs (whichever process runs it)."""
    queued = job.job
    if job.is_finished or queued is None:
        return ImportProgress(job.done, job.total or None, "", False)
    if queued.status == "failed":  # its worker died on every attempt before the import could say so
        return ImportProgress(0, None, queued.error, False)
    return ImportProgress(queued.progress_done, queued.progress_total, queued.message, queued.status == "queued")


def run_queued(payload: dict[str, Any], progress: Progress) -> dict[str, int]:
    """The queue's handler: run the import unless it already has an outcome (a retry after it committed)."""
    job = db.session.get(ImportJob, int(payload["import_job_id"]))
    if job is None:
        raise ImportJobError(f"import {payload['import_job_id']} no longer exists", 404)
    if not job.is_finished:
        job = run_job(job.id, progress)
    return {"import_job_id": job.id, "created": job.created, "updated": job.updated, "skipped": job.skipped,
            "unmatched": len(job.unmatched or [])}


def give_up(payload: dict[str, Any], reason: str) -> None:
    """Its worker died on every attempt: the import failed, and nothing of it was written (flushes)."""
    job = db.session.get(ImportJob, int(payload["import_job_id"]))
    if job is None or job.is_finished:
        return
    job.status, job.finished_at = "failed", utcnow()
    job.error = f"{reason} Nothing was written; upload the file again."
    db.session.flush()
    (folder() / str(job.id)).unlink(missing_ok=True)


def run_job(job_id: int, progress: Progress | None = None) -> ImportJob:
    """Parse, match, then write the whole file in one transaction; record the outcome either way."""
    job = db.session.get(ImportJob, job_id)
    if job is None or job.is_finished:
        raise ImportJobError(f"import {job_id} is not waiting to run", 404)
    path = folder() / str(job.id)
    job.status = "running"
    source = job.source
    db.session.commit()
    tell = progress if progress is not None else (lambda *_args, **_kwargs: None)
    try:
        tell(0, None, "Reading the file", force=True)
        bundle = parse(source, path.read_bytes())
        tell(0, len(bundle.records), f"Finding {len(bundle.records)} titles in the catalog", force=True)
        with transaction_mode(immediate=False):  # reads only: progress may still be committed meanwhile
            matched = matching.match([record.ref for record in bundle.records.values()])
            db.session.rollback()
        writing = sum(1 for record in bundle.records.values() if record.ref.key in matched)
        live = progress is not None and progress.live_during_writes
        # Said before the write transaction begins: on SQLite it holds the one write lock until it
        # ends, and the bar shows no count it cannot keep up to date.
        tell(0, writing if live else None, f"Writing {writing} titles", force=True)
        job = db.session.get(ImportJob, job_id)
        _write(job, bundle, matched, progress if live else None)
        job.status = "succeeded"
    except Exception as error:  # anything: the transaction is rolled back and the user told why
        db.session.rollback()
        job = db.session.get(ImportJob, job_id)
        job.status, job.done, job.created, job.updated, job.skipped = "failed", 0, 0, 0, 0
        job.error = (
            str(error)
            if isinstance(error, ImportFileError)
            else ("An unexpected error stopped the import; nothing was written.")
        )
        if not isinstance(error, ImportFileError):
            log.exception("import job %s failed", job_id)
    job.finished_at = utcnow()
    db.session.commit()
    path.unlink(missing_ok=True)
    return job


def _write(job: ImportJob, bundle: Bundle, matched: dict[str, int], progress: Progress | None) -> None:
    user = db.session.get(User, job.user_id)
    records = list(bundle.records.values())
    titles = {t.id: t for t in db.session.scalars(select(Title).where(Title.id.in_(set(matched.values()))))}
    job.total, job.problems = len(records), list(bundle.problems)
    job.unmatched = [
        _unmatched_row(record, bundle.lists) for record in records if record.ref.key not in matched
    ]
    writer = Writer(user, job.mode, job.source)
    found = order_memberships([r for r in records if r.ref.key in matched])
    writer.ensure_lists(bundle.lists)
    for done, record in enumerate(found, 1):
        writer.apply(record, titles[matched[record.ref.key]], bundle.lists)
        if progress is not None:  # only where it can be committed beside this transaction (PostgreSQL)
            progress(done, len(found), f"Writing {len(found)} titles")
    writer.finish()
    job.done = len(records) - len(job.unmatched)
    job.created, job.updated, job.skipped = writer.created, writer.updated, writer.skipped


def _unmatched_row(record: Record, specs: dict[str, ListSpec]) -> dict[str, Any]:
    used = {m.list_key for m in record.lists}
    return {
        "label": record.ref.label(),
        "kind": record.ref.kind,
        "where": record.lines[:3],
        "record": record.to_json(),
        "lists": {key: vars(spec) for key, spec in specs.items() if key in used},
        "resolved_title_id": None,
    }


def get_job(user: User, job_id: int) -> ImportJob | None:
    """The user's own import job; another user's is as missing as one that never existed."""
    job = db.session.get(ImportJob, job_id)
    return job if job is not None and job.user_id == user.id else None


def list_jobs(user: User, limit: int = JOBS_SHOWN) -> list[ImportJob]:
    return list(
        db.session.scalars(
            select(ImportJob).where(ImportJob.user_id == user.id).order_by(ImportJob.id.desc()).limit(limit)
        )
    )


def resolve(user: User, job: ImportJob, row: int, title: Title) -> str:
    """Apply an unmatched row to the title the user picked; returns what the write did."""
    if not job.is_finished or job.status != "succeeded":
        raise ImportJobError("Only a finished import's rows can be resolved.", 409)
    rows = list(job.unmatched or [])
    if not 0 <= row < len(rows):
        raise ImportJobError("There is no such row in this import.", 404)
    if rows[row].get("resolved_title_id"):
        raise ImportJobError("This row is resolved already.", 409)
    record = Record.from_json(rows[row]["record"])
    specs = {key: ListSpec(**spec) for key, spec in (rows[row].get("lists") or {}).items()}
    writer = Writer(user, job.mode, job.source)
    outcome = writer.apply(record, title, specs)
    writer.finish()
    rows[row] = {**rows[row], "resolved_title_id": title.id, "resolved_label": title.title}
    job.unmatched = rows  # a new list: the JSON column sees the change
    job.done += 1
    job.created += writer.created
    job.updated += writer.updated
    job.skipped += writer.skipped
    db.session.flush()
    return outcome
