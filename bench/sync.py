"""Bulk catalog import through the real clients against the provider emulator.

    .venv/bin/python bench/sync.py [--tmdb-pages 200] [--jikan-pages 30]

Pages come from recorded list responses (TMDB /movie/popular, 20 titles a page; Jikan
/top/anime, 25 a page). Every page number answers the same recording with its ids shifted by
page x 1,000,000 and the page number added to each title, so each page brings new works. The emulator enforces the providers' real
limits (TMDB 40/s; Jikan 3/s and 60/min) and the clients use their default limiters.

Fetcher threads (HTTP and mapping only) feed one writer (the database): each title is stored in
its own transaction through the sync service, exactly as the trending job does.

Reported: titles per second end to end, and the share of the provider's limit the fetchers used:
requests / allowed, where allowed = min over the limit's windows of n x (floor(D / s) + 1) for D
the seconds between the first and the last request (the most a rolling window lets through).
Comic Vine is left out: its limit is 200 requests per resource per hour.
"""

from __future__ import annotations

import argparse
import json
import math
import queue
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

import flask_migrate  # noqa: E402
from emulator import ProviderEmulator, app_config, serve  # noqa: E402

from mymovielist import create_app  # noqa: E402
from mymovielist.extensions import db  # noqa: E402
from mymovielist.sync import service  # noqa: E402
from mymovielist.sync.clients import get_clients  # noqa: E402
from mymovielist.sync.mapping import jikan as jikan_map  # noqa: E402
from mymovielist.sync.mapping import tmdb as tmdb_map  # noqa: E402

SHIFT = 1_000_000


class PagedEmulator(ProviderEmulator):
    """The recorded list page for every page number, ids shifted per page."""

    def _answer(self, provider, path, query):
        status, body, headers = super()._answer(provider, path, query)
        page = int(query.get("page", "1") or 1)
        if status != 200 or page == 1 or path not in ("/movie/popular", "/top/anime"):
            return status, body, headers
        data = json.loads(body)
        items = data.get("results") if provider == "tmdb" else data.get("data")
        key = "id" if provider == "tmdb" else "mal_id"
        for item in items:
            item[key] += page * SHIFT
            item["title"] = f"{item['title']} {page}"  # other works, not twins of page 1's
        return status, json.dumps(data).encode(), headers


def allowed(windows, seconds: float) -> int:
    return min(w.limit * (math.floor(seconds / w.seconds + 1e-9) + 1) for w in windows)


def run(app, emulator, provider: str, pages: int, fetch_page, fetchers: int) -> dict:
    clients = get_clients()
    client = clients.get(provider)
    work: queue.Queue[int] = queue.Queue()
    for page in range(1, pages + 1):
        work.put(page)
    done: queue.Queue = queue.Queue()

    def fetcher():
        while True:
            try:
                page = work.get_nowait()
            except queue.Empty:
                return
            try:
                done.put(fetch_page(client, page))
            except Exception as exc:  # reported, never hidden
                done.put(exc)

    before_429 = emulator.count(429) + emulator.count(420)
    first_hit = len(emulator.hits)
    started = time.monotonic()
    threads = [threading.Thread(target=fetcher, daemon=True) for _ in range(fetchers)]
    for t in threads:
        t.start()
    run_id = service.start_run(provider, "bench")
    totals = {"created": 0, "updated": 0, "unchanged": 0, "failed": 0}
    errors = 0
    for _ in range(pages):
        item = done.get()
        if isinstance(item, Exception):
            errors += 1
            continue
        result = service.run_batch(clients, item, run_id=run_id, fetch=lambda _c, record: record, details_pending=True)
        for key in totals:
            totals[key] += getattr(result, key)
    arrivals = [h.at for h in emulator.hits[first_hit:] if h.provider == provider]
    fetch_span = (max(arrivals) - min(arrivals)) if arrivals else 0.0
    elapsed = time.monotonic() - started
    titles = sum(totals.values())
    requests = client.stats["requests"]
    return {
        "provider": provider, "pages": pages, "titles": titles, **totals, "page_errors": errors,
        "seconds": round(elapsed, 2), "titles_per_second": round(titles / elapsed, 1),
        "requests": requests, "fetch_seconds": round(fetch_span, 2),
        "limit_share": round(requests / allowed(client.windows, fetch_span), 3),
        "limit": " and ".join(f"{w.limit}/{w.seconds:g}s" for w in client.windows),
        "rate_limited": emulator.count(429) + emulator.count(420) - before_429,
        "client_retries": client.stats["retries"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tmdb-pages", type=int, default=200)
    parser.add_argument("--jikan-pages", type=int, default=30)
    parser.add_argument("--fetchers", type=int, default=4)
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="mml-bench-"))
    emulator = PagedEmulator()  # the providers' documented limits
    try:
        with serve(emulator):
            config = app_config(emulator, PROVIDER_READ_TIMEOUT=10.0)
            for name in ("TMDB_RATE_LIMITS", "JIKAN_RATE_LIMITS", "COMICVINE_RATE_LIMITS"):
                config[name] = None  # the clients' own defaults: the real limits
            app = create_app({"TESTING": True, "SECRET_KEY": "bench", "DEMO_CATALOG": False,
                              "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp / 'bench.sqlite3'}", **config})
            with app.app_context():
                flask_migrate.upgrade()
                reports = [
                    run(app, emulator, "tmdb", args.tmdb_pages,
                        lambda c, page: [r for item in c.popular("movie", page=page)["results"]
                                         if (r := tmdb_map.list_item_record(item, "movie"))], args.fetchers),
                    run(app, emulator, "jikan", args.jikan_pages,
                        lambda c, page: [jikan_map.anime_record(item) for item in c.top("anime", page=page)["data"]],
                        args.fetchers),
                ]
                db.engine.dispose()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    for r in reports:
        print(f"{r['provider']:6} {r['titles']:6} titles in {r['seconds']:6.2f} s = {r['titles_per_second']:7.1f} titles/s "
              f"({r['created']} created, {r['failed']} failed) | {r['requests']} requests in {r['fetch_seconds']} s, "
              f"{r['limit_share']:.1%} of {r['limit']} | 429s: {r['rate_limited']}, retries: {r['client_retries']}")
    print(json.dumps(reports))


if __name__ == "__main__":
    main()
