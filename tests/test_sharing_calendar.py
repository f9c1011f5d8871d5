"""The ICS calendar: the serializer's escaping and folding, what the calendar holds, and its secret link."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from mymovielist.extensions import db
from mymovielist.models import CalendarToken, Title, User, utcnow
from mymovielist.services import calendar
from mymovielist.sharing import ical
from mymovielist.sync.records import EpisodeRecord

STAMP = datetime(2024, 5, 1, 12, 30, tzinfo=UTC)


# -- a small reader, written from RFC 5545 3.1 and 3.3.11, to check the writer against ----------


def unfold(body: bytes) -> list[str]:
    """The content lines of a calendar: CRLF-ended, continuations (CRLF + space or tab) joined."""
    text = body.decode("utf-8")
    assert text.endswith("\r\n") and "\n" not in text.replace("\r\n", "")
    for physical in text.split("\r\n")[:-1]:
        assert len(physical.encode("utf-8")) <= 75, physical
    return re.sub(r"\r\n[ \t]", "", text).split("\r\n")[:-1]


def unescape(value: str) -> str:
    return re.sub(r"\\([\\;,nN])", lambda m: "\n" if m.group(1) in "nN" else m.group(1), value)


def parse(body: bytes) -> list[dict[str, str]]:
    """The VEVENTs as {property name with parameters: raw value}, checking BEGIN/END balance on the way."""
    stack: list[str] = []
    events: list[dict[str, str]] = []
    for line in unfold(body):
        name, _, value = line.partition(":")
        if name == "BEGIN":
            stack.append(value)
            if value == "VEVENT":
                events.append({})
        elif name == "END":
            assert stack.pop() == value
        else:
            assert stack, line
            if stack[-1] == "VEVENT":
                events[-1][name] = value
    assert stack == []
    return events


# -- the serializer ----------------------------------------------------------------------------


@pytest.mark.parametrize(("raw", "escaped"), [
    ("a,b;c\\d", "a\\,b\\;c\\\\d"),
    ("line\nnext\r\nthird\rfourth", "line\\nnext\\nthird\\nfourth"),
    ("bell\x07 gone", "bell gone"),
])
def test_escape_text(raw, escaped):
    assert ical.escape_text(raw) == escaped


def test_fold_never_splits_a_character_and_keeps_75_octets():
    line = "SUMMARY:" + "é" * 100 + "🎬" * 30
    folded = ical.fold(line)
    pieces = folded.split("\r\n")
    assert all(len(piece.encode("utf-8")) <= 75 for piece in pieces)
    assert all(piece.startswith(" ") for piece in pieces[1:])
    assert re.sub(r"\r\n ", "", folded) == line


@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=400))
def test_summaries_survive_the_round_trip(text):
    body = ical.render("Cal", [ical.Event("uid-1@x", date(2030, 1, 2), text, "http://x/t/1", STAMP, text)])
    (event,) = parse(body)
    expected = ical.strip_controls(text).replace("\r\n", "\n").replace("\r", "\n")
    assert unescape(event["SUMMARY"]) == expected
    assert unescape(event["DESCRIPTION"]) == expected if expected else "DESCRIPTION" not in event


def test_event_is_all_day_with_stamp_and_url():
    body = ical.render("My, cal", [ical.Event("episode-4@x", date(2030, 12, 31), "S", "http://x/t/1", STAMP)])
    lines = unfold(body)
    assert lines[:3] == ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//MyMovieList//Upcoming releases//EN"]
    assert "X-WR-CALNAME:My\\, cal" in lines
    (event,) = parse(body)
    assert event["DTSTART;VALUE=DATE"] == "20301231"
    assert event["DTEND;VALUE=DATE"] == "20310101"
    assert event["DTSTAMP"] == "20240501T123000Z"
    assert event["UID"] == "episode-4@x"
    assert event["URL;VALUE=URI"] == "http://x/t/1"


# -- what the calendar holds -------------------------------------------------------------------


@pytest.fixture
def tracked(app, client, auth, make_user, make_title):
    """A user watching a show with past and future episodes, planning a future movie, and more."""
    make_user("viewer")
    today = utcnow().date()
    episodes = [
        EpisodeRecord(number=1, season_number=1, name="Old one", air_date=today - timedelta(days=7)),
        EpisodeRecord(number=3, season_number=1, name='The "Big", one; finale\\', air_date=today + timedelta(days=3),
                      synopsis="Everything ends,\nagain."),
        EpisodeRecord(number=4, season_number=1, name="Later", air_date=today + timedelta(days=10)),
    ]
    ids = {
        "show": make_title("series", "Show, The", episodes=episodes),
        "movie": make_title("movie", "Future Film", release_date=today + timedelta(days=30)),
        "past_movie": make_title("movie", "Old Film", release_date=today - timedelta(days=30)),
        "untracked": make_title("movie", "Nobody's Film", release_date=today + timedelta(days=5)),
        "dropped": make_title("movie", "Dropped Film", release_date=today + timedelta(days=6)),
        "comic": make_title("comic", "Comic Run", episodes=[EpisodeRecord(number=12, air_date=today + timedelta(days=1))]),
    }
    auth.login("viewer")
    for key, status in (("show", "watching"), ("movie", "planned"), ("past_movie", "planned"),
                        ("dropped", "dropped"), ("comic", "on_hold")):
        assert client.post(f"/titles/{ids[key]}/entry", data={"status": status}).status_code in (200, 302, 303)
    ids["today"] = today
    return ids


def make_link(client) -> str:
    page = client.post("/settings/calendar").get_data(as_text=True)
    found = re.search(r'id="calendar-url" type="text" value="([^"]+)"', page)
    assert found, page
    return found.group(1)


def test_calendar_has_future_releases_of_tracked_titles_only(client, tracked):
    link = make_link(client)
    assert link.startswith("http://localhost/calendar/mmlcal_") and link.endswith(".ics")
    response = client.get(link)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    events = parse(response.data)
    summaries = [unescape(e["SUMMARY"]) for e in events]
    assert summaries == [
        "Comic Run — #12",
        'Show, The — S1E3 The "Big", one; finale\\',
        "Show, The — S1E4 Later",
        "Future Film — Movie release",
    ]
    finale = events[1]
    assert finale["DTSTART;VALUE=DATE"] == (tracked["today"] + timedelta(days=3)).strftime("%Y%m%d")
    assert finale["URL;VALUE=URI"] == f"http://localhost/titles/{tracked['show']}-show-the"
    assert unescape(finale["DESCRIPTION"]) == "Everything ends, again."
    assert re.fullmatch(r"episode-\d+@localhost", finale["UID"])
    assert re.fullmatch(r"\d{8}T\d{6}Z", finale["DTSTAMP"])


def test_calendar_uids_and_body_stay_the_same(client, tracked):
    link = make_link(client)
    first = client.get(link)
    second = client.get(link, headers={"If-None-Match": first.headers["ETag"]})
    assert second.status_code == 304
    assert client.get(link).data == first.data


def test_a_premiere_on_an_episodes_day_is_one_event(app, client, auth, make_user, make_title):
    make_user("fan")
    day = utcnow().date() + timedelta(days=2)
    show = make_title("anime", "Premiere", release_date=day, episodes=[EpisodeRecord(number=1, air_date=day)])
    auth.login("fan")
    client.post(f"/titles/{show}/entry", data={"status": "planned"})
    assert [unescape(e["SUMMARY"]) for e in parse(client.get(make_link(client)).data)] == ["Premiere — E1"]


def test_only_the_hash_is_stored_and_rotation_kills_the_old_link(app, client, tracked):
    old = make_link(client)
    with app.app_context():
        token = db.session.scalar(select(CalendarToken))
        secret = old.rsplit("/", 1)[1].removesuffix(".ics")
        assert token.token_hash != secret and len(token.token_hash) == 64
    new = make_link(client)
    assert new != old
    assert client.get(old).status_code == 404
    assert client.get(new).status_code == 200
    with app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(CalendarToken)) == 1


def test_removing_the_link_gives_404(client, tracked):
    link = make_link(client)
    response = client.post("/settings/calendar/revoke")
    assert response.status_code == 302 and response.headers["Location"].endswith("/settings#calendar")
    assert client.get(link).status_code == 404


@pytest.mark.parametrize("token", ["mmlcal_guess", "nope", "mmlcal_" + "x" * 300, "%00"])
def test_unknown_links_are_404(client, token):
    assert client.get(f"/calendar/{token}.ics").status_code == 404


def test_a_blocked_users_link_is_404(app, client, tracked):
    link = make_link(client)
    with app.app_context():
        db.session.scalar(select(User).where(User.username == "viewer")).is_blocked = True
        db.session.commit()
    assert client.get(link).status_code == 404


def test_settings_page_works_without_javascript(client, auth, make_user):
    make_user("plain")
    auth.login("plain")
    page = client.get("/settings").get_data(as_text=True)
    section = page.split('id="calendar"')[1].split("</section>")[0]
    assert 'method="post" action="/settings/calendar"' in section
    assert 'type="submit">Make a calendar link</button>' in section
    assert "hx-" not in section and "/settings/calendar/revoke" not in section
    created = client.post("/settings/calendar")
    assert created.status_code == 201
    section = created.get_data(as_text=True).split('id="calendar"')[1].split("</section>")[0]
    assert '<label for="calendar-url">Calendar link</label>' in section
    assert "Make a new calendar link" in section and 'action="/settings/calendar/revoke"' in section
    later = client.get("/settings").get_data(as_text=True).split('id="calendar"')[1].split("</section>")[0]
    assert "calendar-url" not in later and "You made a calendar link on" in later


def test_calendar_forms_need_a_login_and_csrf(app, client, make_user, auth):
    assert client.post("/settings/calendar").status_code == 302  # to the login page
    make_user("csrf")
    auth.login("csrf")
    app.config["WTF_CSRF_ENABLED"] = True
    assert client.post("/settings/calendar").status_code == 400
    with app.app_context():
        assert db.session.scalar(select(CalendarToken)) is None


def test_service_skips_finished_statuses(app, tracked):
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == "viewer"))
        found = calendar.list_upcoming(user, tracked["today"])
        assert {item.title.id for item in found} == {tracked["show"], tracked["movie"], tracked["comic"]}
        assert all(item.day >= tracked["today"] for item in found)
        assert not any(isinstance(item.title, Title) and item.title.id == tracked["dropped"] for item in found)
