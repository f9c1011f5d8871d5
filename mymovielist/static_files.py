"""Fingerprinted static URLs: `static_url('css/app.css')` -> `/static/css/app.css?v=<hash>`.

The hash is of the file's content, so a deploy changes every URL whose file changed and browsers
may keep a matching one for a year (`immutable`); an old or missing hash gets the short default.
"""

from __future__ import annotations

import hashlib
import os
from functools import lru_cache

from flask import Flask, Response, current_app, request, url_for

IMMUTABLE = "public, max-age=31536000, immutable"


@lru_cache(maxsize=512)
def _digest(path: str, mtime_ns: int) -> str:
    with open(path, "rb") as handle:
        return hashlib.sha256(handle.read()).hexdigest()[:12]


def file_hash(filename: str) -> str | None:
    """The content hash of a file under static/, None when there is no such file."""
    folder = current_app.static_folder or ""
    path = os.path.realpath(os.path.join(folder, filename))
    if not path.startswith(os.path.realpath(folder) + os.sep) or not os.path.isfile(path):
        return None
    return _digest(path, os.stat(path).st_mtime_ns)


def static_url(filename: str) -> str:
    """The URL of a static file with its content hash, for templates."""
    digest = file_hash(filename)
    return url_for("static", filename=filename, v=digest) if digest else url_for("static", filename=filename)


def long_cache(response: Response) -> Response:
    """A static file asked for with its current hash may be cached for a year."""
    if request.endpoint != "static" or response.status_code not in (200, 304):
        return response
    if response.direct_passthrough:
        # Read the (small) file now, so Flask-Compress compresses bytes instead of wrapping the
        # file stream, which it never closes (a leaked descriptor per request). The file is closed
        # when the response is. Registered after compress, so this hook runs before it.
        response.direct_passthrough = False
        response.make_sequence()
    version = request.args.get("v")
    filename = (request.view_args or {}).get("filename", "")
    if version and version == file_hash(filename):
        response.headers["Cache-Control"] = IMMUTABLE
    return response


def register(app: Flask) -> None:
    app.jinja_env.globals["static_url"] = static_url
    app.after_request(long_cache)
