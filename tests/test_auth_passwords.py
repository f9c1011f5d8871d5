"""Password hashing (argon2id at OWASP's parameters) and the rules for new passwords."""

from __future__ import annotations

import time

import pytest
from argon2 import extract_parameters

from mymovielist.config import DefaultConfig
from mymovielist.services import passwords


def test_production_defaults_meet_owasp_minimum_for_argon2id():
    assert DefaultConfig.PASSWORD_HASH_MEMORY_COST >= passwords.OWASP_MIN_MEMORY_KIB == 19456
    assert DefaultConfig.PASSWORD_HASH_TIME_COST >= passwords.OWASP_MIN_TIME_COST == 2
    assert DefaultConfig.PASSWORD_HASH_PARALLELISM >= passwords.OWASP_MIN_PARALLELISM == 1
    assert DefaultConfig.PASSWORD_MIN_LENGTH >= 8
    assert DefaultConfig.PASSWORD_MAX_LENGTH >= 64


def test_a_hash_with_the_production_defaults_is_argon2id_at_those_parameters(app):
    for name in ("TIME_COST", "MEMORY_COST", "PARALLELISM"):
        app.config[f"PASSWORD_HASH_{name}"] = getattr(DefaultConfig, f"PASSWORD_HASH_{name}")
    with app.app_context():
        started = time.perf_counter()
        hashed = passwords.hash_password("correct horse battery staple")
        elapsed = time.perf_counter() - started
        params = extract_parameters(hashed)
        assert hashed.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
        assert (params.memory_cost, params.time_cost, params.parallelism) == (19456, 2, 1)
        assert passwords.verify_password(hashed, "correct horse battery staple")
        assert not passwords.needs_rehash(hashed)
    assert elapsed < 5  # tens of milliseconds on a laptop; a sanity bound, not a benchmark


def test_verify_rejects_wrong_passwords_and_malformed_hashes(app):
    with app.app_context():
        hashed = passwords.hash_password("one password")
        assert passwords.verify_password(hashed, "one password")
        assert not passwords.verify_password(hashed, "One password")
        assert not passwords.verify_password("not a hash", "one password")
        assert not passwords.verify_password("", "")
        assert passwords.needs_rehash("$pbkdf2-sha256$whatever")


def test_hashes_are_salted(app):
    with app.app_context():
        assert passwords.hash_password("same password") != passwords.hash_password("same password")


def test_needs_rehash_follows_the_configured_parameters(app):
    with app.app_context():
        hashed = passwords.hash_password("a password here")
        assert not passwords.needs_rehash(hashed)
        app.config["PASSWORD_HASH_MEMORY_COST"] = 64
        assert passwords.needs_rehash(hashed)


def test_the_bundled_common_password_list_is_large_and_lower_case():
    common = passwords.common_passwords()
    assert len(common) >= 10_000
    assert {"123456", "password", "qwerty", "iloveyou"} <= common
    assert all(p == p.lower() for p in common)


@pytest.mark.parametrize(
    ("password", "problem"),
    [
        ("", "Use at least 8 characters."),
        ("7chars!", "Use at least 8 characters."),
        ("x" * 129, "Use at most 128 characters."),
        ("password", "This password is too common"),
        ("PassWord", "This password is too common"),
        ("sunshine", "This password is too common"),
        ("Movie-Fan-77", "Your password must not be your username or email address."),
        ("ALICE@EXAMPLE.ORG", "Your password must not be your username or email address."),
    ],
)
def test_password_problems(app, password, problem):
    with app.app_context():
        problems = passwords.password_problems(password, username="movie-fan-77", email="alice@example.org")
    assert problems and problems[0].startswith(problem)


@pytest.mark.parametrize(
    "password", ["8 chars!", "correct horse battery staple", "é" * 8, "x" * 64, "😀" * 128]
)
def test_good_passwords_have_no_problems(app, password):
    with app.app_context():
        assert passwords.password_problems(password, username="alice", email="alice@example.org") == []
