"""SQLite connection settings and transaction modes."""

import sqlite3
import threading

import pytest
from sqlalchemy import text

from mymovielist.database import transaction_mode
from mymovielist.extensions import db
from mymovielist.models import Genre

pytestmark = pytest.mark.sqlite_only


def db_path(app):
    return app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///")


def test_pragmas(app):
    with app.app_context():
        assert db.session.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert db.session.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert db.session.execute(text("PRAGMA busy_timeout")).scalar() == 5000


def other_writer_blocked(app) -> bool:
    """Whether another connection is refused the write lock right now."""
    other = sqlite3.connect(db_path(app), timeout=0, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError as exc:
        assert "locked" in str(exc)
        return True
    else:
        other.execute("ROLLBACK")
        return False
    finally:
        other.close()


def test_write_requests_begin_immediate(app):
    with app.test_request_context("/", method="POST"), app.app_context():
        db.session.execute(text("SELECT 1"))  # a read alone already holds the write lock
        assert other_writer_blocked(app)
        db.session.rollback()


def test_read_requests_begin_deferred(app):
    with app.test_request_context("/", method="GET"), app.app_context():
        db.session.execute(text("SELECT 1"))
        assert not other_writer_blocked(app)
        db.session.rollback()


def test_cli_and_jobs_begin_immediate_unless_told(app):
    with app.app_context():
        db.session.execute(text("SELECT 1"))
        assert other_writer_blocked(app)
        db.session.rollback()
        with transaction_mode(immediate=False):
            db.session.execute(text("SELECT 1"))
            assert not other_writer_blocked(app)
            db.session.rollback()


def test_foreign_keys_are_enforced(app):
    from mymovielist.models import Credit

    with app.app_context():
        db.session.add(Credit(title_id=999, person_id=999, role="cast"))
        with pytest.raises(Exception, match="FOREIGN KEY"):
            db.session.flush()
        db.session.rollback()


def test_concurrent_read_then_write_transactions_all_succeed(app):
    """Four writers that read then write: IMMEDIATE makes them queue, none fails."""
    errors = []

    def writer(n):
        try:
            with app.app_context():
                for i in range(15):
                    db.session.execute(text("SELECT count(*) FROM genres")).scalar()
                    db.session.add(Genre(name=f"g{n}-{i}", slug=f"g{n}-{i}"))
                    db.session.commit()
        except Exception as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with app.app_context():
        assert db.session.execute(text("SELECT count(*) FROM genres")).scalar() == 60
