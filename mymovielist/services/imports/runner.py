"""Import jobs: created by the upload, run in a background thread of the web process, reported after.

The embedded mode runs jobs in this process: a ThreadPoolExecutor with one worker, started on the
first import, so imports queue one behind the other and never hold two SQLite write transactions.
Each job runs in its own app context with its own session. Under gunicorn a job runs in the worker
that received the upload; its live progress is kept in that worker's memory (the write transaction
holds the database's write lock, so progress cannot be committed row by row without breaking
"all or nothing"), and a poll answered by another worker shows the job as running until it ends.

A job: read the file (instance/imports/<id>), parse and match everything first, then write every
matched record in one transaction; on any failure nothing is written and the job records why.
"""

from __future__ import annotations

import logging
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

from flask import Flask, current_app
from sqlalchemy import select

from mymovielist.extensions import db
from mymovielist.models import ImportJob, Title, User, utcnow
from mymovielist.models.imports import IMPORT_MODES, IMPORT_SOURCES
from mymovielist.services.imports import ImportFileError, matching, parse
from mymovielist.services.imports.records import Bundle, ListSpec, Record
from mymovielist.services.imports.writer import Writer, order_memberships

log = logging.getLogger(__name__)
JOBS_SHOWN = 20
_executor: ThreadPoolExecutor | None = None
_executor_lock = threading.Lock()
_futures: dict[int, Future] = {}
_live: dict[int, int] = {}  # job id -> records written so far, while its transaction is open


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


def submit(job_id: int) -> Future:
    """Run the job in the background (one at a time in this process)."""
    global _executor
    app = current_app._get_current_object()
    with _executor_lock:
        if _executor is None:
            _executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="import")
        future = _executor.submit(_run_in_app, app, job_id)
        _futures[job_id] = future
    return future


def wait(job_id: int, timeout: float = 60.0) -> None:
    """Block until the job has run (tests, the CLI)."""
    future = _futures.get(job_id)
    if future is not None:
        future.result(timeout)


def live_done(job: ImportJob) -> int:
    """Records written so far: this process's live count while the job runs, else the stored one."""
    return _live.get(job.id, job.done)


def _run_in_app(app: Flask, job_id: int) -> None:
    with app.app_context():
        try:
            run_job(job_id)
        except Exception:
            log.exception("import job %s crashed", job_id)
        finally:
            db.session.remove()


def run_job(job_id: int) -> ImportJob:
    """Parse, match, then write the whole file in one transaction; record the outcome either way."""
    job = db.session.get(ImportJob, job_id)
    if job is None or job.is_finished:
        raise ImportJobError(f"import {job_id} is not waiting to run", 404)
    path = folder() / str(job.id)
    job.status = "running"
    db.session.commit()
    try:
        bundle = parse(job.source, path.read_bytes())
        _write(job, bundle)
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
    finally:
        _live.pop(job_id, None)
    job.finished_at = utcnow()
    db.session.commit()
    path.unlink(missing_ok=True)
    return job


def _write(job: ImportJob, bundle: Bundle) -> None:
    user = db.session.get(User, job.user_id)
    records = list(bundle.records.values())
    matched = matching.match([record.ref for record in records])
    titles = {t.id: t for t in db.session.scalars(select(Title).where(Title.id.in_(set(matched.values()))))}
    job.total, job.problems = len(records), list(bundle.problems)
    job.unmatched = [
        _unmatched_row(record, bundle.lists) for record in records if record.ref.key not in matched
    ]
    writer = Writer(user, job.mode, job.source)
    _live[job.id] = 0
    writer.ensure_lists(bundle.lists)
    for record in order_memberships([r for r in records if r.ref.key in matched]):
        writer.apply(record, titles[matched[record.ref.key]], bundle.lists)
        _live[job.id] += 1
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
