"""The home page."""

from flask import render_template

from mymovielist.discover import bp
from mymovielist.models import KINDS
from mymovielist.services import catalog


@bp.get("/")
def home():
    """Show the most popular titles of every kind."""
    sections = [(kind, catalog.list_popular(kind, limit=12)) for kind in KINDS]
    return render_template("discover/home.html", sections=sections)
