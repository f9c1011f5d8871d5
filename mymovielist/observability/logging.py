"""One structured log line per request, provider call and job run; never a secret.

`MYMOVIELIST_LOG_FORMAT=json` writes one JSON object per line; the default is readable
`key=value` text. Every line written during a request carries its request id, taken from a sane
`X-Request-ID` header or generated, and echoed in the response's `X-Request-ID` header.
"""

from __future__ import annotations

import json
import logging
import re
import secrets
import sys
import time
from collections.abc import Mapping
from typing import Any

from flask import Flask, Response, g, has_request_context, request

from mymovielist.redact import redact

EVENT_LOGGER = "mymovielist.events"
_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{8,64}")
# Field names whose values never reach a log line, whatever a caller passes.
_SECRET_KEYS = re.compile(r"pass|secret|token|api_?key|authorization|cookie", re.IGNORECASE)

events = logging.getLogger(EVENT_LOGGER)


def request_id() -> str | None:
    """The current request's id, or None outside a request."""
    return g.get("request_id") if has_request_context() else None


def scrub(value: Any) -> Any:
    """Mask secrets in a string value (a defence in depth: callers pass paths only)."""
    return redact(value) if isinstance(value, str) else value


def log_event(event: str, level: int = logging.INFO, **fields: Any) -> None:
    """Write one structured line: an event name and its fields, secrets masked."""
    clean = {k: ("***" if _SECRET_KEYS.search(k) else scrub(v)) for k, v in fields.items()}
    events.log(level, event, extra={"fields": clean})


class _Formatter(logging.Formatter):
    def __init__(self, as_json: bool) -> None:
        super().__init__()
        self.as_json = as_json

    def format(self, record: logging.LogRecord) -> str:
        data: dict[str, Any] = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": scrub(record.getMessage()),
        }
        rid = getattr(record, "request_id", None)
        if rid:
            data["request_id"] = rid
        fields = getattr(record, "fields", None)
        if isinstance(fields, Mapping):
            data.update(fields)
        if record.exc_info:
            data["exc"] = self.formatException(record.exc_info)
        if self.as_json:
            return json.dumps(data, default=str)
        head = f"{data.pop('ts')} {data.pop('level').upper():7} {data.pop('logger')} {data.pop('msg')}"
        exc = data.pop("exc", None)
        text = head + "".join(f" {k}={_text(v)}" for k, v in data.items())
        return text + ("\n" + exc if exc else "")


def _text(value: Any) -> str:
    text = str(value)
    return json.dumps(text) if (not text or any(c in text for c in " \"=")) else text


class _RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = request_id()
        return True


class _ScrubFilter(logging.Filter):
    """Mask query-string secrets in other libraries' records (urllib3 logs each URL at DEBUG)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        clean = scrub(message)
        if clean != message:
            record.msg, record.args = clean, None
        return True


for _name in ("urllib3.connectionpool", "requests"):
    if not any(isinstance(f, _ScrubFilter) for f in logging.getLogger(_name).filters):
        logging.getLogger(_name).addFilter(_ScrubFilter())


def formatter(fmt: str) -> logging.Formatter:
    return _Formatter(as_json=fmt.lower() == "json")


def install(app: Flask) -> None:
    """Format the app's logs and log every request; called once by create_app."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(formatter(str(app.config.get("LOG_FORMAT", "text"))))
    handler.addFilter(_RequestIdFilter())
    from flask.logging import default_handler

    root = app.logger  # Flask's logger is named after the package: "mymovielist"
    root.removeHandler(default_handler)  # it would print every line a second time
    # One handler per process however many apps are built (tests build hundreds).
    for old in [h for h in root.handlers if getattr(h, "_mymovielist", False)]:
        root.removeHandler(old)
    handler._mymovielist = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(str(app.config.get("LOG_LEVEL", "INFO")).upper())
    app.before_request(_start)
    app.after_request(_finish)


def request_id_from(given: str) -> str:
    """The X-Request-ID a client sent when it is sane, else a new one."""
    return given if _REQUEST_ID.fullmatch(given) else secrets.token_hex(8)


def _start() -> None:
    g.request_id = request_id_from(request.headers.get("X-Request-ID", ""))
    g.request_started = time.perf_counter()


def _finish(response: Response) -> Response:
    rid = g.get("request_id")
    if rid is None:  # a before_request handler ahead of ours answered
        _start()
        rid = g.request_id
    response.headers["X-Request-ID"] = rid
    # The user Flask-Login already loaded for this request, if any: logging never costs a query.
    user = g.get("_login_user")
    user_id = getattr(user, "id", None) if getattr(user, "is_authenticated", False) else None
    log_event(
        "request",
        method=request.method,
        path=request.path,
        endpoint=request.url_rule.endpoint if request.url_rule else None,
        status=response.status_code,
        duration_ms=round((time.perf_counter() - g.request_started) * 1000, 1),
        user_id=user_id,
    )
    return response
