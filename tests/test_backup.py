"""`flask db backup` and `flask db restore`: SQLite's online backup API, both ways."""

from __future__ import annotations

import sqlite3

import pytest
from sqlalchemy import func, select

from mymovielist.extensions import db
from mymovielist.models import Title

pytestmark = pytest.mark.sqlite_only  # SQLite's online backup API; PostgreSQL uses pg_dump (README)


def titles(app) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(select(Title.title).order_by(Title.id)))


def test_backup_then_restore_round_trip(app, runner, make_title, tmp_path):
    make_title(title="Kept")
    path = tmp_path / "copy.sqlite3"
    result = runner.invoke(args=["db", "backup", str(path)])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == str(path.resolve())
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT title FROM titles").fetchall() == [("Kept",)]
    make_title(title="Added after the backup")
    assert titles(app) == ["Kept", "Added after the backup"]
    result = runner.invoke(args=["db", "restore", str(path), "--yes"])
    assert result.exit_code == 0, result.output
    assert titles(app) == ["Kept"]
    with app.app_context():  # the app goes on working on the restored data
        assert db.session.scalar(select(func.count()).select_from(Title)) == 1
        assert db.session.execute(db.text("PRAGMA integrity_check")).scalar() == "ok"


def test_backup_defaults_to_the_instance_folder(app, runner):
    result = runner.invoke(args=["db", "backup"])
    assert result.exit_code == 0
    assert result.output.strip().startswith(app.instance_path + "/backups/mymovielist-")


def test_restore_refuses_what_is_not_a_backup(app, runner, make_title, tmp_path):
    make_title(title="Safe")
    junk = tmp_path / "junk.sqlite3"
    junk.write_text("not a database at all")
    result = runner.invoke(args=["db", "restore", str(junk), "--yes"])
    assert result.exit_code == 1 and "not a SQLite database" in result.output
    other = tmp_path / "other.sqlite3"
    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE notes (id INTEGER)")
    result = runner.invoke(args=["db", "restore", str(other), "--yes"])
    assert result.exit_code == 1 and "not a MyMovieList database" in result.output
    assert titles(app) == ["Safe"]


def test_restore_asks_first(app, runner, make_title, tmp_path):
    make_title(title="Safe")
    path = tmp_path / "copy.sqlite3"
    runner.invoke(args=["db", "backup", str(path)])
    make_title(title="Newer")
    result = runner.invoke(args=["db", "restore", str(path)], input="n\n")
    assert result.exit_code == 1 and "Aborted" in result.output
    assert titles(app) == ["Safe", "Newer"]


def test_backup_onto_the_database_itself_is_refused(app, runner, tmp_path):
    result = runner.invoke(args=["db", "backup", str(tmp_path / "test.sqlite3")])
    assert result.exit_code == 1 and "the database itself" in result.output
