"""Browse, search and detail pages of the catalog, and the `flask catalog` commands."""

from flask import Blueprint

bp = Blueprint("catalog", __name__, cli_group="catalog")

from mymovielist.catalog import cli, views  # noqa: E402,F401
