"""Whole pages for visitors without a session, kept as sent and answered before Flask dispatches.

A visitor who sends no session or remember-me cookie sees the same page as every other such
visitor, so a title page is rendered once per change of its data instead of once per request. The
page leaves out the CSRF header (base.html reads `g.visitor_page`): it holds nothing of a session,
and a visitor has nothing on it to post.

`VisitorPages` wraps the app's WSGI callable, like a caching reverse proxy in front of it: a view
marked with `for_visitors(scopes)` is looked up by its URL's rule, and the response the whole app
sent (security headers, ETag, compression: every after-request hook ran on it once) is replayed
as it was, with a fresh request id, a 304 for a matching If-None-Match, and the request logged and
counted as any other. A hit runs no view, no hook and no query: at a tenth of the cost of the
hooks alone, visitors' pages approach a plain Flask page (bench/pages.py).

The key holds the generation tokens of the page's scopes (services/cache_keys.py), read before the
page is rendered, so a rating, a sync or a demo load shows on the next request; and the URL with
its host (pages carry absolute addresses) and the Accept-Encoding asked for (the body is kept
encoded as sent). Only 200 answers to GET that set no cookie are kept; signed-in users and htmx
requests always go through to the app.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import wraps
from typing import Any

from flask import Flask, current_app, g, request
from werkzeug.exceptions import HTTPException
from werkzeug.http import parse_cookie, parse_etags, unquote_etag
from werkzeug.routing import RequestRedirect

from mymovielist.extensions import cache
from mymovielist.observability import logging as observability_logging
from mymovielist.observability import metrics
from mymovielist.services import cache_keys

TIMEOUT = 3600  # seconds; a change makes a new key long before this
SCOPES_ATTRIBUTE = "visitor_page_scopes"
MAX_BODY = 2 * 1024 * 1024  # bytes; a larger answer is sent but not kept
# Headers that belong to one answer, never to its replays (gunicorn and the replay add their own).
PER_ANSWER = frozenset({"content-length", "date", "x-request-id", "set-cookie"})
NOT_MODIFIED_DROPS = frozenset({"content-length", "content-type", "content-encoding"})


@dataclass(frozen=True)
class KeptPage:
    status: str
    headers: tuple[tuple[str, str], ...]
    body: bytes
    endpoint: str

    @property
    def etag(self) -> str | None:
        return next((value for name, value in self.headers if name.lower() == "etag"), None)


def for_visitors(scopes: Callable[..., Iterable[str]]):
    """Mark a view whose page every cookieless visitor shares; `scopes(**view_args)` names what it shows."""

    def decorate(view):
        @wraps(view)
        def wrapper(**kwargs):
            if not is_visitor(request.environ, current_app.config):
                return view(**kwargs)
            g.visitor_page = True
            response = current_app.make_response(view(**kwargs))
            response.vary.add("Cookie")  # a browser with a session gets another page from the same URL
            return response

        setattr(wrapper, SCOPES_ATTRIBUTE, scopes)
        return wrapper

    return decorate


def is_visitor(environ: dict[str, Any], config) -> bool:
    """A GET (or HEAD) with no session or remember-me cookie, not from htmx."""
    if environ.get("REQUEST_METHOD") not in ("GET", "HEAD") or environ.get("HTTP_HX_REQUEST") == "true":
        return False
    header = environ.get("HTTP_COOKIE")
    if not header:
        return True
    cookies = parse_cookie(header)
    return config["SESSION_COOKIE_NAME"] not in cookies and config.get("REMEMBER_COOKIE_NAME", "remember_token") not in cookies


class VisitorPages:
    """WSGI middleware: answers visitors' requests for pages marked `for_visitors` from the cache."""

    def __init__(self, app: Flask, wsgi_app: Callable) -> None:
        self.app = app
        self.wsgi_app = wsgi_app

    def __call__(self, environ: dict[str, Any], start_response: Callable) -> Iterable[bytes]:
        started = time.perf_counter()
        found = self._lookup(environ)
        if found is None:
            return self.wsgi_app(environ, start_response)
        key, endpoint, kept = found
        if kept is not None:
            return self._replay(kept, environ, start_response, started)
        return self._keep(key, endpoint, environ, start_response)

    def _lookup(self, environ: dict[str, Any]) -> tuple[str, str, KeptPage | None] | None:
        """(key, endpoint, kept page or None) for a visitor's request to a marked page; None otherwise."""
        if not is_visitor(environ, self.app.config):
            return None
        path = environ.get("PATH_INFO") or "/"
        try:  # by path alone: no host or subdomain rules here, and anything but a plain match goes to the app
            endpoint, view_args = self.app.url_map.bind("", path_info=path).match(method="GET")
        except (HTTPException, RequestRedirect):
            return None  # the app answers 404s, 405s and redirects itself
        scopes = getattr(self.app.view_functions.get(endpoint), SCOPES_ATTRIBUTE, None)
        if scopes is None:
            return None
        # Scheme and host too: pages carry absolute addresses (og:url) built from them.
        url = (environ["wsgi.url_scheme"], environ.get("HTTP_HOST") or environ.get("SERVER_NAME"),
               environ.get("SCRIPT_NAME", ""), path, environ.get("QUERY_STRING", ""))
        with self.app.app_context():
            key = cache_keys.key_for("page", scopes(**view_args), (url, environ.get("HTTP_ACCEPT_ENCODING", "")))
            return key, endpoint, cache.get(key)

    def _replay(self, kept: KeptPage, environ: dict[str, Any], start_response: Callable, started: float) -> list[bytes]:
        headers = list(kept.headers)
        request_id = observability_logging.request_id_from(environ.get("HTTP_X_REQUEST_ID", ""))
        headers.append(("X-Request-ID", request_id))
        etag = kept.etag
        if etag and parse_etags(environ.get("HTTP_IF_NONE_MATCH")).contains_weak(unquote_etag(etag)[0]):
            status, body = "304 NOT MODIFIED", b""
            headers = [(k, v) for k, v in headers if k.lower() not in NOT_MODIFIED_DROPS]
        else:
            status, body = kept.status, kept.body
            headers.append(("Content-Length", str(len(body))))
        start_response(status, headers)
        _record(environ, kept.endpoint, int(status[:3]), time.perf_counter() - started, request_id)
        return [] if environ["REQUEST_METHOD"] == "HEAD" else [body]

    def _keep(self, key: str, endpoint: str, environ: dict[str, Any], start_response: Callable) -> list[bytes]:
        """Pass the request to the app and keep what it sends, when it is a 200 that sets no cookie.

        The answer is read whole before it is sent: marked views render a page, never a stream."""
        sent: dict[str, Any] = {}

        def capture(status: str, headers: list[tuple[str, str]], exc_info=None):
            sent["status"], sent["headers"] = status, headers
            return start_response(status, headers, exc_info)

        answer = self.wsgi_app(environ, capture)
        try:
            body = b"".join(answer)
        finally:
            if hasattr(answer, "close"):
                answer.close()
        headers = sent["headers"]
        if (
            environ["REQUEST_METHOD"] == "GET"
            and sent["status"].startswith("200")
            and len(body) <= MAX_BODY
            and not any(name.lower() == "set-cookie" for name, _ in headers)
        ):
            kept = KeptPage(sent["status"], tuple((k, v) for k, v in headers if k.lower() not in PER_ANSWER), body, endpoint)
            with self.app.app_context():
                cache.set(key, kept, timeout=TIMEOUT)
        return [body]


def _record(environ: dict[str, Any], endpoint: str, status: int, seconds: float, request_id: str) -> None:
    """Log and count a replayed answer as the app's hooks log and count the others."""
    method = environ["REQUEST_METHOD"]
    metrics.observe_request(endpoint, method, status, seconds)
    observability_logging.log_event(
        "request", request_id=request_id, method=method, path=environ.get("PATH_INFO", "/"), endpoint=endpoint,
        status=status, duration_ms=round(seconds * 1000, 1), user_id=None, cached=True,
    )


def install(app: Flask) -> None:
    """Put the visitor page cache in front of the app (inside any proxy fix-up, which must run first)."""
    app.wsgi_app = VisitorPages(app, app.wsgi_app)  # type: ignore[method-assign]
