"""The only module that reads HX-* request headers or writes HX-* response headers."""

from __future__ import annotations

import json
from typing import Any

from flask import Response, make_response, request


def is_htmx() -> bool:
    return request.headers.get("HX-Request") == "true"


def wants_fragment(target: str | None = None) -> bool:
    """True for an htmx request that swaps part of a page (not boosted, not a history restore)."""
    if not is_htmx():
        return False
    if request.headers.get("HX-Boosted") == "true":
        return False
    if request.headers.get("HX-History-Restore-Request") == "true":
        return False
    if target is not None:
        return request.headers.get("HX-Target") == target
    return True


def htmx_response(
    body: str = "",
    status: int = 200,
    *,
    trigger: dict[str, Any] | None = None,
    redirect: str | None = None,
) -> Response:
    response = make_response(body, status)
    if trigger:
        response.headers["HX-Trigger"] = json.dumps(trigger)
    if redirect:
        response.headers["HX-Redirect"] = redirect
    return response


def toast(message: str, level: str = "info") -> dict[str, Any]:
    return {"toast": {"level": level, "message": message}}


def add_vary(response: Response) -> Response:
    """Pages and fragments share URLs, so every response varies on HX-Request."""
    response.vary.add("HX-Request")
    return response
