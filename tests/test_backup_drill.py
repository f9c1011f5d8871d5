"""Backup drills: restore brings back every table exactly; full disks, retention, PostgreSQL."""

from __future__ import annotations

import errno
import sqlite3
from types import SimpleNamespace

import pytest
from sqlalchemy import delete, inspect, select, text
from sqlalchemy.engine import make_url

from mymovielist.extensions import db
from mymovielist.jobs import backup, runner
from mymovielist.models import ListEntry, Title, User
from mymovielist.services import tracking

pytestmark = pytest.mark.sqlite_only  # SQLite's online backup API; PostgreSQL uses pg_dump (README)


def snapshot(app) -> dict[str, list[tuple]]:
    """Every row of every table, in a stable order."""
    with app.app_context():
        tables = sorted(inspect(db.engine).get_table_names())
        out = {}
        for table in tables:
            rows = db.session.execute(text(f'SELECT * FROM "{table}"')).all()
            out[table] = sorted((tuple(r) for r in rows), key=repr)
        db.session.remove()
        return out


def test_restore_drill_every_table_equals_the_backup(app, runner, make_title, make_user, tmp_path):
    alice, bob = make_user("alice"), make_user("bob")
    kept = make_title(title="Kept")
    make_title(title="Other")
    with app.app_context():
        tracking.update_entry(db.session.get(User, alice), db.session.get(Title, kept), status="watching")
        db.session.commit()
    before = snapshot(app)
    assert before["users"] and before["list_entries"] and before["titles"]
    path = tmp_path / "drill.sqlite3"
    assert runner.invoke(args=["db", "backup", str(path)]).exit_code == 0

    # Change everything: users, entries and titles, added, edited and deleted.
    make_user("carol")
    make_title(title="Added later")
    with app.app_context():
        db.session.execute(delete(ListEntry))
        db.session.get(Title, kept).title = "Renamed"
        db.session.delete(db.session.get(User, bob))
        db.session.commit()
    assert snapshot(app) != before

    result = runner.invoke(args=["db", "restore", str(path), "--yes"])
    assert result.exit_code == 0, result.output
    assert snapshot(app) == before
    with app.app_context():
        assert db.session.execute(text("PRAGMA integrity_check")).scalar() == "ok"
        assert db.session.scalar(select(Title.title).where(Title.id == kept)) == "Kept"


def test_a_full_disk_fails_the_backup_clearly_and_leaves_no_partial(app, runner, tmp_path, monkeypatch):
    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(backup.os, "replace", full)
    result = runner.invoke(args=["db", "backup", str(tmp_path / "b.sqlite3")])
    assert result.exit_code == 1
    assert "the disk is full" in result.output and "Traceback" not in result.output
    assert list(tmp_path.glob("b.sqlite3*")) == []


def test_scheduled_backups_keep_the_newest_n(app, monkeypatch):
    app.config["BACKUP_KEEP"] = 2
    stamps = iter(["20260101T000000Z", "20260102T000000Z", "20260103T000000Z"])
    real = backup.default_backup_path

    def stamped(now=None):
        return real().with_name(f"mymovielist-{next(stamps)}.sqlite3")

    monkeypatch.setattr(backup, "default_backup_path", stamped)
    with app.app_context():
        folder = real().parent
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "mymovielist-20251231T000000Z.sqlite3.partial").write_bytes(b"half")
        for _ in range(3):
            runner.run_job("nightly-backup")
        names = sorted(p.name for p in folder.iterdir())
    assert names == ["mymovielist-20260102T000000Z.sqlite3", "mymovielist-20260103T000000Z.sqlite3"]
    with app.app_context():
        monkeypatch.setattr(backup, "default_backup_path", real)
        latest = backup.latest_backup()
    assert latest["name"] == "mymovielist-20260103T000000Z.sqlite3" and latest["count"] == 2
    assert latest["size"] > 0


def test_backup_keep_comes_from_the_environment(tmp_path, monkeypatch, app):
    from mymovielist import create_app

    monkeypatch.setenv("MYMOVIELIST_BACKUP_KEEP", "3")
    assert create_app({k: v for k, v in app.config.items() if k != "BACKUP_KEEP"}).config["BACKUP_KEEP"] == 3


def test_postgresql_points_to_pg_dump(app, runner, monkeypatch):
    monkeypatch.setattr(backup, "db", SimpleNamespace(engine=SimpleNamespace(url=make_url("postgresql+psycopg://u@h/d"))))
    result = runner.invoke(args=["db", "backup"])
    assert result.exit_code == 1 and "pg_dump" in result.output and "Traceback" not in result.output
    result = runner.invoke(args=["db", "restore", __file__, "--yes"])
    assert result.exit_code == 1


def test_restore_refuses_a_foreign_sqlite_file_and_keeps_the_data(app, runner, make_title, tmp_path):
    make_title(title="Safe")
    before = snapshot(app)
    other = tmp_path / "other.sqlite3"
    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE users (id INTEGER)")
    result = runner.invoke(args=["db", "restore", str(other), "--yes"])
    assert result.exit_code == 1 and "not a MyMovieList database" in result.output
    assert snapshot(app) == before
