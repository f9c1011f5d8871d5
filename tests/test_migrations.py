"""The Alembic chain builds the whole model and matches it exactly."""

import sqlite3

from flask import Flask

from mymovielist import create_app
from mymovielist.extensions import db


def migrated_app(tmp_path, monkeypatch) -> Flask:
    monkeypatch.setattr(Flask, "auto_find_instance_path", lambda self: str(tmp_path / "instance"))
    return create_app(
        {"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'm.sqlite3'}"}
    )


def tables(path):
    """Tables of the model (and Alembic's); the search index is checked on its own."""
    con = sqlite3.connect(path)
    try:
        names = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    finally:
        con.close()
    return {n for n in names if not n.startswith("title_search")} | ({"<search>"} if "title_search" in names else set())


def test_upgrade_check_downgrade_upgrade(tmp_path, monkeypatch):
    app = migrated_app(tmp_path, monkeypatch)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    expected = set(db.metadata.tables) | {"alembic_version", "<search>"}
    assert tables(tmp_path / "m.sqlite3") == expected

    result = runner.invoke(args=["db", "check"])
    assert result.exit_code == 0, result.output

    result = runner.invoke(args=["db", "downgrade", "base"])
    assert result.exit_code == 0, result.output
    assert tables(tmp_path / "m.sqlite3") == {"alembic_version"}

    result = runner.invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert tables(tmp_path / "m.sqlite3") == expected


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
