"""The home page and, later, trending and recommendations."""

from flask import Blueprint

bp = Blueprint("discover", __name__)

from mymovielist.discover import views  # noqa: F401
