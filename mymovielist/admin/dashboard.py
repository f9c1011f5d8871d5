"""/admin: users and their moderation, sync runs, the job schedule, cache, database and backups."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from jinja2_fragments.flask import render_block

from mymovielist.admin import bp
from mymovielist.auth.access import admin_required
from mymovielist.extensions import cache, db
from mymovielist.htmx import htmx_response, toast, wants_fragment
from mymovielist.jobs import backup, queue
from mymovielist.models import User
from mymovielist.observability.metrics import cache_counts
from mymovielist.services import admin as admin_service

# The POST actions on a user: (service call, message). Each one answers the users block.
ACTIONS = {
    "block": (lambda actor, user: admin_service.set_blocked(actor, user, True), "{} is blocked and signed out."),
    "unblock": (lambda actor, user: admin_service.set_blocked(actor, user, False), "{} is unblocked."),
    "promote": (lambda actor, user: admin_service.set_role(actor, user, "admin"), "{} is now an admin."),
    "demote": (lambda actor, user: admin_service.set_role(actor, user, "user"), "{} is no longer an admin."),
    "delete": (admin_service.delete_user, "{} and everything they owned are deleted."),
}


def _page() -> int:
    return request.args.get("page", 1, type=int) or 1


def _context() -> dict:
    runs, failures = admin_service.recent_runs()
    try:
        last_backup = backup.latest_backup()
    except OSError:
        last_backup = None
    return {
        "users": admin_service.users_page(_page()), "runs": runs, "failures": failures,
        "schedule": admin_service.schedule(), "cache_stats": cache_counts(),
        "database_size": admin_service.database_size(), "last_backup": last_backup,
        "queue": queue.list_jobs(10),
    }


@bp.get("/")
@admin_required
def dashboard():
    """Show users, sync runs, the schedule, cache statistics, database size and the last backup."""
    if wants_fragment("admin-users"):
        return render_block("admin/dashboard.html", "users_block", users=admin_service.users_page(_page()))
    return render_template("admin/dashboard.html", **_context())


@bp.post("/users/<int:user_id>/<action>")
@admin_required
def user_action(user_id: int, action: str):
    """Block, unblock, promote, demote or delete a user (delete asks for a confirmation)."""
    if action not in ACTIONS:
        abort(404)
    user = db.get_or_404(User, user_id)
    if action == "delete" and request.form.get("confirm") != user.username:
        return _answer(f"Type {user.username} to confirm the deletion.", "error", 422)
    change, message = ACTIONS[action]
    try:
        change(current_user, user)
    except admin_service.AdminError as exc:
        return _answer(str(exc), "error", 409)
    name = user.username
    db.session.commit()
    return _answer(message.format(name), "success")


@bp.post("/cache/clear")
@admin_required
def clear_cache():
    """Empty the application cache (memoized pages and provider answers)."""
    cache.clear()
    return _answer("The cache is cleared.", "success", block=False)


def _answer(message: str, level: str, status: int = 200, block: bool = True):
    """htmx: the users block (or nothing) with a toast; otherwise a redirect, or the page for a refusal."""
    if wants_fragment():
        body = render_block("admin/dashboard.html", "users_block", users=admin_service.users_page(_page())) \
            if block else ""
        return htmx_response(body, status, trigger=toast(message, level))
    flash(message, level)
    if status != 200:
        return render_template("admin/dashboard.html", **_context()), status
    return redirect(url_for("admin.dashboard", page=_page() if _page() > 1 else None))
