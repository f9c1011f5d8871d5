"""/admin/titles: find a title, read its revision history, revert a revision, lock and unlock fields."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from mymovielist.admin import bp
from mymovielist.auth.access import admin_required
from mymovielist.extensions import db
from mymovielist.models import Title, TitleRevision
from mymovielist.sync import catalog_ops, history

# Ids are 32-bit on PostgreSQL; anything larger is a 404 from the router, never an overflow.
ID = "int(max=2147483647)"


def _title_context(title: Title) -> dict:
    return {"title": title, "revisions": history.revision_history(title),
            "lockable": catalog_ops.lockable_fields(title), "locked": set(title.locked_fields or ())}


def _revision_or_404(title: Title, revision_id: int) -> TitleRevision:
    revision = db.session.get(TitleRevision, revision_id)
    if revision is None or revision.title_id != title.id:
        abort(404)
    return revision


@bp.get("/titles")
@admin_required
def titles():
    """List the most recently changed titles, or find titles by id, provider id or words."""
    query = request.args.get("q", "")[:200]
    raw_page = request.args.get("page", "1")
    page = int(raw_page) if raw_page.isdigit() and 1 <= int(raw_page) <= 10_000 else 1
    return render_template("admin/titles.html", q=query, results=history.find_titles(query, page))


@bp.get(f"/titles/<{ID}:title_id>")
@admin_required
def title(title_id: int):
    """Show a title's revisions with their diffs, the revert buttons and the locked fields."""
    return render_template("admin/title.html", **_title_context(db.get_or_404(Title, title_id)))


@bp.post(f"/titles/<{ID}:title_id>/revisions/<{ID}:revision_id>/revert")
@admin_required
def revert(title_id: int, revision_id: int):
    """Ask to confirm a revert (showing what it would do), then revert as a new revision."""
    title = db.get_or_404(Title, title_id)
    revision = _revision_or_404(title, revision_id)
    lock = request.form.get("lock") == "1"
    try:
        if request.form.get("confirmed") != "1":
            plan = catalog_ops.plan_revert(title, revision)
            return render_template("admin/revert.html", title=title, revision=revision, plan=plan, lock=lock,
                                   text_of=history.text_of)
        entry, skipped = catalog_ops.revert_revision(title.id, revision.id, lock=lock, user_id=current_user.id)
    except catalog_ops.RevertError as exc:
        db.session.rollback()
        flash(f"Revision {revision_id} was not reverted: {exc}", "error")
        return render_template("admin/title.html", **_title_context(title)), 409
    fields = ", ".join(sorted(entry.changes))
    db.session.commit()
    message = f"Reverted {fields} (revision {entry.id})" + (", now locked" if lock else "") + "."
    flash(message + (f" Left alone: {', '.join(skipped)}." if skipped else ""), "success")
    return redirect(url_for("admin.title", title_id=title_id), 303)


@bp.post(f"/titles/<{ID}:title_id>/locks")
@admin_required
def lock(title_id: int):
    """Lock a field so syncs leave it alone, or unlock it."""
    title = db.get_or_404(Title, title_id)
    name, locked = request.form.get("field", ""), request.form.get("locked") == "1"
    try:
        changed = catalog_ops.set_locked(title, name, locked, user_id=current_user.id)
    except catalog_ops.RevertError as exc:
        abort(400, description=str(exc))
    db.session.commit()
    state = "locked" if locked else "unlocked"
    flash(f"{name} is {state}." if changed else f"{name} was already {state}.", "success" if changed else "info")
    return redirect(url_for("admin.title", title_id=title_id), 303)
