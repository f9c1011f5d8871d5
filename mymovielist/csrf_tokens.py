"""CSRF tokens go into pages on the way out, so no cached HTML ever holds one.

Templates call `csrf_token()` for each form and for htmx's X-CSRFToken header; it writes a marker,
and `put_tokens` replaces every marker in an HTML answer with the session's token after the view.
Any HTML a cache keeps (a member's whole page, a list's rows, a title's sections) is then the same
for every session and request, and can never hand one session's token to another or serve one past
its time limit. The hook runs before the ETag is taken, so the tag still differs per session.
"""

from __future__ import annotations

from flask import Flask, Response, current_app, g
from flask_wtf.csrf import generate_csrf

MARKER = "csrf-token-of-this-request-7d1e0b"
_MARKER_BYTES = MARKER.encode()


def csrf_token() -> str:
    """The templates' `csrf_token()`: a marker that `put_tokens` replaces with the session's token."""
    return MARKER


def put_tokens(response: Response) -> Response:
    """Replace the markers in an HTML answer with the session's CSRF token."""
    if response.direct_passthrough or response.is_streamed or response.mimetype != "text/html":
        return response
    body = response.get_data()
    if _MARKER_BYTES in body:
        response.set_data(body.replace(_MARKER_BYTES, generate_csrf().encode()))
    return response


def rendered_token() -> str | None:
    """The signed CSRF token this request put into its page (Flask-WTF keeps it in `g`), if any."""
    return g.get(current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"))


def without_token(body: bytes) -> bytes:
    """`body` with the token this request rendered (WTForms' own hidden field writes it) put back to markers."""
    token = rendered_token()
    return body.replace(token.encode(), _MARKER_BYTES) if token else body


def register(app: Flask) -> None:
    """Call last in create_app: hooks run in reverse order, and this one must precede the ETag's."""
    app.jinja_env.globals["csrf_token"] = csrf_token
    app.after_request(put_tokens)
