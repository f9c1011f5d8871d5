"""Whole pages for visitors without a session, memoized under the generations of what they show.

A visitor who sends no session or remember-me cookie sees the same page as every other such
visitor, so a title page is rendered once per change of its data instead of once per request. The
page leaves out the CSRF header (base.html reads `g.visitor_page`): it holds nothing of a session,
and a visitor has nothing on it to post. Signed-in users and htmx requests always get a fresh page.

Only 200 answers that set no cookie are kept; the entry's key carries the generation tokens of the
page's scopes (services/cache_keys.py), so a rating, a sync or a demo load shows on the next request.
Each entry also keeps the body compressed once per encoding (brotli, gzip), the way Flask-Compress
would have sent it, which then leaves an already encoded body alone.
"""

from __future__ import annotations

import gzip
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import wraps

import brotli
from flask import current_app, g, request

from mymovielist.extensions import cache
from mymovielist.htmx import is_htmx
from mymovielist.services import cache_keys

TIMEOUT = 3600  # seconds; a change makes a new key long before this
ENCODERS = {
    "br": lambda body, config: brotli.compress(body, quality=config.get("COMPRESS_BR_LEVEL", 4)),
    "gzip": lambda body, config: gzip.compress(body, compresslevel=config.get("COMPRESS_LEVEL", 6), mtime=0),
}


@dataclass
class KeptPage:
    status: int
    headers: list[tuple[str, str]]
    body: bytes
    encoded: dict[str, bytes] = field(default_factory=dict)


def for_visitors(scopes: Callable[..., Iterable[str]]):
    """Serve the view's page to cookieless visitors from the cache; `scopes(**view_args)` names what it shows."""

    def decorate(view):
        @wraps(view)
        def wrapper(**kwargs):
            if not _visitor_request():
                return view(**kwargs)
            g.visitor_page = True
            # The host too: pages carry absolute addresses (og:url, og:image) built from it.
            key = cache_keys.key_for("page", scopes(**kwargs), (request.host_url, request.full_path))
            kept = cache.get(key)
            if kept is not None:
                return _answer(kept, key, store=False)
            response = current_app.make_response(view(**kwargs))
            if response.status_code != 200 or "Set-Cookie" in response.headers or response.is_streamed:
                return response
            headers = [(k, v) for k, v in response.headers.items() if k.lower() != "content-length"]
            return _answer(KeptPage(response.status_code, headers, response.get_data()), key, store=True)

        return wrapper

    return decorate


def _visitor_request() -> bool:
    if request.method != "GET" or is_htmx():
        return False
    config = current_app.config
    cookies = request.cookies
    return config["SESSION_COOKIE_NAME"] not in cookies and config.get("REMEMBER_COOKIE_NAME", "remember_token") not in cookies


def _answer(kept: KeptPage, key: str, store: bool):
    """The kept page, encoded as the browser asks; the entry is written once, when new or newly encoded."""
    config = current_app.config
    encoding = _encoding(config) if len(kept.body) >= config.get("COMPRESS_MIN_SIZE", 500) else None
    response = current_app.response_class(kept.body, status=kept.status, headers=kept.headers)
    response.vary.add("Cookie")  # a browser with a session gets another page from the same URL
    if encoding is not None:
        if encoding not in kept.encoded:
            kept.encoded[encoding] = ENCODERS[encoding](kept.body, config)
            store = True
        response.set_data(kept.encoded[encoding])
        response.headers["Content-Encoding"] = encoding
        response.vary.add("Accept-Encoding")
    if store:
        cache.set(key, kept, timeout=TIMEOUT)
    return response


def _encoding(config) -> str | None:
    """The first of the configured encodings the browser takes (as Flask-Compress picks it)."""
    for name in config.get("COMPRESS_ALGORITHM", ["gzip"]):
        if name in ENCODERS and request.accept_encodings.quality(name) > 0:
            return name
    return None
