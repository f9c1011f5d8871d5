"""The SQLite rate-limit storage: fixed windows, and counts that several processes add up exactly."""

from __future__ import annotations

import multiprocessing
import time
from pathlib import Path

import pytest
from limits import parse
from limits.storage import storage_from_string
from limits.strategies import FixedWindowRateLimiter

from mymovielist.ratelimit_storage import SQLiteStorage

HITS = 200


def _hit(uri: str, start, done) -> None:
    storage = storage_from_string(uri)
    start.wait(30)
    for _ in range(HITS):
        storage.incr("shared", 60)
    done.put(True)


def test_the_uri_names_a_file(tmp_path: Path):
    storage = storage_from_string(f"sqlite:///{tmp_path / 'limits.sqlite3'}")
    assert isinstance(storage, SQLiteStorage) and storage.check()
    assert (tmp_path / "limits.sqlite3").exists()
    with pytest.raises(ValueError):
        SQLiteStorage("sqlite://")


def test_a_fixed_window_counts_then_starts_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    storage = SQLiteStorage(f"sqlite:///{tmp_path / 'limits.sqlite3'}")
    limiter = FixedWindowRateLimiter(storage)
    limit = parse("3 per minute")
    assert [limiter.hit(limit, "alice") for _ in range(4)] == [True, True, True, False]
    assert limiter.hit(limit, "bob")  # another key counts apart
    reset, remaining = limiter.get_window_stats(limit, "alice")
    assert remaining == 0 and time.time() < reset <= time.time() + 60

    now = time.time()
    monkeypatch.setattr(time, "time", lambda: now + 61)  # the window is over
    assert storage.get(limit.key_for("alice")) == 0
    assert limiter.hit(limit, "alice")
    assert storage.get(limit.key_for("alice")) == 1

    limiter.clear(limit, "alice")
    assert storage.get(limit.key_for("alice")) == 0
    assert storage.reset() == 1  # bob's row (alice's is cleared)
    assert storage.get(limit.key_for("bob")) == 0


def test_processes_incrementing_at_once_lose_no_count(tmp_path: Path):
    uri = f"sqlite:///{tmp_path / 'limits.sqlite3'}"
    context = multiprocessing.get_context("forkserver")
    start, done = context.Event(), context.Queue()
    workers = [context.Process(target=_hit, args=(uri, start, done)) for _ in range(3)]
    for worker in workers:
        worker.start()
    start.set()
    try:
        assert all(done.get(timeout=60) for _ in workers)
    finally:
        for worker in workers:
            worker.join(timeout=10)
    assert SQLiteStorage(uri).get("shared") == 3 * HITS
