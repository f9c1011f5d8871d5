"""Passwords: argon2id hashing with configurable parameters, and the rules a new password must meet."""

from __future__ import annotations

import gzip
import secrets
from functools import cache, lru_cache
from importlib import resources

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app

# OWASP Password Storage Cheat Sheet, argon2id minimum: 19 MiB of memory, 2 iterations, 1 lane.
OWASP_MIN_MEMORY_KIB = 19 * 1024
OWASP_MIN_TIME_COST = 2
OWASP_MIN_PARALLELISM = 1


@lru_cache(maxsize=8)
def _hasher(time_cost: int, memory_cost: int, parallelism: int) -> PasswordHasher:
    return PasswordHasher(time_cost=time_cost, memory_cost=memory_cost, parallelism=parallelism, type=Type.ID)


def hasher() -> PasswordHasher:
    """The argon2id hasher for the current app's PASSWORD_HASH_* settings."""
    config = current_app.config
    return _hasher(
        config["PASSWORD_HASH_TIME_COST"],
        config["PASSWORD_HASH_MEMORY_COST"],
        config["PASSWORD_HASH_PARALLELISM"],
    )


def hash_password(password: str) -> str:
    return hasher().hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """True when the password matches; a malformed stored hash never matches."""
    try:
        return hasher().verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """True when the hash was made with parameters other than the configured ones."""
    try:
        return hasher().check_needs_rehash(password_hash)
    except InvalidHashError:
        return True


@lru_cache(maxsize=8)
def _dummy_hash(time_cost: int, memory_cost: int, parallelism: int) -> str:
    return _hasher(time_cost, memory_cost, parallelism).hash(secrets.token_urlsafe(16))


def burn_verification(password: str) -> None:
    """Spend the time of a real verification, so an unknown account answers as slowly as a known one."""
    config = current_app.config
    dummy = _dummy_hash(
        config["PASSWORD_HASH_TIME_COST"],
        config["PASSWORD_HASH_MEMORY_COST"],
        config["PASSWORD_HASH_PARALLELISM"],
    )
    verify_password(dummy, password)


@cache
def common_passwords() -> frozenset[str]:
    """The bundled list of common passwords (lower-case); see auth/PROVENANCE.md."""
    data = resources.files("mymovielist.auth").joinpath("common-passwords.txt.gz").read_bytes()
    return frozenset(line.strip() for line in gzip.decompress(data).decode().splitlines() if line.strip())


def password_problems(password: str, *, username: str = "", email: str = "") -> list[str]:
    """Why the password cannot be used, as messages for the form (empty when it is fine)."""
    config = current_app.config
    minimum, maximum = config["PASSWORD_MIN_LENGTH"], config["PASSWORD_MAX_LENGTH"]
    if len(password) < minimum:
        return [f"Use at least {minimum} characters."]
    if len(password) > maximum:
        return [f"Use at most {maximum} characters."]
    lowered = password.lower()
    if lowered in common_passwords():
        return ["This password is too common: it is on a list of passwords attackers try first."]
    if lowered in {username.lower(), email.lower()} - {""}:
        return ["Your password must not be your username or email address."]
    return []
