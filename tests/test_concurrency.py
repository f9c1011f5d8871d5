"""Eight processes rate and change entries on one SQLite file for a few seconds: nothing is lost.

Each worker builds its own app (its own engine and connections) on the same database file, logs in
as its own user and sends real requests through the test client: ratings, clearing them, +1 and
status changes. It keeps the state every acknowledged write implies; afterwards the database must
hold exactly that state for every user, no request may have failed ("database is locked" or any
other error), and every title's aggregates must equal a recomputation from list_entries.
"""

from __future__ import annotations

import logging
import multiprocessing
import random
import shutil
import sys
import time
from pathlib import Path

from sqlalchemy import select

from mymovielist import create_app
from mymovielist.extensions import db
from mymovielist.models import ListEntry, Title, WatchEvent
from mymovielist.services import accounts, ratings
from mymovielist.sync.records import ExternalRef, TitleRecord
from mymovielist.sync.upsert import CatalogWriter
from conftest import PASSWORD, _test_config

WORKERS = 8
DURATION = 3.0  # seconds of writing, after every worker is ready
MIN_WRITES = 3
SCORES = ["", *[str(n / 2).removesuffix(".0") for n in range(21)]]


def _expect_rating(state: dict, kind: str, score: str) -> None:
    stored = None if score == "" else int(float(score) * 10)
    if state.get("status") is None:
        if stored is None:
            return  # clearing a rating that does not exist creates nothing
        state.update(status="completed" if kind == "movie" else "watching", progress=1 if kind == "movie" else 0)
    state["score"] = stored


def _expect_progress(state: dict) -> None:
    if state.get("status") is None:
        state.update(status="watching", progress=0, score=None)
    state["progress"] += 1
    if state["status"] in ("planned", "on_hold", "dropped"):
        state["status"] = "watching"
    state["plus"] = state.get("plus", 0) + 1


def _expect_status(state: dict, status: str) -> None:
    if state.get("status") is None:
        state.update(progress=0, score=None)
    state["status"] = status


class _Capture(logging.Handler):
    """Keeps what the app logged (an unhandled error's traceback) to report it from the worker."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(logging.Formatter().format(record)[-1500:])


def _worker(db_path: str, username: str, titles: dict, seed: int, ready, start, results) -> None:
    """One process: its own app on the shared file, writing until the deadline."""
    folder = Path(db_path).parent
    app = create_app(_test_config(folder, SQLALCHEMY_DATABASE_URI=f"sqlite:///{db_path}"))
    failures = _Capture()
    app.logger.addHandler(failures)
    client = app.test_client()
    login = client.post("/auth/login", data={"username": username, "password": PASSWORD})
    ready.put((username, login.status_code))
    start.wait(60)
    rng = random.Random(seed)
    expected: dict[int, dict] = {}
    errors: list[str] = []
    done = 0
    begun = time.monotonic()
    # Write for DURATION; a worker the lock kept waiting goes on until it wrote MIN_WRITES times.
    while (time.monotonic() - begun < DURATION or done < MIN_WRITES) and time.monotonic() - begun < 30:
        title_id = rng.choice(list(titles))
        kind = titles[title_id]
        state = expected.setdefault(title_id, {})
        roll = rng.random()
        try:
            if roll < 0.55 or kind == "movie":
                score = rng.choice(SCORES)
                response = client.post(f"/titles/{title_id}/rating", data={"score": score})
                apply = lambda: _expect_rating(state, kind, score)  # noqa: E731
            elif roll < 0.85:
                response = client.post(f"/titles/{title_id}/progress")
                apply = lambda: _expect_progress(state)  # noqa: E731
            else:
                status = rng.choice(["watching", "on_hold", "dropped"])
                response = client.post(f"/titles/{title_id}/entry", data={"status": status})
                apply = lambda: _expect_status(state, status)  # noqa: E731
        except Exception as error:  # a crash inside the app is an error to report, not to hide
            errors.append(repr(error))
            continue
        if response.status_code == 302:
            apply()
            done += 1
        else:
            errors.append(f"{response.status_code} {response.get_data(as_text=True)[:200]}")
    with app.app_context():
        db.engine.dispose()
    results.put({"username": username, "expected": expected, "errors": errors + failures.messages, "done": done})


def test_eight_processes_lose_no_write_and_keep_aggregates_exact(tmp_path, migrated_db_file):
    db_path = tmp_path / "shared.sqlite3"
    shutil.copy(migrated_db_file, db_path)
    app = create_app(_test_config(tmp_path, SQLALCHEMY_DATABASE_URI=f"sqlite:///{db_path}"))
    with app.app_context():
        writer = CatalogWriter(source="demo")
        titles = {}
        for n, kind in enumerate(["movie", "movie", "movie", "anime", "anime", "anime"]):
            title = writer.upsert(TitleRecord(kind=kind, title=f"Busy {n}", refs=[ExternalRef("c", kind, str(n))])).title
            db.session.flush()
            titles[title.id] = kind
        users = [accounts.register(f"worker{i}", f"worker{i}@example.org", PASSWORD).username for i in range(WORKERS)]
        db.session.commit()
        db.engine.dispose()

    # forkserver, not fork: workers start clean (no connection, thread or lock inherited from pytest),
    # and fork from one server that imported the app once, so eight start in a second, not in eight.
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["test_concurrency", *sorted(m for m in sys.modules if m.startswith("mymovielist"))])
    ready, results, start = context.Queue(), context.Queue(), context.Event()
    processes = [context.Process(target=_worker, args=(str(db_path), name, titles, i, ready, start, results))
                 for i, name in enumerate(users)]
    for process in processes:
        process.start()
    try:
        logins = [ready.get(timeout=60) for _ in processes]
        assert all(status == 302 for _, status in logins), logins
        started = time.monotonic()
        start.set()
        reports = [results.get(timeout=60) for _ in processes]
        elapsed = time.monotonic() - started
    finally:
        for process in processes:
            process.join(timeout=30)
            if process.is_alive():
                process.kill()

    errors = [error for report in reports for error in report["errors"]]
    assert errors == [], errors[:5]
    assert not any("locked" in error for error in errors)
    writes = sum(report["done"] for report in reports)
    # every worker really wrote, several times, while the others did (the machine's load sets how often)
    assert all(report["done"] >= MIN_WRITES for report in reports), [report["done"] for report in reports]
    print(f"\n{writes} acknowledged writes by {WORKERS} processes in {elapsed:.1f} s")

    with app.app_context():
        for report in reports:
            user = accounts.get_user_by_username(report["username"])
            rows = {e.title_id: e for e in db.session.scalars(select(ListEntry).where(ListEntry.user_id == user.id))}
            for title_id, state in report["expected"].items():
                title_id = int(title_id)
                if state.get("status") is None:
                    assert title_id not in rows
                    continue
                row = rows[title_id]
                assert (row.status, row.progress, row.score) == (state["status"], state["progress"], state["score"]), (
                    report["username"], title_id)
                plus = db.session.scalar(select(db.func.count()).select_from(WatchEvent).where(
                    WatchEvent.user_id == user.id, WatchEvent.title_id == title_id))
                assert plus == (state.get("plus", 0) if titles[title_id] == "anime" else (1 if row.progress else 0))
        expected = ratings.expected_aggregates()
        for title in db.session.scalars(select(Title)):
            count, mean, weighted = expected.get(title.id, (0, None, None))
            assert title.rating_count == count
            assert (title.mean_score is None and mean is None) or abs(title.mean_score - mean) < 1e-9
            assert (title.weighted_score is None and weighted is None) or abs(title.weighted_score - weighted) < 1e-9
        db.engine.dispose()
