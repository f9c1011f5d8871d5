"""/admin/titles: a title's revisions with their diffs, revert and lock from the page, admins only."""

from __future__ import annotations

import json
import re
from datetime import date

import pytest
from conftest import PASSWORD, AuthActions
from emulator import load

from mymovielist.extensions import db
from mymovielist.models import Title, TitleRevision
from mymovielist.services import accounts
from mymovielist.sync import service
from mymovielist.sync.records import ExternalRef, TitleRecord

HUGE = str(2**63)  # past SQLite's integer: must be a 404, not an OverflowError


@pytest.fixture
def admin(client, auth, make_user):
    make_user("root", role="admin")
    auth.login("root")
    return client


@pytest.fixture
def sync_admin(sync_app):
    """A logged-in admin client on the app whose providers are the emulator."""
    with sync_app.app_context():
        accounts.register("root", "root@example.org", PASSWORD).role = "admin"
        db.session.commit()
    client = sync_app.test_client()
    AuthActions(client).login("root")
    return client


def import_movie(sync_app) -> int:
    result = sync_app.test_cli_runner().invoke(args=["sync", "import", "tmdb", "movie", "76"])
    assert result.exit_code == 0, result.output
    return int(result.stdout.split()[0])


def serve_movie(emulator, **changes) -> None:
    body = json.loads(load("tmdb", "movies_details_full.json"))
    body.update(changes)
    emulator.serve_json("tmdb", "/movie/76", body)


def revisions_of(app, title_id: int) -> list[TitleRevision]:
    with app.app_context():
        revisions = db.session.get(Title, title_id).revisions
        for revision in revisions:
            db.session.expunge(revision)
        return revisions


def stored(app, title_id: int) -> Title:
    with app.app_context():
        title = db.session.get(Title, title_id)
        db.session.refresh(title)
        db.session.expunge(title)
        return title


def two_revisions(app) -> int:
    """A title stored by one sync, then changed by another whose synopsis is hostile markup."""
    record = TitleRecord(kind="movie", title="Heat", refs=[ExternalRef("tmdb", "movie", "949")],
                         release_date=date(1995, 12, 15), synopsis="A heist.", details={"runtime_minutes": 170})
    with app.app_context():
        title_id = service.store_record(record).title.id
        record.synopsis, record.genres = "<script>alert(1)</script> A heist & a chase.", ["Crime", "Drama"]
        service.store_record(record)
        db.session.commit()
    return title_id


def test_visitors_and_users_are_kept_out(app, client, auth, make_user):
    title_id = two_revisions(app)
    revision_id = revisions_of(app, title_id)[-1].id
    gets = ["/admin/titles", f"/admin/titles/{title_id}"]
    posts = [f"/admin/titles/{title_id}/revisions/{revision_id}/revert", f"/admin/titles/{title_id}/locks"]
    for path in gets:
        assert client.get(path).status_code == 302
    make_user("joe")
    auth.login("joe")
    for path in gets:
        assert client.get(path).status_code == 403
    for path in posts:
        assert client.post(path, data={"confirmed": "1", "field": "synopsis", "locked": "1"}).status_code == 403
    assert "Revisions and locked fields" not in client.get(f"/titles/{title_id}", follow_redirects=True).get_data(as_text=True)
    assert stored(app, title_id).locked_fields == [] and len(revisions_of(app, title_id)) == 2


def test_bad_ids_are_not_found(app, admin):
    title_id = two_revisions(app)
    other_id = two_revisions_of_another(app)
    other_revision = revisions_of(app, other_id)[-1].id
    for path in ("/admin/titles/999999", f"/admin/titles/{HUGE}", "/admin/titles/-1", "/admin/titles/abc"):
        assert admin.get(path).status_code == 404, path
    for path in (f"/admin/titles/{title_id}/revisions/999999/revert", f"/admin/titles/{title_id}/revisions/{HUGE}/revert",
                 f"/admin/titles/{title_id}/revisions/{other_revision}/revert",  # a revision of another title
                 f"/admin/titles/{HUGE}/revisions/1/revert", f"/admin/titles/{HUGE}/locks"):
        assert admin.post(path, data={"confirmed": "1", "field": "synopsis", "locked": "1"}).status_code == 404, path
    refused = admin.post(f"/admin/titles/{title_id}/locks", data={"field": "password_hash", "locked": "1"})
    assert refused.status_code == 400 and "cannot be locked" in refused.get_data(as_text=True)
    assert stored(app, other_id).title == "Ronin"


def two_revisions_of_another(app) -> int:
    with app.app_context():
        title_id = service.store_record(TitleRecord(kind="movie", title="Ronin", refs=[ExternalRef("tmdb", "movie", "8195")],
                                                    release_date=date(1998, 9, 25))).title.id
        db.session.commit()
    return title_id


def test_the_page_lists_every_revision_with_an_escaped_diff(app, admin):
    title_id = two_revisions(app)
    creation, change = revisions_of(app, title_id)
    page = admin.get(f"/admin/titles/{title_id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert html.index(f'id="revision-{change.id}"') < html.index(f'id="revision-{creation.id}"')  # newest first
    assert "sync from tmdb" in html
    assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)&lt;/script&gt; A heist &amp; a chase." in html
    change_block = html[html.index(f'id="revision-{change.id}"'):html.index(f'id="revision-{creation.id}"')]
    assert re.search(r"<code>genres</code>.*?\(none\).*?crime, drama", change_block, re.DOTALL)
    assert re.search(r"<code>synopsis</code>.*?A heist\.</span>", change_block, re.DOTALL)
    # One revert button, on the change: the creation has no earlier version to go back to.
    assert html.count('class="revert-form"') == 1
    assert f'action="/admin/titles/{title_id}/revisions/{change.id}/revert"' in html
    assert 'name="csrf_token"' in html


def test_titles_are_found_by_words_id_and_provider_id(app, admin):
    title_id = two_revisions(app)
    for query in ("", "heat", str(title_id), "tmdb:movie:949"):
        html = admin.get("/admin/titles", query_string={"q": query}).get_data(as_text=True)
        assert f'href="/admin/titles/{title_id}"' in html, query
    assert "No title matches." in admin.get("/admin/titles?q=zzzz&page=abc").get_data(as_text=True)
    assert "No title matches." in admin.get("/admin/titles?q=nowhere:at:all").get_data(as_text=True)


def test_links_lead_admins_to_the_page(app, admin):
    title_id = two_revisions(app)
    assert 'href="/admin/titles"' in admin.get("/admin/").get_data(as_text=True)
    detail = admin.get(f"/titles/{title_id}", follow_redirects=True).get_data(as_text=True)
    assert f'href="/admin/titles/{title_id}"' in detail


def test_revert_from_the_page_asks_first_then_writes_a_new_revision(sync_app, sync_admin, emulator):
    title_id = import_movie(sync_app)
    serve_movie(emulator, title="Before Sunrize", overview="Vandalised.")
    import_movie(sync_app)
    bad = revisions_of(sync_app, title_id)[-1]
    url = f"/admin/titles/{title_id}/revisions/{bad.id}/revert"

    ask = sync_admin.post(url, data={"lock": "1"})
    html = ask.get_data(as_text=True)
    assert ask.status_code == 200 and "Yes, revert revision" in html and 'name="confirmed" value="1"' in html
    assert "Before Sunrize" in html and "Vandalised." in html
    assert stored(sync_app, title_id).title == "Before Sunrize"  # asking changed nothing

    done = sync_admin.post(url, data={"lock": "1", "confirmed": "1"})
    assert done.status_code == 303 and done.headers["Location"].endswith(f"/admin/titles/{title_id}")
    title = stored(sync_app, title_id)
    assert (title.title, title.slug) == ("Before Sunrise", "before-sunrise")
    assert not title.synopsis.startswith("Vandalised") and set(title.locked_fields) == {"title", "synopsis"}
    last = revisions_of(sync_app, title_id)[-1]
    assert last.source == "revert" and last.changes["title"] == ["Before Sunrize", "Before Sunrise"]
    page = sync_admin.get(f"/admin/titles/{title_id}").get_data(as_text=True)
    assert "Reverted synopsis, title" in page and "revert by root" in page
    # Locked: the next sync leaves the reverted fields alone.
    import_movie(sync_app)
    assert stored(sync_app, title_id).title == "Before Sunrise"


def test_the_creation_cannot_be_reverted_from_the_page(sync_app, sync_admin):
    title_id = import_movie(sync_app)
    creation = revisions_of(sync_app, title_id)[0]
    refused = sync_admin.post(f"/admin/titles/{title_id}/revisions/{creation.id}/revert", data={"confirmed": "1"})
    assert refused.status_code == 409
    assert f"revision {creation.id} created the title" in refused.get_data(as_text=True)
    assert stored(sync_app, title_id).synopsis and len(revisions_of(sync_app, title_id)) == 1


def test_a_locked_field_is_left_alone_by_the_next_sync_until_unlocked(sync_app, sync_admin, emulator):
    title_id = import_movie(sync_app)
    original = stored(sync_app, title_id).synopsis
    locked = sync_admin.post(f"/admin/titles/{title_id}/locks", data={"field": "synopsis", "locked": "1"})
    assert locked.status_code == 303
    assert stored(sync_app, title_id).locked_fields == ["synopsis"]
    lock_revision = revisions_of(sync_app, title_id)[-1]
    assert (lock_revision.source, lock_revision.changes) == ("admin", {"locked_fields": [[], ["synopsis"]]})

    serve_movie(emulator, overview="TMDB rewrote this.", tagline="A new tagline.")
    import_movie(sync_app)
    title = stored(sync_app, title_id)
    assert (title.synopsis, title.tagline) == (original, "A new tagline.")
    page = sync_admin.get(f"/admin/titles/{title_id}").get_data(as_text=True)
    assert "Unlock <span class=\"visually-hidden\">synopsis</span>" in page and "admin by root" in page

    sync_admin.post(f"/admin/titles/{title_id}/locks", data={"field": "synopsis", "locked": "0"})
    import_movie(sync_app)
    assert stored(sync_app, title_id).synopsis == "TMDB rewrote this."


def test_posts_need_the_csrf_token(app, admin):
    title_id = two_revisions(app)
    app.config["WTF_CSRF_ENABLED"] = True
    refused = admin.post(f"/admin/titles/{title_id}/locks", data={"field": "synopsis", "locked": "1"})
    assert refused.status_code == 400
    token = AuthActions(admin).csrf_token(f"/admin/titles/{title_id}")
    accepted = admin.post(f"/admin/titles/{title_id}/locks", data={"field": "synopsis", "locked": "1", "csrf_token": token})
    assert accepted.status_code == 303 and stored(app, title_id).locked_fields == ["synopsis"]
