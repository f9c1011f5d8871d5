"""The database, its WAL and its backups are the owner's alone: 0600, like the secret key (issue 17.7)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from conftest import _test_config, close_app
from flask import Flask

from mymovielist import create_app
from mymovielist.database import keep_private
from mymovielist.extensions import db
from mymovielist.jobs import backup

pytestmark = pytest.mark.sqlite_only  # file modes of SQLite's own files


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def fresh_app(tmp_path, monkeypatch):
    """An app whose database file does not exist yet, under the usual umask of 022."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(Flask, "auto_find_instance_path", lambda self: str(tmp_path / "instance"))
    old = os.umask(0o022)
    try:
        app = create_app(_test_config(tmp_path, SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'new.sqlite3'}"))
        yield app
    finally:
        os.umask(old)
    close_app(app)


def test_a_new_database_and_its_wal_are_private(fresh_app, tmp_path):
    path = tmp_path / "new.sqlite3"
    with fresh_app.app_context():
        db.session.execute(db.text("CREATE TABLE t (x)"))
        db.session.execute(db.text("INSERT INTO t VALUES (1)"))
        db.session.commit()
        wal = path.with_name(path.name + "-wal")
        assert wal.exists()  # the connection keeps it while open
        assert (mode(path), mode(wal), mode(path.with_name(path.name + "-shm"))) == (0o600, 0o600, 0o600)


def test_an_existing_world_readable_database_is_tightened(tmp_path, monkeypatch):
    path = tmp_path / "old.sqlite3"
    path.write_bytes(b"")
    wal = tmp_path / "old.sqlite3-wal"
    wal.write_bytes(b"")
    os.chmod(path, 0o644)
    os.chmod(wal, 0o666)
    keep_private(path)
    assert (mode(path), mode(wal)) == (0o600, 0o600)


def test_backups_are_private_from_their_first_byte(fresh_app, tmp_path):
    with fresh_app.app_context():
        db.session.execute(db.text("CREATE TABLE t (x)"))
        db.session.commit()
        written = backup.backup(tmp_path / "backups" / "copy.sqlite3")
    assert mode(written) == 0o600
    assert mode(written.parent) == 0o700
