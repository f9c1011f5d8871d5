"""Admin pages: the dashboard, sync runs and jobs, and each title's revision history and locked fields."""

from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")

from mymovielist.admin import dashboard, invites, titles, views  # noqa: E402,F401
