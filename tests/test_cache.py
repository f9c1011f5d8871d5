"""The service cache: browse and search ids are memoized, and every change is visible on the next request."""

from __future__ import annotations

import re

from flask import Flask

from mymovielist import create_app
from mymovielist.extensions import cache, db
from mymovielist.services import cache_keys
from mymovielist.sync.records import ExternalRef, TitleRecord
from mymovielist.sync.service import store_record


def _rename(app: Flask, ref: str, new_title: str) -> None:
    with app.app_context():
        store_record(TitleRecord(kind="movie", title=new_title, refs=[ExternalRef("test", "movie", ref)]))
        db.session.commit()


def _browse_titles(client) -> list[str]:
    page = client.get("/movies?sort=title").get_data(as_text=True)
    return re.findall(r"(Alpha Film|Beta Film|Aardvark Film)", page)


def test_browse_is_cached_and_an_upsert_rename_shows_on_the_next_request(app, client, make_title, monkeypatch):
    make_title(title="Alpha Film", refs=[ExternalRef("test", "movie", "a")])
    make_title(title="Beta Film", refs=[ExternalRef("test", "movie", "b")])
    first = _browse_titles(client)
    assert first.index("Alpha Film") < first.index("Beta Film")

    # A second request is served from the cached ids: the id query does not run again.
    calls = []
    original = cache_keys.cached

    def spy(name, scopes, args, compute, timeout=None):
        return original(name, scopes, args, lambda: calls.append(name) or compute(), timeout)

    monkeypatch.setattr(cache_keys, "cached", spy)
    assert _browse_titles(client) == first
    assert calls == []

    _rename(app, "b", "Aardvark Film")
    after = _browse_titles(client)
    assert "Beta Film" not in after
    assert after.index("Aardvark Film") < after.index("Alpha Film")
    assert calls == ["browse-results", "browse", "browse-total", "browse-options"]  # all catalog data


def test_search_ids_are_invalidated_by_a_rename(app, client, make_title):
    make_title(title="Zebulon Quest", refs=[ExternalRef("test", "movie", "z")])
    response = client.get("/search?q=zebulon")
    assert response.status_code == 200 and "Zebulon Quest" in response.get_data(as_text=True)

    _rename(app, "z", "Marmalade Voyage")
    stale = client.get("/search?q=zebulon").get_data(as_text=True)
    assert "Marmalade Voyage" not in stale and "Zebulon Quest" not in stale
    assert "Marmalade Voyage" in client.get("/search?q=marmalade").get_data(as_text=True)


def test_a_rating_shows_its_new_mean_on_the_detail_page_at_once(app, client, make_title, make_user, auth):
    title_id = make_title(title="Rated Film")
    make_user("rater")
    auth.login("rater")
    with app.app_context():
        before = cache_keys.generation(cache_keys.title_scope(title_id))
        scores_before = cache_keys.generation(cache_keys.SCORES)
    assert "Not rated yet" in client.get(f"/titles/{title_id}").get_data(as_text=True)
    response = client.post(f"/titles/{title_id}/entry", data={"status": "completed", "score": "8"})
    assert response.status_code == 302
    with app.app_context():
        assert cache_keys.generation(cache_keys.title_scope(title_id)) != before
        assert cache_keys.generation(cache_keys.SCORES) != scores_before
    page = client.get(f"/titles/{title_id}").get_data(as_text=True)
    assert "8.0/10" in page and "(1 rating" in page and "Not rated yet" not in page


def test_generation_bumps_again_after_commit_and_not_after_rollback(app):
    with app.app_context():
        start = cache_keys.generation(cache_keys.CATALOG)
        cache_keys.catalog_changed()
        during = cache_keys.generation(cache_keys.CATALOG)
        assert during != start
        db.session.commit()
        assert cache_keys.generation(cache_keys.CATALOG) != during  # a reader in between is discarded

        cache_keys.user_changed(7)
        scope = cache_keys.user_scope(7)
        pending = cache_keys.generation(scope)
        db.session.rollback()
        assert cache_keys.generation(scope) == pending


def test_cached_memoizes_under_the_scope_generation(app):
    with app.app_context():
        computed = []
        value = cache_keys.cached("t", (cache_keys.CATALOG,), ("x", 1), lambda: computed.append(1) or [1, 2])
        again = cache_keys.cached("t", (cache_keys.CATALOG,), ("x", 1), lambda: computed.append(1) or [9])
        assert value == again == [1, 2] and len(computed) == 1
        assert cache_keys.cached("t", (cache_keys.CATALOG,), ("x", 2), lambda: [3]) == [3]
        cache_keys.catalog_changed()
        assert cache_keys.cached("t", (cache_keys.CATALOG,), ("x", 1), lambda: [4]) == [4]
        db.session.rollback()


def test_redis_url_switches_the_cache_to_redis(tmp_path, monkeypatch):
    monkeypatch.setattr(Flask, "auto_find_instance_path", lambda self: str(tmp_path / "instance"))
    app = create_app({"TESTING": True, "CACHE_REDIS_URL": "redis://127.0.0.1:1/0",
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.db'}"})
    assert app.config["CACHE_TYPE"] == "RedisCache"
    assert app.config["CACHE_KEY_PREFIX"].startswith("mymovielist")
    plain = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'y.db'}"})
    # Without Redis the default is the file cache every process of the instance folder shares.
    assert plain.config["CACHE_TYPE"] == "mymovielist.caching.FileSystemCache"
    assert plain.config["CACHE_DIR"] == str(tmp_path / "instance" / "cache")
    assert plain.config["RATELIMIT_STORAGE_URI"] == f"sqlite:///{tmp_path / 'instance' / 'ratelimits.sqlite3'}"
    assert cache is not None


def test_a_title_pages_catalog_sections_render_once_until_the_catalog_changes(app, make_title, make_user, auth,
                                                                                 monkeypatch):
    from mymovielist.catalog import fragments
    from mymovielist.sync.records import CreditRecord, PersonRecord

    cast = [CreditRecord(PersonRecord("Ada Actor", ExternalRef("test", "person", "p1")), "cast", character="Lead")]
    title_id = make_title(title="Sectioned Film", refs=[ExternalRef("test", "movie", "s")], credits=cast)
    make_user("member")
    auth.login("member")  # members get a fresh page each time; only its catalog part is kept
    loads = []
    original = fragments.catalog.get_title
    monkeypatch.setattr(fragments.catalog, "get_title", lambda title_id: loads.append(title_id) or original(title_id))
    for _ in range(2):
        page = auth._client.get(f"/titles/{title_id}").get_data(as_text=True)
        assert "Ada Actor" in page and "as Lead" in page and "member" in page
    assert loads == [title_id]

    with app.app_context():  # a sync recasts the part: the next request renders the sections again
        renamed = [CreditRecord(PersonRecord("Ada Actor", ExternalRef("test", "person", "p1")), "cast", character="Hero")]
        store_record(TitleRecord(kind="movie", title="Sectioned Film", refs=[ExternalRef("test", "movie", "s")],
                                 credits=renamed))
        db.session.commit()
    assert "as Hero" in auth._client.get(f"/titles/{title_id}").get_data(as_text=True)
    assert loads == [title_id, title_id]


def test_a_title_pages_head_renders_once_for_members_and_our_score_stays_live(app, make_title, make_user, auth,
                                                                               monkeypatch):
    from mymovielist.catalog import fragments

    title_id = make_title(title="Headed Film", refs=[ExternalRef("test", "movie", "h")], genres=["Drama"],
                          synopsis="A film with a head.")
    make_user("header")
    auth.login("header")
    loads = []
    original = fragments.catalog.get_title_summary
    monkeypatch.setattr(fragments.catalog, "get_title_summary", lambda i: loads.append(i) or original(i))
    for _ in range(2):
        page = auth._client.get(f"/titles/{title_id}").get_data(as_text=True)
        assert "Headed Film" in page and ">Drama</a>" in page and "A film with a head." in page
        assert "<dt>Our score</dt><dd><span id=\"our-score\"><span class=\"muted\">Not rated yet" in page
    auth._client.post(f"/titles/{title_id}/rating", data={"score": "8"})
    page = auth._client.get(f"/titles/{title_id}").get_data(as_text=True)
    assert '<span id="our-score">8.0/10' in page and "(1 rating" in page  # the score is rendered live
    assert loads == [title_id]  # the head was rendered once, the rating did not render it again

    with app.app_context():  # a sync renames the title: the next request renders the head again
        store_record(TitleRecord(kind="movie", title="Renamed Film", refs=[ExternalRef("test", "movie", "h")]))
        db.session.commit()
    assert "Renamed Film" in auth._client.get(f"/titles/{title_id}").get_data(as_text=True)
    assert loads == [title_id, title_id]


def test_a_members_browse_page_renders_its_titles_once_until_the_catalog_changes(app, make_title, make_user, auth,
                                                                                  monkeypatch):
    from mymovielist.services import catalog

    make_title(title="Browsed Film", refs=[ExternalRef("test", "movie", "bf")])
    make_user("browser")
    auth.login("browser")
    loads = []
    original = catalog.list_titles
    monkeypatch.setattr(catalog, "list_titles", lambda *a, **k: loads.append(1) or original(*a, **k))
    for _ in range(3):
        page = auth._client.get("/movies").get_data(as_text=True)
        assert "Browsed Film" in page and "browser" in page  # the member's own nav around the kept titles
    assert len(loads) == 1
    _rename(app, "bf", "Renamed Browse")
    assert "Renamed Browse" in auth._client.get("/movies").get_data(as_text=True)
    assert len(loads) == 2


def test_the_nav_watchlist_count_is_kept_per_user_and_follows_their_entries(app, make_title, make_user, auth, monkeypatch):
    from mymovielist.services import tracking

    first, second = make_title("movie"), make_title("movie")
    make_user("counter")
    auth.login("counter")
    counts = []
    original = tracking.watchlist_count
    monkeypatch.setattr(tracking, "watchlist_count", lambda uid: counts.append(uid) or original(uid))

    def shown() -> str:
        page = auth._client.get(f"/titles/{first}").get_data(as_text=True)
        return re.search(r'id="watchlist-count".*?<span class="count"[^>]*>(\d+)<', page, re.DOTALL).group(1)

    assert shown() == shown() == "0" and len(counts) == 1  # the second page asked no query
    auth._client.post(f"/titles/{first}/watchlist")
    auth._client.post(f"/titles/{second}/watchlist")
    assert shown() == "2"
    auth._client.post(f"/titles/{first}/watchlist")
    assert shown() == "1"
