"""Throttling with Flask-Limiter: failed logins per account, per known device and per client address;
registrations and inline registration checks per client address; reset-link requests per client address
and per email address.

Only failures count (`record_failure()` marks one; Flask-Limiter's `deduct_when` reads the mark).
Past a limit every attempt, right password or not, gets a 429 with Retry-After until the window ends,
except that a browser the account's owner logged in from before (auth/devices.py) is not held by the
account's limit, only by its own: an attacker's guesses cannot lock the owner out.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable

from flask import Response, current_app, g, make_response, request
from flask_limiter import RequestLimit
from flask_limiter.util import get_remote_address

from mymovielist.auth import devices
from mymovielist.extensions import limiter
from mymovielist.services import accounts


def record_failure() -> None:
    g.login_failed = True


def _failed(response: Response) -> bool:
    return bool(g.get("login_failed"))


def _retry_after(limit: RequestLimit) -> Response:
    """Embedded in the 429: how many seconds until the exceeded window resets."""
    response = make_response("", 429)
    response.headers["Retry-After"] = str(max(1, math.ceil(limit.window.reset_time - time.time())))
    return response


def _app_key(value: str) -> str:
    # Flask-Limiter keeps the key prefix of the first app it initialised; several apps sharing one
    # Redis (tests, a second instance) must not share counters, so each key names its app's prefix.
    return f"{current_app.config.get('RATELIMIT_KEY_PREFIX', '')}:{value}"


def account_key() -> str:
    """The account the attempt is for (the same for its username and its email address)."""
    return _app_key(accounts.throttle_key(request.form.get("username", "")))


def _known_device() -> str | None:
    """The device id when this browser logged in to the account being tried before."""
    if "known_device" not in g:
        user = accounts.get_user_by_login(request.form.get("username", ""))
        g.known_device = devices.device_id(user.id) if user is not None else None
    return g.known_device


def device_key() -> str:
    return _app_key(f"device:{_known_device()}")


def address_key() -> str:
    return _app_key(get_remote_address() or "unknown")


def _limit(setting: str, key_func: Callable[[], str], scope: str, **options):
    """A Flask-Limiter limit read from the `setting` of the running app, answered with Retry-After."""
    return limiter.limit(lambda: current_app.config[setting], key_func=key_func, on_breach=_retry_after,
                         scope=scope, **options)


def _failed_logins(setting: str, key_func: Callable[[], str], scope: str, **options):
    return _limit(setting, key_func, scope, methods=["POST"], deduct_when=_failed, **options)


_per_account = _failed_logins("LOGIN_FAILURES_PER_ACCOUNT", account_key, "login-account",
                              exempt_when=lambda: request.method == "POST" and _known_device() is not None)
_per_device = _failed_logins("LOGIN_FAILURES_PER_ACCOUNT", device_key, "login-device",
                             exempt_when=lambda: request.method != "POST" or _known_device() is None)
_per_address = _failed_logins("LOGIN_FAILURES_PER_IP", address_key, "login-ip")


def login_attempts(view: Callable) -> Callable:
    """Throttle the view's failed POSTs per account (or per known device of it) and per address."""
    return _per_account(_per_device(_per_address(view)))


registrations = _limit("REGISTRATIONS_PER_IP", address_key, "register-ip", methods=["POST"])
registration_checks = _limit("REGISTRATION_CHECKS_PER_IP", address_key, "register-check-ip", methods=["POST"])


def reset_email_key() -> str:
    """The address a reset link is asked for, counted whether or not an account uses it."""
    return _app_key(f"reset:{accounts.normalize_email(request.form.get('email', ''))[:254]}")


_resets_per_address = _limit("PASSWORD_RESETS_PER_IP", address_key, "reset-ip", methods=["POST"])
_resets_per_email = _limit("PASSWORD_RESETS_PER_EMAIL", reset_email_key, "reset-email", methods=["POST"])


def password_resets(view: Callable) -> Callable:
    """Throttle requests for a reset link per client address and per email address."""
    return _resets_per_email(_resets_per_address(view))
