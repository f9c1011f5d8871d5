"""The JSON API under /api/v1: titles, search, users' lists, and the caller's entries and ratings.

Callers authenticate with personal access tokens (api.auth), errors are RFC 9457 problem details
(api.problems), and openapi.py describes every route. `tokens` is the settings page that makes them.
"""

from flask import Blueprint, Flask

from mymovielist.api import auth
from mymovielist.extensions import limiter

bp = Blueprint("api", __name__, url_prefix="/api/v1")
bp.before_request(auth.authenticate)
bp.after_request(auth.private_responses)
# One budget per token (or per address without one) across the whole API.
limiter.shared_limit(auth.rate_limit, scope="api", key_func=auth.rate_key, on_breach=auth.on_breach)(bp)

from mymovielist.api import cors, docs, me, problems, titles, users  # noqa: F401
from mymovielist.api.tokens import bp as tokens_bp  # noqa: F401


def register(app: Flask) -> None:
    """Problem details and CORS for /api/ paths; call once every other error handler is registered."""
    problems.register(app)
    cors.register(app)
