"""Accounts: register, log in, log out, reset a password, and the access-check decorators (`auth.access`)."""

from flask import Blueprint

bp = Blueprint("auth", __name__, url_prefix="/auth")

from mymovielist.auth import reset, views  # noqa: F401
