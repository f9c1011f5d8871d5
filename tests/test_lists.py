"""Custom lists: create, edit, privacy, add from the detail page, ranked moves at the edges, IDOR."""

from __future__ import annotations

import json
import threading

import pytest
from conftest import AuthActions
from sqlalchemy import select

from mymovielist.extensions import db
from mymovielist.models import CustomList, CustomListItem, Title, User
from mymovielist.services import lists

HTMX = {"HX-Request": "true"}


@pytest.fixture
def titles(make_title):
    return [make_title("movie", name) for name in ("Alien", "Heat", "Ran", "Up")]


@pytest.fixture
def alice(make_user, auth):
    make_user("alice")
    auth.login("alice")
    return auth._client


@pytest.fixture
def bob(app, make_user):
    make_user("bob")
    client = app.test_client()
    AuthActions(client).login("bob")
    return client


def _new_list(client, name="Best of", **fields) -> int:
    data = {"name": name, "is_public": "y", "is_ranked": "y", **fields}
    response = client.post("/lists/new", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)
    return int(response.location.rsplit("/", 1)[1])


def _order(app, list_id: int) -> list[tuple[int, int]]:
    with app.app_context():
        return [(i.position, i.title_id) for i in db.session.scalars(
            select(CustomListItem).where(CustomListItem.list_id == list_id).order_by(CustomListItem.position))]


def _fill(client, list_id, titles):
    for title in titles:
        assert client.post(f"/lists/{list_id}/items", data={"title_id": title}).status_code == 302


def test_create_show_and_edit_a_list(app, alice, titles):
    list_id = _new_list(alice, title_id=titles[1], description="Crime, mostly.")
    page = alice.get(f"/lists/{list_id}").get_data(as_text=True)
    assert "Best of" in page and "Crime, mostly." in page and "Heat" in page and "Edit list" in page
    assert alice.get(f"/lists/{list_id}/edit").status_code == 200
    response = alice.post(f"/lists/{list_id}/edit", data={"name": "Best crime", "description": ""})
    assert response.status_code == 302
    with app.app_context():
        custom_list = db.session.get(CustomList, list_id)
        assert (custom_list.name, custom_list.slug, custom_list.is_public, custom_list.is_ranked) == (
            "Best crime", "best-crime", False, False)
    assert "Best crime" in alice.get("/users/alice/lists").get_data(as_text=True)


@pytest.mark.parametrize("data, message", [
    ({"name": ""}, "Give the list a name."),
    ({"name": "   "}, "Give the list a name."),
    ({"name": "n" * 101}, "Keep the name under 100 characters."),
    ({"name": "ok", "description": "d" * 2001}, "Keep the description under 2,000 characters."),
])
def test_bad_lists_are_refused_with_a_clear_message(app, alice, data, message):
    response = alice.post("/lists/new", data=data)
    assert response.status_code == 422 and message in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(CustomList)) is None


def test_new_list_defaults_to_the_users_privacy_preference(app, alice):
    with app.app_context():
        db.session.scalar(select(User)).preferences.lists_public_by_default = False
        db.session.commit()
    assert 'id="is_public" name="is_public" type="checkbox" value="y">' in alice.get("/lists/new").get_data(as_text=True)


def test_slugs_stay_unique_per_user(app, alice):
    first, second = _new_list(alice, "Top 10"), _new_list(alice, "Top 10!")
    with app.app_context():
        assert [db.session.get(CustomList, i).slug for i in (first, second)] == ["top-10", "top-10-2"]


def test_add_from_the_detail_page_with_htmx_and_without(app, alice, titles):
    list_id = _new_list(alice)
    detail = alice.get(f"/titles/{titles[0]}").get_data(as_text=True)
    assert 'id="list-picker"' in detail and "Add to Best of" in detail
    response = alice.post(f"/lists/{list_id}/items", data={"title_id": titles[0], "next": f"/titles/{titles[0]}"},
                          headers={**HTMX, "HX-Target": "list-picker"})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "<html" not in html and html.lstrip().startswith('<details id="list-picker"') and " open" in html
    assert "✓ On" in html and json.loads(response.headers["HX-Trigger"])["toast"]["message"] == "Added to “Best of”."
    again = alice.post(f"/lists/{list_id}/items", data={"title_id": titles[0], "next": "https://evil.example/"})
    assert again.status_code == 302 and again.location == f"/lists/{list_id}"
    assert _order(app, list_id) == [(1, titles[0])]
    assert alice.post(f"/lists/{list_id}/items", data={"title_id": 999}).status_code == 404
    assert alice.post(f"/lists/{list_id}/items", data={"title_id": "x"}).status_code == 422
    assert alice.post(f"/lists/{list_id}/items", data={}).status_code == 422


def test_moves_swap_neighbours_and_stop_at_the_edges(app, alice, titles):
    list_id = _new_list(alice)
    _fill(alice, list_id, titles)
    a, b, c, d = titles
    with app.app_context():
        item = {i.title_id: i.id for i in db.session.scalars(select(CustomListItem))}

    def move(title, direction, **headers):
        return alice.post(f"/lists/{list_id}/items/{item[title]}/move", data={"direction": direction}, headers=headers)

    assert move(a, "up").status_code == 302  # already first: nothing changes
    assert _order(app, list_id) == [(1, a), (2, b), (3, c), (4, d)]
    response = move(a, "down", **HTMX, **{"HX-Target": "list-items"})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "<html" not in html and html.lstrip().startswith('<ol id="list-items"')
    assert html.index("Heat") < html.index("Alien") and "HX-Request" in response.headers["Vary"]
    assert _order(app, list_id) == [(1, b), (2, a), (3, c), (4, d)]
    response = move(d, "down", **HTMX, **{"HX-Target": "list-items"})
    assert json.loads(response.headers["HX-Trigger"])["toast"]["message"] == "It is already last."
    move(d, "up")
    move(d, "up")
    move(d, "up")
    move(d, "up")
    assert _order(app, list_id) == [(1, d), (2, b), (3, a), (4, c)]
    assert move(d, "sideways").status_code == 400
    assert _order(app, list_id) == [(1, d), (2, b), (3, a), (4, c)]


def test_removing_an_item_closes_the_gap(app, alice, titles):
    list_id = _new_list(alice)
    _fill(alice, list_id, titles)
    with app.app_context():
        second = db.session.scalar(select(CustomListItem).where(CustomListItem.position == 2))
    response = alice.post(f"/lists/{list_id}/items/{second.id}/delete", headers={**HTMX, "HX-Target": "list-items"})
    assert response.status_code == 200 and "Heat" not in response.get_data(as_text=True)
    assert _order(app, list_id) == [(1, titles[0]), (2, titles[2]), (3, titles[3])]
    assert alice.post(f"/lists/{list_id}/items/{second.id}/delete").status_code == 404


def test_concurrent_moves_and_changes_keep_positions_dense_and_unique(app, make_user, titles, make_title):
    more = [make_title("movie", f"Extra {n}") for n in range(8)]
    owner_id = make_user("owner")
    with app.app_context():
        owner = db.session.get(User, owner_id)
        custom_list = lists.create_list(owner, "Busy")
        for title_id in titles + more:
            lists.add_item(custom_list, db.session.get(Title, title_id))
        db.session.commit()
        list_id = custom_list.id
    errors: list[BaseException] = []

    def worker(seed: int) -> None:
        import random

        rng = random.Random(seed)
        try:
            with app.app_context():
                for _ in range(25):
                    custom_list = db.session.get(CustomList, list_id)
                    items = list(db.session.scalars(select(CustomListItem).where(CustomListItem.list_id == list_id)))
                    item = rng.choice(items)
                    if rng.random() < 0.1 and len(items) > 4:
                        lists.remove_item(custom_list, item)
                    else:
                        lists.move_item(custom_list, item, rng.choice(("up", "down")))
                    db.session.commit()
                db.session.remove()
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    positions = [p for p, _ in _order(app, list_id)]
    assert positions == list(range(1, len(positions) + 1)) and len(positions) >= 4


def test_private_lists_are_404_for_others_and_hidden_from_their_page(app, alice, bob, titles):
    private_id = _new_list(alice, "Secret", is_public="")
    public_id = _new_list(alice, "Open")
    assert alice.get(f"/lists/{private_id}").status_code == 200
    assert bob.get(f"/lists/{private_id}").status_code == 404
    assert app.test_client().get(f"/lists/{private_id}").status_code == 404
    page = bob.get("/users/alice/lists").get_data(as_text=True)
    assert "Open" in page and "Secret" not in page
    assert bob.get(f"/lists/{public_id}").status_code == 200
    assert "Edit list" not in bob.get(f"/lists/{public_id}").get_data(as_text=True)
    assert bob.get("/users/nobody/lists").status_code == 404


def test_a_private_profile_hides_all_its_lists(app, make_user, bob):
    make_user("hermit", is_private=True)
    hermit = app.test_client()
    AuthActions(hermit).login("hermit")
    list_id = _new_list(hermit, "Public but hidden")
    assert bob.get(f"/lists/{list_id}").status_code == 404
    assert bob.get("/users/hermit/lists").status_code == 404  # as for every hidden thing (issue 15)
    assert "Public but hidden" in hermit.get("/users/hermit/lists").get_data(as_text=True)


def test_another_user_cannot_change_a_list_or_its_items(app, alice, bob, titles):
    public_id = _new_list(alice, "Open")
    private_id = _new_list(alice, "Secret", is_public="")
    _fill(alice, public_id, titles[:2])
    _fill(alice, private_id, titles[:2])
    with app.app_context():
        items = {i.list_id: i.id for i in db.session.scalars(select(CustomListItem).where(CustomListItem.position == 1))}
    before = {lid: _order(app, lid) for lid in (public_id, private_id)}
    for list_id, status in ((public_id, 403), (private_id, 404)):
        item = items[list_id]
        probes = [
            ("get", f"/lists/{list_id}/edit", {}),
            ("post", f"/lists/{list_id}/edit", {"name": "Pwned", "is_public": "y"}),
            ("post", f"/lists/{list_id}/delete", {}),
            ("post", f"/lists/{list_id}/items", {"title_id": titles[3]}),
            ("post", f"/lists/{list_id}/items/{item}/delete", {}),
            ("post", f"/lists/{list_id}/items/{item}/move", {"direction": "down"}),
        ]
        for method, path, data in probes:
            assert getattr(bob, method)(path, data=data).status_code == status, path
            assert getattr(bob, method)(path, data=data, headers=HTMX).status_code == status, path
    assert {lid: _order(app, lid) for lid in (public_id, private_id)} == before
    with app.app_context():
        assert sorted(c.name for c in db.session.scalars(select(CustomList))) == ["Open", "Secret"]
    # An item id of another list is not reachable through your own list either.
    own = _new_list(bob, "Bob's")
    assert bob.post(f"/lists/{own}/items/{items[public_id]}/delete").status_code == 404
    assert bob.post(f"/lists/{own}/items/{items[public_id]}/move", data={"direction": "up"}).status_code == 404


def test_visitors_are_sent_to_log_in(app, alice, titles):
    list_id = _new_list(alice)
    visitor = app.test_client()
    for method, path in [("get", "/lists/new"), ("post", "/lists/new"), ("post", f"/lists/{list_id}/items"),
                         ("post", f"/lists/{list_id}/delete"), ("get", f"/lists/{list_id}/edit")]:
        response = getattr(visitor, method)(path, data={"name": "x", "title_id": titles[0]})
        assert response.status_code == 302 and "/auth/login" in response.location
    assert _order(app, list_id) == []
    assert 'id="list-picker"' not in visitor.get(f"/titles/{titles[0]}").get_data(as_text=True)


def test_delete_a_list(app, alice, titles):
    list_id = _new_list(alice)
    _fill(alice, list_id, titles[:1])
    assert alice.post(f"/lists/{list_id}/delete").status_code == 302
    assert alice.get(f"/lists/{list_id}").status_code == 404
    assert _order(app, list_id) == []


def test_list_text_is_escaped(app, alice, bob):
    list_id = _new_list(alice, "<script>alert(1)</script>", description="<img src=x onerror=alert(1)>")
    html = bob.get(f"/lists/{list_id}").get_data(as_text=True)
    assert "<script>alert(1)" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_only_public_lists_show_up_in_activity(app, alice, bob, titles):
    private_id = _new_list(alice, "Hidden", is_public="")
    public_id = _new_list(alice, "Shown")
    _fill(alice, private_id, titles[:1])
    _fill(alice, public_id, titles[1:2])
    bob.post("/users/alice/follow")
    feed = bob.get("/feed").get_data(as_text=True)
    assert "Shown</a>" in feed and "Hidden" not in feed
