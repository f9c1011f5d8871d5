"""Statistics: a user's stats page with server-rendered SVG charts, and a year in review per year."""

from flask import Blueprint

bp = Blueprint("stats", __name__)

from mymovielist.stats import views  # noqa: F401
