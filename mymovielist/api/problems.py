"""RFC 9457 problem details for every error under /api/: one JSON shape, whatever went wrong.

Routing errors (an unknown path, a method a route does not take) happen before any blueprint is
chosen, so blueprint error handlers never see them. `register` therefore wraps the app's own
handlers: on an /api/ path every error becomes `application/problem+json`; everywhere else the
HTML error pages answer exactly as before.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import Flask, Response, current_app, json, request
from flask_limiter.errors import RateLimitExceeded
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from mymovielist.errors import MESSAGES

API_PREFIX = "/api/"
MEDIA_TYPE = "application/problem+json"
# "about:blank" when the status says it all (RFC 9457 4.2.1), else a URN naming our problem type.
TYPE_BASE = "urn:mymovielist:problem:"
TITLES = {
    409: "Conflict",
    415: "Unsupported media type",
    422: "Unprocessable content",
    503: "Service unavailable",
}


class ApiProblem(HTTPException):
    """An error a view raises on purpose: a status, a short problem type, a detail, field errors."""

    def __init__(self, status: int, detail: str, *, kind: str | None = None,
                 errors: dict[str, list[str]] | None = None, headers: dict[str, str] | None = None) -> None:
        super().__init__(description=detail)
        self.code = status
        self.kind = kind
        self.errors = errors
        self.extra_headers = headers or {}


def problem_title(status: int) -> str:
    return TITLES.get(status) or MESSAGES.get(status, (f"Error {status}",))[0]


def problem_response(status: int, detail: str, *, kind: str | None = None,
                     errors: dict[str, list[str]] | None = None,
                     headers: dict[str, str] | None = None) -> Response:
    """A problem details response: type, title, status, detail and, for bad fields, `errors`."""
    body: dict[str, Any] = {
        "type": TYPE_BASE + kind if kind else "about:blank",
        "title": problem_title(status),
        "status": status,
        "detail": detail,
        "instance": request.path,
    }
    if errors:
        body["errors"] = errors
    response = current_app.response_class(json.dumps(body), status=status, mimetype=MEDIA_TYPE)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def _detail(error: HTTPException) -> str:
    """The exception's own message when a view gave one, else our wording for the status."""
    code = error.code or 500
    if error.description and error.description != type(error).description:
        return str(error.description)
    return MESSAGES.get(code, ("", "The request failed."))[1]


def _retry_after(error: RateLimitExceeded) -> str:
    """Seconds until the window resets: api.auth's on_breach puts them on the limiter's response."""
    if error.response is not None and "Retry-After" in error.response.headers:
        return error.response.headers["Retry-After"]
    return "60"


def from_exception(error: Exception) -> Response:
    """The problem details for any exception raised while answering an API request."""
    if isinstance(error, ApiProblem):
        return problem_response(error.code or 400, str(error.description), kind=error.kind,
                                errors=error.errors, headers=error.extra_headers)
    if isinstance(error, CSRFError):  # the API is exempt; kept in case a route is not
        return problem_response(400, "The request lacks a valid CSRF token.", kind="csrf")
    if isinstance(error, HTTPException) and not isinstance(error, InternalServerError):
        headers: dict[str, str] = {}
        if error.code == 405 and getattr(error, "valid_methods", None):
            headers["Allow"] = ", ".join(error.valid_methods)
        if isinstance(error, RateLimitExceeded):
            headers["Retry-After"] = _retry_after(error)
            return problem_response(429, "Too many requests: wait before trying again.",
                                    kind="rate-limited", headers=headers)
        return problem_response(error.code or 500, _detail(error), headers=headers)
    original = getattr(error, "original_exception", None) or error
    current_app.logger.error("Unhandled API error on %s %s", request.method, request.path, exc_info=original)
    return problem_response(500, MESSAGES[500][1], kind="server-error")


def _scoped(handler: Callable) -> Callable:
    @wraps(handler)
    def handle(error: Exception):
        if request.path.startswith(API_PREFIX):
            return from_exception(error)
        return handler(error)

    return handle


def register(app: Flask) -> None:
    """Answer errors on /api/ paths as problem details; call after every other error handler is set."""
    for handlers in app.error_handler_spec[None].values():
        for exc_class, handler in list(handlers.items()):
            handlers[exc_class] = _scoped(handler)
