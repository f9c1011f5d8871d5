"""Title pages for visitors without a session: rendered once per change, never shared with a session."""

from __future__ import annotations

import gzip

import brotli
import pytest
from flask import Flask
from sqlalchemy import event

from mymovielist.extensions import db
from mymovielist.sync.records import ExternalRef, TitleRecord
from mymovielist.sync.service import store_record


@pytest.fixture
def statements(app: Flask):
    """The SQL statements the app runs, as a list that grows."""
    seen: list[str] = []
    with app.app_context():
        engine = db.engine

    def hit(conn, cursor, statement, *args):
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", hit)
    yield seen
    event.remove(engine, "before_cursor_execute", hit)


def _page(client, title_id: int, **headers) -> str:
    response = client.get(f"/titles/{title_id}", headers=headers)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_a_visitor_page_is_rendered_once_and_holds_no_session(app, client, make_title, statements):
    title_id = make_title(title="Cached Film")
    first = client.get(f"/titles/{title_id}")
    assert first.status_code == 200 and "Cached Film" in first.get_data(as_text=True)
    assert "Set-Cookie" not in first.headers
    assert "Cookie" in first.headers["Vary"]  # no shared cache may hand it to a signed-in browser
    assert "X-CSRFToken" not in first.get_data(as_text=True)
    rendered = len(statements)
    assert rendered > 0

    again = client.get(f"/titles/{title_id}")
    assert again.get_data() == first.get_data()
    assert len(statements) == rendered  # no query at all for the second visitor


def test_a_rating_shows_on_the_next_visitor_request(app, make_title, make_user, auth):
    title_id = make_title(title="Rated Film")
    visitor = app.test_client()
    assert "Not rated yet" in _page(visitor, title_id)
    make_user("rater")
    auth.login("rater")
    auth._client.post(f"/titles/{title_id}/entry", data={"status": "completed", "score": "8"})
    assert "8.0/10" in _page(visitor, title_id)


def test_a_sync_rename_shows_on_the_next_visitor_request(app, client, make_title):
    title_id = make_title(title="Old Name", refs=[ExternalRef("test", "movie", "r1")])
    assert "Old Name" in _page(client, title_id)
    with app.app_context():
        store_record(TitleRecord(kind="movie", title="New Name", refs=[ExternalRef("test", "movie", "r1")]))
        db.session.commit()
    page = _page(client, title_id)
    assert "New Name" in page and "Old Name" not in page


def test_signed_in_users_and_sessions_get_their_own_page(app, client, make_title, make_user, auth):
    title_id = make_title(title="Shared Film")
    _page(client, title_id)  # cached for visitors
    make_user("alice")
    auth.login("alice")
    page = _page(auth._client, title_id)
    assert "alice" in page and "Log out" in page and "X-CSRFToken" in page
    assert "Log in" in _page(app.test_client(), title_id)  # and the visitors' copy is untouched


def test_htmx_requests_are_not_served_from_the_page_cache(app, client, make_title, statements):
    title_id = make_title(title="Fragment Film")
    _page(client, title_id)
    before = len(statements)
    client.get(f"/titles/{title_id}", headers={"HX-Request": "true"})
    assert len(statements) > before


def test_every_encoding_carries_the_same_page(app, client, make_title):
    title_id = make_title(title="Encoded Film", synopsis="A long synopsis. " * 80)
    plain = client.get(f"/titles/{title_id}", headers={"Accept-Encoding": "identity"})
    assert "Content-Encoding" not in plain.headers
    for encoding, decode in (("gzip", gzip.decompress), ("br", brotli.decompress)):
        for _ in range(2):  # encoded once, then served from the cache
            response = client.get(f"/titles/{title_id}", headers={"Accept-Encoding": encoding})
            assert response.headers["Content-Encoding"] == encoding
            assert "Accept-Encoding" in response.headers["Vary"]
            assert decode(response.get_data()) == plain.get_data()


def test_missing_titles_and_old_slugs_are_not_kept(app, client, make_title):
    assert client.get("/titles/424242").status_code == 404
    title_id = make_title(title="Moved Film")
    assert client.get(f"/titles/{title_id}-old-slug").status_code == 301
    assert client.get(f"/titles/{title_id}-old-slug").status_code == 301
    assert client.get("/titles/424242").status_code == 404


@pytest.mark.parametrize("path", ["/", "/movies", "/movies?sort=title&page=1"])
def test_home_and_browse_pages_are_kept_for_visitors_too(app, client, make_title, statements, path):
    make_title(title="Browsed Film")
    first = client.get(path)
    assert first.status_code == 200 and "Browsed Film" in first.get_data(as_text=True)
    assert "Set-Cookie" not in first.headers
    rendered = len(statements)
    assert client.get(path).get_data() == first.get_data()
    assert len(statements) == rendered
    with app.app_context():  # a sync adds a title: the next visitor sees it
        store_record(TitleRecord(kind="movie", title="Newer Film", refs=[ExternalRef("test", "movie", "new")]))
        db.session.commit()
    assert "Newer Film" in client.get(path).get_data(as_text=True)


def test_people_characters_and_genres_are_kept_for_visitors(app, client, statements):
    from mymovielist.sync.records import CharacterRecord, CreditRecord, PersonRecord

    record = TitleRecord(
        kind="anime", title="Kept Show", refs=[ExternalRef("test", "anime", "k")], genres=["Drama"],
        credits=[CreditRecord(PersonRecord("Kept Person", ExternalRef("test", "person", "1")), "cast")],
        characters=[CharacterRecord("Kept Character", ExternalRef("test", "character", "1"), role="main")],
    )
    with app.app_context():
        store_record(record)
        db.session.commit()
    for path, text in (("/people/1", "Kept Person"), ("/characters/1", "Kept Character"), ("/genres/drama", "Kept Show")):
        first = client.get(path)
        assert first.status_code == 200 and text in first.get_data(as_text=True)
        before = len(statements)
        assert client.get(path).get_data() == first.get_data() and len(statements) == before
    with app.app_context():  # the provider renames them: the next visitor sees the new names
        record.credits = [CreditRecord(PersonRecord("Renamed Person", ExternalRef("test", "person", "1")), "cast")]
        store_record(record)
        db.session.commit()
    assert "Renamed Person" in client.get("/people/1").get_data(as_text=True)


def test_a_rating_renders_only_the_rated_title_again(app, make_title, make_user, auth, statements):
    client = app.test_client()  # a visitor; auth signs in its own client
    rated, other = make_title(title="Rated Here"), make_title(title="Not Rated Here")
    _page(client, rated), _page(client, other)
    make_user("rater")
    auth.login("rater")
    auth._client.post(f"/titles/{rated}/entry", data={"status": "completed", "score": "8"})
    before = len(statements)
    _page(client, other)
    assert len(statements) == before  # another title's rating leaves this page as it was
    assert "8.0/10" in _page(client, rated) and len(statements) > before
    with app.app_context():  # the job applies the new mean to every title: every page renders again
        from mymovielist.services import ratings

        ratings.refresh_weighted_scores()
        db.session.commit()
    before = len(statements)
    _page(client, other)
    assert len(statements) > before


def test_a_replay_answers_its_own_request(app, client, make_title, caplog):
    title_id = make_title(title="Replayed Film", synopsis="A long synopsis. " * 80)
    first = client.get(f"/titles/{title_id}", headers={"Accept-Encoding": "gzip"})
    with caplog.at_level("INFO", logger="mymovielist.events"):
        again = client.get(f"/titles/{title_id}", headers={"Accept-Encoding": "gzip", "X-Request-ID": "replay-request-1"})
    assert again.get_data() == first.get_data() and again.headers["Content-Encoding"] == "gzip"
    assert again.headers["X-Request-ID"] == "replay-request-1" != first.headers["X-Request-ID"]
    assert again.headers["Content-Security-Policy"] == first.headers["Content-Security-Policy"]
    assert int(again.headers["Content-Length"]) == len(again.get_data())
    assert "Date" not in again.headers  # the server adds its own; a kept one would be stale
    lines = [r for r in caplog.records if getattr(r, "fields", {}).get("request_id") == "replay-request-1"]
    assert len(lines) == 1 and lines[0].fields["status"] == 200 and lines[0].fields["cached"] is True

    etag = first.headers["ETag"]
    unchanged = client.get(f"/titles/{title_id}", headers={"Accept-Encoding": "gzip", "If-None-Match": etag})
    assert unchanged.status_code == 304 and unchanged.get_data() == b"" and unchanged.headers["ETag"] == etag
    head = client.head(f"/titles/{title_id}", headers={"Accept-Encoding": "gzip"})
    assert head.status_code == 200 and head.get_data() == b"" and head.headers["Content-Length"] == str(len(first.get_data()))


def test_pages_for_visitors_are_never_kept_from_a_cookie_or_htmx(app, client, make_title):
    from flask import template_rendered

    title_id = make_title(title="Error Film")
    rendered: list[str] = []

    def seen(_sender, template, **_extra):
        rendered.append(template.name)

    template_rendered.connect(seen, app)
    try:
        client.set_cookie("session", "not-a-valid-session")  # any session cookie: not a visitor
        client.get(f"/titles/{title_id}")
        client.delete_cookie("session")
        client.get(f"/titles/{title_id}", headers={"HX-Request": "true"})
        assert rendered.count("catalog/detail.html") == 2
        visitor = app.test_client()
        assert "Error Film" in _page(visitor, title_id)
        assert rendered.count("catalog/detail.html") == 3  # neither answer was kept for the visitor
        _page(visitor, title_id)
        assert rendered.count("catalog/detail.html") == 3  # the visitor's own answer was
    finally:
        template_rendered.disconnect(seen, app)
