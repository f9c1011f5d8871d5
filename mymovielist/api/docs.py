"""The OpenAPI document."""

from __future__ import annotations

from flask import jsonify

from mymovielist.api import bp
from mymovielist.api.openapi import build_document


@bp.get("/openapi.json")
def openapi():
    """Return the OpenAPI 3.1 description of this API."""
    return jsonify(build_document())
