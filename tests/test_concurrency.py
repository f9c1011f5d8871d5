"""Eight processes rate and change entries on one SQLite file for a few seconds: nothing is lost.

Each worker builds its own app (its own engine and connections) on the same database file, logs in
as its own user and sends real requests through the test client: ratings, clearing them, +1,
status changes and watchlist toggles (which delete rated entries). It keeps the state every
acknowledged write implies (a model of the rules); afterwards the database must
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

import pytest
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
# A write transaction spans its request, so a writer may queue behind the seven others; on the two
# cores the test machine shares, eight requests in a row can take longer than the 5 s default.
BUSY_TIMEOUT_MS = 30_000
SCORES = ["", *[str(n / 2).removesuffix(".0") for n in range(21)]]


class Model:
    """What one user's entry for one title must be after the requests the server acknowledged."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.status: str | None = None  # None: not on the list
        self.progress = 0
        self.score: int | None = None
        self.watches = 0  # the watch log survives removal from the list
        self.by_score = False  # the entry exists only because it was rated

    def _create(self, status: str) -> None:
        self.status, self.progress, self.score, self.by_score = status, 0, None, False
        if status == "completed" and self.kind == "movie":
            self.progress, self.watches = 1, self.watches + 1

    def rate(self, score: str) -> int:
        stored = None if score == "" else int(float(score) * 10)
        if self.status is None and stored is None:
            return 302  # clearing a rating that does not exist creates nothing
        if self.status is None:
            self._create("completed" if self.kind == "movie" else "planned")  # a score is no progress
            self.by_score = True
        self.score = stored
        if stored is None and self.by_score and self.status == "planned" and not self.watches:
            self.status = None  # clearing the score takes back the entry only the score made
        return 302

    def plus_one(self) -> int:
        if self.status is None:
            self._create("watching")
        self.progress, self.watches = self.progress + 1, self.watches + 1
        if self.status in ("planned", "on_hold", "dropped"):
            self.status = "watching"
        return 302

    def set_status(self, status: str) -> int:
        if self.status is None:
            self._create(status)
        self.status = status
        return 302

    def toggle_watchlist(self) -> int:
        if self.status is None:
            self._create("planned")
        elif self.status == "planned":
            self.status = None
        else:
            return 409  # already on the list with another status: refused, nothing changes
        return 302


def _request(client, rng: random.Random, title_id: int, model: Model):
    """One random request, and the model's change with the status it expects, to apply once acknowledged."""
    roll = rng.random()
    if roll < 0.2:
        return client.post(f"/titles/{title_id}/watchlist"), model.toggle_watchlist
    if roll < 0.65 or model.kind == "movie":
        score = rng.choice(SCORES)
        return client.post(f"/titles/{title_id}/rating", data={"score": score}), lambda: model.rate(score)
    if roll < 0.85:
        return client.post(f"/titles/{title_id}/progress"), model.plus_one
    status = rng.choice(["watching", "on_hold", "dropped"])
    return client.post(f"/titles/{title_id}/entry", data={"status": status}), lambda: model.set_status(status)


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
    app = create_app(_test_config(folder, SQLALCHEMY_DATABASE_URI=f"sqlite:///{db_path}",
                                  SQLITE_BUSY_TIMEOUT_MS=BUSY_TIMEOUT_MS))
    failures = _Capture()
    app.logger.addHandler(failures)
    client = app.test_client()
    login = client.post("/auth/login", data={"username": username, "password": PASSWORD})
    ready.put((username, login.status_code))
    start.wait(60)
    rng = random.Random(seed)
    expected: dict[int, Model] = {}
    errors: list[str] = []
    done, slowest = 0, 0.0
    begun = time.monotonic()
    # Write for DURATION; a worker the lock kept waiting goes on until it wrote MIN_WRITES times.
    while (time.monotonic() - begun < DURATION or done < MIN_WRITES) and time.monotonic() - begun < 30:
        title_id = rng.choice(list(titles))
        model = expected.setdefault(title_id, Model(titles[title_id]))
        before = dict(vars(model))
        sent = time.monotonic()
        try:
            response, change = _request(client, rng, title_id, model)
        except Exception as error:  # a crash inside the app is an error to report, not to hide
            errors.append(repr(error))
            continue
        slowest = max(slowest, time.monotonic() - sent)
        if response.status_code == change():
            done += 1
        else:
            vars(model).update(before)  # not acknowledged as the model expects: no change to count on
            errors.append(f"{response.status_code} {response.get_data(as_text=True)[:200]}")
    with app.app_context():
        db.engine.dispose()
    results.put({"username": username, "expected": {t: vars(m) for t, m in expected.items()},
                 "errors": errors + failures.messages, "done": done, "slowest": slowest})


@pytest.mark.sqlite_only  # the workers share one SQLite file: the embedded mode's hard case
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
    slowest = max(report["slowest"] for report in reports)
    print(f"\n{writes} acknowledged writes by {WORKERS} processes in {elapsed:.1f} s; slowest request {slowest:.2f} s")

    with app.app_context():
        for report in reports:
            user = accounts.get_user_by_username(report["username"])
            rows = {e.title_id: e for e in db.session.scalars(select(ListEntry).where(ListEntry.user_id == user.id))}
            for title_id, state in report["expected"].items():
                if state["status"] is None:
                    assert title_id not in rows, (report["username"], title_id)
                else:
                    row = rows[title_id]
                    assert (row.status, row.progress, row.score) == (state["status"], state["progress"], state["score"]), (
                        report["username"], title_id)
                watches = db.session.scalar(select(db.func.count()).select_from(WatchEvent).where(
                    WatchEvent.user_id == user.id, WatchEvent.title_id == title_id))
                assert watches == state["watches"], (report["username"], title_id)
        expected = ratings.expected_aggregates()
        ratings.refresh_weighted_scores()  # the trending-scores job's step: other titles' weighted scores lag until it
        db.session.expire_all()
        for title in db.session.scalars(select(Title)):
            count, mean, weighted = expected.get(title.id, (0, None, None))
            assert title.rating_count == count
            assert (title.mean_score is None and mean is None) or abs(title.mean_score - mean) < 1e-9
            assert (title.weighted_score is None and weighted is None) or abs(title.weighted_score - weighted) < 1e-9
        db.engine.dispose()
