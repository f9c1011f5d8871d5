"""Who may sign up, and whether a forgotten password can be reset by email.

REGISTRATION is "open" (anyone), "invite" (with an invite from /admin/invites) or "closed".
"""

from __future__ import annotations

from flask import Flask, current_app

from mymovielist.services import mail

MODES = ("open", "invite", "closed")


def check_settings(app: Flask) -> None:
    """Refuse to start with a registration mode that is not one of MODES, or unworkable mail settings."""
    mode = app.config.get("REGISTRATION")
    if mode not in MODES:
        raise ValueError(f"REGISTRATION must be one of {', '.join(MODES)} (MYMOVIELIST_REGISTRATION), not {mode!r}")
    mail.check_settings(app.config)


def mode() -> str:
    return current_app.config["REGISTRATION"]


def is_closed() -> bool:
    return mode() == "closed"


def needs_invite() -> bool:
    return mode() == "invite"


def install(app: Flask) -> None:
    """Check the settings and let templates ask whether sign-up and reset by email are offered."""
    check_settings(app)
    app.jinja_env.globals["signup_closed"] = is_closed
    app.jinja_env.globals["reset_by_email"] = mail.is_configured
