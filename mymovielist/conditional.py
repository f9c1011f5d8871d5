"""Conditional GET: a weak ETag from the rendered body on title, list and API pages; 304 when unchanged.

Applied after the view, so views stay as they are. The body already differs per viewer (names,
their own scores, the CSRF token), so a validator never leaks one user's page to another, and the
`Cache-Control: private, no-store` and `Vary` headers set elsewhere are kept untouched.
"""

from __future__ import annotations

import hashlib

from flask import Flask, Response, request

# Endpoints whose GET responses carry an ETag; plus every endpoint of the JSON API blueprint.
ENDPOINTS = frozenset({"catalog.detail", "tracking.user_list"})
BLUEPRINTS = frozenset({"api"})


def wants_etag(response: Response) -> bool:
    if request.method not in ("GET", "HEAD") or response.status_code != 200:
        return False
    if response.direct_passthrough or response.is_streamed or "ETag" in response.headers:
        return False
    return request.endpoint in ENDPOINTS or request.blueprint in BLUEPRINTS


def add_etag(response: Response) -> Response:
    """Tag a cacheable response with a weak ETag of its body and answer If-None-Match with a 304."""
    if not wants_etag(response):
        return response
    digest = hashlib.blake2b(response.get_data(), digest_size=16).hexdigest()
    response.set_etag(digest, weak=True)
    return response.make_conditional(request)


def register(app: Flask) -> None:
    app.after_request(add_etag)
