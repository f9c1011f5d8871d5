"""A cache filled past its threshold still serves pages and still forgets them when their data changes."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import REDIS_URL, _test_config, clone_database, close_app
from flask import Flask
from sqlalchemy import event

from mymovielist import create_app
from mymovielist.caching import GENERATIONS
from mymovielist.config import DefaultConfig
from mymovielist.extensions import cache, db
from mymovielist.services import cache_keys
from mymovielist.sync.records import ExternalRef, TitleRecord
from mymovielist.sync.service import store_record

THRESHOLD = 20
TITLES = 3 * THRESHOLD  # each title page is one entry, plus what the page memoizes


@pytest.fixture(params=["test-backend", "file"])
def small_app(request, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, migrated_db_file: Path) -> Iterator[Flask]:
    """An app whose cache holds THRESHOLD entries: the suite's backend (SimpleCache, or Redis), or the default files."""
    if request.param == "test-backend" and REDIS_URL:
        pytest.skip("Redis has no count threshold to fill")
    monkeypatch.setattr(Flask, "auto_find_instance_path", lambda self: str(tmp_path / "instance"))
    clone_database(migrated_db_file, tmp_path)
    overrides: dict = {"CACHE_THRESHOLD": THRESHOLD}
    if request.param == "file":
        overrides.update(CACHE_TYPE=DefaultConfig.CACHE_TYPE, CACHE_DIR=str(tmp_path / "cache"), CACHE_REDIS_URL="")
    app = create_app(_test_config(tmp_path, **overrides))
    yield app
    close_app(app)


def _titles(app: Flask, count: int) -> list[int]:
    with app.app_context():
        ids = [store_record(TitleRecord(kind="movie", title=f"Film {n}", refs=[ExternalRef("test", "movie", str(n))])).title.id
               for n in range(count)]
        db.session.commit()
    return ids


def _rename(app: Flask, n: int, name: str) -> None:
    with app.app_context():
        store_record(TitleRecord(kind="movie", title=name, refs=[ExternalRef("test", "movie", str(n))]))
        db.session.commit()


def _queries(app: Flask, client, path: str) -> tuple[int, str]:
    """The number of SQL statements a visitor's request runs (0: the page came from the cache), and the page."""
    seen: list[str] = []
    with app.app_context():
        engine = db.engine
    listener = lambda *args: seen.append(args[2])
    event.listen(engine, "before_cursor_execute", listener)
    try:
        response = client.get(path)
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    assert response.status_code == 200
    return len(seen), response.get_data(as_text=True)


def test_pages_stay_cached_and_invalidated_after_the_cache_overflows(small_app):
    ids = _titles(small_app, TITLES)
    visitor = small_app.test_client()
    for title_id in ids:  # three times as many pages as the cache holds: it prunes again and again
        _queries(small_app, visitor, f"/titles/{title_id}")

    # The pages seen last are still served from the cache (the tokens guarding them were not pruned).
    for title_id in ids[-3:]:
        queries, page = _queries(small_app, visitor, f"/titles/{title_id}")
        assert queries == 0, f"title {title_id} was rendered again"

    # A change still shows at once, on a page still kept and on one pruned long ago.
    _rename(small_app, TITLES - 1, "Renamed Last")
    _rename(small_app, 0, "Renamed First")
    for title_id, name in ((ids[-1], "Renamed Last"), (ids[0], "Renamed First")):
        queries, page = _queries(small_app, visitor, f"/titles/{title_id}")
        assert queries > 0 and name in page
        assert _queries(small_app, visitor, f"/titles/{title_id}") == (0, page)  # and is kept again


@pytest.mark.parametrize("small_app", ["file"], indirect=True)
def test_the_file_cache_prunes_to_below_its_threshold(small_app):
    ids = _titles(small_app, TITLES)
    visitor = small_app.test_client()
    for title_id in ids:
        _queries(small_app, visitor, f"/titles/{title_id}")
    entries = [name for name in os.listdir(small_app.config["CACHE_DIR"]) if not name.endswith(".__wz_cache")]
    assert THRESHOLD // 2 <= len(entries) <= THRESHOLD + 2  # the count file, and at most one write past the limit
    # Every scope's token is still there, in its own directory, never pruned.
    tokens = os.listdir(small_app.config["CACHE_DIR"] + "-generations")
    assert len(tokens) >= TITLES


def test_a_lost_token_never_brings_back_an_old_page(small_app):
    [title_id] = _titles(small_app, 1)
    visitor = small_app.test_client()
    assert "Film 0" in _queries(small_app, visitor, f"/titles/{title_id}")[1]
    with small_app.app_context():
        old = cache_keys.generation(cache_keys.title_scope(title_id))
    _rename(small_app, 0, "Second Name")
    assert "Second Name" in _queries(small_app, visitor, f"/titles/{title_id}")[1]
    # The store loses the title's token (evicted, or the files deleted): the next one is new, never
    # the first again, so the page kept under the first name is not served.
    with small_app.app_context():
        small_app.extensions[GENERATIONS].delete(f"gen:{cache_keys.title_scope(title_id)}")
        assert cache_keys.generation(cache_keys.title_scope(title_id)) != old
    page = _queries(small_app, visitor, f"/titles/{title_id}")[1]
    assert "Second Name" in page and "Film 0" not in page


def test_clearing_the_cache_keeps_the_tokens(small_app):
    [title_id] = _titles(small_app, 1)
    with small_app.app_context():
        token = cache_keys.generation(cache_keys.title_scope(title_id))
        cache.clear()  # the admin dashboard's button
        assert cache_keys.generation(cache_keys.title_scope(title_id)) == token
