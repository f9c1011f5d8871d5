"""/admin/sync: the job queue and sync runs with counts and errors, live progress, and a button per job."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from jinja2_fragments.flask import render_block
from sqlalchemy import select

from mymovielist.admin import bp
from mymovielist.auth.access import admin_required
from mymovielist.extensions import db
from mymovielist.htmx import htmx_response, toast, wants_fragment
from mymovielist.jobs import JOBS, JOBS_BY_ID, queue, worker
from mymovielist.jobs.runner import enqueue_job
from mymovielist.models import Job, SyncRun
from mymovielist.sync.clients import get_clients

RUNS_SHOWN = 50
JOBS_SHOWN = 20


def _context(pending: bool = False) -> dict:
    runs = db.session.scalars(select(SyncRun).order_by(SyncRun.id.desc()).limit(RUNS_SHOWN)).all()
    jobs = queue.list_jobs(JOBS_SHOWN)
    waiting = any(not job.is_finished for job in jobs)
    if waiting:
        worker.kick()  # in the embedded mode, jobs whose worker died are taken up again here
    return {"runs": runs, "jobs": JOBS, "queue": jobs, "pending": pending or waiting,
            "providers": get_clients().configured()}


@bp.get("/sync")
@admin_required
def sync():
    """List recent sync runs and the jobs an admin can start."""
    context = _context()
    if wants_fragment("sync-runs"):
        return render_block("admin/sync.html", "sync_runs", **context)
    return render_template("admin/sync.html", **context)


@bp.get("/sync/runs/<int:run_id>/progress")
@admin_required
def progress(run_id: int):
    """Render one run's row with its progress bar; it polls itself again while the run is going."""
    run = db.get_or_404(SyncRun, run_id)
    return render_block("admin/sync.html", "run_row", run=run)


@bp.get("/jobs/<int:job_id>/progress")
@admin_required
def job_progress(job_id: int):
    """Render one queued job's row; it polls itself again while the job waits or runs."""
    return render_block("admin/sync.html", "job_row", job=db.get_or_404(Job, job_id))


@bp.post("/sync/jobs/<job_id>")
@admin_required
def start_job(job_id: str):
    """Queue a job for a worker and come back to the runs list at once."""
    if job_id not in JOBS_BY_ID:
        abort(404)
    started = enqueue_job(job_id) is not None
    db.session.commit()
    message = f"Queued {job_id}." if started else f"{job_id} is already queued or running."
    level = "success" if started else "info"
    if not wants_fragment("sync-runs"):
        flash(message, level)
        return redirect(url_for("admin.sync"))
    html = render_block("admin/sync.html", "sync_runs", **_context(pending=started))
    return htmx_response(html, trigger=toast(message, level))
