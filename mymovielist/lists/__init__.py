"""Custom lists: create, describe, rank and share lists of titles."""

from flask import Blueprint

bp = Blueprint("lists", __name__)

from mymovielist.lists import views  # noqa: F401
