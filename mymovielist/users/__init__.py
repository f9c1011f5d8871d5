"""Profiles, settings and preferences, and the `flask users` commands."""

from flask import Blueprint

bp = Blueprint("users", __name__, cli_group="users")

from mymovielist.users import cli, views  # noqa: E402,F401
