"""Admin pages: the dashboard (users, schedule, cache, backups), sync runs, their progress and errors, and starting jobs."""

from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")

from mymovielist.admin import dashboard, invites, views  # noqa: E402,F401
