"""Answers for feed readers and calendar apps: a strong ETag and Last-Modified, 304 when unchanged."""

from __future__ import annotations

import hashlib
from datetime import datetime

from flask import Response, current_app, request
from flask_login import current_user


def conditional(body: bytes, mimetype: str, last_modified: datetime | None) -> Response:
    """`body` with validators; readers poll often, so an unchanged feed costs a 304 and no body."""
    response: Response = current_app.response_class(body, mimetype=mimetype)
    response.set_etag(hashlib.blake2b(body, digest_size=16).hexdigest())
    if last_modified is not None:
        response.last_modified = last_modified
    # What a signed-in owner reads may differ from what a visitor does (a private feed is a 404 to
    # them); a visitor's copy may be kept but must be checked again, as privacy can change any time.
    response.vary.add("Cookie")
    if not current_user.is_authenticated:
        response.headers["Cache-Control"] = "no-cache"
    return response.make_conditional(request)
