"""A rate-limit storage for `limits` (Flask-Limiter) in a SQLite file: counts shared by every process.

limits keeps counters in memory (one process), Redis, memcached or MongoDB; without a server, the
processes of one machine share a SQLite file instead: `sqlite:///ratelimits.sqlite3` (relative to
the instance folder, as create_app resolves it) or `sqlite:////absolute/path.sqlite3`, as SQLAlchemy
writes them. Each counter is one row; an increment is one UPSERT, atomic across processes. It
serves the fixed-window strategy (Flask-Limiter's default, the one the app uses).
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
import urllib.parse
from typing import ClassVar

from limits.storage import Storage

SCHEMA = "CREATE TABLE IF NOT EXISTS counters (key TEXT PRIMARY KEY, value INTEGER NOT NULL, expires REAL NOT NULL)"
# A counter whose window has ended starts again from this request's amount and window.
INCREMENT = """
INSERT INTO counters (key, value, expires) VALUES (:key, :amount, :expires)
ON CONFLICT (key) DO UPDATE SET
    value = CASE WHEN counters.expires <= :now THEN excluded.value ELSE counters.value + excluded.value END,
    expires = CASE WHEN counters.expires <= :now THEN excluded.expires ELSE counters.expires END
RETURNING value
"""
SWEEP_EVERY = 1000  # increments between deletions of ended windows (per process)


class SQLiteStorage(Storage):
    """Fixed-window counters in one SQLite file, safe for threads and for forked processes."""

    STORAGE_SCHEME: ClassVar[list[str]] = ["sqlite"]

    def __init__(self, uri: str, wrap_exceptions: bool = False, busy_timeout: float = 5.0, **_: str) -> None:
        super().__init__(uri, wrap_exceptions=wrap_exceptions)
        self.path = urllib.parse.urlparse(uri).path[1:]  # sqlite:///relative, sqlite:////absolute
        if not self.path:
            raise ValueError(f"{uri!r} names no file: use sqlite:///file or sqlite:////absolute/file")
        self.busy_timeout = float(busy_timeout)
        self._local = threading.local()
        self._increments = 0

    @property
    def base_exceptions(self) -> type[Exception]:
        return sqlite3.Error

    def _connection(self) -> sqlite3.Connection:
        # One connection per thread and per process: a connection must never cross a fork.
        connection = getattr(self._local, "connection", None)
        if connection is None or self._local.pid != os.getpid():
            directory = os.path.dirname(self.path)
            if directory:
                os.makedirs(directory, exist_ok=True)
            connection = sqlite3.connect(self.path, timeout=self.busy_timeout, isolation_level=None)
            connection.execute("PRAGMA journal_mode = WAL")
            connection.execute("PRAGMA synchronous = NORMAL")  # a lost window on power loss is no harm
            connection.execute(SCHEMA)
            self._local.connection, self._local.pid = connection, os.getpid()
        return connection

    def incr(self, key: str, expiry: float, amount: int = 1) -> int:
        now = time.time()
        connection = self._connection()
        self._increments += 1
        if self._increments % SWEEP_EVERY == 0:
            connection.execute("DELETE FROM counters WHERE expires <= ?", (now,))
        row = connection.execute(INCREMENT, {"key": key, "amount": amount, "expires": now + expiry, "now": now}).fetchone()
        return int(row[0])

    def get(self, key: str) -> int:
        row = self._connection().execute(
            "SELECT value FROM counters WHERE key = ? AND expires > ?", (key, time.time())).fetchone()
        return int(row[0]) if row else 0

    def get_expiry(self, key: str) -> float:
        row = self._connection().execute(
            "SELECT expires FROM counters WHERE key = ? AND expires > ?", (key, time.time())).fetchone()
        return float(row[0]) if row else time.time()

    def check(self) -> bool:
        try:
            self._connection().execute("SELECT 1").fetchone()
        except sqlite3.Error:
            return False
        return True

    def reset(self) -> int | None:
        return self._connection().execute("DELETE FROM counters").rowcount

    def clear(self, key: str) -> None:
        self._connection().execute("DELETE FROM counters WHERE key = ?", (key,))
