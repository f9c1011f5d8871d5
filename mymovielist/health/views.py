"""Liveness: 200 when the database answers, 503 when it does not."""

from flask import jsonify
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from mymovielist.extensions import db
from mymovielist.health import bp


@bp.get("/healthz")
def healthz():
    """Answer 200 when the database is reachable."""
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        db.session.rollback()
        return jsonify(status="error", database="unreachable"), 503
    return jsonify(status="ok", database="ok")
