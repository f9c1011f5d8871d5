"""CORS for /api/: off unless API_CORS_ORIGINS names origins; then only those get the headers.

Tokens travel in the Authorization header, never in cookies, so credentials are never allowed.
"""

from __future__ import annotations

from flask import Flask, Response, current_app, request

from mymovielist.api.problems import API_PREFIX

ALLOW_HEADERS = "Authorization, Content-Type"
EXPOSE_HEADERS = "Retry-After, Location"
MAX_AGE = "600"


def allowed_origins() -> set[str]:
    """The configured origins: a list, or one string separated by commas or spaces."""
    value = current_app.config.get("API_CORS_ORIGINS") or ()
    if isinstance(value, str):
        value = value.replace(",", " ").split()
    return {origin.rstrip("/") for origin in value if origin}


def add_cors_headers(response: Response) -> Response:
    if not request.path.startswith(API_PREFIX):
        return response
    origins = allowed_origins()
    if not origins:
        return response
    response.vary.add("Origin")
    origin = request.headers.get("Origin", "")
    if origin not in origins and "*" not in origins:
        return response
    response.headers["Access-Control-Allow-Origin"] = "*" if "*" in origins else origin
    response.headers["Access-Control-Expose-Headers"] = EXPOSE_HEADERS
    if request.method == "OPTIONS" and "Access-Control-Request-Method" in request.headers:
        response.headers["Access-Control-Allow-Methods"] = response.headers.get("Allow", "GET")
        response.headers["Access-Control-Allow-Headers"] = ALLOW_HEADERS
        response.headers["Access-Control-Max-Age"] = MAX_AGE
    return response


def register(app: Flask) -> None:
    app.after_request(add_cors_headers)
