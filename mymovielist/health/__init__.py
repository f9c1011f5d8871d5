"""Health endpoints for load balancers and monitors."""

from flask import Blueprint

bp = Blueprint("health", __name__)

from mymovielist.health import views  # noqa: E402,F401
