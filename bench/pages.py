"""Page throughput under gunicorn: the app's main pages against a plain Flask page as the ceiling.

Builds a temporary copy of the demo catalog (migrations + the demo load) with a few synthetic
users and list entries, starts gunicorn with gunicorn.conf.py (2 sync workers) on 127.0.0.1, and
drives it with a bounded load generator (threads + http.client against 127.0.0.1, a fixed number
of requests). Prints req/s, p50 and p99 for each target, its ratio to the ceiling, and the gzip
sizes of a full page and of the live-search fragment.

    python bench/pages.py                  # 400 requests per target, 4 client threads
    python bench/pages.py --requests 1000 --threads 8
"""

from __future__ import annotations

import argparse
import gzip
import http.client
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# The ceiling: a plain Flask page (no database, no template) under the same gunicorn settings.
TINY_APP = '''
from flask import Flask

app = Flask(__name__)


@app.get("/")
def index():
    return "<!doctype html><title>ok</title><p>Hello"
'''
PASSWORD = "bench password 123"
USERS = 5


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def build_site(folder: Path, env: dict[str, str]) -> dict[str, str]:
    """Migrate, load the demo catalog, add users with entries; returns the paths and a session cookie."""
    flask = [str(Path(sys.executable).parent / "flask"), "--app", "mymovielist"]
    subprocess.run([*flask, "db", "upgrade"], env=env, check=True, capture_output=True)
    subprocess.run([*flask, "catalog", "load-demo"], env=env, check=True, capture_output=True)
    os.environ.update(env)
    from sqlalchemy import select

    from mymovielist import create_app
    from mymovielist.extensions import db
    from mymovielist.models import Title
    from mymovielist.services import accounts, tracking

    app = create_app()
    with app.app_context():
        titles = list(db.session.scalars(select(Title).order_by(Title.popularity.desc()).limit(60)))
        for n in range(USERS):
            user = accounts.register(f"bench{n}", f"bench{n}@example.org", PASSWORD)
            db.session.flush()
            for i, title in enumerate(titles[n::2][:25]):
                tracking.update_entry(user, title, status="completed" if i % 3 else "watching")
                if i % 2:
                    tracking.set_rating(user, title, 40 + (i * 7) % 60)
        db.session.commit()
        top = titles[0]
        detail = f"/titles/{top.id}-{top.slug}"
        word = re.sub(r"[^a-z]", "", top.title.split()[0].lower())[:4] or "the"
    client = app.test_client()
    page = client.get("/auth/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    client.post("/auth/login", data={"username": "bench0", "password": PASSWORD, "csrf_token": token})
    cookie = client.get_cookie("session")
    with app.app_context():
        db.engine.dispose()
    return {"detail": detail, "word": word, "cookie": f"session={cookie.value}"}


def start_gunicorn(folder: Path, env: dict[str, str], port: int, app_spec: str) -> subprocess.Popen:
    gunicorn = str(Path(sys.executable).parent / "gunicorn")
    proc = subprocess.Popen(
        [gunicorn, "-c", str(ROOT / "gunicorn.conf.py"), "--pythonpath", f"{folder},{ROOT}", app_spec],
        env={**env, "BIND": f"127.0.0.1:{port}", "WEB_CONCURRENCY": "2"},
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/healthz" if app_spec == "wsgi:app" else "/")
            conn.getresponse().read()
            return proc
        except OSError:
            time.sleep(0.3)
    proc.kill()
    raise SystemExit("gunicorn did not start")


def fetch(port: int, path: str, headers: dict[str, str]) -> tuple[int, bytes, dict[str, str]]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", path, headers=headers)
    response = conn.getresponse()
    body = response.read()
    conn.close()
    return response.status, body, dict(response.getheaders())


def load(port: int, path: str, headers: dict[str, str], requests: int, threads: int) -> tuple[float, float, float]:
    """Send `requests` GETs from `threads` keep-alive connections; returns req/s, p50 ms, p99 ms."""
    for _ in range(10):  # warm: first renders, caches, worker imports
        fetch(port, path, headers)
    timings: list[float] = []
    lock = threading.Lock()
    remaining = [requests]
    errors: list[int] = []

    def worker() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        while True:
            with lock:
                if remaining[0] <= 0:
                    break
                remaining[0] -= 1
            start = time.perf_counter()
            conn.request("GET", path, headers=headers)
            response = conn.getresponse()
            response.read()
            if response.status != 200:
                errors.append(response.status)
            if response.getheader("Connection", "").lower() == "close":
                conn.close()  # sync workers close after each response; http.client reopens
            with lock:
                timings.append(time.perf_counter() - start)
        conn.close()

    started = time.perf_counter()
    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    elapsed = time.perf_counter() - started
    if errors:
        raise SystemExit(f"{path}: {len(errors)} non-200 responses, e.g. {errors[0]}")
    timings.sort()
    p99 = timings[min(len(timings) - 1, int(len(timings) * 0.99))]
    return requests / elapsed, statistics.median(timings) * 1000, p99 * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--threads", type=int, default=4)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="mml-bench-"))
    try:
        (folder / "tiny.py").write_text(TINY_APP)
        env = {
            **os.environ,
            "FLASK_APP": "mymovielist",
            "MYMOVIELIST_SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'bench.db'}",
            "MYMOVIELIST_SECRET_KEY": "bench-secret-key-not-for-production",
            "MYMOVIELIST_LOG_LEVEL": "WARNING",
        }
        print("building the demo catalog and users ...", flush=True)
        site = build_site(folder, env)
        plain = {"Accept-Encoding": "identity"}
        htmx = {**plain, "HX-Request": "true", "HX-Target": "search-suggestions"}
        targets = [
            ("detail (warm)", site["detail"], plain),
            ("browse", "/movies", plain),
            ("live-search fragment", f"/search?q={site['word']}", htmx),
            ("signed-in list", "/users/bench0/list", {**plain, "Cookie": site["cookie"]}),
        ]
        port = free_port()
        proc = start_gunicorn(folder, env, port, "tiny:app")
        try:
            ceiling = load(port, "/", plain, args.requests, args.threads)
        finally:
            proc.terminate()
            proc.wait(10)
        port = free_port()
        proc = start_gunicorn(folder, env, port, "wsgi:app")
        try:
            results = [(name, load(port, path, headers, args.requests, args.threads)) for name, path, headers in targets]
            sizes = {}
            for name, path, headers in (targets[0], targets[2]):
                status, body, response_headers = fetch(port, path, {**headers, "Accept-Encoding": "gzip"})
                raw = gzip.decompress(body) if response_headers.get("Content-Encoding") == "gzip" else body
                sizes[name] = (len(raw), len(body), response_headers.get("Content-Encoding", "none"))
        finally:
            proc.terminate()
            proc.wait(10)

        load_avg = os.getloadavg()
        print(f"\ngunicorn, 2 sync workers; {args.requests} requests per target from {args.threads} threads; "
              f"load average {load_avg[0]:.1f} on {os.cpu_count()} cores")
        print(f"{'target':24} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'ratio':>6}")
        print(f"{'ceiling (plain Flask)':24} {ceiling[0]:8.1f} {ceiling[1]:8.1f} {ceiling[2]:8.1f} {1:6.2f}")
        for name, (rate, p50, p99) in results:
            print(f"{name:24} {rate:8.1f} {p50:8.1f} {p99:8.1f} {rate / ceiling[0]:6.2f}")
        print()
        for name, (raw, sent, encoding) in sizes.items():
            print(f"{name}: {raw / 1024:.1f} KB, {sent / 1024:.1f} KB sent ({encoding})")
        detail_ratio = results[0][1][0] / ceiling[0]
        print(f"\ntargets: detail >= 0.45 of the ceiling: {detail_ratio:.2f}; "
              f"full page <= 15 KB gzip: {sizes['detail (warm)'][1] / 1024:.1f} KB; "
              f"fragment <= 3 KB gzip: {sizes['live-search fragment'][1] / 1024:.1f} KB")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
