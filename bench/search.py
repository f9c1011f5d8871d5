"""Live-search latency on a synthetic catalog of a million titles.

Builds a SQLite database through the real migrations, fills it with N synthetic titles whose
words follow a Zipf-like distribution (plus a few accented words and the demo catalog when it is
present), then times the live-search fragment (GET /search with the htmx headers, the whole Flask
stack in process) over a fixed query mix, and a LIKE scan for the same queries as the baseline.

    python bench/search.py                 # 1,000,000 titles (about two minutes to build)
    python bench/search.py --titles 100000 # quicker
"""

from __future__ import annotations

import argparse
import importlib.util
import itertools
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import flask_migrate  # noqa: E402
from sqlalchemy import text  # noqa: E402

from mymovielist import create_app  # noqa: E402
from mymovielist.extensions import db  # noqa: E402

SYLLABLES = "ka ri to na mo se lu pa vi ne do ra ko mi sa te yu ha ze bo li ga fu ro".split()
ACCENTED = ["pokémon", "amélie", "café", "señor", "über", "mañana", "crème", "brûlée", "naïve", "élan"]
KINDS = ("movie", "series", "anime", "comic")
KIND_TABLES = {"movie": "movies", "series": "series", "anime": "animated_shows", "comic": "comics"}


def vocabulary(size: int, rng: random.Random) -> list[str]:
    words: set[str] = set()
    while len(words) < size:
        words.add("".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4))))
    ordered = sorted(words)
    rng.shuffle(ordered)
    return ACCENTED + ordered


def search_migration():
    """The migration that creates the search index: its statements rebuild it after a bulk load."""
    path = Path(__file__).resolve().parent.parent / "migrations" / "versions" / "0002_title_search.py"
    spec = importlib.util.spec_from_file_location("title_search_migration", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def build(app, n_titles: int, seed: int) -> list[str]:
    """Fill the catalog; returns the vocabulary, most frequent word first.

    Rows go in with the index trigger dropped, then the index is rebuilt in one set-based
    statement (the migration's own backfill) and the trigger restored: the same end state as
    inserting through the trigger, in a fraction of the time.
    """
    rng = random.Random(seed)
    migration = search_migration()
    insert_trigger, backfill = migration.CREATE[1], migration.CREATE[-1]
    vocab = vocabulary(50_000, rng)
    # Zipf, s ~ 1.07; cumulative weights once, or every draw would sum 50,000 weights again
    cum_weights = list(itertools.accumulate(1 / (rank + 1) ** 1.07 for rank in range(len(vocab))))
    batch = 20_000
    with app.app_context():
        start = time.perf_counter()
        next_id = (db.session.execute(text("SELECT COALESCE(MAX(id), 0) FROM titles")).scalar() or 0) + 1
        db.session.execute(text("DROP TRIGGER title_search_insert"))
        db.session.commit()
        for offset in range(0, n_titles, batch):
            rows = []
            for i in range(offset, min(offset + batch, n_titles)):
                words = rng.choices(vocab, cum_weights=cum_weights, k=rng.choice((1, 2, 2, 3, 3, 4, 5)))
                title = " ".join(w.capitalize() for w in words)
                rows.append({
                    "id": next_id + i, "kind": KINDS[i % 4], "title": title, "slug": "-".join(words)[:80],
                    "popularity": round(rng.paretovariate(1.2), 3), "year": rng.randint(1950, 2026),
                })
            db.session.execute(
                text(
                    "INSERT INTO titles (id, kind, title, alt_titles, slug, synopsis, adult, rating_count, popularity,"
                    " year, locked_fields, created_at, updated_at) VALUES (:id, :kind, :title, '[]', :slug, '', 0, 0,"
                    " :popularity, :year, '[]', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
                ),
                rows,
            )
            for kind, table in KIND_TABLES.items():
                db.session.execute(
                    text(f"INSERT INTO {table} (id) VALUES (:id)"), [{"id": r["id"]} for r in rows if r["kind"] == kind]
                )
            db.session.commit()
            print(f"\r  built {min(offset + batch, n_titles):,} titles", end="", flush=True)
        db.session.execute(text("DELETE FROM title_search"))
        db.session.execute(text(backfill))
        db.session.execute(text(insert_trigger))
        db.session.execute(text("INSERT INTO title_search(title_search) VALUES ('optimize')"))
        db.session.commit()
        print(f"\r  built {n_titles:,} titles in {time.perf_counter() - start:.0f} s (index optimized)")
    return vocab


def query_mix(vocab: list[str], rng: random.Random) -> dict[str, list[str]]:
    common = vocab[len(ACCENTED): len(ACCENTED) + 10]
    rare = vocab[-5000:]
    return {
        "rare word": rng.sample(rare, 40),
        "very common word": common * 4,
        "2-3 letter prefix": [w[: rng.choice((2, 3))] for w in rng.sample(vocab[:2000], 40)],
        "two words": [f"{rng.choice(vocab[:3000])} {rng.choice(vocab[:3000])[:4]}" for _ in range(40)],
        "accented (typed plain)": ["pokemon", "amelie", "cafe", "senor", "uber", "manana", "creme", "brulee"] * 5,
    }


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def time_fragment(client, queries: list[str]) -> list[float]:
    headers = {"HX-Request": "true", "HX-Target": "search-suggestions"}
    times = []
    for q in queries:
        start = time.perf_counter()
        response = client.get("/search", query_string={"q": q}, headers=headers)
        times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, (q, response.status_code)
    return times


def time_like(app, queries: list[str]) -> list[float]:
    times = []
    with app.app_context():
        for q in queries:
            start = time.perf_counter()
            db.session.execute(
                text("SELECT id FROM titles WHERE title LIKE :p ORDER BY popularity DESC LIMIT 8"), {"p": f"%{q}%"}
            ).all()
            times.append((time.perf_counter() - start) * 1000)
        db.session.rollback()
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--titles", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="mml-bench-search-"))
    app = create_app({"SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'bench.sqlite3'}",
                      "CACHE_TYPE": "NullCache"})
    with app.app_context():
        flask_migrate.upgrade()
        try:
            from mymovielist.services.demo_catalog import load_demo

            print(f"  demo catalog: {dict(load_demo())}")
            db.session.commit()
        except FileNotFoundError:
            print("  demo catalog not found; synthetic titles only")
    print(f"Building a catalog of {args.titles:,} synthetic titles in {folder}")
    vocab = build(app, args.titles, args.seed)

    rng = random.Random(args.seed + 1)
    mix = query_mix(vocab, rng)
    client = app.test_client()
    time_fragment(client, [q for qs in mix.values() for q in qs][:30])  # warm caches

    print(f"\nLive-search fragment, server side (ms), {args.titles:,} titles:")
    print(f"  {'query kind':26} {'n':>4} {'p50':>7} {'p95':>7} {'p99':>7}")
    every: list[float] = []
    for name, queries in mix.items():
        times = time_fragment(client, queries)
        every += times
        print(f"  {name:26} {len(times):4} {percentile(times, 50):7.2f} {percentile(times, 95):7.2f} {percentile(times, 99):7.2f}")
    p50, p95, p99 = (percentile(every, p) for p in (50, 95, 99))
    print(f"  {'all':26} {len(every):4} {p50:7.2f} {p95:7.2f} {p99:7.2f}")
    print(f"  targets: p95 <= 15 ms {'met' if p95 <= 15 else 'MISSED'}, p99 <= 40 ms {'met' if p99 <= 40 else 'MISSED'}")

    like_queries = [qs[0] for qs in mix.values()] + [qs[1] for qs in mix.values()]
    like = time_like(app, like_queries)
    fts_same = time_fragment(client, like_queries)
    print(f"\nLIKE '%q%' scan, same {len(like)} queries: p50 {statistics.median(like):.1f} ms; "
          f"live-search fragment p50 {statistics.median(fts_same):.2f} ms; "
          f"ratio {statistics.median(like) / statistics.median(fts_same):.0f}x faster than LIKE")


if __name__ == "__main__":
    main()
