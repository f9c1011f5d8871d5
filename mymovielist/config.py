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

    # One cache for every process using the instance folder (gunicorn workers, the scheduler, the
    # CLI): files in CACHE_DIR (relative to the instance folder), pruned past CACHE_THRESHOLD entries.
    # "SimpleCache" is one process's memory: fine for a lone `flask run`, refused by gunicorn with
    # several workers. MYMOVIELIST_CACHE_REDIS_URL switches to Redis.
    CACHE_TYPE = "mymovielist.caching.FileSystemCache"
    CACHE_DIR = "cache"
    CACHE_THRESHOLD = 20000  # about 7 KB an entry; a title page keeps three (page, head, sections)
    CACHE_DEFAULT_TIMEOUT = 300
    # flask-compress: brotli for browsers that take it, gzip for the rest; tiny bodies stay plain.
    COMPRESS_ALGORITHM = ["br", "gzip"]
    COMPRESS_MIN_SIZE = 500

    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_DURATION = 30 * 24 * 3600  # seconds
    # Empty: the session is Flask's signed cookie. A redis:// URL keeps it in Redis (Flask-Session,
    # the `redis` extra) and the cookie holds only an opaque session id; keys start with the prefix.
    SESSION_REDIS_URL = ""
    SESSION_KEY_PREFIX = "mymovielist:session:"

    # Passwords: argon2id at OWASP's minimum (19 MiB, 2 passes, 1 lane); raising any of these makes
    # every stored hash be redone at its owner's next login.
    PASSWORD_HASH_TIME_COST = 2
    PASSWORD_HASH_MEMORY_COST = 19 * 1024  # KiB
    PASSWORD_HASH_PARALLELISM = 1
    PASSWORD_MIN_LENGTH = 8
    PASSWORD_MAX_LENGTH = 128

    # Failed logins allowed before a 429 (Flask-Limiter notation). The counts live in a SQLite file
    # of the instance folder that every process shares (mymovielist.ratelimit_storage), or in Redis
    # (redis://); memory:// is one process's own, refused by gunicorn with several workers.
    LOGIN_FAILURES_PER_ACCOUNT = "10 per 15 minutes"
    LOGIN_FAILURES_PER_IP = "50 per 15 minutes"
    # Sign-ups, and the inline checks of the sign-up form (each says whether a name or address is
    # taken), per client address: enough for a person, too few to enumerate accounts.
    REGISTRATIONS_PER_IP = "10 per hour"
    REGISTRATION_CHECKS_PER_IP = "60 per 10 minutes"
    # Reset-link requests per client address and per email address typed (known or not, so a 429
    # tells nothing about accounts).
    PASSWORD_RESETS_PER_IP = "10 per hour"
    PASSWORD_RESETS_PER_EMAIL = "3 per hour"
    RATELIMIT_STORAGE_URI = "sqlite:///ratelimits.sqlite3"
    # No X-RateLimit-* headers: a remaining count shared by "alice" and her email address would tell
    # that the account exists. A 429 still says Retry-After (auth.views).
    RATELIMIT_HEADERS_ENABLED = False
    RATELIMIT_KEY_PREFIX = "mymovielist"

    # JSON API: requests per token (or per address without one), and the origins allowed by CORS
    # (none: no Access-Control-* headers at all). A list, or one string of origins split by commas.
    API_RATE_LIMIT = "300 per minute"
    API_CORS_ORIGINS: list[str] = []

    # Who may sign up: "open" (anyone), "invite" (with an invite from /admin/invites) or "closed".
    REGISTRATION = "open"
    # Outgoing mail (password reset links), over SMTP; empty MAIL_SERVER: no email at all.
    # MAIL_USE_TLS is STARTTLS (usually port 587), MAIL_USE_SSL is TLS from the start (port 465).
    MAIL_SERVER = ""
    MAIL_PORT = 587
    MAIL_USERNAME = ""
    MAIL_PASSWORD = ""
    MAIL_USE_TLS = True
    MAIL_USE_SSL = False
    MAIL_DEFAULT_SENDER = ""  # the From address, e.g. "MyMovieList <movies@example.org>"
    MAIL_TIMEOUT = 10.0  # seconds for each SMTP step
    # Seconds a password reset link stays valid (it dies earlier once used).
    PASSWORD_RESET_MAX_AGE = 3600

    PAGE_SIZE = 24
    # Tracking: the prior count m of the Bayesian weighted score (how many ratings at the mean of
    # every rated title each title starts with), and entries per page of a user's list.
    TRACKING_RATING_PRIOR = 10
    TRACKING_LIST_PAGE_SIZE = 50
    MAX_CONTENT_LENGTH = 16 * 1024 * 1024

    # Provider access. Base URLs include the API version; clients append endpoint paths.
    TMDB_API_KEY: str | None = None
    TMDB_BASE_URL = "https://api.themoviedb.org/3"
    JIKAN_BASE_URL = "https://api.jikan.moe/v4"
    COMICVINE_API_KEY: str | None = None
    COMICVINE_BASE_URL = "https://comicvine.gamespot.com/api"
    # Jikan needs no key; it stays off until enabled so the embedded mode never calls out.
    JIKAN_ENABLED = False
    # Client-side rate limits, "requests/seconds" (every window holds at once); None: documented limits.
    TMDB_RATE_LIMITS: list[str] | None = None  # default ["40/1"]
    JIKAN_RATE_LIMITS: list[str] | None = None  # default ["3/1", "60/60"]
    COMICVINE_RATE_LIMITS: list[str] | None = None  # default ["200/3600"], per resource
    PROVIDER_CONNECT_TIMEOUT = 5.0
    PROVIDER_READ_TIMEOUT = 20.0
    PROVIDER_RETRIES = 3
    PROVIDER_BACKOFF = 0.5  # seconds before the first retry; doubles each time
    PROVIDER_USER_AGENT = "MyMovieList/0.1 (self-hosted media tracker)"
    # Background refresh: a title is stale after this many hours (popular titles sooner).
    SYNC_STALE_HOURS = 24 * 7
    SYNC_POPULAR_STALE_HOURS = 24
    SYNC_BATCH_SIZE = 200
    # The search page offers provider results when the catalog finds fewer titles than this.
    SYNC_ONDEMAND_BELOW = 3
    # How long a provider's search results are reused (never a title's details: a sync fetches those).
    PROVIDER_SEARCH_CACHE_SECONDS = 900
    # Nightly backups go here (relative paths are inside the instance folder); keep this many.
    BACKUP_DIR = "backups"
    BACKUP_KEEP = 7
    # The job queue (jobs table). Who runs queued jobs: "auto" (the web process runs them in a
    # thread of its own unless `flask jobs run` has sent a heartbeat lately), "embedded" (always the
    # web process) or "external" (only `flask jobs run`). A worker holds a job under a lease it
    # renews every JOBS_LEASE_SECONDS / 4; a lease left to expire (a killed worker) puts the job
    # back in the queue, at most JOBS_MAX_ATTEMPTS runs in all. Idle workers look every
    # JOBS_POLL_SECONDS.
    JOBS_WORKER = "auto"
    JOBS_LEASE_SECONDS = 60
    JOBS_MAX_ATTEMPTS = 3
    JOBS_POLL_SECONDS = 1.0

    # Logs: "text" (readable key=value) or "json" (one object per line); the level of our loggers.
    LOG_FORMAT = "text"
    LOG_LEVEL = "INFO"
    # DEBUG is forced off unless TESTING or this explicit development flag is set.
    DEV_MODE = False
    # /readyz: answer 503 when no `flask jobs run` scheduler has sent a heartbeat recently. Off in
    # the embedded mode, which runs no scheduler process.
    REQUIRE_SCHEDULER = False
    # /metrics answers loopback callers, or anyone sending `Authorization: Bearer <this token>`.
    METRICS_TOKEN: str | None = None
    # How many reverse proxies stand in front of the app (nginx, Caddy, a load balancer: usually 1).
    # 0 ignores X-Forwarded-* entirely, so a client cannot forge its address; behind a proxy, set it,
    # or every client shares the proxy's address (per-IP limits) and /metrics sees loopback callers.
    TRUSTED_PROXIES = 0

    # Posters and portraits go through our proxy (/img/...): fetched once from these hosts, resized
    # with Pillow, kept in the instance folder (IMAGE_DIR) and cached by browsers for a year. A failed
    # fetch shows the generated placeholder and is tried again after IMAGE_RETRY_AFTER seconds.
    # IMAGE_PROXY = False links the providers' images directly instead.
    IMAGE_PROXY = True
    IMAGE_DIR = "images"
    IMAGE_SOURCE_HOSTS = ["image.tmdb.org", "cdn.myanimelist.net", "comicvine.gamespot.com"]
    IMAGE_SOURCE_SCHEMES = ["https"]
    IMAGE_READ_TIMEOUT = 10.0
    IMAGE_FETCH_SECONDS = 20.0  # a whole fetch, however slowly the host sends
    # Refused unless true: fetching from loopback, private or link-local addresses (an allowed name
    # resolving inside the network). Only for an image host on your own LAN, and for tests.
    IMAGE_ALLOW_PRIVATE_ADDRESSES = False
    IMAGE_RETRY_AFTER = 3600

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
