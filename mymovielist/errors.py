"""Error pages: a full page for browsers, the status and a toast for htmx requests."""

from __future__ import annotations

import errno

from flask import Flask, current_app, make_response, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from mymovielist.htmx import htmx_response, is_htmx, toast

MESSAGES = {
    400: ("Bad request", "The request could not be understood. Check what you sent and try again."),
    401: ("Please log in", "You need to be logged in to do that."),
    403: ("Forbidden", "You are not allowed to see or change this."),
    404: ("Not found", "We could not find that page. It may have been moved or deleted."),
    405: ("Method not allowed", "This address does not accept that kind of request."),
    413: ("Too large", "What you sent is too large."),
    429: ("Too many requests", "You are going too fast. Wait a moment and try again."),
    500: ("Something went wrong", "An unexpected error happened on our side. It has been logged."),
    503: ("Temporarily unavailable", "A service we depend on is not answering. Try again in a few minutes."),
    507: ("Out of space", ("The server has run out of disk space, so nothing was saved. An administrator "
                           "has been told; try again later.")),
}


def render_error(status: int, message: str | None = None, headers: dict | None = None):
    heading, default = MESSAGES.get(status, (f"Error {status}", "Something went wrong."))
    text = message or default
    if is_htmx():
        response = htmx_response("", status, trigger=toast(text, "error"))
    else:
        page = render_template("errors/error.html", status=status, heading=heading, message=text)
        response = make_response(page, status)
    for key, value in (headers or {}).items():
        response.headers[key] = value
    response.vary.add("HX-Request")
    return response


def _handle_http(error: HTTPException):
    headers = {}
    if error.code == 405 and getattr(error, "valid_methods", None):
        headers["Allow"] = ", ".join(error.valid_methods)
    if error.code == 429 and error.response is not None and "Retry-After" in error.response.headers:
        headers["Retry-After"] = error.response.headers["Retry-After"]
    description = error.description if error.code in (400, 413) and _custom(error) else None
    return render_error(error.code or 500, description, headers)


def _custom(error: HTTPException) -> bool:
    return error.description != type(error).description


def _handle_csrf(error: CSRFError):
    return render_error(400, "Your form expired or was sent from another site. Reload the page and try again.")


def _handle_unexpected(error: Exception):
    if isinstance(error, HTTPException) and not isinstance(error, InternalServerError):
        return _handle_http(error)
    original = getattr(error, "original_exception", None) or error
    from mymovielist.providers.errors import ProviderError

    if isinstance(original, ProviderError):  # an outage: say which provider, keep the app up
        current_app.logger.warning("Provider failure on %s %s: %s", request.method, request.path, original)
        name = original.provider or "A catalog provider"
        return render_error(503, f"{name} is not answering right now, so this could not be done. "
                                 "Try again in a few minutes.", {"Retry-After": "60"})
    if isinstance(original, OSError) and original.errno == errno.ENOSPC:
        current_app.logger.critical("Disk full on %s %s: %s", request.method, request.path, original)
        return render_error(507)
    current_app.logger.error("Unhandled error on %s %s", request.method, request.path, exc_info=original)
    return render_error(500)


def register(app: Flask) -> None:
    app.register_error_handler(CSRFError, _handle_csrf)
    app.register_error_handler(HTTPException, _handle_http)
    app.register_error_handler(InternalServerError, _handle_unexpected)
    app.register_error_handler(Exception, _handle_unexpected)
