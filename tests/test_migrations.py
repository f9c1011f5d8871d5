"""The Alembic chain builds the whole model and matches it exactly."""

import sqlalchemy
from flask import Flask

from conftest import database_uri, fresh_database
from mymovielist import create_app
from mymovielist.extensions import db


def migrated_app(tmp_path, monkeypatch) -> Flask:
    """An app on an empty database of the suite's kind (SQLite, or PostgreSQL on the scale-out run)."""
    monkeypatch.setattr(Flask, "auto_find_instance_path", lambda self: str(tmp_path / "instance"))
    fresh_database(tmp_path)
    return create_app({"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": database_uri(tmp_path)})


def tables(app):
    """Tables of the model (and Alembic's); the search index is checked on its own."""
    with app.app_context():
        names = set(sqlalchemy.inspect(db.engine).get_table_names())
        db.engine.dispose()
    search = {n for n in names if n.startswith("title_search")}
    return (names - search) | ({"<search>"} if search else set())


def test_upgrade_check_downgrade_upgrade(tmp_path, monkeypatch):
    app = migrated_app(tmp_path, monkeypatch)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    expected = set(db.metadata.tables) | {"alembic_version", "<search>"}
    assert tables(app) == expected

    result = runner.invoke(args=["db", "check"])
    assert result.exit_code == 0, result.output

    result = runner.invoke(args=["db", "downgrade", "base"])
    assert result.exit_code == 0, result.output
    assert tables(app) == {"alembic_version"}

    result = runner.invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert tables(app) == expected


def test_every_foreign_key_is_indexed():
    """Joins and cascades on a foreign key never scan the child table."""
    missing = []
    for table in db.metadata.tables.values():
        indexed = {tuple(c.name for c in ix.columns)[0] for ix in table.indexes}
        indexed |= {tuple(c.name for c in uq.columns)[0] for uq in table.constraints if hasattr(uq, "columns") and uq.columns}
        for fk in table.foreign_keys:
            if fk.parent.name not in indexed:
                missing.append(f"{table.name}.{fk.parent.name}")
    assert missing == []


def test_check_reports_drift(tmp_path, monkeypatch):
    """`flask db check` fails when the models differ from the migrations (so the pass above means something)."""
    from sqlalchemy import Column, Integer, Table

    app = migrated_app(tmp_path, monkeypatch)
    runner = app.test_cli_runner()
    assert runner.invoke(args=["db", "upgrade"]).exit_code == 0
    extra = Table("drift_probe", db.metadata, Column("id", Integer, primary_key=True))
    try:
        result = runner.invoke(args=["db", "check"])
    finally:
        db.metadata.remove(extra)
    assert result.exit_code != 0


def test_follows_of_private_profiles_become_requests(tmp_path, monkeypatch):
    """0011: a follow of a profile that is private now waits for its owner's approval; others stay follows."""
    from sqlalchemy import text

    app = migrated_app(tmp_path, monkeypatch)
    runner = app.test_cli_runner()
    assert runner.invoke(args=["db", "upgrade", "0010"]).exit_code == 0
    with app.app_context():
        with db.engine.begin() as con:
            for uid, private in ((1, True), (2, False), (3, False)):
                con.execute(text("INSERT INTO users (id, username, email, password_hash, role, is_blocked, "
                                 "session_token, created_at) VALUES (:i, :n, :e, 'x', 'user', false, :n, "
                                 "CURRENT_TIMESTAMP)"), {"i": uid, "n": f"u{uid}", "e": f"u{uid}@example.org"})
                con.execute(text("INSERT INTO profiles (user_id, display_name, bio, is_private) VALUES (:i, '', '', :p)"),
                            {"i": uid, "p": private})
            con.execute(text("INSERT INTO follows (follower_id, followed_id, created_at) VALUES "
                             "(2, 1, CURRENT_TIMESTAMP), (3, 2, CURRENT_TIMESTAMP), (1, 3, CURRENT_TIMESTAMP)"))
        db.engine.dispose()
    result = runner.invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        with db.engine.connect() as con:
            rows = set(con.execute(text("SELECT follower_id, followed_id, status FROM follows")))
        db.engine.dispose()
    assert rows == {(2, 1, "pending"), (3, 2, "approved"), (1, 3, "approved")}
