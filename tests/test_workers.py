"""Several server processes on one instance folder share the cache and the login throttle by default.

Two real HTTP servers, each its own process with its own app, share an instance folder and a database
as two gunicorn workers do, with the default settings (no Redis). A rating posted through one must
show on the next page the other serves, and wrong passwords count across both. gunicorn itself
starts two workers on those defaults and refuses them on state kept in each process's memory.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from conftest import PASSWORD, clone_database, database_uri
from flask import Flask

from mymovielist import create_app
from mymovielist.extensions import db
from mymovielist.services import accounts

ROOT = Path(__file__).resolve().parent.parent


def _config(folder: Path) -> dict:
    """The defaults, apart from what a test needs: no cache or throttle storage is named here."""
    return {
        "SECRET_KEY": "two-workers-secret",
        "SQLALCHEMY_DATABASE_URI": database_uri(folder),
        "WTF_CSRF_ENABLED": False,
        "PASSWORD_HASH_TIME_COST": 1,
        "PASSWORD_HASH_MEMORY_COST": 8,
        "IMAGE_SOURCE_HOSTS": [],
        "LOG_LEVEL": "WARNING",
    }


def _serve(folder: str, ports) -> None:
    """One server process: its own app on the shared instance folder, on an ephemeral port."""
    from werkzeug.serving import make_server

    Flask.auto_find_instance_path = lambda self: str(Path(folder) / "instance")  # type: ignore[method-assign]
    server = make_server("127.0.0.1", 0, create_app(_config(Path(folder))), threaded=True)
    ports.put(server.server_port)
    server.serve_forever()


@pytest.fixture
def two_servers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, migrated_db_file: Path):
    """The base URLs of two server processes sharing tmp_path's instance folder, and a title id."""
    monkeypatch.setattr(Flask, "auto_find_instance_path", lambda self: str(tmp_path / "instance"))
    clone_database(migrated_db_file, tmp_path)
    app = create_app(_config(tmp_path))
    with app.app_context():
        from mymovielist.sync.records import ExternalRef, TitleRecord
        from mymovielist.sync.upsert import CatalogWriter

        title = CatalogWriter(source="demo").upsert(
            TitleRecord(kind="movie", title="Shared Film", refs=[ExternalRef("t", "movie", "1")])).title
        for name in ("alice", "carol"):
            accounts.register(name, f"{name}@example.org", PASSWORD)
        db.session.commit()
        title_id = title.id
        db.engine.dispose()

    context = multiprocessing.get_context("forkserver")
    ports = context.Queue()
    processes = [context.Process(target=_serve, args=(str(tmp_path), ports), daemon=True) for _ in range(2)]
    for process in processes:
        process.start()
    try:
        urls = [f"http://127.0.0.1:{ports.get(timeout=30)}" for _ in processes]
        yield urls, title_id
    finally:
        for process in processes:
            process.terminate()
            process.join(timeout=10)


def _login(session: requests.Session, base: str, username: str, password: str) -> int:
    data = {"username": username, "password": password}
    return session.post(f"{base}/auth/login", data=data, allow_redirects=False, timeout=10).status_code


def test_a_rating_through_one_process_shows_on_the_next_page_of_the_other(two_servers):
    (a, b), title_id = two_servers
    visitor, member = requests.Session(), requests.Session()
    for base in (a, b):  # both processes have the visitor's page cached, and the title's data memoized
        for _ in range(2):
            assert "Not rated yet" in visitor.get(f"{base}/titles/{title_id}", timeout=10).text
    assert _login(member, a, "alice", PASSWORD) == 302
    for _ in range(2):  # the member's own page is kept by the other process too (member_pages)
        assert "Not rated yet" in member.get(f"{b}/titles/{title_id}", timeout=10).text

    rated = member.post(f"{a}/titles/{title_id}/entry", data={"status": "completed", "score": "8"},
                        allow_redirects=False, timeout=10)
    assert rated.status_code == 302

    for session in (visitor, member):
        page = session.get(f"{b}/titles/{title_id}", timeout=10).text
        assert "8.0/10" in page and "Not rated yet" not in page


def test_wrong_passwords_count_across_both_processes(two_servers):
    (a, b), _ = two_servers
    client = requests.Session()
    statuses = [_login(client, (a, b)[n % 2], "carol", "wrong password!") for n in range(12)]
    # Ten failures per account in all (the default), not ten in each process.
    assert statuses == [422] * 10 + [429] * 2
    assert _login(requests.Session(), a, "carol", PASSWORD) == 429
    assert _login(requests.Session(), b, "carol", PASSWORD) == 429


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _gunicorn(tmp_path: Path, **env: str) -> subprocess.Popen:
    """gunicorn with the repository's gunicorn.conf.py and two workers, on a database in tmp_path."""
    environment = {
        **os.environ,
        "WEB_CONCURRENCY": "2",
        "MYMOVIELIST_SECRET_KEY": "gunicorn-test-secret",
        "MYMOVIELIST_SQLALCHEMY_DATABASE_URI": database_uri(tmp_path),
        "MYMOVIELIST_CACHE_DIR": str(tmp_path / "cache"),
        "MYMOVIELIST_RATELIMIT_STORAGE_URI": f"sqlite:///{tmp_path / 'ratelimits.sqlite3'}",
        "MYMOVIELIST_LOG_LEVEL": "WARNING",
        **env,
    }
    return subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py"], cwd=ROOT, env=environment,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


@pytest.mark.parametrize("setting", [
    {"MYMOVIELIST_CACHE_TYPE": "SimpleCache"},
    {"MYMOVIELIST_RATELIMIT_STORAGE_URI": "memory://"},
])
def test_gunicorn_refuses_several_workers_on_per_process_state(tmp_path, migrated_db_file, setting):
    clone_database(migrated_db_file, tmp_path)
    server = _gunicorn(tmp_path, BIND=f"127.0.0.1:{_free_port()}", **setting)
    output, _ = server.communicate(timeout=60)
    assert server.returncode == 1
    assert "2 workers cannot share state kept in each process's memory" in output
    assert next(iter(setting.values())) in output  # it names the setting


def test_gunicorn_serves_two_preloaded_workers_on_the_defaults(tmp_path, migrated_db_file):
    clone_database(migrated_db_file, tmp_path)
    port = _free_port()
    server = _gunicorn(tmp_path, BIND=f"127.0.0.1:{port}")
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                response = requests.get(f"http://127.0.0.1:{port}/movies", timeout=5)
                break
            except requests.ConnectionError:
                assert server.poll() is None and time.monotonic() < deadline, "gunicorn did not start"
                time.sleep(0.2)
        assert response.status_code == 200  # a worker forked from the preloaded app reads the database
        assert all(requests.get(f"http://127.0.0.1:{port}/healthz", timeout=5).ok for _ in range(6))
    finally:
        server.send_signal(signal.SIGTERM)
        output, _ = server.communicate(timeout=30)
    assert "Traceback" not in output, output
