"""Catalog sync end to end: the real clients against the emulator, the service, the CLI."""

from __future__ import annotations

import json
from datetime import date

import pytest
from emulator import TIMEOUT_TEST_READ, load
from sqlalchemy import func, select

from mymovielist.extensions import db
from mymovielist.models import Episode, ExternalId, SyncRun, Title, TitleRevision
from mymovielist.sync import catalog_ops, service
from mymovielist.sync.clients import get_clients
from mymovielist.sync.records import ExternalRef, TitleRecord
from mymovielist.sync.service import Target
from mymovielist.sync.upsert import CatalogWriter

# Key fields of every recorded title, exactly as the recorded responses give them.
EXPECTED = {
    ("tmdb", "movie", "76"): dict(
        kind="movie", title="Before Sunrise", original_title="Before Sunrise", year=1995, release_date="1995-01-27",
        runtime_minutes=101, episode_count=None, status="finished", genres=["Drama", "Romance"],
        external_ids={"tmdb": "76", "imdb": "tt0112471"}),
    ("tmdb", "tv", "1399"): dict(
        kind="series", title="Game of Thrones", original_title="Game of Thrones", year=2011,
        release_date="2011-04-17", runtime_minutes=60, episode_count=73, status="finished",
        genres=["Action & Adventure", "Drama", "Sci-Fi & Fantasy"], external_ids={"tmdb": "1399", "imdb": "tt0944947"}),
    ("jikan", "anime", "1"): dict(
        kind="anime", title="Cowboy Bebop", original_title="カウボーイビバップ", year=1998, release_date="1998-04-03",
        runtime_minutes=24, episode_count=26, status="finished",
        genres=["Action", "Adult Cast", "Award Winning", "Sci-Fi", "Space"], external_ids={"jikan": "1"}),
    ("jikan", "anime", "457"): dict(
        kind="anime", title="Mushishi", original_title="蟲師", year=2005, release_date="2005-10-23",
        runtime_minutes=25, episode_count=26, status="finished", external_ids={"jikan": "457"}),
    ("jikan", "manga", "1"): dict(
        kind="comic", title="Monster", original_title="MONSTER", year=1994, release_date="1994-12-05",
        episode_count=162, status="finished", external_ids={"jikan": "1"}),
    ("comicvine", "volume", "153158"): dict(
        kind="comic", title="Ninja High School / Gold Digger Crossover Collection", year=2023, episode_count=1,
        external_ids={"comicvine": "153158"}),
    ("comicvine", "volume", "18216"): dict(
        kind="comic", title="Green Lantern", year=2005, episode_count=67, external_ids={"comicvine": "18216"}),
}


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def import_cli(runner, *args):
    result = runner.invoke(args=["sync", "import", *args])
    assert result.exit_code == 0, result.output
    return int(result.stdout.strip().splitlines()[0])


@pytest.fixture
def runner(sync_app):
    return sync_app.test_cli_runner()


@pytest.mark.parametrize("key", list(EXPECTED), ids=lambda k: ":".join(k))
def test_each_recorded_response_imports_exactly(sync_app, runner, key):
    title_id = import_cli(runner, *key)
    shown = runner.invoke(args=["catalog", "show", ":".join(key), "--json"])
    data = json.loads(shown.output)
    assert data["id"] == title_id
    for field, value in EXPECTED[key].items():
        assert data[field] == value, field
    # A second import finds everything equal: no revision, "unchanged".
    with sync_app.app_context():
        revisions = count(TitleRevision)
    again = runner.invoke(args=["sync", "import", *key])
    assert again.exit_code == 0 and again.stdout.strip() == str(title_id)
    assert "unchanged" in again.stderr
    with sync_app.app_context():
        assert count(TitleRevision) == revisions
        assert count(Title) == 1


def test_details_and_extras_are_stored(sync_app, runner):
    bebop = import_cli(runner, "jikan", "anime", "1")
    got = import_cli(runner, "tmdb", "tv", "1399")
    movie = import_cli(runner, "tmdb", "movie", "76")
    with sync_app.app_context():
        data = catalog_ops.title_json(db.session.get(Title, bebop))
        spike = next(c for c in data["characters"] if c["name"] == "Spiegel, Spike")
        assert spike["role"] == "main"
        assert {"name": "Watanabe, Shinichirou", "role": "crew", "character": None, "job": "Director"} in data["credits"]
        assert data["synopsis"].startswith("Crime is timeless.")
        thrones = db.session.get(Title, got)
        assert [(e.season_number, e.number) for e in thrones.episodes] == [(1, n) for n in range(1, 11)]
        assert thrones.episodes[0].name == "Winter Is Coming"
        assert len(thrones.seasons) == 9
        sunrise = catalog_ops.title_json(db.session.get(Title, movie))
        cast = [c for c in sunrise["credits"] if c["role"] == "cast"]
        assert sunrise["credits"][: len(cast)] == cast  # cast first, in billing order
        assert cast[0]["name"] == "Ethan Hawke" and cast[0]["character"] == "Jesse Wallace"
        anime = db.session.get(Title, bebop)
        assert any(r.relation == "side story" and r.target_provider == "jikan" for r in anime.relations)


@pytest.mark.parametrize("key, text", [
    (("tmdb", "tv", "1399"), "Peter Dinklage"),
    (("jikan", "anime", "1"), "Spiegel, Spike"),
    (("comicvine", "volume", "18216"), "Green Lantern"),
])
def test_an_imported_title_fills_a_detail_page(sync_app, runner, key, text):
    title_id = import_cli(runner, *key)
    page = sync_app.test_client().get(f"/titles/{title_id}", follow_redirects=True)
    assert page.status_code == 200 and text in page.get_data(as_text=True)


def test_comic_vine_html_is_sanitized(sync_app, runner):
    title_id = import_cli(runner, "comicvine", "volume", "18216")
    with sync_app.app_context():
        title = db.session.get(Title, title_id)
        assert "Preceded by Green Lantern Volume 3" in title.synopsis
        assert "<" not in title.synopsis.replace("<-", "")  # markup dropped, text kept
        assert "href" not in title.synopsis


def test_hostile_provider_html_never_reaches_the_catalog(sync_app, runner, emulator):
    body = json.loads(load("comicvine", "more_volume_4050-1194.json"))
    body["results"].update(id=4242, deck=None,
                           description='<script>alert(1)</script><p onclick="x()">Safe <b>text</b><img src=x onerror=alert(2)></p>')
    emulator.serve_json("comicvine", "/volume/4050-4242/", body)
    title_id = import_cli(runner, "comicvine", "volume", "4242")
    with sync_app.app_context():
        assert db.session.get(Title, title_id).synopsis == "Safe text"


def test_locked_fields_survive_a_sync(sync_app, runner, emulator):
    title_id = import_cli(runner, "tmdb", "movie", "76")
    with sync_app.app_context():
        title = db.session.get(Title, title_id)
        title.title = "Before Sunrise (director's cut)"
        title.synopsis = "Our own words."
        title.locked_fields = ["title", "synopsis"]
        db.session.commit()
    body = json.loads(load("tmdb", "movies_details_full.json"))
    body["overview"] = "TMDB rewrote this."
    body["tagline"] = "A new tagline from TMDB."
    emulator.serve_json("tmdb", "/movie/76", body)
    import_cli(runner, "tmdb", "movie", "76")
    with sync_app.app_context():
        title = db.session.get(Title, title_id)
        assert (title.title, title.synopsis) == ("Before Sunrise (director's cut)", "Our own words.")
        assert title.tagline == "A new tagline from TMDB."  # unlocked fields still follow the provider
        last = title.revisions[-1]
        assert set(last.changes) == {"tagline"}


@pytest.mark.parametrize(
    "fault, path, message",
    [
        ("500", "/anime/1/staff", "answered HTTP 500"),
        ("malformed", "/anime/1/characters", "not valid JSON"),
        ("truncated", "/anime/1/full", "IncompleteRead"),
        ("timeout", "/anime/1/episodes", "timed out"),
    ],
)
def test_a_fault_leaves_no_half_written_title(sync_app, emulator, fault, path, message):
    """Details fetched fine, then one extra fails: nothing of the title is stored, the run says why."""
    sync_app.config["PROVIDER_READ_TIMEOUT"] = TIMEOUT_TEST_READ  # before the clients are built
    emulator.inject(fault, "jikan", path, delay=1.0)
    with sync_app.app_context():
        result = service.sync_targets(get_clients(), [Target("jikan", "anime", "1")], job="test")
        run = db.session.get(SyncRun, result.run_id)
        assert (run.status, run.failed, run.created, run.fetched, run.total) == ("failed", 1, 0, 1, 1)
        assert run.error.startswith("jikan:anime:1: jikan: ") and message in run.error
        assert run.finished_at is not None
        assert count(Title) == 0 and count(ExternalId) == 0 and count(Episode) == 0


def test_one_failure_is_recorded_and_the_rest_go_on(sync_app, emulator):
    targets = [Target("tmdb", "movie", "76"), Target("tmdb", "movie", "999999"), Target("comicvine", "volume", "153158")]
    with sync_app.app_context():
        result = service.sync_targets(get_clients(), targets, job="test")
        run = db.session.get(SyncRun, result.run_id)
        assert (run.status, run.created, run.failed, run.fetched) == ("partial", 2, 1, 3)
        assert "tmdb:movie:999999: tmdb: /movie/999999 not found" in run.error
        assert count(Title) == 2


def test_an_unexpected_error_in_one_title_does_not_end_the_batch(sync_app, emulator):
    def fetch(clients, target):
        if target.external_id == "76":
            raise KeyError("cast")  # a bug in a mapping, say
        return service.fetch_record(clients, target)

    targets = [Target("tmdb", "movie", "76"), Target("comicvine", "volume", "153158")]
    with sync_app.app_context():
        run_id = service.start_run("all", "test", total=2)
        result = service.run_batch(get_clients(), targets, run_id=run_id, fetch=fetch)
        service.finish_run(run_id, result)
        run = db.session.get(SyncRun, run_id)
        assert (run.status, run.created, run.failed) == ("partial", 1, 1)
        assert run.error == "tmdb:movie:76: unexpected KeyError: 'cast'"


def test_a_sync_killed_midway_and_rerun_leaves_no_duplicates(sync_app, emulator):
    targets = [Target("tmdb", "movie", "76"), Target("tmdb", "tv", "1399"), Target("jikan", "manga", "1"),
               Target("comicvine", "volume", "153158")]
    calls = []

    def dying_fetch(clients, target):
        calls.append(target)
        if len(calls) == 3:
            raise KeyboardInterrupt  # the process is killed while fetching the third title
        return service.fetch_record(clients, target)

    with sync_app.app_context():
        run_id = service.start_run("all", "test", total=len(targets))
        with pytest.raises(KeyboardInterrupt):
            service.run_batch(get_clients(), targets, run_id=run_id, fetch=dying_fetch)
        db.session.rollback()
        assert count(Title) == 2
        assert db.session.get(SyncRun, run_id).fetched == 2
        result = service.sync_targets(get_clients(), targets, job="test")
        assert (result.created, result.unchanged, result.failed) == (2, 2, 0)
        assert count(Title) == 4
        assert count(ExternalId) == 6  # 4 provider ids + 2 IMDb ids, each once
        assert count(Episode) == 10  # Game of Thrones season 1, once


def test_the_limiter_keeps_429s_at_zero(sync_app, emulator):
    with sync_app.app_context():
        targets = [Target("jikan", "anime", "1"), Target("jikan", "anime", "457"), Target("jikan", "manga", "1")] * 2
        result = service.sync_targets(get_clients(), targets, job="test")
    assert result.failed == 0
    assert emulator.count(provider="jikan") >= 12
    assert emulator.count(429) == 0


# -- matching across providers ------------------------------------------------------------------


def tmdb_bebop(**overrides) -> TitleRecord:
    fields = dict(kind="anime", title="Cowboy Bebop", refs=[ExternalRef("tmdb", "tv", "30991")],
                  release_date=date(1998, 4, 3), synopsis="TMDB's synopsis.", details={"episode_count": 26})
    fields.update(overrides)
    return TitleRecord(**fields)


def test_same_work_from_two_providers_is_one_title(sync_app, runner):
    with sync_app.app_context():
        tmdb_id = service.store_record(tmdb_bebop()).title.id
        db.session.commit()
    assert import_cli(runner, "jikan", "anime", "1") == tmdb_id
    with sync_app.app_context():
        title = db.session.get(Title, tmdb_id)
        assert {(e.provider, e.value) for e in title.external_ids} == {("tmdb", "30991"), ("jikan", "1")}
        assert title.synopsis == "TMDB's synopsis."  # the first provider owns its fields
        assert title.original_title == "カウボーイビバップ"  # the second fills gaps
        assert title.characters and title.credits
        revisions = count(TitleRevision)
    # Re-importing either side changes nothing.
    assert import_cli(runner, "jikan", "anime", "1") == tmdb_id
    with sync_app.app_context():
        service.store_record(tmdb_bebop())
        db.session.commit()
        assert count(TitleRevision) == revisions
        assert count(Title) == 1


@pytest.mark.parametrize(
    "overrides",
    [
        {"release_date": date(2001, 9, 1)},  # another year: a different work (the film)
        {"kind": "series"},
        {"title": "Cowboy Bebop: Tengoku no Tobira"},
        {"details": {"episode_count": 52}},
        {"kind": "series", "language": "ko"},  # a series from elsewhere is not an anime
        {"kind": "movie", "language": "ja"},  # a Japanese film is not a TV anime
        {"release_date": date(1999, 4, 3), "title": "Bebop", "alt_titles": ["Cowboy Bebop"]},  # a year off, alt name only
        {"release_date": date(2000, 4, 3)},  # two years off
    ],
)
def test_unsure_matches_stay_apart(sync_app, runner, overrides):
    with sync_app.app_context():
        first = service.store_record(tmdb_bebop(**overrides)).title.id
        db.session.commit()
    assert import_cli(runner, "jikan", "anime", "1") != first


@pytest.mark.parametrize("overrides, kind", [
    ({"release_date": date(1999, 1, 8)}, "anime"),  # released a year apart in two countries
    ({"kind": "series", "language": "ja"}, "series"),  # TMDB filed the Japanese series without its Animation genre
])
def test_near_matches_join_the_same_work(sync_app, runner, overrides, kind):
    with sync_app.app_context():
        first = service.store_record(tmdb_bebop(**overrides)).title.id
        db.session.commit()
    assert import_cli(runner, "jikan", "anime", "1") == first
    with sync_app.app_context():
        title = db.session.get(Title, first)
        assert title.kind == kind and {e.provider for e in title.external_ids} == {"tmdb", "jikan"}
        assert title.original_title == "カウボーイビバップ" and title.characters
        revisions = count(TitleRevision)
    assert import_cli(runner, "jikan", "anime", "1") == first
    with sync_app.app_context():
        assert count(TitleRevision) == revisions and count(Title) == 1


def test_an_anime_film_joins_tmdbs_japanese_film(sync_app):
    film = TitleRecord(kind="movie", title="Spirited Away", original_title="千と千尋の神隠し", language="ja",
                       refs=[ExternalRef("tmdb", "movie", "129")], release_date=date(2001, 7, 20),
                       details={"runtime_minutes": 125})
    anime = TitleRecord(kind="anime", title="Sen to Chihiro no Kamikakushi", original_title="千と千尋の神隠し",
                        alt_titles=["Spirited Away"], language="ja", refs=[ExternalRef("jikan", "anime", "199")],
                        release_date=date(2001, 7, 20), details={"format": "Movie", "episode_count": 1,
                                                                 "studios": "Studio Ghibli"})
    with sync_app.app_context():
        first = service.store_record(film).title.id
        assert service.store_record(anime).title.id == first
        assert service.store_record(anime).outcome == "unchanged"
        db.session.commit()
        title = db.session.get(Title, first)
        assert title.kind == "movie" and title.title == "Spirited Away" and title.runtime_minutes == 125
        assert {e.provider for e in title.external_ids} == {"tmdb", "jikan"} and count(Title) == 1


def test_candidates_a_year_either_side_are_not_guessed_between(sync_app, runner):
    with sync_app.app_context():
        CatalogWriter().upsert(tmdb_bebop(release_date=date(1997, 4, 3)))
        CatalogWriter().upsert(tmdb_bebop(release_date=date(1999, 4, 3), refs=[ExternalRef("tmdb", "tv", "2")]))
        db.session.commit()
    import_cli(runner, "jikan", "anime", "1")
    with sync_app.app_context():
        assert count(Title) == 3


def test_two_candidates_are_not_guessed_between(sync_app, runner):
    with sync_app.app_context():
        # Two titles of the same name and year (store_record would have joined them: write directly).
        CatalogWriter().upsert(tmdb_bebop())
        CatalogWriter().upsert(tmdb_bebop(refs=[ExternalRef("test", "anime", "2")]))
        db.session.commit()
    import_cli(runner, "jikan", "anime", "1")
    with sync_app.app_context():
        assert count(Title) == 3


# -- revert ----------------------------------------------------------------------------------------


def test_revert_undoes_a_revision(sync_app, runner, emulator):
    title_id = import_cli(runner, "tmdb", "movie", "76")
    body = json.loads(load("tmdb", "movies_details_full.json"))
    body.update(title="Before Sunrize", release_date="1995-02-01", genres=[{"id": 27, "name": "Horror"}])
    emulator.serve_json("tmdb", "/movie/76", body)
    import_cli(runner, "tmdb", "movie", "76")
    with sync_app.app_context():
        bad = db.session.get(Title, title_id).revisions[-1]
        assert set(bad.changes) >= {"title", "release_date", "genres"}
        bad_id = bad.id
    result = runner.invoke(args=["catalog", "revert", str(title_id), str(bad_id), "--lock"])
    assert result.exit_code == 0, result.output
    with sync_app.app_context():
        title = db.session.get(Title, title_id)
        assert (title.title, title.release_date, title.slug) == ("Before Sunrise", date(1995, 1, 27), "before-sunrise")
        assert [g.name for g in title.genres] == ["Drama", "Romance"]
        assert set(title.locked_fields) == {"title", "release_date", "genres"}
        assert title.revisions[-1].source == "revert"
    # Locked now: the bad data does not come back with the next sync.
    import_cli(runner, "tmdb", "movie", "76")
    with sync_app.app_context():
        assert db.session.get(Title, title_id).title == "Before Sunrise"
    again = runner.invoke(args=["catalog", "revert", str(title_id), str(bad_id)])
    assert again.exit_code != 0 and "changed since" in again.output


def test_reverting_the_revision_that_created_a_title_is_refused(sync_app, runner):
    """It used to crash on NOT NULL titles.synopsis: the creation's "before" values are all empty."""
    title_id = import_cli(runner, "tmdb", "movie", "76")
    with sync_app.app_context():
        title = db.session.get(Title, title_id)
        creation_id = title.revisions[0].id
        before, revisions = catalog_ops.title_json(title), count(TitleRevision)
    result = runner.invoke(args=["catalog", "revert", str(title_id), str(creation_id), "--lock"])
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit), result.exception
    assert f"revision {creation_id} created the title" in result.output and "nothing was changed" in result.output
    with sync_app.app_context():
        title = db.session.get(Title, title_id)
        assert catalog_ops.title_json(title) == before and title.locked_fields == []
        assert count(TitleRevision) == revisions


def test_a_value_a_column_cannot_be_without_is_left_alone(sync_app, runner):
    """A later revision whose "before" is empty on a NOT NULL column: the rest reverts, that field stays."""
    title_id = import_cli(runner, "tmdb", "movie", "76")
    with sync_app.app_context():
        title = db.session.get(Title, title_id)
        later = TitleRevision(title=title, source="provider", provider="tmdb",
                              changes={"synopsis": [None, title.synopsis], "tagline": ["Old tagline", title.tagline]})
        db.session.add(later)
        db.session.commit()
        later_id, synopsis = later.id, title.synopsis
    result = runner.invoke(args=["catalog", "revert", str(title_id), str(later_id)])
    assert result.exit_code == 0, result.output
    assert "synopsis (no earlier value)" in result.output
    with sync_app.app_context():
        title = db.session.get(Title, title_id)
        assert (title.tagline, title.synopsis) == ("Old tagline", synopsis)


@pytest.mark.parametrize("args, message", [
    (["1", "999"], "has no revision 999"),
    (["999", "1"], "no title 999"),
])
def test_revert_errors_are_clear(sync_app, runner, args, message):
    import_cli(runner, "tmdb", "movie", "76")
    result = runner.invoke(args=["catalog", "revert", *args])
    assert result.exit_code == 1 and message in result.output


# -- the command line ----------------------------------------------------------------------------


@pytest.mark.parametrize("args, message", [
    (["imdb", "movie", "1"], "unknown provider 'imdb'"),
    (["tmdb", "anime", "1"], "tmdb has no kind 'anime'"),
    (["tmdb", "movie", "abc"], "ids are whole numbers"),
    (["tmdb", "movie", "5"], "/movie/5 not found"),
])
def test_import_errors_are_clear(runner, args, message):
    result = runner.invoke(args=["sync", "import", *args])
    assert result.exit_code == 1
    assert message in result.output
    assert "Traceback" not in result.output


def test_import_needs_a_configured_provider(app):
    result = app.test_cli_runner().invoke(args=["sync", "import", "tmdb", "movie", "76"])
    assert result.exit_code == 1 and "tmdb is not configured" in result.output


def test_search_lists_importable_ids(runner):
    result = runner.invoke(args=["sync", "search", "jikan", "naruto", "--limit", "3"])
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert lines[0] == "jikan anime 53240\tanime\tNaruto: Road of Naruto (2022)"
    assert [line.split()[1] for line in lines] == ["anime"] * 3 + ["manga"] * 3


def test_refresh_prints_a_summary(sync_app, runner):
    import_cli(runner, "tmdb", "movie", "76")
    import_cli(runner, "comicvine", "volume", "153158")
    result = runner.invoke(args=["sync", "refresh", "--older-than", "0"])
    assert result.exit_code == 0, result.output
    assert "0 created, 0 updated, 2 unchanged, 0 failed" in result.stdout
    nothing = runner.invoke(args=["sync", "refresh", "--provider", "tmdb"])
    assert "Nothing to refresh." in nothing.output


@pytest.mark.parametrize("ref, message", [("tmdb:movie", "provider:kind:external_id"), ("42", "no title 42")])
def test_show_errors(runner, ref, message):
    result = runner.invoke(args=["catalog", "show", ref, "--json"])
    assert result.exit_code == 1 and message in result.output

