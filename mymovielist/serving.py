"""What a server of several processes needs: state they all share, and database pools of their own.

gunicorn.conf.py calls these. Several workers each keeping the cache or the login-failure counts in
their own memory would serve pages a rating left stale and let every worker take its own ten wrong
passwords, so such a server refuses to start; and with the app preloaded in the master process,
each forked worker drops the connection pools it inherited (a SQLite or PostgreSQL connection must
never be used by two processes).
"""

from __future__ import annotations

import cachelib
from flask import Flask

from mymovielist.extensions import cache, db

PER_PROCESS_LIMITS = ("memory://", "async+memory://")


def per_process_state(app: Flask) -> list[str]:
    """The settings under which the app keeps state in its own process's memory."""
    found = []
    if isinstance(app.extensions.get("cache", {}).get(cache), cachelib.SimpleCache):
        found.append(f"CACHE_TYPE={app.config.get('CACHE_TYPE')}")
    uri = str(app.config.get("RATELIMIT_STORAGE_URI") or "memory://")
    if "limiter" in app.extensions and uri.startswith(PER_PROCESS_LIMITS):
        found.append(f"RATELIMIT_STORAGE_URI={uri}")
    return found


def check_workers(app: Flask, workers: int) -> None:
    """Refuse to serve the app from several processes that would each keep their own state."""
    found = per_process_state(app)
    if workers > 1 and found:
        raise RuntimeError(
            f"{workers} workers cannot share state kept in each process's memory ({', '.join(found)}): "
            "leave these settings at their defaults (files in the instance folder that every process shares), "
            "point MYMOVIELIST_CACHE_REDIS_URL and MYMOVIELIST_RATELIMIT_STORAGE_URI at Redis, "
            "or run one worker (WEB_CONCURRENCY=1)."
        )


def forget_connections(app: Flask) -> None:
    """Drop the app's database pools without closing their connections (a forked worker's belong to the master)."""
    if "sqlalchemy" not in app.extensions:  # another WSGI app under the same settings (the benchmark's ceiling)
        return
    with app.app_context():
        for engine in db.engines.values():
            engine.dispose(close=False)
