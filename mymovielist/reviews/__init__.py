"""Reviews: write, edit and delete your review of a title; read everyone's, a page at a time."""

from flask import Blueprint

bp = Blueprint("reviews", __name__)

from mymovielist.reviews import views  # noqa: E402,F401
