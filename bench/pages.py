"""Page throughput under gunicorn, measured with wrk: the app's pages against a plain Flask page.

Builds a temporary copy of the demo catalog (migrations + the demo load) with a few synthetic
users (one with LIST_ENTRIES entries), starts gunicorn with gunicorn.conf.py (2 sync workers) on
127.0.0.1, and drives it with wrk (a C client: a Python client on the same two cores would take
the CPU the server needs and hide its cost). Each target is one wrk run of --seconds, over one hot
URL or over 1,000 random title pages (a Lua script picks a path per request), anonymous or
signed in (the session cookie in a header); the ceiling is a plain Flask page (no database, no
template) under the same gunicorn settings. Prints req/s, p50, p95 and p99 and the ratio to the
ceiling, and the gzip sizes of a full page and of the live-search fragment.

    python bench/pages.py                         # 8 s per target, 4 connections
    python bench/pages.py --seconds 15 --connections 8
"""

from __future__ import annotations

import argparse
import gzip
import http.client
import json
import os
import random
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
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
# wrk's Lua: each request takes a random line of PATHS (or the URL's own path), with the method,
# body and headers the environment names; the summary comes back as one JSON line.
WRK_SCRIPT = r'''
local paths = {}
local file = os.getenv("BENCH_PATHS")
if file and file ~= "" then
  for line in io.lines(file) do paths[#paths + 1] = line end
end
local method = os.getenv("BENCH_METHOD") or "GET"
local body = os.getenv("BENCH_BODY")
local headers = {}
for name, value in string.gmatch(os.getenv("BENCH_HEADERS") or "", "([^\n:]+): ([^\n]*)") do
  headers[name] = value
end
local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("seed", counter)
end

function init(args)
  math.randomseed(seed or 1)
end

function request()
  local path = nil
  if #paths > 0 then path = paths[math.random(#paths)] end
  return wrk.format(method, path, headers, body)
end

function done(summary, latency, requests)
  local errors = summary.errors
  io.write(string.format(
    'BENCH {"requests": %d, "seconds": %f, "p50": %f, "p95": %f, "p99": %f, "status": %d, "socket": %d}\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000, errors.status, errors.connect + errors.read + errors.write + errors.timeout))
end
'''
PASSWORD = "bench password 123"
USERS = 5
LIST_ENTRIES = 200
RANDOM_TITLES = 1000


@dataclass
class Result:
    rate: float
    p50: float
    p95: float
    p99: float


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def build_site(folder: Path, env: dict[str, str]) -> dict[str, str]:
    """Migrate, load the demo catalog, add users with entries; returns paths, the session cookie and CSRF token."""
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
        titles = list(db.session.scalars(select(Title).order_by(Title.popularity.desc())))
        owner = accounts.register("bench0", "bench0@example.org", PASSWORD)
        db.session.flush()
        for i, title in enumerate(titles[:LIST_ENTRIES]):  # the signed-in list: LIST_ENTRIES entries
            tracking.update_entry(owner, title, status="completed" if i % 3 else "watching")
            if i % 2:
                tracking.set_rating(owner, title, 40 + (i * 7) % 60)
        for n in range(1, USERS):
            user = accounts.register(f"bench{n}", f"bench{n}@example.org", PASSWORD)
            db.session.flush()
            for i, title in enumerate(titles[n::2][:25]):
                tracking.set_rating(user, title, 40 + (i * 7) % 60)
        db.session.commit()
        top = titles[0]
        sample = random.Random(7).sample(titles, min(RANDOM_TITLES, len(titles)))
        (folder / "titles.txt").write_text("".join(f"/titles/{t.id}-{t.slug}\n" for t in sample))
        (folder / "ratings.txt").write_text("".join(f"/titles/{t.id}/rating\n" for t in sample))
        detail = f"/titles/{top.id}-{top.slug}"
        word = re.sub(r"[^a-z]", "", top.title.split()[0].lower())[:4] or "the"
    client = app.test_client()
    page = client.get("/auth/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    client.post("/auth/login", data={"username": "bench0", "password": PASSWORD, "csrf_token": token})
    page = client.get(detail).get_data(as_text=True)  # the session now holds the CSRF token too
    csrf = re.search(r'"X-CSRFToken": "([^"]+)"', page).group(1)
    cookie = client.get_cookie("session")
    with app.app_context():
        db.engine.dispose()
    return {"detail": detail, "word": word, "cookie": f"session={cookie.value}", "csrf": csrf}


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
            fetch(port, "/healthz" if app_spec == "wsgi:app" else "/", {})
            return proc
        except OSError:
            time.sleep(0.3)
    proc.kill()
    raise SystemExit("gunicorn did not start")


def stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    proc.wait(10)


def fetch(port: int, path: str, headers: dict[str, str]) -> tuple[int, bytes, dict[str, str]]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", path, headers=headers)
    response = conn.getresponse()
    body = response.read()
    conn.close()
    return response.status, body, dict(response.getheaders())


def wrk(folder: Path, port: int, path: str, headers: dict[str, str], args, *, paths: str | None = None,
        method: str = "GET", body: str | None = None) -> Result:
    """One wrk run of args.seconds against path (or a random line of the file `paths`)."""
    script = folder / "bench.lua"
    script.write_text(WRK_SCRIPT)
    env = {**os.environ, "BENCH_PATHS": str(folder / paths) if paths else "", "BENCH_METHOD": method,
           "BENCH_HEADERS": "\n".join(f"{k}: {v}" for k, v in headers.items())}
    if body is not None:
        env["BENCH_BODY"] = body
    command = ["wrk", "-t1", f"-c{args.connections}", f"-d{args.seconds}s", "--timeout", "10s", "-s", str(script),
               f"http://127.0.0.1:{port}{path}"]
    out = subprocess.run(command, env=env, check=True, capture_output=True, text=True).stdout
    found = json.loads(re.search(r"^BENCH (.*)$", out, re.MULTILINE).group(1))
    if found["status"] or found["socket"]:
        raise SystemExit(f"{path}: {found['status']} non-2xx/3xx responses, {found['socket']} socket errors\n{out}")
    return Result(found["requests"] / found["seconds"], found["p50"], found["p95"], found["p99"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=8)
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--max-requests", type=int, default=0,
                        help="gunicorn's worker recycling (production: 2000); 0 keeps each worker and its cache")
    parser.add_argument("--warm-random", type=int, default=20,
                        help="seconds of warm-up over the 1,000 random titles before they are measured")
    parser.add_argument("--cache-threshold", type=int, default=0,
                        help="SimpleCache's entry limit per worker (0: the app's default, 500)")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed (apt-get install wrk)")
    folder = Path(tempfile.mkdtemp(prefix="mml-bench-"))
    try:
        (folder / "tiny.py").write_text(TINY_APP)
        env = {
            **os.environ,
            "FLASK_APP": "mymovielist",
            "MYMOVIELIST_SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'bench.db'}",
            "MYMOVIELIST_SECRET_KEY": "bench-secret-key-not-for-production",
            "MYMOVIELIST_LOG_LEVEL": "WARNING",
            "MYMOVIELIST_TRACKING_LIST_PAGE_SIZE": str(LIST_ENTRIES),
        }
        # A recycled worker restarts the app (seconds) with an empty in-process cache: at a few hundred
        # req/s, every ten seconds or so. Off by default, so the figures are the steady state.
        env["GUNICORN_MAX_REQUESTS"] = str(args.max_requests)
        if args.cache_threshold:  # 1,000 random title pages overflow SimpleCache's default 500 entries
            env["MYMOVIELIST_CACHE_THRESHOLD"] = str(args.cache_threshold)
        print("building the demo catalog and users ...", flush=True)
        site = build_site(folder, env)
        plain = {"Accept-Encoding": "identity"}
        member = {**plain, "Cookie": site["cookie"]}
        htmx = {**plain, "HX-Request": "true", "HX-Target": "search-suggestions"}
        rate = {**member, "HX-Request": "true", "HX-Target": "entry-panel", "X-CSRFToken": site["csrf"],
                "Content-Type": "application/x-www-form-urlencoded"}
        # (name, path, headers, random paths file, method, body, goal as a ratio to the ceiling)
        targets = [
            ("anonymous detail, 1,000 titles", "/", plain, "titles.txt", "GET", None, 0.40),
            ("anonymous detail, one URL", site["detail"], plain, None, "GET", None, None),
            ("signed-in detail, 1,000 titles", "/", member, "titles.txt", "GET", None, 0.15),
            ("signed-in detail, one URL", site["detail"], member, None, "GET", None, None),
            (f"signed-in list, {LIST_ENTRIES} entries", "/users/bench0/list", member, None, "GET", None, 0.10),
            ("anonymous browse", "/movies", plain, None, "GET", None, None),
            ("signed-in browse", "/movies", member, None, "GET", None, None),
            ("live-search fragment", f"/search?q={site['word']}", htmx, None, "GET", None, None),
            ("rating POST, 1,000 titles", "/", rate, "ratings.txt", "POST", "score=7", None),
        ]
        port = free_port()
        proc = start_gunicorn(folder, env, port, "tiny:app")
        try:
            wrk(folder, port, "/", plain, argparse.Namespace(seconds=1, connections=args.connections))
            ceiling = wrk(folder, port, "/", plain, args)
        finally:
            stop(proc)
        port = free_port()
        proc = start_gunicorn(folder, env, port, "wsgi:app")
        results = []
        try:
            warm = argparse.Namespace(seconds=2, connections=args.connections)
            warm_all = argparse.Namespace(seconds=args.warm_random, connections=args.connections)
            for name, path, headers, paths, method, body, goal in targets:
                if method == "GET":  # first renders, caches (each worker its own), worker imports
                    wrk(folder, port, path, headers, warm_all if paths else warm, paths=paths)
                results.append((name, goal, wrk(folder, port, path, headers, args, paths=paths, method=method, body=body)))
            sizes = {}
            for name, path, headers in (("detail", site["detail"], plain), ("live-search fragment", targets[7][1], htmx)):
                _status, raw_body, response_headers = fetch(port, path, {**headers, "Accept-Encoding": "gzip"})
                raw = gzip.decompress(raw_body) if response_headers.get("Content-Encoding") == "gzip" else raw_body
                sizes[name] = (len(raw), len(raw_body), response_headers.get("Content-Encoding", "none"))
        finally:
            stop(proc)

        load_avg = os.getloadavg()
        print(f"\ngunicorn, 2 sync workers; wrk, {args.connections} connections, {args.seconds} s a target; "
              f"cache threshold {args.cache_threshold or 'default'}; max requests {args.max_requests}; load average {load_avg[0]:.1f} on {os.cpu_count()} cores")
        print(f"{'target':34} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'ratio':>6}  goal")
        print(f"{'ceiling (plain Flask)':34} {ceiling.rate:8.1f} {ceiling.p50:8.2f} {ceiling.p95:8.2f} "
              f"{ceiling.p99:8.2f} {1:6.2f}")
        for name, goal, r in results:
            ratio = r.rate / ceiling.rate
            verdict = "" if goal is None else f"  >= {goal:.2f} {'met' if ratio >= goal else 'MISSED'}"
            print(f"{name:34} {r.rate:8.1f} {r.p50:8.2f} {r.p95:8.2f} {r.p99:8.2f} {ratio:6.2f}{verdict}")
        print()
        for name, (raw, sent, encoding) in sizes.items():
            print(f"{name}: {raw / 1024:.1f} KB, {sent / 1024:.1f} KB sent ({encoding})")
        print("\nThe million-title figures (browse page 1 and 1000, rating p95, live search): bench/scale.py")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
