"""SQLite connection settings: WAL, foreign keys, a busy timeout, and IMMEDIATE write transactions.

pysqlite's own transaction handling is switched off so that we emit BEGIN ourselves: a write
transaction begins IMMEDIATE (it takes the write lock up front, so a concurrent writer waits
for the busy timeout instead of failing with "database is locked" on its first write, which a
deferred read-then-write does under load). Read-only requests begin DEFERRED so readers never
queue behind each other.
"""

from __future__ import annotations

import contextlib
import contextvars
import os
import sqlite3
from collections.abc import Iterator
from pathlib import Path

from flask import has_request_context, request
from sqlalchemy import event
from sqlalchemy.engine import URL, Engine, make_url

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

_immediate: contextvars.ContextVar[bool | None] = contextvars.ContextVar("immediate", default=None)


@contextlib.contextmanager
def transaction_mode(*, immediate: bool) -> Iterator[None]:
    """Force the BEGIN mode of transactions started inside the block."""
    token = _immediate.set(immediate)
    try:
        yield
    finally:
        _immediate.reset(token)


def _begin_immediate() -> bool:
    forced = _immediate.get()
    if forced is not None:
        return forced
    if has_request_context():
        return request.method not in SAFE_METHODS
    return True  # CLI commands and jobs are writers


PRIVATE = 0o600  # users' data: readable by the app's own account only, like the secret key


def sqlite_file(uri: str | URL) -> Path | None:
    """The file a SQLite URI names, or None for another database or an in-memory one."""
    url = make_url(uri)
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return None
    return Path(url.database)


def keep_private(path: Path) -> None:
    """Create a SQLite file as 0600, and take group and world access from it and its WAL, shm and journal.

    SQLite gives the -wal and -shm files it creates the database file's own mode, so a private
    database file keeps its WAL private too.
    """
    if not path.parent.is_dir():
        return  # no folder is made: a mistyped path fails as SQLite reports it (/healthz says so)
    os.close(os.open(path, os.O_RDWR | os.O_CREAT, PRIVATE))
    for file in (path, *(path.with_name(path.name + suffix) for suffix in ("-wal", "-shm", "-journal"))):
        with contextlib.suppress(FileNotFoundError):
            if file.stat().st_mode & 0o077:
                os.chmod(file, PRIVATE)


def install(busy_timeout_ms: int) -> None:
    """Register the engine events once per process."""
    if getattr(install, "_done", False):
        install.busy_timeout_ms = busy_timeout_ms
        return
    install._done = True
    install.busy_timeout_ms = busy_timeout_ms

    @event.listens_for(Engine, "connect")
    def _on_connect(dbapi_connection, _record):
        if not isinstance(dbapi_connection, sqlite3.Connection):
            return
        dbapi_connection.isolation_level = None  # we emit BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {int(install.busy_timeout_ms)}")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA synchronous = NORMAL")
        if cursor.execute("PRAGMA journal_mode").fetchone()[0] != "memory":
            cursor.execute("PRAGMA journal_mode = WAL")
        cursor.close()

    @event.listens_for(Engine, "begin")
    def _on_begin(connection):
        if connection.dialect.name != "sqlite":
            return
        connection.exec_driver_sql("BEGIN IMMEDIATE" if _begin_immediate() else "BEGIN")
