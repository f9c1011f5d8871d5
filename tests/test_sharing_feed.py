"""The RSS feed of a user's activity: valid RSS 2.0, the right items, privacy, conditional GET."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

import defusedxml.ElementTree as SafeET
import pytest

from mymovielist.extensions import db
from mymovielist.models import Title, User
from mymovielist.services import activity
from mymovielist.sharing import rss

ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture
def alice(app, make_user, make_title):
    user_id = make_user("alice", display_name='Alice "A" <&>')
    title_id = make_title("movie", "Fish & <Chips>")
    with app.app_context():
        user, title = db.session.get(User, user_id), db.session.get(Title, title_id)
        activity.record(user, "added", title, status="planned")
        rated = activity.record(user, "rated", title, score=80)
        rated.created_at = rated.created_at + timedelta(seconds=5)
        db.session.commit()
    return {"user": user_id, "title": title_id}


def channel_of(body: bytes):
    root = SafeET.fromstring(body)
    assert root.tag == "rss" and root.get("version") == "2.0"
    return root.find("channel")


def test_feed_is_rss_with_the_users_activity_newest_first(client, alice):
    response = client.get("/users/alice/activity.rss")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/rss+xml; charset=utf-8"
    channel = channel_of(response.data)
    assert channel.findtext("title") == 'Activity of Alice "A" <&> on MyMovieList'
    assert channel.findtext("link") == "http://localhost/users/alice/activity"
    assert channel.find(f"{ATOM}link").get("href") == "http://localhost/users/alice/activity.rss"
    items = channel.findall("item")
    assert [item.findtext("title") for item in items] == [
        'Alice "A" <&> rated Fish & <Chips> 8',
        'Alice "A" <&> added Fish & <Chips> (planned)',
    ]
    assert all(item.findtext("link") == f"http://localhost/titles/{alice['title']}-fish-chips" for item in items)
    dates = [parsedate_to_datetime(item.findtext("pubDate")) for item in items]
    assert dates[0] > dates[1]
    assert parsedate_to_datetime(channel.findtext("lastBuildDate")) == dates[0].replace(microsecond=0)
    assert b"<Chips>" not in response.data  # escaped in the XML, read back by the parser


def test_guids_stay_the_same_per_activity_row(app, client, alice):
    first = [i.findtext("guid") for i in channel_of(client.get("/users/alice/activity.rss").data).findall("item")]
    with app.app_context():
        user = db.session.get(User, alice["user"])
        activity.record(user, "rated", db.session.get(Title, alice["title"]), score=90)  # folds into the row
        activity.record(user, "completed", db.session.get(Title, alice["title"]))
        db.session.commit()
    items = channel_of(client.get("/users/alice/activity.rss").data).findall("item")
    guids = [i.findtext("guid") for i in items]
    assert len(set(guids)) == 3 and set(first) <= set(guids)
    assert all(i.find("guid").get("isPermaLink") == "false" for i in items)


def test_feed_holds_the_latest_fifty(app, client, make_user, make_title):
    user_id = make_user("busy")
    title_ids = [make_title("movie", f"Film {n}") for n in range(55)]
    with app.app_context():
        user = db.session.get(User, user_id)
        for n, title_id in enumerate(title_ids):
            row = activity.record(user, "completed", db.session.get(Title, title_id))
            row.created_at = datetime(2024, 1, 1, tzinfo=UTC) + timedelta(minutes=n)
        db.session.commit()
    items = channel_of(client.get("/users/busy/activity.rss").data).findall("item")
    assert len(items) == 50
    assert items[0].findtext("title") == "busy completed Film 54"
    assert items[-1].findtext("title") == "busy completed Film 5"


def test_a_private_users_feed_is_404_like_the_page(client, auth, make_user):
    make_user("hidden", is_private=True)
    make_user("other")
    assert client.get("/users/hidden/activity.rss").status_code == 404
    assert client.get("/users/hidden/activity").status_code == 404
    assert client.get("/users/nobody/activity.rss").status_code == 404
    auth.login("other")
    assert client.get("/users/hidden/activity.rss").status_code == 404
    auth.logout()
    auth.login("hidden")
    assert client.get("/users/hidden/activity.rss").status_code == 200


def test_feed_answers_conditional_requests(client, alice):
    first = client.get("/users/alice/activity.rss")
    assert first.headers["ETag"] and first.headers["Last-Modified"]
    assert first.headers["Cache-Control"] == "no-cache"
    assert "Cookie" in first.headers["Vary"]
    again = client.get("/users/alice/activity.rss", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""
    since = client.get("/users/alice/activity.rss", headers={"If-Modified-Since": first.headers["Last-Modified"]})
    assert since.status_code == 304


def test_activity_page_links_the_feed(client, alice):
    page = client.get("/users/alice/activity").get_data(as_text=True)
    assert '<link rel="alternate" type="application/rss+xml"' in page
    assert 'href="/users/alice/activity.rss"' in page


def test_render_drops_characters_xml_cannot_hold():
    built = datetime(2024, 5, 1, 12, tzinfo=UTC)
    body = rss.render(title="bell\x07", link="http://x/", self_link="http://x/f.rss", description="d", built=built,
                      items=[rss.FeedItem("nul\x00 title", "http://x/1", "g1", built)])
    channel = channel_of(body)
    assert channel.findtext("title") == "bell"
    assert channel.find("item").findtext("title") == "nul title"
    assert channel.findtext("lastBuildDate") == "Wed, 01 May 2024 12:00:00 GMT"
