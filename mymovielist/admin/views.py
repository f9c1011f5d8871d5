"""/admin/sync: sync runs with counts and errors, live progress, and a button per job."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from jinja2_fragments.flask import render_block
from sqlalchemy import select

from mymovielist.admin import bp
from mymovielist.auth.access import admin_required
from mymovielist.extensions import db
from mymovielist.htmx import htmx_response, toast, wants_fragment
from mymovielist.jobs import JOBS, JOBS_BY_ID
from mymovielist.jobs.runner import start_in_background
from mymovielist.models import SyncRun
from mymovielist.sync.clients import get_clients

RUNS_SHOWN = 50


def _context(pending: bool = False) -> dict:
    runs = db.session.scalars(select(SyncRun).order_by(SyncRun.id.desc()).limit(RUNS_SHOWN)).all()
    return {"runs": runs, "jobs": JOBS, "pending": pending, "providers": get_clients().configured()}


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


@bp.post("/sync/jobs/<job_id>")
@admin_required
def start_job(job_id: str):
    """Start a job in the background and come back to the runs list at once."""
    if job_id not in JOBS_BY_ID:
        abort(404)
    started = start_in_background(job_id)
    message = f"Started {job_id}." if started else f"{job_id} is already running."
    level = "success" if started else "info"
    if not wants_fragment("sync-runs"):
        flash(message, level)
        return redirect(url_for("admin.sync"))
    html = render_block("admin/sync.html", "sync_runs", **_context(pending=started))
    return htmx_response(html, trigger=toast(message, level))
