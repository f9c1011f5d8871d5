"""Conditional GET: a weak ETag from the rendered body on title, list and API pages; 304 when unchanged.

Applied after the view, so views stay as they are. The body already differs per viewer (names,
their own scores, the CSRF token), so a validator never leaks one user's page to another, and the
`Cache-Control: private, no-store` and `Vary` headers set elsewhere are kept untouched.
"""

from __future__ import annotations

import hashlib

from flask import Flask, Response, current_app, request, session

from mymovielist import csrf_tokens

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
    response.set_etag(_body_digest(response.get_data()), weak=True)
    return response.make_conditional(request)


def _body_digest(body: bytes) -> str:
    """A digest of the body that stays the same while the page does.

    The page's CSRF token is signed with a timestamp in seconds, so the same page rendered a second
    later differs in those bytes alone: the signed token is put back to its marker (csrf_tokens), and
    the session's own token is put in instead, so a browser whose session (and so its CSRF secret)
    changed never keeps a page whose forms would be refused.
    """
    field = current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token")
    secret = session.get(field, "") if csrf_tokens.rendered_token() else ""
    body = csrf_tokens.without_token(body)
    return hashlib.blake2b(body + secret.encode(), digest_size=16).hexdigest()


def register(app: Flask) -> None:
    app.after_request(add_etag)
