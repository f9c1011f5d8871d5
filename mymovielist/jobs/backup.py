"""SQLite backups with the online backup API: consistent copies of a live database, and restores."""

from __future__ import annotations

import errno
import os
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from flask import current_app

from mymovielist.database import keep_private, sqlite_file
from mymovielist.extensions import db

REQUIRED_TABLES = ("alembic_version", "titles", "users")


class BackupError(RuntimeError):
    pass


def is_file_database() -> bool:
    """Whether the app's database is a SQLite file, which backup() can copy."""
    return sqlite_file(db.engine.url) is not None


def database_path() -> Path:
    """The file of the app's SQLite database."""
    url = db.engine.url
    if url.get_backend_name() == "postgresql":
        raise BackupError(
            "flask db backup/restore copy SQLite databases; this one is PostgreSQL: back it up with "
            "`pg_dump --format=custom --file=mymovielist.dump <database URL>` and restore with "
            "`pg_restore --clean --if-exists --dbname=<database URL> mymovielist.dump` (README, Operations)"
        )
    path = sqlite_file(url)
    if path is None:
        raise BackupError("backup and restore work on a SQLite database file; use your database's own tools")
    return path.resolve()


def default_backup_path(now: datetime | None = None) -> Path:
    folder = Path(current_app.config["BACKUP_DIR"])
    if not folder.is_absolute():
        folder = Path(current_app.instance_path) / folder
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")
    return folder / f"mymovielist-{stamp}.sqlite3"


def backup(dest: Path | None = None) -> Path:
    """Copy the live database to `dest` (written beside it, then renamed: never half a file)."""
    source = database_path()
    dest = Path(dest or default_backup_path()).resolve()
    if dest == source:
        raise BackupError("the backup path is the database itself")
    partial = dest.with_name(dest.name + ".partial")
    try:
        dest.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        keep_private(partial)  # a backup holds every user's data: 0600 from its first byte
        src = sqlite3.connect(source)
        try:
            out = sqlite3.connect(partial)
            try:
                src.backup(out, pages=1024)  # in steps, so writers are not held off for the whole copy
            finally:
                out.close()
        finally:
            src.close()
        os.replace(partial, dest)
    except (OSError, sqlite3.Error) as exc:
        partial.unlink(missing_ok=True)  # a half-written copy must not pass for a backup
        raise BackupError(f"could not write the backup to {dest.parent}: {disk_problem(exc)}") from exc
    return dest


def disk_problem(exc: BaseException) -> str:
    """A short reason for a failed write: a full disk says so plainly."""
    if isinstance(exc, OSError) and exc.errno == errno.ENOSPC or "disk is full" in str(exc):
        return "the disk is full; free some space (or prune old backups) and try again"
    if isinstance(exc, OSError) and exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return "the folder is not writable"
    return exc.__class__.__name__ + (f" ({exc.strerror})" if isinstance(exc, OSError) and exc.strerror else "")


def backup_folder() -> Path:
    return default_backup_path().parent


def latest_backup() -> dict | None:
    """The newest backup in the backup folder: name, time (UTC) and size, or None."""
    backups = sorted(backup_folder().glob("mymovielist-*.sqlite3"))
    if not backups:
        return None
    stat = backups[-1].stat()
    return {"name": backups[-1].name, "size": stat.st_size,
            "at": datetime.fromtimestamp(stat.st_mtime, UTC), "count": len(backups)}


def check_backup(path: Path) -> None:
    """Refuse anything that is not a sound MyMovieList database."""
    if not path.is_file():
        raise BackupError(f"{path} is not a file")
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            if conn.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
                raise BackupError(f"{path} fails SQLite's integrity check")
            tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{path} is not a SQLite database ({exc})") from None
    missing = [t for t in REQUIRED_TABLES if t not in tables]
    if missing:
        raise BackupError(f"{path} is not a MyMovieList database (no {', '.join(missing)} table)")


def restore(source: Path) -> None:
    """Replace the live database's contents with a backup's, in one step of the backup API."""
    source = Path(source).resolve()
    check_backup(source)
    target = database_path()
    db.session.remove()
    db.engine.dispose()  # no pooled connection may keep reading the old pages
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    try:
        dst = sqlite3.connect(target, timeout=current_app.config["SQLITE_BUSY_TIMEOUT_MS"] / 1000)
        try:
            src.backup(dst)
        finally:
            dst.close()
    finally:
        src.close()
    db.engine.dispose()


def prune(folder: Path, keep: int) -> list[Path]:
    """Delete all but the newest `keep` backups in a folder; returns what was deleted."""
    backups = sorted(folder.glob("mymovielist-*.sqlite3"))
    doomed = backups[:-keep] if keep > 0 else backups
    for path in doomed:
        path.unlink()
    for partial in folder.glob("mymovielist-*.sqlite3.partial"):  # left by a crash mid-copy
        partial.unlink(missing_ok=True)
    return doomed
