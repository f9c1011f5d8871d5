"""Default configuration: the embedded mode (SQLite, in-process cache, demo catalog).

Precedence, lowest first: these defaults, `instance/config.py`, `MYMOVIELIST_*` environment
variables (parsed as JSON when they look like it, see Flask's `from_prefixed_env`), and the
`test_config` mapping passed to `create_app`.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path


class DefaultConfig:
    # Left empty on purpose: create_app fills them from the instance folder when still unset.
    SECRET_KEY: str | None = None
    SQLALCHEMY_DATABASE_URI: str | None = None

    SQLALCHEMY_ENGINE_OPTIONS: dict = {}
    SQLITE_BUSY_TIMEOUT_MS = 5000

    CACHE_TYPE = "SimpleCache"
    CACHE_DEFAULT_TIMEOUT = 300

    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"

    PAGE_SIZE = 24
    MAX_CONTENT_LENGTH = 16 * 1024 * 1024

    # Provider access. Base URLs include the API version; clients append endpoint paths.
    TMDB_API_KEY: str | None = None
    TMDB_BASE_URL = "https://api.themoviedb.org/3"
    JIKAN_BASE_URL = "https://api.jikan.moe/v4"
    COMICVINE_API_KEY: str | None = None
    COMICVINE_BASE_URL = "https://comicvine.gamespot.com/api"

    # Load the bundled demo catalog into an empty database on `make run`.
    DEMO_CATALOG = True


def instance_secret_key(instance_path: str | os.PathLike[str]) -> str:
    """Return the secret key kept in the instance folder, creating it once."""
    path = Path(instance_path) / "secret_key"
    try:
        key = path.read_text().strip()
    except FileNotFoundError:
        key = ""
    if key:
        return key
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    # O_EXCL: two workers starting at once must agree on one key.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as f:
        f.write(key)
    return key


def default_database_uri(instance_path: str | os.PathLike[str]) -> str:
    return f"sqlite:///{Path(instance_path) / 'mymovielist.sqlite3'}"
