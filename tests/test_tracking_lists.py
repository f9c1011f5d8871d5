"""/users/<username>/list: tabs by status and kind, sort, filter, inline row edit, privacy, pages."""

from __future__ import annotations

import json
import re

import pytest

HX = {"HX-Request": "true"}


@pytest.fixture
def shelf(app, client, make_title, make_user, auth):
    make_user("owner")
    auth.login("owner")
    ids = {
        "Alpha": make_title("movie", "Alpha"),
        "Bravo": make_title("anime", "Bravo", details={"episode_count": 12}),
        "Charlie": make_title("series", "Charlie", details={"episode_count": 8}),
        "Delta": make_title("comic", "Delta", details={"issue_count": 30}),
    }
    client.post(f"/titles/{ids['Alpha']}/rating", data={"score": "6"})
    client.post(f"/titles/{ids['Bravo']}/entry", data={"status": "watching", "progress": "4", "score": "9", "tags": "mecha"})
    client.post(f"/titles/{ids['Charlie']}/watchlist")
    client.post(f"/titles/{ids['Delta']}/entry", data={"status": "dropped", "progress": "2"})
    client.post(f"/titles/{ids['Delta']}/favourite")
    return ids


def names(body: str) -> list[str]:
    return re.findall(r'class="entry-title" href="[^"]+">([^<]+)</a>', body)


def test_tabs_by_status_and_kind(client, shelf):
    body = client.get("/users/owner/list").get_data(as_text=True)
    assert sorted(names(body)) == ["Alpha", "Bravo", "Charlie", "Delta"]
    assert names(client.get("/users/owner/list?status=planned").get_data(as_text=True)) == ["Charlie"]
    assert names(client.get("/users/owner/list?kind=anime").get_data(as_text=True)) == ["Bravo"]
    assert names(client.get("/users/owner/list?kind=comic&status=dropped").get_data(as_text=True)) == ["Delta"]
    assert 'Reading' not in client.get("/users/owner/list?kind=anime").get_data(as_text=True)
    assert "Plan to read" in client.get("/users/owner/list?kind=comic").get_data(as_text=True)


@pytest.mark.parametrize("sort, expected", [
    ("title", ["Alpha", "Bravo", "Charlie", "Delta"]),
    ("score", ["Bravo", "Alpha", "Charlie", "Delta"]),
    ("progress", ["Bravo", "Delta", "Alpha", "Charlie"]),
    ("kind", ["Bravo", "Delta", "Alpha", "Charlie"]),  # anime, comic, movie, series
    ("updated", ["Delta", "Charlie", "Bravo", "Alpha"]),
])
def test_sorts(client, shelf, sort, expected):
    assert names(client.get(f"/users/owner/list?sort={sort}").get_data(as_text=True)) == expected
    reverse = "asc" if sort in ("score", "progress", "updated") else "desc"
    reversed_names = names(client.get(f"/users/owner/list?sort={sort}&dir={reverse}").get_data(as_text=True))
    if sort == "score":  # the unscored stay last both ways, in title order
        assert reversed_names == ["Alpha", "Bravo", "Charlie", "Delta"]
    else:
        assert reversed_names == expected[::-1]


def headers(body: str) -> dict[str, tuple[str, str | None]]:
    """Each sorting column header: its label -> (its link, its aria-sort)."""
    found = re.findall(r'<th scope="col" class="col-\w+"(?: aria-sort="(\w+)")?>\s*<a href="([^"]+)" hx-get="[^"]+"\s+'
                       r'hx-target="#list-results" hx-push-url="true">(\w+)', body)
    return {label: (href.replace("&amp;", "&"), sort or None) for sort, href, label in found}


def test_column_headers_sort_both_ways_and_keep_the_filters(client, shelf):
    body = client.get("/users/owner/list?kind=anime&q=b&sort=score").get_data(as_text=True)
    found = headers(body)
    assert list(found) == ["Title", "Score", "Progress", "Type", "Updated"]
    assert found["Score"] == ("/users/owner/list?kind=anime&q=b&sort=score&dir=asc", "descending")
    assert found["Title"] == ("/users/owner/list?kind=anime&q=b&sort=title", None)  # its usual way: A to Z
    body = client.get(found["Score"][0]).get_data(as_text=True)
    assert headers(body)["Score"] == ("/users/owner/list?kind=anime&q=b&sort=score", "ascending")
    title_first = headers(client.get("/users/owner/list?sort=title").get_data(as_text=True))["Title"]
    assert title_first == ("/users/owner/list?sort=title&dir=desc", "ascending")
    assert 'aria-sort' not in re.search(r'<th scope="col" class="col-title".*?</th>', body, re.DOTALL).group(0)


@pytest.mark.parametrize("query", ["sort=random", "sort=", "dir=sideways", "sort=score&dir=up"])
def test_an_unknown_sort_shows_the_usual_order(client, shelf, query):
    response = client.get(f"/users/owner/list?{query}")
    usual = ["Bravo", "Alpha", "Charlie", "Delta"] if "sort=score" in query else ["Delta", "Charlie", "Bravo", "Alpha"]
    assert response.status_code == 200 and names(response.get_data(as_text=True)) == usual


def test_filters_by_text_tag_and_favourite(client, shelf):
    assert names(client.get("/users/owner/list?q=rav").get_data(as_text=True)) == ["Bravo"]
    assert names(client.get("/users/owner/list?tag=Mecha").get_data(as_text=True)) == ["Bravo"]
    assert names(client.get("/users/owner/list?favourites=y").get_data(as_text=True)) == ["Delta"]
    assert names(client.get("/users/owner/list?q=%25").get_data(as_text=True)) == []


@pytest.mark.parametrize("query", ["status=binge", "kind=book", "page=0", "page=x"])
def test_bad_list_queries_are_400(client, shelf, query):
    assert client.get(f"/users/owner/list?{query}").status_code == 400


def test_pages(app, client, shelf, make_title):
    app.config["TRACKING_LIST_PAGE_SIZE"] = 3
    first = client.get("/users/owner/list?sort=title").get_data(as_text=True)
    assert names(first) == ["Alpha", "Bravo", "Charlie"] and 'rel="next"' in first
    assert names(client.get("/users/owner/list?sort=title&page=2").get_data(as_text=True)) == ["Delta"]
    assert client.get("/users/owner/list?page=3").status_code == 404


def test_results_fragment_for_the_filter_form(client, shelf):
    response = client.get("/users/owner/list?q=alp", headers={**HX, "HX-Target": "list-results"})
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in body and 'id="list-results"' in body
    assert names(body) == ["Alpha"] and "HX-Request" in response.headers["Vary"]


def test_inline_row_edit_returns_the_row(app, client, shelf):
    bravo = shelf["Bravo"]
    response = client.post(f"/titles/{bravo}/entry", data={"progress": "6", "score": "7.5"},
                           headers={**HX, "HX-Target": f"entry-row-{bravo}"})
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in body
    # the row is shown again with what was saved, its editor closed
    assert body.strip().startswith(f'<tr id="entry-row-{bravo}" class="entry-row">') and 'class="row-edit"' not in body
    assert '<span class="progress-count">6 / 12</span>' in body and '<td class="col-score">7.5</td>' in body
    assert json.loads(response.headers["HX-Trigger"])["toast"]["level"] == "success"
    bad = client.post(f"/titles/{bravo}/entry", data={"progress": "99"}, headers={**HX, "HX-Target": f"entry-row-{bravo}"})
    assert bad.status_code == 422 and "from 0 to 12" in json.loads(bad.headers["HX-Trigger"])["toast"]["message"]


def test_without_javascript_a_row_edit_returns_to_the_list(client, shelf):
    bravo = shelf["Bravo"]
    response = client.post(f"/titles/{bravo}/entry", data={"progress": "5", "next": "/users/owner/list?sort=title"})
    assert response.status_code == 302 and response.location.endswith("/users/owner/list?sort=title")
    evil = client.post(f"/titles/{bravo}/entry", data={"progress": "5", "next": "//evil.example"})
    assert "evil" not in evil.location


def test_others_see_a_public_list_read_only(client, shelf, make_user, auth):
    auth.logout()
    body = client.get("/users/owner/list").get_data(as_text=True)
    assert sorted(names(body)) == ["Alpha", "Bravo", "Charlie", "Delta"] and "row-edit" not in body
    make_user("guest")
    auth.login("guest")
    assert "row-edit" not in client.get("/users/owner/list").get_data(as_text=True)


def test_a_private_list_is_only_for_its_owner(app, client, shelf, make_user, auth):
    from sqlalchemy import select

    from mymovielist.extensions import db
    from mymovielist.models import Profile, User

    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == "owner"))
        db.session.get(Profile, user.id).is_private = True
        db.session.commit()
    assert client.get("/users/owner/list").status_code == 200
    assert "Favourites" in client.get("/users/owner").get_data(as_text=True)
    auth.logout()
    assert client.get("/users/owner/list").status_code == 404  # hidden answers as missing (issue 15)
    assert "Delta" not in client.get("/users/owner").get_data(as_text=True)
    make_user("nosy")
    auth.login("nosy")
    response = client.get("/users/owner/list")
    assert response.status_code == 404 and "Delta" not in response.get_data(as_text=True)
    assert client.get("/users/nobody/list").status_code == 404


def test_the_list_shows_time_watched_from_the_log(client, make_title, make_user, auth):
    make_user("binger")
    auth.login("binger")
    film = make_title("movie", "Long", details={"runtime_minutes": 150})
    show = make_title("anime", "Show", details={"episode_count": 12, "episode_minutes": 25})
    client.post(f"/titles/{film}/watches", data={})
    client.post(f"/titles/{show}/entry", data={"progress": "3"})
    assert "3 h 45 min watched" in client.get("/users/binger/list").get_data(as_text=True)
    assert "1 h 15 min watched (anime)" in client.get("/users/binger/list?kind=anime").get_data(as_text=True)
    assert "min watched" not in client.get("/users/binger/list?kind=comic").get_data(as_text=True)


def test_the_list_page_costs_the_same_queries_for_4_entries_as_for_24(app, client, shelf, make_title):
    from sqlalchemy import event
    from werkzeug.routing import MapAdapter

    from mymovielist.extensions import db

    def queries() -> tuple[int, int]:
        """The page's SQL statements and URLs built (url_for), for its owner."""
        seen, built = [], []
        with app.app_context():
            engine = db.engine
        hit = lambda *args: seen.append(1)
        build = MapAdapter.build
        event.listen(engine, "before_cursor_execute", hit)
        MapAdapter.build = lambda self, *args, **kwargs: built.append(1) or build(self, *args, **kwargs)
        try:
            assert client.get("/users/owner/list").status_code == 200
        finally:
            event.remove(engine, "before_cursor_execute", hit)
            MapAdapter.build = build
        return len(seen), len(built)

    few = queries()
    for n in range(20):  # every kind, so each row needs its own kind's columns (episodes, issues)
        kind = ("anime", "series", "comic", "movie")[n % 4]
        count = {"anime": {"episode_count": 12}, "series": {"episode_count": 8}, "comic": {"issue_count": 5}}
        title_id = make_title(kind, f"More {n}", details=count.get(kind, {}))
        client.post(f"/titles/{title_id}/entry", data={"status": "watching", "progress": "1"})
    assert queries() == few  # neither queries nor url_for calls grow with the rows


def test_the_owners_rows_load_their_editor_on_demand(client, shelf):
    """The list renders no form per row: each row links to the entry's page (no JavaScript) and htmx
    swaps in the row's editor from the same URL."""
    body = client.get("/users/owner/list?sort=title").get_data(as_text=True)
    assert '<select id="row-score' not in body and 'class="row-edit"' not in body and body.count('class="row-edit-link"') == 4
    bravo = shelf["Bravo"]
    link = re.search(rf'<a class="row-edit-link" id="entry-row-{bravo}-edit" href="([^"]+)" hx-get="([^"]+)" '
                     rf'hx-target="#entry-row-{bravo}"', body)
    assert link and link.group(1) == link.group(2) == f"/titles/{bravo}/entry"
    editor = client.get(link.group(1), headers={**HX, "HX-Target": f"entry-row-{bravo}"})
    html = editor.get_data(as_text=True)
    assert editor.status_code == 200 and "<html" not in html and "HX-Request" in editor.headers["Vary"]
    assert html.strip().startswith(f'<tr id="entry-row-{bravo}" class="entry-row editing">') and 'class="row-edit"' in html
    assert re.search(r'<option value="9"\s+selected>', html) and 'value="4"' in html
    assert 'name="next" value="/users/owner/list"' in html and f'hx-post="/titles/{bravo}/entry"' in html
    page = client.get(link.group(1))  # without JavaScript: the entry's own edit page
    assert page.status_code == 200 and "<html" in page.get_data(as_text=True)


def test_a_row_editor_for_a_title_off_the_list_is_a_404(client, shelf, make_title):
    other = make_title("movie", "Elsewhere")
    response = client.get(f"/titles/{other}/entry", headers={**HX, "HX-Target": f"entry-row-{other}"})
    assert response.status_code == 404 and "<html" not in response.get_data(as_text=True)


def test_the_rows_are_rendered_once_until_the_owner_or_the_catalog_changes(app, client, shelf, make_user, auth,
                                                                            monkeypatch):
    from mymovielist.services import tracking

    loads = []
    original = tracking.list_entries
    monkeypatch.setattr(tracking, "list_entries", lambda *a, **k: loads.append(1) or original(*a, **k))
    client.get("/users/owner/list?sort=title")  # shows the shelf's flash messages
    first = client.get("/users/owner/list?sort=title").get_data(as_text=True)
    assert client.get("/users/owner/list?sort=title").get_data(as_text=True) == first and len(loads) == 1
    client.post(f"/titles/{shelf['Bravo']}/entry", data={"progress": "7"})  # the owner's change shows at once
    assert re.search(r">7 / 12<|value=\"7\"|<span>7 / 12</span>", client.get("/users/owner/list?sort=title").get_data(as_text=True))
    assert len(loads) == 2
    auth.logout()
    make_user("viewer")
    auth.login("viewer")  # another viewer: the same rows without the owner's edit links
    body = client.get("/users/owner/list?sort=title").get_data(as_text=True)
    assert names(body) == ["Alpha", "Bravo", "Charlie", "Delta"] and "row-edit-link" not in body and len(loads) == 3


def row(body: str, title_id: int) -> str:
    return re.search(rf'<tr id="entry-row-{title_id}".*?</tr>', body, re.DOTALL).group(0)


def test_rows_show_cover_progress_and_a_plus_one_where_it_means_something(client, shelf):
    body = client.get("/users/owner/list").get_data(as_text=True)
    assert '<th scope="col" class="col-status">Status</th>' in body
    bravo, alpha, charlie = row(body, shelf["Bravo"]), row(body, shelf["Alpha"]), row(body, shelf["Charlie"])
    assert 'alt="" width="40" height="60" loading="lazy"' in bravo and f"/titles/{shelf['Bravo']}/poster.svg" in bravo
    assert '<span class="progress-count">4 / 12</span>' in bravo and "+1<span class=\"visually-hidden\"> episode of Bravo" in bravo
    assert f'formaction="/titles/{shelf["Bravo"]}/progress"' in bravo and 'form="row-actions"' in bravo
    assert '<td class="col-score">9</td>' in bravo and '<td class="col-status">Watching</td>' in bravo
    # a film rated (so completed) reads "Watched", never "1 / 1" or "0 / 1", and has no +1
    assert "Watched" in alpha and "/ 1" not in alpha and "row-plus" not in alpha
    assert '<span class="progress-count">0 / 8</span>' in charlie and "row-plus" in charlie  # planned: +1 starts it
    page = client.get("/users/owner/list?status=watching").get_data(as_text=True)
    assert "col-status" not in page  # the tab says it already
    assert 'id="row-actions"' in page and 'name="next" value="/users/owner/list?status=watching"' in page


def test_a_completed_or_finished_entry_has_no_plus_one(client, shelf):
    bravo = shelf["Bravo"]
    client.post(f"/titles/{bravo}/entry", data={"progress": "12", "status": "watching"})
    assert "row-plus" not in row(client.get("/users/owner/list").get_data(as_text=True), bravo)
    client.post(f"/titles/{bravo}/entry", data={"status": "completed"})
    shown = row(client.get("/users/owner/list").get_data(as_text=True), bravo)
    assert "row-plus" not in shown and "12 / 12" in shown


def test_plus_one_from_a_row_swaps_the_row(client, shelf):
    bravo = shelf["Bravo"]
    response = client.post(f"/titles/{bravo}/progress", headers={
        **HX, "HX-Target": f"entry-row-{bravo}", "HX-Current-URL": "http://localhost/users/owner/list?status=watching"})
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in body
    assert body.strip().startswith(f'<tr id="entry-row-{bravo}" class="entry-row">') and "5 / 12" in body
    assert f'id="entry-row-{bravo}-plus"' in body  # the same id: htmx keeps focus on the button
    assert "col-status" not in body  # the row fits the Watching tab it is on
    assert json.loads(response.headers["HX-Trigger"])["toast"]["message"] == "Episode 5 logged."
    shown = client.get(f"/titles/{bravo}/entry?show=row", headers={**HX, "HX-Target": f"entry-row-{bravo}",
                                                          "HX-Current-URL": "http://localhost/users/owner/list"})
    assert '<td class="col-status">Watching</td>' in shown.get_data(as_text=True)


def test_plus_one_from_a_row_without_javascript_returns_to_the_list(client, shelf):
    bravo = shelf["Bravo"]
    response = client.post(f"/titles/{bravo}/progress", data={"next": "/users/owner/list?kind=anime&sort=title"})
    assert response.status_code == 302 and response.location.endswith("/users/owner/list?kind=anime&sort=title")
    assert "5 / 12" in client.get(response.location).get_data(as_text=True)


def test_cancelling_the_row_editor_shows_the_row_again(client, shelf):
    bravo = shelf["Bravo"]
    editor = client.get(f"/titles/{bravo}/entry", headers={**HX, "HX-Target": f"entry-row-{bravo}"}).get_data(as_text=True)
    cancel = re.search(r'<a class="row-cancel" href="([^"]+)" hx-get="([^"]+)"', editor)
    assert cancel and cancel.group(1) == "/users/owner/list" and cancel.group(2) == f"/titles/{bravo}/entry?show=row"
    assert "autofocus" in editor
    shown = client.get(cancel.group(2), headers={**HX, "HX-Target": f"entry-row-{bravo}"}).get_data(as_text=True)
    assert shown.strip().startswith(f'<tr id="entry-row-{bravo}" class="entry-row">') and "row-edit-link" in shown
    assert "4 / 12" in shown and 'class="row-edit"' not in shown


def test_others_see_no_plus_one_nor_edit(client, shelf, make_user, auth):
    auth.logout()
    make_user("guest2")
    auth.login("guest2")
    body = client.get("/users/owner/list").get_data(as_text=True)
    assert "row-plus" not in body and "row-edit-link" not in body and 'id="row-actions"' not in body
    assert 'class="col-edit"' not in body and "4 / 12" in body
