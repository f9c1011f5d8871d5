"""Social: follow users, their activity and a feed of it, notifications."""

from flask import Blueprint

bp = Blueprint("social", __name__)

from mymovielist.social import views  # noqa: E402,F401
