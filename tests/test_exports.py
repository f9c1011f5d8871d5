"""Exports: our JSON (round trip), our CSV, MyAnimeList XML and Letterboxd CSV, as downloads."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from datetime import date

import pytest
from defusedxml.ElementTree import fromstring
from import_helpers import job_id_from, make_catalog
from sqlalchemy import delete, select

from mymovielist.extensions import db
from mymovielist.models import CustomList, ImportJob, ListEntry, Review, Title, User, WatchEvent
from mymovielist.services import lists, ratings, reviews, tracking
from mymovielist.services.imports import mal, runner


@pytest.fixture
def catalog(make_title):
    return make_catalog(make_title)


@pytest.fixture
def alice(make_user, auth):
    user_id = make_user("alice")
    auth.login("alice")
    return user_id


@pytest.fixture
def history(app, alice, catalog):
    """A history built through the tracking, review and list services."""
    with app.app_context():
        user = db.session.get(User, alice)
        t = {name: db.session.get(Title, title_id) for name, title_id in catalog.items()}
        tracking.update_entry(
            user,
            t["bebop"],
            on=date(2024, 3, 1),
            status="completed",
            score=90,
            notes="Jazz.",
            tags=["space", "jazz"],
            priority=2,
            is_favourite=True,
        )
        tracking.update_entry(user, t["fma"], on=date(2024, 4, 1), progress=3)
        tracking.update_entry(
            user, t["berserk"], on=date(2024, 4, 2), status="on_hold", progress=40, score=75
        )
        tracking.log_watch(
            user, t["matrix"], watched_on=date(2021, 2, 3), number=None, score=None, note="First."
        )
        tracking.log_watch(user, t["matrix"], watched_on=date(2023, 7, 14), number=None, score=None, note="")
        tracking.set_rating(user, t["matrix"], 85)
        tracking.toggle_watchlist(user, t["spirited"])
        tracking.set_rating(user, t["parasite"], 100)
        reviews.save_review(user, t["parasite"], "Stairs.\n\nSo many *stairs*.", spoiler=True)
        comfort = lists.create_list(user, "Comfort films", "Rainy days", is_ranked=True)
        for name in ("paddington", "spirited", "matrix"):
            lists.add_item(comfort, t[name], note="best" if name == "paddington" else "")
        lists.create_list(user, "Empty one", is_public=False)
        db.session.commit()
    return alice


def download(client, fmt):
    response = client.get(f"/settings/export/{fmt}")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment; filename=")
    return response


def _wipe(app, user_id):
    with app.app_context():
        titles = db.session.scalars(select(Title).join(ListEntry).where(ListEntry.user_id == user_id)).all()
        for model in (WatchEvent, ListEntry, Review, CustomList):
            db.session.execute(delete(model).where(model.user_id == user_id))
        for title in titles:
            ratings.refresh_title(title)
        db.session.commit()


def _without_moment(document):
    return {k: v for k, v in document.items() if k != "exported_at"}


def test_our_json_round_trips_through_wipe_and_import(app, client, history):
    first = json.loads(download(client, "json").data)
    assert first["format"] == "mymovielist" and first["version"] == 1
    assert len(first["entries"]) == 6 and len(first["watches"]) >= 2 and len(first["lists"]) == 2
    _wipe(app, history)
    assert json.loads(download(client, "json").data)["entries"] == []
    response = client.post(
        "/settings/import",
        data={
            "source": "ours",
            "mode": "overwrite",
            "file": (io.BytesIO(download(client, "json").data), "x.json"),
        },
        content_type="multipart/form-data",
    )
    with app.app_context():
        runner.wait(job_id_from(response))
    with app.app_context():  # an empty export has nothing to import: the job fails and writes nothing
        job = db.session.get(ImportJob, job_id_from(response))
        assert (job.status, job.error) == ("failed", "The file holds nothing to import.")
    exported = io.BytesIO(json.dumps(first).encode())
    response = client.post(
        "/settings/import",
        data={"source": "ours", "mode": "overwrite", "file": (exported, "x.json")},
        content_type="multipart/form-data",
    )
    job_id = job_id_from(response)
    with app.app_context():
        runner.wait(job_id)
    second = json.loads(download(client, "json").data)
    assert _without_moment(second) == _without_moment(first)
    with app.app_context():
        expected = ratings.expected_aggregates()
        for title_id, (count, mean, _weighted) in expected.items():
            title = db.session.get(Title, title_id)
            assert (title.rating_count, title.mean_score) == (count, mean)


def test_our_csv_zip_has_every_part(client, history):
    response = download(client, "csv")
    assert response.mimetype == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    assert sorted(archive.namelist()) == ["entries.csv", "lists.csv", "reviews.csv", "watches.csv"]
    entries = list(csv.DictReader(io.StringIO(archive.read("entries.csv").decode())))
    bebop = next(row for row in entries if row["title"] == "Cowboy Bebop")
    assert (bebop["status"], bebop["score"], json.loads(bebop["tags"])) == (
        "completed",
        "90",
        ["space", "jazz"],
    )
    items = list(csv.DictReader(io.StringIO(archive.read("lists.csv").decode())))
    assert [(row["list"], row["position"], row["title"]) for row in items] == [
        ("Comfort films", "1", "Paddington 2"),
        ("Comfort films", "2", "Spirited Away"),
        ("Comfort films", "3", "The Matrix"),
    ]
    review = next(csv.DictReader(io.StringIO(archive.read("reviews.csv").decode())))
    assert review["body"] == "Stairs.\n\nSo many *stairs*." and review["spoiler"] == "True"


def test_mal_xml_is_what_mal_imports_and_what_we_read_back(app, client, history, catalog):
    response = download(client, "mal-anime")
    assert response.mimetype == "application/xml"
    root = fromstring(response.data)
    assert root.tag == "myanimelist" and root.findtext("myinfo/user_export_type") == "1"
    rows = {row.findtext("series_animedb_id"): row for row in root.iter("anime")}
    assert set(rows) == {"1", "5114"}
    bebop = rows["1"]
    assert (
        bebop.findtext("my_status"),
        bebop.findtext("my_score"),
        bebop.findtext("my_watched_episodes"),
    ) == ("Completed", "9", "26")
    assert bebop.findtext("update_on_import") == "1" and bebop.findtext("my_finish_date") == "2024-03-01"
    assert rows["5114"].findtext("my_finish_date") == "0000-00-00"
    back = mal.parse(response.data).records["jikan:anime:1"].entry
    assert (back["status"], back["score"], back["progress"], back["tags"], back["priority"]) == (
        "completed",
        90,
        26,
        ["space", "jazz"],
        2,
    )
    manga = fromstring(download(client, "mal-manga").data)
    berserk = next(manga.iter("manga"))
    assert (
        berserk.findtext("manga_mangadb_id"),
        berserk.findtext("my_status"),
        berserk.findtext("my_read_chapters"),
    ) == ("2", "On-Hold", "40")


def test_letterboxd_csv_has_a_row_per_watch_with_stars(client, history):
    response = download(client, "letterboxd")
    assert response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.data.decode())))
    assert list(rows[0]) == [
        "Title",
        "Year",
        "tmdbID",
        "imdbID",
        "Rating",
        "WatchedDate",
        "Rewatch",
        "Review",
    ]
    matrix = [row for row in rows if row["Title"] == "The Matrix"]
    assert [(r["WatchedDate"], r["Rewatch"], r["Rating"], r["tmdbID"], r["imdbID"]) for r in matrix] == [
        ("2021-02-03", "false", "4.5", "603", "tt0133093"),
        ("2023-07-14", "true", "4.5", "603", "tt0133093"),
    ]
    parasite = next(row for row in rows if row["Title"] == "Parasite")
    assert (parasite["Rating"], parasite["Review"]) == ("5", "Stairs.\n\nSo many *stairs*.")
    assert not any(row["Title"] == "Spirited Away" for row in rows)  # only planned: not a watch
    assert all(row["Title"] not in ("Cowboy Bebop", "Berserk") for row in rows)  # films only


def test_export_page_and_unknown_format(client, alice):
    page = client.get("/settings/export")
    assert page.status_code == 200 and 'href="/settings/export/json"' in page.get_data(as_text=True)
    assert client.get("/settings/export/pdf").status_code == 404


def test_exports_are_only_ones_own(client, history, make_user, auth):
    make_user("bob")
    auth.logout()
    auth.login("bob")
    document = json.loads(download(client, "json").data)
    assert document["user"] == "bob" and document["entries"] == [] and document["lists"] == []
    auth.logout()
    assert client.get("/settings/export/json").status_code == 302


FORMULAS = ["=HYPERLINK(\"http://evil.example\",\"x\")", "+cmd|' /C calc'!A0", "-2+3+cmd|' /C calc'!A0",
            "@SUM(1+1)*cmd|' /C calc'!A0", "\t=1+1", "\r=1+1"]


@pytest.mark.parametrize("formula", FORMULAS)
def test_csv_exports_defuse_spreadsheet_formulas_in_user_text(app, client, alice, make_title, formula):
    """A cell a spreadsheet would run as a formula starts with a quote instead (OWASP CSV injection)."""
    title_id = make_title("movie", title=formula, year=1999)
    with app.app_context():
        user, title = db.session.get(User, alice), db.session.get(Title, title_id)
        tracking.update_entry(user, title, on=date(2024, 1, 2), status="completed", score=80, notes=formula,
                              tags=[formula])
        reviews.save_review(user, title, formula, spoiler=False)
        lists.add_item(lists.create_list(user, "Sketchy", formula), title, note=formula)
        db.session.commit()
    archive = zipfile.ZipFile(io.BytesIO(download(client, "csv").data))
    cells = [value for name in archive.namelist()
             for row in csv.DictReader(io.StringIO(archive.read(name).decode(), newline=""))
             for value in row.values()]
    cells += [value for row in csv.DictReader(io.StringIO(download(client, "letterboxd").data.decode(), newline=""))
              for value in row.values()]
    assert "'" + formula in cells  # the text is all there, behind the quote
    assert not [cell for cell in cells if cell.startswith(("=", "+", "@", "\t", "\r"))]
    assert not [cell for cell in cells if cell.startswith("-") and not _is_number(cell)]


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _completed_and_exported(app, client, user_id: int, title_id: int, notes: str) -> list[dict[str, str]]:
    """Complete the title with `notes` for the user, then read back the CSV export's entries."""
    with app.app_context():
        user, title = db.session.get(User, user_id), db.session.get(Title, title_id)
        tracking.update_entry(user, title, on=date(2024, 1, 2), status="completed", notes=notes)
        db.session.commit()
    archive = zipfile.ZipFile(io.BytesIO(download(client, "csv").data))
    return list(csv.DictReader(io.StringIO(archive.read("entries.csv").decode(), newline="")))


def test_csv_exports_keep_numbers_and_ordinary_text(app, client, alice, make_title):
    title_id = make_title("movie", title="-30- (a newsroom film)", year=1959)
    (entry,) = _completed_and_exported(app, client, alice, title_id, notes="-5")
    assert entry["notes"] == "-5" and entry["title"] == "'-30- (a newsroom film)"


def test_csv_exports_keep_line_breaks_inside_their_cell(app, client, alice, make_title):
    """A lone CR (provider text can hold one) is quoted: it used to go out bare and split the row."""
    title_id = make_title("movie", title="Carriage\rReturn", year=2001)
    rows = _completed_and_exported(app, client, alice, title_id, notes="one\ntwo")
    assert [(row["title"], row["notes"], row["year"]) for row in rows] == [("Carriage\rReturn", "one\ntwo", "2001")]


def test_letterboxd_keeps_the_rating_of_a_watched_film_planned_again(app, client, alice, catalog):
    with app.app_context():
        user, film = db.session.get(User, alice), db.session.get(Title, catalog["matrix"])
        tracking.log_watch(user, film, watched_on=date(2020, 1, 2), number=None, score=None, note="")
        tracking.set_rating(user, film, 80)
        tracking.update_entry(user, film, status="planned")  # to watch it again
        db.session.commit()
    rows = list(csv.DictReader(io.StringIO(download(client, "letterboxd").data.decode())))
    assert [(r["Title"], r["WatchedDate"], r["Rewatch"], r["Rating"]) for r in rows] == [
        ("The Matrix", "2020-01-02", "false", "4")]
