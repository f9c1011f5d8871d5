"""Portability: importing a history from MAL, Letterboxd, Trakt or our export, and exporting it."""

from flask import Blueprint

bp = Blueprint("portability", __name__)

from mymovielist.portability import views  # noqa: F401
