"""Tracking: list entries, inline rating, the watchlist, the watch log and users' lists."""

from flask import Blueprint

bp = Blueprint("tracking", __name__)

from mymovielist.tracking import lists, views, watches  # noqa: E402,F401
