"""Admin pages: sync runs, their progress and errors, and starting jobs."""

from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")

from mymovielist.admin import views  # noqa: E402,F401
