"""Browse, rating and live-search latency at a million titles (the whole Flask stack, in process).

Builds the synthetic catalog of bench/search.py (the real migrations, N titles, the demo catalog),
rates RATED of its titles through list entries of a few users (aggregates and the rating_stats
row set as the services would), then times, as a signed-in member (no page cache):
browse page 1, page 1000 reached through its keyset cursor and by page number, a rating POST on a
random title, and the live-search fragment. The database can be kept and reused (--db).

    python bench/scale.py                              # 1,000,000 titles (about three minutes to build)
    python bench/scale.py --db /tmp/mml-1m.sqlite3     # build once into that file, reuse it after
"""

from __future__ import annotations

import argparse
import random
import re
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import flask_migrate
import search as search_bench
from sqlalchemy import text

from mymovielist import create_app
from mymovielist.extensions import db

PASSWORD = "bench password 123"
RATERS = 20


def build(app, n_titles: int, rated: int, seed: int) -> None:
    """The synthetic catalog, then `rated` titles rated by RATERS users (entries written in bulk)."""
    with app.app_context():
        flask_migrate.upgrade()
        from mymovielist.services import accounts, ratings
        from mymovielist.services.demo_catalog import load_demo

        load_demo()
        db.session.commit()
    search_bench.build(app, n_titles, seed)
    rng = random.Random(seed)
    with app.app_context():
        users = [accounts.register(f"rater{n}", f"rater{n}@example.org", PASSWORD) for n in range(RATERS)]
        db.session.flush()
        top = db.session.scalar(text("SELECT MAX(id) FROM titles"))
        title_ids = rng.sample(range(1, top + 1), rated)
        rows = [
            {"user_id": users[i % RATERS].id, "title_id": t, "score": rng.randint(2, 20) * 5}
            for i, t in enumerate(title_ids)
        ]
        db.session.execute(
            text(
                "INSERT INTO list_entries (user_id, title_id, status, progress, score, rewatch_count, notes,"
                " is_favourite, tags, priority, created_at, updated_at) VALUES (:user_id, :title_id, 'completed', 1,"
                " :score, 0, '', 0, '[]', 0, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
            ),
            rows,
        )
        db.session.execute(text(
            "UPDATE titles SET rating_count = 1, mean_score = (SELECT score FROM list_entries e WHERE e.title_id = titles.id)"
            " WHERE id IN (SELECT title_id FROM list_entries)"
        ))
        ratings.refresh_weighted_scores()  # the sums and every weighted score, as the job sets them
        db.session.commit()
    print(f"  {rated:,} titles rated by {RATERS} users")


def percentile(values: list[float], p: float) -> float:
    return search_bench.percentile(values, p)


def timed(client, method: str, urls: list[str], **kwargs) -> list[float]:
    times = []
    for url in urls:
        start = time.perf_counter()
        response = client.open(url, method=method, **kwargs)
        times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, (url, response.status_code, response.get_data(as_text=True)[:300])
    return times


def line(name: str, times: list[float], goal: float | None = None) -> str:
    p50, p95 = percentile(times, 50), percentile(times, 95)
    verdict = "" if goal is None else f"  goal p95 <= {goal:g} ms: {'met' if p95 <= goal else 'MISSED'}"
    return f"  {name:44} {len(times):4} {p50:8.2f} {p95:8.2f}{verdict}"


def cursors(app, per_page: int, pages: range) -> list[tuple[int, str]]:
    """The `after` cursor of each page in `pages` of /movies (the last row of the page before it)."""
    from mymovielist.services import catalog

    with app.app_context():
        keys = catalog.SORT_KEYS["popularity"]
        stmt = catalog._filtered("movie", catalog.BrowseFilters(), False)
        out = []
        for page in pages:
            rows = catalog._page_rows(stmt, keys, per_page=1, offset=(page - 1) * per_page - 1)
            out.append((page, catalog.encode_cursor(rows[0][1:])))
        db.session.rollback()
    return out


def sign_in(client) -> str:
    page = client.get("/auth/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    response = client.post("/auth/login", data={"username": "rater0", "password": PASSWORD, "csrf_token": token})
    assert response.status_code in (302, 303), response.status_code
    page = client.get("/movies").get_data(as_text=True)
    return re.search(r'"X-CSRFToken": "([^"]+)"', page).group(1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--titles", type=int, default=1_000_000)
    parser.add_argument("--rated", type=int, default=50_000)
    parser.add_argument("--db", type=Path, help="database file to build once and reuse")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    path = args.db or Path(tempfile.mkdtemp(prefix="mml-bench-scale-")) / "bench.sqlite3"
    app = create_app({"SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}", "CACHE_TYPE": "SimpleCache",
                      "CACHE_THRESHOLD": 100_000, "LOG_LEVEL": "WARNING"})
    if not path.exists() or path.stat().st_size == 0:
        print(f"Building {args.titles:,} titles in {path}")
        build(app, args.titles, args.rated, args.seed)
    with app.app_context():
        total = db.session.scalar(text("SELECT COUNT(*) FROM titles"))
        db.session.rollback()
    per_page = app.config["PAGE_SIZE"]
    client = app.test_client()
    csrf = sign_in(client)
    rng = random.Random(args.seed)
    print(f"\nSigned-in member, {total:,} titles, server side in process (ms):")
    print(f"  {'request':44} {'n':>4} {'p50':>8} {'p95':>8}")

    first = timed(client, "GET", ["/movies"])[0]
    warm = timed(client, "GET", ["/movies"] * 40)
    print(line("browse page 1 (first request after start)", [first]))
    print(line("browse page 1 (ids, total, genres cached)", warm, 30))
    deep = cursors(app, per_page, range(1000, 1040))
    keyset = timed(client, "GET", [f"/movies?page={page}&after={cursor}" for page, cursor in deep])
    print(line("browse page 1000..1039 by cursor (uncached ids)", keyset, 30))
    offset = timed(client, "GET", [f"/movies?page={page}" for page in range(1040, 1050)])
    print(line("browse page 1040..1049 by number (offset)", offset))

    with app.app_context():
        top = db.session.scalar(text("SELECT MAX(id) FROM titles"))
        db.session.rollback()
    targets = [rng.randint(1, top) for _ in range(200)]
    headers = {"HX-Request": "true", "HX-Target": "entry-panel", "X-CSRFToken": csrf}
    rating = timed(client, "POST", [f"/titles/{t}/rating" for t in targets], headers=headers,
                   data={"score": str(rng.randint(1, 10))})
    print(line("rating POST, random titles (htmx panel)", rating, 25))

    with app.app_context():
        vocab = [w for (w,) in db.session.execute(text("SELECT title FROM titles WHERE id % 997 = 0 LIMIT 400"))]
        db.session.rollback()
    words = [re.sub(r"[^a-z]", "", w.split()[0].lower())[: rng.choice((3, 4, 5, 6))] or "ka" for w in vocab]
    search_bench.time_fragment(client, words[:20])
    live = search_bench.time_fragment(client, words[20:220])
    print(line("live-search fragment", live, 15))

    with app.app_context():
        start = time.perf_counter()
        from mymovielist.services import ratings

        ratings.refresh_weighted_scores()
        db.session.rollback()
        print(f"\n  the trending-scores job's weighted refresh: {(time.perf_counter() - start) * 1000:.0f} ms "
              f"(every rated title; once per run, not per rating)")


if __name__ == "__main__":
    main()
