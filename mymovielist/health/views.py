"""Liveness (/healthz) and readiness (/readyz: database, cache, scheduler heartbeat)."""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable

from flask import current_app, jsonify
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from mymovielist.extensions import cache, db
from mymovielist.health import bp, heartbeat


@bp.get("/healthz")
def healthz():
    """Answer 200 when the database is reachable."""
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        db.session.rollback()
        return jsonify(status="error", database="unreachable"), 503
    return jsonify(status="ok", database="ok")


@bp.get("/readyz")
def readyz():
    """Answer 200 when the database and cache work (and the scheduler beats, when required)."""
    checks = {"database": _timed(_database), "cache": _timed(_cache), "scheduler": _timed(_scheduler)}
    required = current_app.config.get("REQUIRE_SCHEDULER")
    failing = [
        name for name, check in checks.items()
        if check["status"] == "error" or (name == "scheduler" and required and check["status"] != "ok")
    ]
    body = {"status": "error" if failing else "ok", "checks": checks}
    return jsonify(body), 503 if failing else 200


def _timed(check: Callable[[], tuple[str, str | None]]) -> dict:
    started = time.perf_counter()
    status, detail = check()
    result = {"status": status, "latency_ms": round((time.perf_counter() - started) * 1000, 2)}
    if detail:
        result["detail"] = detail
    return result


def _database() -> tuple[str, str | None]:
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError as exc:
        db.session.rollback()
        return "error", exc.__class__.__name__
    return "ok", None


def _cache() -> tuple[str, str | None]:
    key, value = "readyz-probe", secrets.token_hex(4)
    try:
        cache.set(key, value, timeout=10)
        if cache.get(key) != value:
            return "error", "a value set was not read back"
    except Exception as exc:  # noqa: BLE001 - any backend failure means not ready
        return "error", exc.__class__.__name__
    return "ok", None


def _scheduler() -> tuple[str, str | None]:
    last = heartbeat.last_beat()
    if last is None:
        return "not running", "no scheduler heartbeat yet (`flask jobs run` has not run here)"
    age = time.time() - last
    # Two intervals of grace: a beat may land just after a slow job finishes.
    if age > 2 * heartbeat.INTERVAL_SECONDS:
        return "stale", f"last heartbeat {int(age)} s ago"
    return "ok", None
