"""Shared fixtures: an app on a temporary SQLite database, clients, factories, a network guard."""

from __future__ import annotations

import hashlib
import ipaddress
import os
import shutil
import socket
from collections.abc import Callable, Iterator
from pathlib import Path

import flask_migrate
import pytest
import sqlalchemy
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner

from mymovielist import create_app
from mymovielist.extensions import db
from mymovielist.sync.records import ExternalRef, TitleRecord
from mymovielist.sync.upsert import CatalogWriter

# Tests place their instance folder themselves (auto_find_instance_path); a MYMOVIELIST_INSTANCE_PATH
# left in the shell would win over that and point every test at a real data folder.
os.environ.pop("MYMOVIELIST_INSTANCE_PATH", None)

LOOPBACK_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost"}


def _is_loopback(host: object) -> bool:
    if not isinstance(host, str):
        return False
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.split("%")[0]).is_loopback
    except ValueError:
        return False


@pytest.fixture(autouse=True)
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail any connection or name lookup that leaves this machine (loopback is fine)."""
    real_connect = socket.socket.connect
    real_connect_ex = socket.socket.connect_ex
    real_getaddrinfo = socket.getaddrinfo

    def check(sock: socket.socket, address: object) -> None:
        if sock.family == getattr(socket, "AF_UNIX", None):
            return
        host = address[0] if isinstance(address, tuple) else address
        if not _is_loopback(host):
            raise RuntimeError(f"tests must not use the network (tried {address!r})")

    def connect(sock, address):
        check(sock, address)
        return real_connect(sock, address)

    def connect_ex(sock, address):
        check(sock, address)
        return real_connect_ex(sock, address)

    def getaddrinfo(host, *args, **kwargs):
        if host is not None and not _is_loopback(host if isinstance(host, str) else host.decode()):
            raise RuntimeError(f"tests must not resolve names off this machine (tried {host!r})")
        return real_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket.socket, "connect_ex", connect_ex)
    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)


# The suite runs on SQLite by default; with MYMOVIELIST_TEST_DATABASE_URL (a PostgreSQL URL whose
# role may CREATE DATABASE) every test gets its own database cloned from a migrated template, and
# with MYMOVIELIST_TEST_REDIS_URL the cache, the rate limiter and the sessions use Redis (the
# scale-out run).
PG_URL = os.environ.get("MYMOVIELIST_TEST_DATABASE_URL", "")
REDIS_URL = os.environ.get("MYMOVIELIST_TEST_REDIS_URL", "")
_created_databases: list[str] = []  # the current test's, dropped when it ends
_session_databases: list[str] = []  # templates, dropped when the run ends


def _pg_name(folder: Path) -> str:
    return "mml_" + hashlib.sha1(str(folder).encode()).hexdigest()[:20]


def _pg_admin(statement: str) -> None:
    """Run one statement outside a transaction on the server's maintenance database."""
    import psycopg

    url = sqlalchemy.engine.make_url(PG_URL).set(drivername="postgresql", database="postgres")
    with psycopg.connect(url.render_as_string(hide_password=False), autocommit=True) as con:
        con.execute(statement)


def database_uri(folder: Path) -> str:
    """The database of the test whose files live in `folder`."""
    if PG_URL:
        return sqlalchemy.engine.make_url(PG_URL).set(database=_pg_name(folder)).render_as_string(hide_password=False)
    return f"sqlite:///{folder / 'test.sqlite3'}"


def clone_database(source: Path, folder: Path) -> None:
    """Give `folder`'s test a private copy of the database built in the folder of `source`."""
    if PG_URL:
        if _pg_name(folder) in _created_databases:
            return  # two fixtures of one test share its folder, hence its database (as with SQLite's file)
        _pg_admin(f'CREATE DATABASE "{_pg_name(folder)}" TEMPLATE "{_pg_name(source.parent)}"')
        _created_databases.append(_pg_name(folder))
    else:
        shutil.copy(source, folder / "test.sqlite3")


def fresh_database(folder: Path, *, keep: bool = False) -> None:
    """An empty database for `folder`'s test (SQLite creates its file on first use)."""
    if PG_URL:
        _pg_admin(f'DROP DATABASE IF EXISTS "{_pg_name(folder)}" WITH (FORCE)')
        _pg_admin(f'CREATE DATABASE "{_pg_name(folder)}"')
        (_session_databases if keep else _created_databases).append(_pg_name(folder))


@pytest.fixture(autouse=True)
def _drop_test_databases() -> Iterator[None]:
    """PostgreSQL test databases go when their test ends (a SQLite file goes with tmp_path)."""
    yield
    while _created_databases:
        _pg_admin(f'DROP DATABASE IF EXISTS "{_created_databases.pop()}" WITH (FORCE)')


def pytest_sessionfinish(session: pytest.Session) -> None:
    """Drop this session's template databases (only its own: another run may be going on)."""
    while PG_URL and _session_databases:
        _pg_admin(f'DROP DATABASE IF EXISTS "{_session_databases.pop()}" WITH (FORCE)')


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not PG_URL:
        return
    skip = pytest.mark.skip(reason="SQLite-specific (the scale-out run is on PostgreSQL)")
    browser = Path(__file__).parent / "browser"
    for item in items:
        # The browser journeys serve a SQLite copy from a live server: they belong to the embedded run.
        if "sqlite_only" in item.keywords or browser in Path(str(item.fspath)).parents:
            item.add_marker(skip)


def _test_config(tmp_path: Path, **overrides) -> dict:
    config = {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key",
        "SQLALCHEMY_DATABASE_URI": database_uri(tmp_path),
        "WTF_CSRF_ENABLED": False,
        # One process per app: its own memory (the multi-process tests name the shared defaults).
        "CACHE_TYPE": "SimpleCache",
        "RATELIMIT_STORAGE_URI": "memory://",
        # Cheap argon2 for speed; test_auth_passwords.py checks the production defaults.
        "PASSWORD_HASH_TIME_COST": 1,
        "PASSWORD_HASH_MEMORY_COST": 8,
        "PASSWORD_HASH_PARALLELISM": 1,
        # The poster proxy fetches nothing unless a test names its own image host.
        "IMAGE_SOURCE_HOSTS": [],
        "IMAGE_DIR": str(tmp_path / "images"),
    }
    if REDIS_URL:
        # One Redis for the whole run: a per-test key prefix keeps tests from seeing each other's keys.
        prefix = _pg_name(tmp_path)
        config.update(CACHE_TYPE="RedisCache", CACHE_REDIS_URL=REDIS_URL, CACHE_KEY_PREFIX=f"{prefix}:cache:",
                      RATELIMIT_STORAGE_URI=REDIS_URL, RATELIMIT_KEY_PREFIX=f"{prefix}:limits",
                      SESSION_REDIS_URL=REDIS_URL, SESSION_KEY_PREFIX=f"{prefix}:session:")
    config.update(overrides)
    return config


def close_app(app: Flask) -> None:
    """Release what an app holds open: its job worker, its database connections and its session store's."""
    from mymovielist.auth import sessions
    from mymovielist.jobs import worker

    worker.stop(app)
    with app.app_context():
        db.engine.dispose()
    sessions.close(app)


@pytest.fixture(scope="session")
def migrated_db_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An empty database built by the real migrations, once per test session."""
    folder = tmp_path_factory.mktemp("migrated")
    fresh_database(folder, keep=True)  # the template every test clones
    app = create_app(_test_config(folder))
    with app.app_context():
        flask_migrate.upgrade()
        db.engine.dispose()
    return folder / "test.sqlite3"


@pytest.fixture
def make_app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, migrated_db_file: Path) -> Iterator[Callable[..., Flask]]:
    """`make_app(**settings)`: an app with the test settings plus these, on the test's private copy of an
    empty migrated database, in a temporary instance folder (for settings read once, at start-up)."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(Flask, "auto_find_instance_path", lambda self: str(tmp_path / "instance"))
    clone_database(migrated_db_file, tmp_path)
    made: list[Flask] = []

    def make(**settings) -> Flask:
        made.append(create_app(_test_config(tmp_path, **settings)))
        return made[-1]

    yield make
    for made_app in made:
        close_app(made_app)


@pytest.fixture
def app(make_app: Callable[..., Flask]) -> Flask:
    """An app on a private copy of an empty migrated database, in a temporary instance folder."""
    return make_app()


@pytest.fixture(scope="session")
def demo_db_file(tmp_path_factory: pytest.TempPathFactory, migrated_db_file: Path) -> Path:
    """A database with the whole demo catalog, built once per test session."""
    folder = tmp_path_factory.mktemp("demo")
    clone_database(migrated_db_file, folder)
    if PG_URL:  # a template for the demo tests: kept until the session ends
        _created_databases.remove(_pg_name(folder))
        _session_databases.append(_pg_name(folder))
    app = create_app(_test_config(folder))
    with app.app_context():
        from mymovielist.services.demo_catalog import load_demo

        load_demo()
        db.session.commit()
        db.engine.dispose()
    return folder / "test.sqlite3"


@pytest.fixture
def demo_app(tmp_path: Path, demo_db_file: Path) -> Iterator[Flask]:
    """An app on a private copy of the demo catalog database."""
    clone_database(demo_db_file, tmp_path)
    app = create_app(_test_config(tmp_path))
    yield app
    close_app(app)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def demo_client(demo_app: Flask) -> FlaskClient:
    return demo_app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    return app.test_cli_runner()


@pytest.fixture
def make_title(app: Flask) -> Callable[..., int]:
    """Create a title through the real upsert path; returns its id."""
    counter = iter(range(1, 1_000_000))

    def make(kind: str = "movie", title: str | None = None, **fields) -> int:
        n = next(counter)
        fields.setdefault("refs", [ExternalRef("test", kind, str(n))])
        record = TitleRecord(kind=kind, title=title or f"Test {kind} {n}", **fields)
        with app.app_context():
            result = CatalogWriter(source="demo").upsert(record)
            db.session.commit()
            return result.title.id

    return make


# -- provider emulator (sync tests) ------------------------------------------------------------


@pytest.fixture
def emulator() -> Iterator["ProviderEmulator"]:
    """The provider emulator on 127.0.0.1, with limits fast enough for tests (Jikan at its real 3/s)."""
    from emulator import ProviderEmulator, serve

    with serve(ProviderEmulator(limits={"tmdb": [(40, 1.0)], "comicvine": [(50, 60.0)]})) as running:
        yield running


@pytest.fixture
def sync_app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, migrated_db_file: Path, emulator) -> Iterator[Flask]:
    """An app whose provider clients talk to the emulator."""
    from emulator import app_config

    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(Flask, "auto_find_instance_path", lambda self: str(tmp_path / "instance"))
    clone_database(migrated_db_file, tmp_path)
    app = create_app(_test_config(tmp_path, **app_config(emulator)))
    yield app
    close_app(app)


# -- accounts --------------------------------------------------------------------------------

PASSWORD = "correct horse battery staple"


@pytest.fixture
def make_user(app: Flask) -> Callable[..., int]:
    """Create a user through the real registration service; returns its id.

    `make_user("alice", role="admin", display_name="Alice", bio="...", is_private=True)`; the
    password is `PASSWORD` unless given, the email `<username>@example.org`.
    """
    counter = iter(range(1, 1_000_000))

    def make(username: str | None = None, password: str = PASSWORD, email: str | None = None,
             role: str = "user", **profile) -> int:
        from mymovielist.services import accounts

        username = username or f"user{next(counter)}"
        with app.app_context():
            user = accounts.register(username, email or f"{username}@example.org", password)
            user.role = role
            for name, value in profile.items():
                setattr(user.profile, name, value)
            db.session.commit()
            return user.id

    return make


class AuthActions:
    """Log a test client in and out through the real forms (flaskr's helper), CSRF token included."""

    def __init__(self, client: FlaskClient) -> None:
        self._client = client

    def csrf_token(self, path: str = "/auth/login") -> str:
        import re

        page = self._client.get(path).get_data(as_text=True)
        found = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page) or re.search(
            r'"X-CSRFToken": "([^"]+)"', page)
        return found.group(1) if found else ""

    def login(self, username: str, password: str = PASSWORD, remember: bool = False, next: str = ""):
        data = {"username": username, "password": password, "csrf_token": self.csrf_token(), "next": next}
        if remember:
            data["remember"] = "y"
        return self._client.post("/auth/login", data=data)

    def logout(self):
        return self._client.post("/auth/logout", data={"csrf_token": self.csrf_token("/")})

    def change_password(self, new: str = "a brand new passphrase", current: str = PASSWORD):
        data = {"current_password": current, "new_password": new, "new_confirm": new}
        return self._client.post("/settings/password", data=data)


@pytest.fixture
def auth(client: FlaskClient) -> AuthActions:
    return AuthActions(client)
