"""Settings > Preferences shape the catalog: kinds shown in the navigation and search, adult titles."""

import pytest

from mymovielist.extensions import db
from mymovielist.models import Preferences


@pytest.fixture
def shelf(make_title):
    make_title("movie", "Night Train", popularity=50.0)
    make_title("anime", "Night Train Special", popularity=40.0)
    make_title("movie", "Night Train Uncut", popularity=30.0, adult=True)


def set_prefs(app, user_id, **values):
    with app.app_context():
        prefs = db.session.get(Preferences, user_id)
        for name, value in values.items():
            setattr(prefs, name, value)
        db.session.commit()


def titles_in(html):
    return [name for name in ("Night Train Uncut", "Night Train Special", "Night Train") if f">{name}<" in html]


def test_visitors_see_every_kind_but_no_adult_titles(client, shelf):
    assert titles_in(client.get("/search?q=night").get_data(as_text=True)) == ["Night Train Special", "Night Train"]
    assert ">Night Train Uncut<" not in client.get("/movies").get_data(as_text=True)
    nav = client.get("/").get_data(as_text=True)
    assert all(f">{label}</a>" in nav for label in ("Movies", "Series", "Anime", "Comics"))


def test_adult_titles_show_for_a_user_who_asked(app, client, auth, make_user, shelf):
    user_id = make_user("grownup")
    set_prefs(app, user_id, show_adult=True)
    auth.login("grownup")
    assert "Night Train Uncut" in titles_in(client.get("/search?q=night").get_data(as_text=True))
    assert ">Night Train Uncut<" in client.get("/movies").get_data(as_text=True)


def test_kinds_shown_narrow_the_navigation_and_search(app, client, auth, make_user, shelf):
    user_id = make_user("otaku")
    set_prefs(app, user_id, kinds_shown=["anime", "comic"])
    auth.login("otaku")
    page = client.get("/search?q=night").get_data(as_text=True)
    assert titles_in(page) == ["Night Train Special"]
    nav = page[page.index('class="nav-links '):page.index("</ul>", page.index('class="nav-links '))]
    assert ">Anime</a>" in nav and ">Comics</a>" in nav and ">Movies</a>" not in nav
    live = client.get("/search?q=night", headers={"HX-Request": "true", "HX-Target": "search-suggestions"})
    assert "Night Train Special" in live.get_data(as_text=True) and ">Night Train<" not in live.get_data(as_text=True)
    # A kind chosen on the search page still searches that kind: the preference narrows defaults only.
    assert "Night Train" in titles_in(client.get("/search?q=night&kind=movie").get_data(as_text=True))
