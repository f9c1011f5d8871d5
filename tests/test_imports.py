"""Imports: MAL, Letterboxd, Trakt and our own files through the real upload, job thread and services."""

from __future__ import annotations

import io
import json
import re
import threading
import zipfile
from datetime import timedelta

import pytest
from conftest import AuthActions, _test_config, close_app
from import_helpers import (
    FIXTURES,
    job_id_from,
    letterboxd_zip,
    make_catalog,
    mal_gz,
    mal_xml,
    trakt_json,
    zip_folder,
)
from sqlalchemy import func, select, update

from mymovielist import create_app
from mymovielist.extensions import db
from mymovielist.jobs import queue, worker
from mymovielist.models import (
    CustomList,
    CustomListItem,
    ImportJob,
    Job,
    ListEntry,
    Review,
    Title,
    User,
    WatchEvent,
    utcnow,
)
from mymovielist.services import ratings, stats, tracking, watchlog
from mymovielist.services.imports import matching, runner
from mymovielist.services.imports.markup import html_to_markdown
from mymovielist.services.markdown import render_markdown
from mymovielist.sync.records import ExternalRef


@pytest.fixture
def catalog(make_title):
    return make_catalog(make_title)


@pytest.fixture
def alice(make_user, auth):
    user_id = make_user("alice")
    auth.login("alice")
    return user_id


def upload(client, source, data, mode="only_new", filename="export"):
    return client.post(
        "/settings/import",
        data={"source": source, "mode": mode, "file": (io.BytesIO(data), filename)},
        content_type="multipart/form-data",
    )


def run(client, app, source, data, mode="only_new") -> ImportJob:
    response = upload(client, source, data, mode)
    assert response.status_code == 303, response.get_data(as_text=True)
    job_id = job_id_from(response)
    with app.app_context():
        runner.wait(job_id)
    with app.app_context():
        job = db.session.get(ImportJob, job_id)
        db.session.expunge(job)
        return job


def entries(app, user_id) -> dict[int, ListEntry]:
    with app.app_context():
        rows = db.session.scalars(select(ListEntry).where(ListEntry.user_id == user_id)).all()
        for row in rows:
            db.session.expunge(row)
        return {row.title_id: row for row in rows}


def counts(app, user_id) -> dict[str, int]:
    with app.app_context():

        def n(model, *where):
            return db.session.scalar(select(func.count()).select_from(model).where(*where))

        return {
            "entries": n(ListEntry, ListEntry.user_id == user_id),
            "watches": n(WatchEvent, WatchEvent.user_id == user_id),
            "reviews": n(Review, Review.user_id == user_id),
            "lists": n(CustomList, CustomList.user_id == user_id),
            "items": db.session.scalar(
                select(func.count())
                .select_from(CustomListItem)
                .join(CustomList)
                .where(CustomList.user_id == user_id)
            ),
        }


# -- MyAnimeList ---------------------------------------------------------------------------------


@pytest.mark.parametrize("data", [mal_xml(), mal_gz()], ids=["xml", "gzip"])
def test_mal_export_imports_anime_and_manga(app, client, alice, catalog, data):
    job = run(client, app, "mal", data)
    assert job.status == "succeeded", job.error
    assert (job.total, job.created, job.updated, job.skipped) == (5, 4, 0, 0)
    got = entries(app, alice)
    bebop = got[catalog["bebop"]]
    assert (bebop.status, bebop.progress, bebop.score, bebop.rewatch_count) == ("completed", 26, 90, 1)
    assert (str(bebop.started_on), str(bebop.finished_on)) == ("2019-03-01", "2019-04-12")
    assert (bebop.notes, bebop.tags, bebop.priority) == ("See you, space cowboy.", ["space", "jazz"], 2)
    fma = got[catalog["fma"]]
    assert (fma.status, fma.progress, fma.score, fma.finished_on) == (
        "watching",
        12,
        None,
        None,
    )  # my_status 1, score 0
    assert got[catalog["naruto"]].status == "planned"
    berserk = got[catalog["berserk"]]
    assert (berserk.status, berserk.progress, berserk.score, str(berserk.started_on)) == (
        "watching",
        95,
        100,
        "2018-06-01",
    )
    assert [row["label"] for row in job.unmatched] == ["An Anime Nobody Has"]  # my_status 6, id unknown here


def test_mal_progress_is_logged_as_watches_and_counts_in_time_watched(app, client, alice, catalog):
    run(client, app, "mal", mal_xml())
    with app.app_context():
        rows = db.session.execute(
            select(WatchEvent.title_id, WatchEvent.number, WatchEvent.watched_at, WatchEvent.is_rewatch)
            .where(WatchEvent.user_id == alice)
            .order_by(WatchEvent.title_id, WatchEvent.number)
        ).all()
        by_title: dict[int, list] = {}
        for title_id, number, moment, rewatch in rows:
            by_title.setdefault(title_id, []).append((number, moment.date().isoformat(), rewatch))
        # Completed: the finish date; watching: the start date (2018-06-00 read as the 1st); never rewatches.
        assert by_title[catalog["bebop"]] == [(n, "2019-04-12", False) for n in range(1, 27)]
        assert by_title[catalog["fma"]] == [(n, "2020-01-05", False) for n in range(1, 13)]
        assert by_title[catalog["berserk"]] == [(n, "2018-06-01", False) for n in range(1, 96)]
        assert catalog["naruto"] not in by_title  # planned, nothing watched
        assert watchlog.time_watched(alice, "anime") == (26 + 12) * 24
        assert stats.get_user_stats(alice).minutes_total == (26 + 12) * 24


def test_mal_progress_without_dates_is_logged_on_the_import_day(app, client, alice, catalog):
    undated = re.sub(rb"<my_(start|finish)_date>[^<]*<", rb"<my_\1_date>0000-00-00<", mal_xml())
    run(client, app, "mal", undated)
    with app.app_context():
        days = set(
            db.session.scalars(select(WatchEvent.watched_at).where(WatchEvent.title_id == catalog["fma"]))
        )
        assert {moment.date() for moment in days} == {tracking.today()}


def test_imported_scores_refresh_the_exact_aggregates(app, client, alice, catalog):
    run(client, app, "mal", mal_xml())
    with app.app_context():
        expected = ratings.expected_aggregates()
        bebop = db.session.get(Title, catalog["bebop"])
        assert expected[bebop.id][:2] == (bebop.rating_count, bebop.mean_score) == (1, 90)
        assert bebop.weighted_score == pytest.approx(expected[bebop.id][2])


# -- Letterboxd ----------------------------------------------------------------------------------


def test_letterboxd_zip_brings_ratings_diary_reviews_likes_watchlist_and_lists(app, client, alice, catalog):
    job = run(client, app, "letterboxd", letterboxd_zip())
    assert job.status == "succeeded", job.error
    got = entries(app, alice)
    matrix, parasite, paddington = (
        got[catalog["matrix"]],
        got[catalog["parasite"]],
        got[catalog["paddington"]],
    )
    assert (matrix.status, matrix.score, matrix.rewatch_count, matrix.tags) == (
        "completed",
        90,
        1,
        ["sci-fi", "rewatchable"],
    )
    assert str(matrix.started_on) == str(matrix.finished_on) == "2021-02-03"
    assert (parasite.score, paddington.score, paddington.is_favourite) == (100, 80, True)
    assert got[catalog["spirited"]].status == "planned"
    assert catalog["matrix2"] not in got  # "The Matrix" 1999 is not "The Matrix Reloaded"
    with app.app_context():
        watches = db.session.execute(
            select(WatchEvent.watched_at, WatchEvent.is_rewatch, WatchEvent.score)
            .where(WatchEvent.title_id == catalog["matrix"])
            .order_by(WatchEvent.watched_at)
        ).all()
        assert [(w.date().isoformat(), r, s) for w, r, s in watches] == [
            ("2021-02-03", False, 90),
            ("2023-07-14", True, 90),
        ]
        review = db.session.scalar(select(Review).where(Review.title_id == catalog["parasite"]))
        assert review.body == "Stairs, so many stairs.  \nA second line."  # a line break stays one
        custom = db.session.scalar(select(CustomList).where(CustomList.user_id == alice))
        assert (custom.name, custom.description) == ("Comfort films", "For rainy days")
        assert [(i.title_id, i.position, i.note) for i in custom.items] == [
            (catalog["paddington"], 1, "The best one"),
            (catalog["spirited"], 2, ""),
            (catalog["matrix"], 3, ""),
        ]
    assert [row["label"] for row in job.unmatched] == ["A Film That Is Not In Any Catalog (2001)"]
    assert job.problems == ["diary.csv line 6: rating '9' is not 0.5-5 stars in halves."]


PADDINGTON_REVIEW = (
    "I *cried* at the prison laundry.  \n"
    "Marmalade & sandwiches, 10/10 \\* would watch again.\n\n"
    "**Best** sequel; see [this essay](https://example.org/paddington-2) <3\n\n"
    "> If we're kind and polite, the world will be right."
)


def test_letterboxd_review_html_becomes_markdown_dated_by_the_watch(app, client, alice, catalog):
    run(client, app, "letterboxd", letterboxd_zip())
    with app.app_context():
        review = db.session.scalar(select(Review).where(Review.title_id == catalog["paddington"]))
        assert review.body == PADDINGTON_REVIEW
        html = str(render_markdown(review.body))
        assert "<em>cried</em>" in html and "<strong>Best</strong>" in html and "<br" in html
        assert "10/10 * would" in html and "&lt;3" in html and "<blockquote>" in html
        assert '<a href="https://example.org/paddington-2" rel="nofollow noopener">this essay</a>' in html
        # The Watched Date of its row, not the import day; and not shown as edited.
        assert review.created_at.date().isoformat() == "2022-01-09"
        assert review.updated_at == review.created_at
        parasite = db.session.scalar(select(Review).where(Review.title_id == catalog["parasite"]))
        assert parasite.created_at.date().isoformat() == "2021-05-20"
    page = client.get(f"/reviews/{review.id}")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert "<em>cried</em>" in body and "&lt;i&gt;" not in body and "edited" not in body
    assert 'datetime="2022-01-09' in body


@pytest.mark.parametrize(
    "html,markdown",
    [
        (r"plain *stars*, _under_ and [brackets](x)", r"plain \*stars\*, \_under\_ and \[brackets\](x)"),
        ("snake_case stays", "snake_case stays"),
        (
            "# not a heading<br>- not a list<br>1. not a number<br>> not a quote<br>---",
            "\\# not a heading  \n\\- not a list  \n1\\. not a number  \n\\> not a quote  \n\\---",
        ),
        ("<i> spaced </i>out", "*spaced* out"),
        ("<b>unclosed bold", "**unclosed bold**"),
        ("<b>across<p>paragraphs</b>", "**across**\n\n**paragraphs**"),
        ('<a href="javascript:alert(1)">click</a>', "click"),
        ('<a href="https://e.org/a b(c)"></a>', "[https://e.org/a b(c)](https://e.org/a%20b%28c%29)"),
        ("<script>alert(1)</script>", "alert(1)"),
        ("<p>one</p><p>two</p>", "one\n\ntwo"),
        ("a<br>\r\nb\n\n\nc", "a  \nb\n\nc"),
        ("<blockquote><p>q1</p><p>q2</p></blockquote>after", "> q1\n>\n> q2\n\nafter"),
        ("&lt;b&gt; &amp;amp; `code` a < b", r"\<b> \&amp; \`code\` a < b"),
        ("    indented", "indented"),
    ],
)
def test_letterboxd_html_to_markdown_keeps_every_word_and_no_markup(html, markdown):
    assert html_to_markdown(html) == markdown


# -- Trakt ---------------------------------------------------------------------------------------


def test_trakt_json_matches_by_tmdb_then_imdb(app, client, alice, catalog):
    job = run(client, app, "trakt", trakt_json())
    assert job.status == "succeeded", job.error
    got = entries(app, alice)
    inception = got[catalog["inception"]]
    assert (inception.status, inception.score, inception.rewatch_count) == ("completed", 90, 1)
    assert got[catalog["dune"]].status == "planned"  # no TMDB id here: found by its IMDb id
    got_series = got[catalog["got"]]
    assert (got_series.status, got_series.progress) == ("watching", 2)
    with app.app_context():
        moments = db.session.execute(
            select(WatchEvent.watched_at, WatchEvent.number, WatchEvent.is_rewatch).order_by(
                WatchEvent.watched_at
            )
        ).all()
    assert [(m.isoformat(), n, r) for m, n, r in moments] == [
        ("2016-08-28T19:30:00+00:00", None, False),
        ("2020-05-01T20:00:00+00:00", 1, False),
        ("2020-05-02T20:00:00+00:00", 2, False),
        ("2023-02-11T21:04:00+00:00", None, True),
    ]
    assert [row["label"] for row in job.unmatched] == ["The Shawshank Redemption (1994)"]
    assert any("episode ratings" in problem for problem in job.problems)


def test_trakt_status_and_progress_come_from_the_history_not_the_ratings(
    app, client, alice, catalog, make_title
):
    chernobyl = make_title(
        "series",
        "Chernobyl",
        year=2019,
        refs=[ExternalRef("tmdb", "tv", "87108")],
        details={"episode_count": 5},
    )
    dark = make_title(
        "series", "Dark", year=2017, refs=[ExternalRef("tmdb", "tv", "70523")], details={"episode_count": 26}
    )
    job = run(client, app, "trakt", trakt_json("half-watched-show.json"))
    assert job.status == "succeeded", job.error
    got = entries(app, alice)
    # Rated 9, three of 73 episodes watched (episode 1 twice): watching, not completed.
    got_series = got[catalog["got"]]
    assert (got_series.status, got_series.progress, got_series.score) == ("watching", 3, 90)
    assert (str(got_series.started_on), got_series.finished_on) == ("2020-05-01", None)
    # Every episode in the history: completed on the day of the last one.
    done = got[chernobyl]
    assert (done.status, done.progress, done.score, str(done.finished_on)) == (
        "completed",
        5,
        100,
        "2019-06-04",
    )
    # A rating and no history: on the list as the app puts a rated show (planned), with nothing watched.
    rated = got[dark]
    assert (rated.status, rated.progress, rated.score) == ("planned", 0, 80)
    # On the watchlist and in the history: watched.
    assert got[catalog["dune"]].status == "completed"
    with app.app_context():
        watches = db.session.execute(
            select(WatchEvent.number, WatchEvent.is_rewatch)
            .where(WatchEvent.title_id == catalog["got"])
            .order_by(WatchEvent.watched_at)
        ).all()
        assert [tuple(w) for w in watches] == [(1, False), (2, False), (3, False), (1, True)]
        assert (
            db.session.scalar(select(func.count()).select_from(WatchEvent).where(WatchEvent.title_id == dark))
            == 0
        )


def test_trakt_falls_back_to_title_and_year_when_no_id_matches(app, client, alice, make_title):
    se7en = make_title("movie", "Se7en", year=1995)  # only this server's own id: no TMDB or IMDb id
    make_title("movie", "Se7en", year=1979)  # another film of that name, another year
    job = run(client, app, "trakt", trakt_json("se7en-by-title.json"))
    assert job.status == "succeeded", job.error
    assert job.unmatched == []
    entry = entries(app, alice)[se7en]
    assert (entry.status, entry.score, entry.rewatch_count) == ("completed", 100, 1)
    with app.app_context():
        watches = db.session.execute(
            select(WatchEvent.watched_at, WatchEvent.is_rewatch)
            .where(WatchEvent.title_id == se7en)
            .order_by(WatchEvent.watched_at)
        ).all()
    assert [(m.date().isoformat(), r) for m, r in watches] == [("2015-02-14", False), ("2021-10-31", True)]


def test_trakt_zip_of_export_files(app, client, alice, catalog, tmp_path):
    document = json.loads(trakt_json())
    folder = tmp_path / "trakt-export"
    folder.mkdir()
    for section, name in (
        ("history", "watched-history"),
        ("ratings", "ratings-movies"),
        ("watchlist", "watchlist-movies"),
        ("watched", "watched-movies"),
    ):
        (folder / f"{name}.json").write_text(json.dumps(document[section]))
    job = run(client, app, "trakt", zip_folder(folder))
    assert job.status == "succeeded", job.error
    assert entries(app, alice)[catalog["inception"]].score == 90


# -- idempotence and modes -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "source,data",
    [("mal", mal_xml()), ("letterboxd", letterboxd_zip()), ("trakt", trakt_json())],
    ids=["mal", "letterboxd", "trakt"],
)
@pytest.mark.parametrize("mode", ["only_new", "overwrite"])
def test_importing_the_same_file_again_adds_nothing(app, client, alice, catalog, source, data, mode):
    first = run(client, app, source, data, mode)
    before = counts(app, alice)
    again = run(client, app, source, data, mode)
    assert counts(app, alice) == before
    assert again.status == "succeeded" and again.created == again.updated == 0
    assert again.skipped == first.created


def test_only_new_leaves_existing_entries_and_overwrite_replaces_them(app, client, alice, catalog):
    with app.app_context():
        from mymovielist.services import tracking

        user, bebop = db.session.get(User, alice), db.session.get(Title, catalog["bebop"])
        tracking.update_entry(user, bebop, status="dropped", progress=3, score=40)
        db.session.commit()
    job = run(client, app, "mal", mal_xml(), "only_new")
    assert (job.created, job.skipped) == (3, 1)
    kept = entries(app, alice)[catalog["bebop"]]
    assert (kept.status, kept.progress, kept.score) == ("dropped", 3, 40)
    job = run(client, app, "mal", mal_xml(), "overwrite")
    assert job.updated == 1
    replaced = entries(app, alice)[catalog["bebop"]]
    assert (replaced.status, replaced.progress, replaced.score) == ("completed", 26, 90)
    with app.app_context():
        assert db.session.get(Title, catalog["bebop"]).mean_score == 90


# -- bad files -----------------------------------------------------------------------------------


def _zip_bomb() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("watched.csv", b"Date,Name,Year\n" + b" " * (101 * 1024 * 1024))
    return buffer.getvalue()


def _many_members() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for n in range(2_001):
            archive.writestr(f"lists/{n}.csv", b"")
    return buffer.getvalue()


BAD_FILES = {
    "broken xml": ("mal", (FIXTURES / "malformed/broken.xml").read_bytes(), "not valid XML"),
    "xml entities": ("mal", (FIXTURES / "malformed/entities.xml").read_bytes(), "declares entities"),
    "not mal": ("mal", b"<?xml version='1.0'?><animelist/>", "not a MyAnimeList export"),
    "missing columns": (
        "letterboxd",
        zip_folder(FIXTURES / "malformed/letterboxd-missing-columns"),
        "watched.csv lacks the columns Name, Year",
    ),
    "zip without members": (
        "letterboxd",
        zip_folder(FIXTURES / "malformed/letterboxd-no-members"),
        "not a Letterboxd export",
    ),
    "not a zip": ("letterboxd", b"Date,Name,Year\n", "is a ZIP file"),
    "zip bomb": ("letterboxd", _zip_bomb(), "unpacks to more than"),
    "too many members": ("letterboxd", _many_members(), "more than 2000 files"),
    "wrong json shape": (
        "trakt",
        (FIXTURES / "malformed/wrong-shape.json").read_bytes(),
        "not a Trakt export",
    ),
    "broken json": ("trakt", b'{"history": [', "not valid JSON"),
    "not ours": ("ours", trakt_json(), "not a MyMovieList export"),
}


@pytest.mark.parametrize("case", list(BAD_FILES))
def test_a_bad_file_fails_with_a_clear_error_and_writes_nothing(app, client, alice, catalog, case):
    source, data, message = BAD_FILES[case]
    job = run(client, app, source, data)
    assert job.status == "failed"
    assert message in job.error
    assert counts(app, alice) == {"entries": 0, "watches": 0, "reviews": 0, "lists": 0, "items": 0}
    page = client.get(f"/settings/import/{job.id}").get_data(as_text=True)
    assert "nothing was written" in page
    assert not (app.instance_path and (runner.folder(app) / str(job.id)).exists())  # the file is gone


def test_a_failure_while_writing_rolls_everything_back(app, client, alice, catalog, monkeypatch):
    from mymovielist.services.imports import writer

    real = writer.Writer.apply
    calls = []

    def failing(self, record, title, specs):
        calls.append(record)
        if len(calls) == 3:
            raise RuntimeError("disk on fire")
        return real(self, record, title, specs)

    monkeypatch.setattr(writer.Writer, "apply", failing)
    job = run(client, app, "letterboxd", letterboxd_zip())
    assert job.status == "failed" and "nothing was written" in job.error
    assert counts(app, alice) == {"entries": 0, "watches": 0, "reviews": 0, "lists": 0, "items": 0}
    assert len(calls) == 3  # two records were written, then rolled back


def test_an_empty_file_is_refused_at_upload(app, client, alice):
    response = upload(client, "mal", b"")
    assert response.status_code == 422
    assert "The file is empty." in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ImportJob)) == 0


def test_a_file_over_the_cap_is_refused_with_413(app, client, alice):
    # The multipart body is built by hand: the test client would spool 20 MB to a temporary file
    # that nobody reads (and so nobody closes) once the request is refused.
    boundary = "bound"
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="source"\r\n\r\nmal\r\n'
        f'--{boundary}\r\nContent-Disposition: form-data; name="mode"\r\n\r\nonly_new\r\n'
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.xml"\r\n\r\n'
    ).encode()
    body += b"<" * (20 * 1024 * 1024) + f"\r\n--{boundary}--\r\n".encode()
    response = client.post(
        "/settings/import", data=body, content_type=f"multipart/form-data; boundary={boundary}"
    )
    assert response.status_code == 413
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ImportJob)) == 0


def test_a_file_over_the_import_cap_but_under_the_request_cap_is_refused(app, client, alice):
    app.config["IMPORT_MAX_BYTES"] = 1024
    response = upload(client, "mal", mal_xml())
    assert response.status_code == 413
    assert "larger than" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "form,message",
    [
        ({"source": "myspace", "mode": "only_new"}, "Not a valid choice"),
        ({"source": "mal", "mode": "sometimes"}, "Not a valid choice"),
        ({"source": "mal", "mode": "only_new", "no_file": True}, "Choose the file to import."),
    ],
)
def test_upload_form_errors(app, client, alice, form, message):
    data = {k: v for k, v in form.items() if k != "no_file"}
    if not form.get("no_file"):
        data["file"] = (io.BytesIO(mal_xml()), "animelist.xml")
    response = client.post("/settings/import", data=data, content_type="multipart/form-data")
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)


# -- unmatched rows ------------------------------------------------------------------------------


def test_an_unmatched_row_is_found_by_search_and_applied(app, client, alice, catalog, make_title):
    job = run(client, app, "trakt", trakt_json())
    shawshank = make_title("movie", "The Shawshank Redemption", year=1994)  # in the catalog after the import
    assert shawshank not in entries(app, alice)
    row = [row["label"] for row in job.unmatched].index("The Shawshank Redemption (1994)")
    page = client.get(f"/settings/import/{job.id}?row={row}&q=Shawshank")
    assert page.status_code == 200
    assert f'name="title_id" value="{shawshank}"' in page.get_data(as_text=True)
    fragment = client.get(
        f"/settings/import/{job.id}?row={row}&q=Shawshank",
        headers={"HX-Request": "true", "HX-Target": f"candidates-{row}"},
    )
    body = fragment.get_data(as_text=True)
    assert (
        "<html" not in body and f'id="candidates-{row}"' in body and "HX-Request" in fragment.headers["Vary"]
    )
    response = client.post(f"/settings/import/{job.id}/rows/{row}", data={"title_id": shawshank})
    assert response.status_code == 303
    assert entries(app, alice)[shawshank].status == "planned"
    again = client.post(
        f"/settings/import/{job.id}/rows/{row}",
        data={"title_id": shawshank},
        headers={"HX-Request": "true", "HX-Target": "import-job"},
    )
    assert (
        again.status_code == 409
        and "resolved already" in json.loads(again.headers["HX-Trigger"])["toast"]["message"]
    )
    report = client.get(f"/settings/import/{job.id}").get_data(as_text=True)
    assert "Imported as" in report


def test_resolving_carries_the_rows_list_places_and_watches(app, client, alice, catalog, make_title):
    job = run(client, app, "letterboxd", letterboxd_zip())
    hidden = make_title("movie", "A Film That Is Not In Any Catalog (Director's Cut)", year=2001)
    response = client.post(
        f"/settings/import/{job.id}/rows/0",
        data={"title_id": hidden},
        headers={"HX-Request": "true", "HX-Target": "import-job"},
    )
    assert response.status_code == 200
    assert "<html" not in response.get_data(as_text=True)
    assert json.loads(response.headers["HX-Trigger"])["toast"]["level"] == "success"
    assert entries(app, alice)[hidden].status == "completed"


@pytest.mark.parametrize(
    "data,status", [({"title_id": "999999"}, 422), ({"title_id": "abc"}, 422), ({}, 422)]
)
def test_resolving_needs_a_real_title(app, client, alice, catalog, data, status):
    job = run(client, app, "trakt", trakt_json())
    assert client.post(f"/settings/import/{job.id}/rows/0", data=data).status_code == status


def test_resolving_a_row_that_does_not_exist_is_404(app, client, alice, catalog):
    job = run(client, app, "trakt", trakt_json())
    assert (
        client.post(f"/settings/import/{job.id}/rows/99", data={"title_id": catalog["dune"]}).status_code
        == 404
    )


# -- progress ------------------------------------------------------------------------------------


def test_the_progress_component_polls_until_the_job_is_done(app, client, alice, catalog):
    with app.app_context():
        job = runner.create_job(db.session.get(User, alice), "mal", "only_new", "animelist.xml", mal_xml())
        db.session.commit()
        job_id = job.id
    headers = {"HX-Request": "true", "HX-Target": "import-job"}
    waiting = client.get(f"/settings/import/{job_id}", headers=headers)
    body = waiting.get_data(as_text=True)
    assert waiting.status_code == 200 and "<html" not in body and "HX-Request" in waiting.headers["Vary"]
    assert 'hx-trigger="every 1s"' in body and "<progress" in body and 'id="import-job"' in body
    with app.app_context():
        runner.run_job(job_id)
    finished = client.get(f"/settings/import/{job_id}", headers=headers).get_data(as_text=True)
    assert "hx-trigger" not in finished.split("</section>")[0].split(">")[0]
    assert "Added</dt><dd>4</dd>" in finished
    page = client.get(f"/settings/import/{job_id}").get_data(as_text=True)
    assert "<html" in page and "Import of animelist.xml" in page


def test_import_pages_are_reachable_from_settings(app, client, alice):
    settings = client.get("/settings").get_data(as_text=True)
    assert 'href="/settings/import"' in settings and 'href="/settings/export"' in settings
    page = client.get("/settings/import")
    assert page.status_code == 200 and 'enctype="multipart/form-data"' in page.get_data(as_text=True)


# -- permissions ---------------------------------------------------------------------------------


def test_a_user_cannot_see_or_resolve_another_users_import(app, client, alice, catalog, make_user, auth):
    job = run(client, app, "trakt", trakt_json())
    make_user("mallory")
    auth.logout()
    auth.login("mallory")
    assert client.get(f"/settings/import/{job.id}").status_code == 404
    assert (
        client.get(
            f"/settings/import/{job.id}?row=0&q=Shaw",
            headers={"HX-Request": "true", "HX-Target": "candidates-0"},
        ).status_code
        == 404
    )
    assert (
        client.post(f"/settings/import/{job.id}/rows/0", data={"title_id": catalog["dune"]}).status_code
        == 404
    )
    listing = client.get("/settings/import").get_data(as_text=True)
    assert f"/settings/import/{job.id}" not in listing
    with app.app_context():
        mallory = db.session.scalar(select(User).where(User.username == "mallory"))
        assert (
            db.session.scalar(
                select(func.count()).select_from(ListEntry).where(ListEntry.user_id == mallory.id)
            )
            == 0
        )


def test_visitors_are_sent_to_log_in(client):
    response = client.get("/settings/import")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]
    htmx = client.get("/settings/import/1", headers={"HX-Request": "true"})
    assert htmx.status_code == 401 and "HX-Redirect" in htmx.headers


def test_upload_with_csrf_on_needs_the_token(app, client, alice):
    app.config["WTF_CSRF_ENABLED"] = True
    page = client.get("/settings/import").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    refused = client.post(
        "/settings/import",
        data={"source": "mal", "mode": "only_new", "file": (io.BytesIO(mal_xml()), "a.xml")},
        content_type="multipart/form-data",
    )
    assert refused.status_code == 400
    accepted = client.post(
        "/settings/import",
        data={
            "source": "mal",
            "mode": "only_new",
            "csrf_token": token,
            "file": (io.BytesIO(mal_xml()), "a.xml"),
        },
        content_type="multipart/form-data",
    )
    assert accepted.status_code == 303
    with app.app_context():
        runner.wait(job_id_from(accepted))


# -- the job queue -------------------------------------------------------------------------------


def test_progress_and_outcome_are_read_from_the_database_by_another_app(
    app, client, alice, catalog, tmp_path, monkeypatch
):
    reached, release = threading.Event(), threading.Event()
    real_match = matching.match

    def slow_match(refs):
        reached.set()
        assert release.wait(10)
        return real_match(refs)

    monkeypatch.setattr(matching, "match", slow_match)
    job_id = job_id_from(upload(client, "mal", mal_xml()))
    assert reached.wait(10)
    other = create_app(_test_config(tmp_path))  # another gunicorn worker: it did not get the upload
    try:
        other_client = other.test_client()
        AuthActions(other_client).login("alice")
        headers = {"HX-Request": "true", "HX-Target": "import-job"}
        waiting = other_client.get(f"/settings/import/{job_id}", headers=headers).get_data(as_text=True)
        assert "run-running" in waiting and 'hx-trigger="every 1s"' in waiting
        assert "Finding 5 titles in the catalog" in waiting
        release.set()
        with app.app_context():
            runner.wait(job_id)
        finished = other_client.get(f"/settings/import/{job_id}", headers=headers).get_data(as_text=True)
        assert "Added</dt><dd>4</dd>" in finished and "hx-trigger" not in finished.split(">")[0]
    finally:
        release.set()
        close_app(other)


def test_a_queued_import_says_it_waits_for_a_worker(app, client, alice, catalog):
    app.config["JOBS_WORKER"] = "external"  # `flask jobs run` would take it; none runs here
    job_id = job_id_from(upload(client, "mal", mal_xml()))
    page = client.get(f"/settings/import/{job_id}").get_data(as_text=True)
    assert "It waits in the queue for a worker." in page and "pending" in page


def _import_claimed_by_a_dying_worker(app, client) -> tuple[int, queue.Claim]:
    app.config["JOBS_WORKER"] = "external"  # no worker in this process: the test plays them
    job_id = job_id_from(upload(client, "mal", mal_xml()))
    with app.app_context():
        return job_id, queue.claim("a-worker-that-dies")


def _lease_runs_out(app, queued_id: int) -> None:
    with app.app_context():
        db.session.execute(
            update(Job).where(Job.id == queued_id).values(lease_expires_at=utcnow() - timedelta(seconds=1))
        )
        db.session.commit()


@pytest.mark.parametrize("committed", [False, True], ids=["died-while-working", "died-after-committing"])
def test_an_import_whose_worker_died_is_run_again_and_written_once(app, client, alice, catalog, committed):
    job_id, dead = _import_claimed_by_a_dying_worker(app, client)
    if committed:  # it wrote and committed the import, then died before telling the queue
        with app.app_context():
            runner.run_queued(dead.payload, worker.Progress(dead))
    _lease_runs_out(app, dead.id)
    with app.app_context():
        assert worker.run_next("another-worker")
        queued = db.session.get(Job, dead.id)
        assert (queued.status, queued.attempts) == ("done", 2)
        job = db.session.get(ImportJob, job_id)
        # One run's report: a second run over the first's writes would say (5, 0, 0, 4).
        assert (job.status, job.total, job.created, job.updated, job.skipped) == ("succeeded", 5, 4, 0, 0)
    assert counts(app, alice)["entries"] == 4


def test_an_import_whose_worker_died_on_every_attempt_fails_and_says_so(app, client, alice, catalog):
    app.config["JOBS_MAX_ATTEMPTS"] = 1
    job_id, dead = _import_claimed_by_a_dying_worker(app, client)
    _lease_runs_out(app, dead.id)
    with app.app_context():
        assert not worker.run_next("another-worker")  # nothing to run: it was given up
        assert db.session.get(Job, dead.id).status == "failed"
    page = client.get(f"/settings/import/{job_id}").get_data(as_text=True)
    assert "The import failed and nothing was written" in page and "stopped before it ended" in page
    assert counts(app, alice) == {"entries": 0, "watches": 0, "reviews": 0, "lists": 0, "items": 0}
    assert not (runner.folder(app) / str(job_id)).exists()


@pytest.mark.parametrize("live", [False, True], ids=["sqlite-lock-held", "postgresql"])
def test_the_writing_is_reported_row_by_row_only_where_it_can_be_committed(app, alice, catalog, live):
    class Recorder(list):
        live_during_writes = live

        def __call__(self, done, total=None, message=None, *, force=False):
            self.append((done, total, message))

    told = Recorder()
    with app.app_context():
        job = runner.create_job(db.session.get(User, alice), "mal", "only_new", "animelist.xml", mal_xml())
        db.session.commit()
        assert runner.run_job(job.id, told).status == "succeeded"
    steps = [(0, None, "Reading the file"), (0, 5, "Finding 5 titles in the catalog")]
    if live:
        steps += [(0, 4, "Writing 4 titles")] + [(n, 4, "Writing 4 titles") for n in range(1, 5)]
    else:  # the write transaction holds SQLite's lock: the bar has no count until it commits
        steps += [(0, None, "Writing 4 titles")]
    assert told == steps


@pytest.mark.parametrize("word, rewatch", [("Yes", True), ("true", True), ("false", False), ("", False)])
def test_letterboxd_rewatch_is_read_in_both_letterboxd_spellings(word, rewatch):
    """Letterboxd's export writes Yes; its import format, and our export, write true/false."""
    from mymovielist.services.imports import letterboxd

    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as files:
        files.writestr("diary.csv", "Date,Name,Year,Letterboxd URI,Rating,Rewatch,Tags,Watched Date\n"
                                    f"2024-01-03,Heat,1995,https://boxd.it/x,4,{word},,2024-01-02\n")
    bundle = letterboxd.parse(archive.getvalue())
    [record] = bundle.records.values()
    assert [watch.rewatch for watch in record.watches] == [rewatch]
