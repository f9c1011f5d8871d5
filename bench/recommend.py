"""Recommendations at scale: neighbour rebuild time, per-user latency and holdout accuracy.

Builds a SQLite database through the real migrations with a synthetic catalog (20,000 titles in
20 taste clusters, each with its cluster's genre plus a random one) and 10,000 users who rate
1,000,000 titles in all: title popularity follows a power law (Zipf), users prefer two clusters
and score them higher. 10 % of each user's entries are held out. Then it

- runs the `title-neighbours` job function (the code the scheduler runs) and times it;
- times `recommend.recommend_for(user)` (the service behind /recommendations) for sampled users;
- scores precision@10 and recall@10 on the held-out entries against a popularity baseline
  (the most-rated titles the user has not tracked).

    python bench/recommend.py                          # the full size
    python bench/recommend.py --users 1000 --ratings 100000 --titles 5000   # quicker
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import flask_migrate  # noqa: E402
import numpy as np  # noqa: E402
from sqlalchemy import insert  # noqa: E402

from mymovielist import create_app  # noqa: E402
from mymovielist.discover import tasks  # noqa: E402
from mymovielist.extensions import db  # noqa: E402
from mymovielist.models import Genre, ListEntry, Movie, User, title_genres  # noqa: E402
from mymovielist.services import recommend  # noqa: E402

CLUSTERS = 20
FAVOURITES = 2  # clusters each user prefers
AFFINITY = 8.0  # how much likelier a user picks a title of a favourite cluster
ZIPF = 1.0


def synthesize(n_users: int, n_ratings: int, n_titles: int, seed: int):
    """Users' entries as arrays, with a 10 % holdout per user."""
    rng = np.random.default_rng(seed)
    cluster = rng.integers(0, CLUSTERS, n_titles)
    popularity = 1.0 / (rng.permutation(n_titles) + 1.0) ** ZIPF
    favourites = np.array([rng.choice(CLUSTERS, FAVOURITES, replace=False) for _ in range(n_users)])
    sizes = rng.lognormal(0.0, 0.8, n_users)
    sizes = np.clip(np.round(sizes / sizes.sum() * n_ratings), 5, n_titles // 4).astype(int)
    sizes[np.argmax(sizes)] += n_ratings - sizes.sum()
    log_pop = np.log(popularity)
    train, held = [], {}
    for user in range(n_users):
        liked = np.isin(cluster, favourites[user])
        # Gumbel top-k: a weighted sample without replacement in one vectorised pass.
        keys = log_pop + np.where(liked, np.log(AFFINITY), 0.0) + rng.gumbel(size=n_titles)
        picked = np.argpartition(-keys, sizes[user])[: sizes[user]]
        scores = np.clip(np.where(liked[picked], 78, 52) + rng.normal(0, 12, len(picked)), 0, 100).round()
        unscored = rng.random(len(picked)) < 0.1
        hold = rng.random(len(picked)) < 0.1
        held[user] = set(picked[hold].tolist())
        for title, score, blank in zip(picked[~hold], scores[~hold], unscored[~hold]):
            train.append((user, int(title), None if blank else int(score)))
    return cluster, popularity, train, held


def build(app, n_users, n_titles, cluster, popularity, train) -> None:
    now = datetime.now(UTC)
    with app.app_context():
        db.session.execute(insert(Genre), [{"id": c + 1, "name": f"Genre {c}", "slug": f"genre-{c}"}
                                           for c in range(CLUSTERS)])
        rng = np.random.default_rng(1)
        titles = [{"id": t + 1, "kind": "movie", "title": f"Title {t}", "slug": f"title-{t}",
                   "popularity": float(popularity[t] * 1000), "year": 2000 + t % 25} for t in range(n_titles)]
        db.session.execute(insert(Movie), titles)
        pairs = {(t + 1, int(cluster[t]) + 1) for t in range(n_titles)}
        pairs |= {(t + 1, int(rng.integers(1, CLUSTERS + 1))) for t in range(n_titles)}
        db.session.execute(insert(title_genres), [{"title_id": t, "genre_id": g} for t, g in pairs])
        db.session.execute(insert(User), [{"id": u + 1, "username": f"u{u}", "email": f"u{u}@example.org",
                                           "password_hash": "x"} for u in range(n_users)])
        for start in range(0, len(train), 100_000):
            rows = [{"user_id": u + 1, "title_id": t + 1, "score": s,
                     "status": "completed" if s is not None else "watching",
                     "updated_at": now - timedelta(minutes=i % 86_400)}
                    for i, (u, t, s) in enumerate(train[start:start + 100_000], start)]
            db.session.execute(insert(ListEntry), rows)
        db.session.commit()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=10_000)
    parser.add_argument("--ratings", type=int, default=1_000_000)
    parser.add_argument("--titles", type=int, default=20_000)
    parser.add_argument("--sample", type=int, default=1_000, help="users timed and scored")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--db", type=Path, help="reuse (or keep) the database at this path; same sizes and seed")
    args = parser.parse_args()

    t0 = time.perf_counter()
    cluster, popularity, train, held = synthesize(args.users, args.ratings, args.titles, args.seed)
    path = args.db or Path(tempfile.mkdtemp(prefix="bench-recommend-")) / "bench.sqlite3"
    reuse = path.exists()
    app = create_app({"TESTING": True, "SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}"})
    if not reuse:
        with app.app_context():
            flask_migrate.upgrade()
        build(app, args.users, args.titles, cluster, popularity, train)
    print(f"{'reused' if reuse else 'built'} {args.users:,} users, {args.titles:,} titles, {len(train):,} training "
          f"entries ({sum(map(len, held.values())):,} held out) in {time.perf_counter() - t0:.1f} s")

    with app.app_context():
        print(f"load average before the rebuild: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
        t0, c0 = time.perf_counter(), time.process_time()
        outcome = tasks.rebuild_neighbours()
        rebuild, cpu = time.perf_counter() - t0, time.process_time() - c0
        print(f"rebuild (title-neighbours job): {rebuild:.1f} s wall, {cpu:.1f} s CPU, {outcome}  [target <= 60 s]")

        counts = np.bincount([t for _u, t, _s in train], minlength=args.titles)
        popular = np.argsort(-counts, kind="stable")
        tracked: dict[int, set[int]] = {}
        for u, t, _s in train:
            tracked.setdefault(u, set()).add(t)
        rng = np.random.default_rng(args.seed + 1)
        sample = [int(u) for u in rng.choice(args.users, min(args.sample, args.users), replace=False) if held[int(u)]]
        latencies, cpu_times, ours, base = [], [], [], []
        for u in sample:
            user = db.session.get(User, u + 1)
            t0, c0 = time.perf_counter(), time.process_time()
            picks = recommend.recommend_for(user, limit=10)
            latencies.append((time.perf_counter() - t0) * 1000)
            cpu_times.append((time.process_time() - c0) * 1000)
            db.session.expire_all()
            got = [p.title.id - 1 for p in picks]
            baseline = [int(t) for t in popular[: 10 + len(tracked.get(u, ()))] if int(t) not in tracked.get(u, ())][:10]
            ours.append(len(set(got) & held[u]))
            base.append(len(set(baseline) & held[u]))
        relevant = [len(held[u]) for u in sample]
        p95 = float(np.percentile(latencies, 95))
        print(f"recommend_for latency over {len(sample)} users: median {statistics.median(latencies):.1f} ms, "
              f"p95 {p95:.1f} ms, max {max(latencies):.1f} ms  [target p95 <= 20 ms]")
        print(f"  CPU time of the same calls (what a shared machine's queueing does not inflate): median "
              f"{statistics.median(cpu_times):.1f} ms, p95 {float(np.percentile(cpu_times, 95)):.1f} ms; "
              f"load average now {os.getloadavg()[0]:.1f}")
        for name, hits in (("item-item", ours), ("popularity baseline", base)):
            precision = sum(hits) / (10 * len(sample))
            recall = statistics.mean(h / r for h, r in zip(hits, relevant))
            print(f"{name:20} precision@10 {precision:.4f}  recall@10 {recall:.4f}")


if __name__ == "__main__":
    main()
