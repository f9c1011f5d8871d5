"""/settings/import and /settings/export: upload a history file, follow its job, fix unmatched rows, download."""

from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from jinja2_fragments.flask import render_block

from mymovielist.auth.access import login_required
from mymovielist.errors import render_error
from mymovielist.extensions import db
from mymovielist.htmx import htmx_response, toast, wants_fragment
from mymovielist.jobs import worker
from mymovielist.models import ImportJob, Title
from mymovielist.portability import bp
from mymovielist.portability.forms import ImportForm, ResolveForm
from mymovielist.services import exports, search
from mymovielist.services.imports import files, runner

EXPORTS = {  # format -> (builder, file name, media type)
    "json": (exports.export_json, "mymovielist-{user}.json", "application/json"),
    "csv": (exports.export_csv_zip, "mymovielist-{user}-csv.zip", "application/zip"),
    "mal-anime": (lambda user: exports.export_mal(user, "anime"), "animelist-{user}.xml", "application/xml"),
    "mal-manga": (lambda user: exports.export_mal(user, "manga"), "mangalist-{user}.xml", "application/xml"),
    "letterboxd": (exports.export_letterboxd, "letterboxd-{user}.csv", "text/csv"),
}


def _me():
    return current_user._get_current_object()


def _job_or_404(job_id: int) -> ImportJob:
    job = runner.get_job(_me(), job_id)
    if job is None:
        abort(404)
    return job


@bp.errorhandler(runner.ImportJobError)
def _refused(error: runner.ImportJobError):
    """A refused import request: its status and message (a toast for htmx)."""
    return render_error(error.status, error.message)


def _import_page(form: ImportForm, status: int = 200):
    jobs = runner.list_jobs(_me())
    return render_template(
        "portability/imports.html", form=form, jobs=jobs, limit_mb=files.limit("IMPORT_MAX_BYTES") // 2**20
    ), status


@bp.get("/settings/import")
@login_required
def imports():
    """Show the upload form and the user's recent imports."""
    return _import_page(ImportForm())


@bp.post("/settings/import")
@login_required
def start_import():
    """Keep the uploaded file, queue its import and go to its progress page."""
    form = ImportForm()
    if not form.validate():
        return _import_page(form, 422)
    data = form.file.data.read(files.limit("IMPORT_MAX_BYTES") + 1)
    if len(data) > files.limit("IMPORT_MAX_BYTES"):
        raise runner.ImportJobError(
            f"The file is larger than the {files.limit('IMPORT_MAX_BYTES') // 2**20} MB an import may be.",
            413,
        )
    if not data:
        form.file.errors.append("The file is empty.")
        return _import_page(form, 422)
    job = runner.create_job(_me(), form.source.data, form.mode.data, form.file.data.filename, data)
    runner.submit(job)
    db.session.commit()
    flash("Your file is being imported.", "success")
    return redirect(url_for("portability.job", job_id=job.id), 303)


def _job_context(job: ImportJob) -> dict:
    row = request.args.get("row", type=int)
    query = request.args.get("q", "").strip()[:200]
    candidates = search.suggest_titles(query, limit=8) if row is not None and query else []
    if not job.is_finished:
        worker.kick()  # in the embedded mode, a job whose worker died is taken up again here
    return {"job": job, "progress": runner.progress_of(job), "row": row, "q": query, "candidates": candidates}


@bp.get("/settings/import/<int:job_id>")
@login_required
def job(job_id: int):
    """Show an import's progress, then its report; the status block polls itself until the job ends."""
    context = _job_context(_job_or_404(job_id))
    if context["row"] is not None and wants_fragment(f"candidates-{context['row']}"):
        return render_block("portability/job.html", "candidates", **context)
    if wants_fragment("import-job"):
        return render_block("portability/job.html", "import_job", **context)
    return render_template("portability/job.html", **context)


@bp.post("/settings/import/<int:job_id>/rows/<int:row>")
@login_required
def resolve(job_id: int, row: int):
    """Apply an unmatched row to the title the user picked."""
    job = _job_or_404(job_id)
    form = ResolveForm()
    title = db.session.get(Title, form.title_id.data) if form.validate() else None
    if title is None:
        raise runner.ImportJobError("Pick one of the titles found.", 422)
    runner.resolve(_me(), job, row, title)
    db.session.commit()
    message = f"“{title.title}” imported."
    if not wants_fragment("import-job"):
        flash(message, "success")
        return redirect(url_for("portability.job", job_id=job.id), 303)
    html = render_block("portability/job.html", "import_job", **_job_context(job))
    return htmx_response(html, trigger=toast(message, "success"))


@bp.get("/settings/export")
@login_required
def export():
    """Show the export formats."""
    return render_template("portability/export.html")


@bp.get("/settings/export/<fmt>")
@login_required
def download(fmt: str):
    """Download the user's history in one format, as an attachment."""
    if fmt not in EXPORTS:
        abort(404)
    build, name, media_type = EXPORTS[fmt]
    user = _me()
    response = Response(build(user), mimetype=media_type)
    response.headers["Content-Disposition"] = f'attachment; filename="{name.format(user=user.username)}"'
    return response
