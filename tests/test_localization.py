"""Time zones and locales: "today" where the user is, the future-date rule, dates in the user's locale."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest
from flask_login import login_user
from sqlalchemy import select

from mymovielist import localization
from mymovielist.extensions import db
from mymovielist.models import ListEntry, Preferences, User, WatchEvent
from mymovielist.sync.records import EpisodeRecord

# 11:30 UTC on 2 February 2024 is 00:30 on 3 February in Auckland (UTC+13 in summer).
NOW = datetime(2024, 2, 2, 11, 30, tzinfo=UTC)
PREFERENCES = {"score_scale": "10", "kinds_shown": ["movie", "series"], "theme": "system"}


@pytest.fixture
def clock(monkeypatch):
    monkeypatch.setattr(localization, "utcnow", lambda: NOW)


def set_prefs(app, user_id: int, **values) -> None:
    with app.app_context():
        prefs = db.session.get(Preferences, user_id)
        for name, value in values.items():
            setattr(prefs, name, value)
        db.session.commit()


def signed_in(app, make_user, auth, name: str, **prefs) -> int:
    user_id = make_user(name)
    set_prefs(app, user_id, **prefs)
    auth.login(name)
    return user_id


def entry_of(app, user_id: int, title_id: int) -> ListEntry:
    with app.app_context():
        found = db.session.scalar(select(ListEntry).where(ListEntry.user_id == user_id, ListEntry.title_id == title_id))
        db.session.expunge_all()
        return found


def watch_days(app, user_id: int) -> list[date]:
    with app.app_context():
        return [w.watched_at.date() for w in db.session.scalars(
            select(WatchEvent).where(WatchEvent.user_id == user_id).order_by(WatchEvent.id))]


# -- today, in the user's zone ------------------------------------------------------------------


@pytest.mark.parametrize(("zone", "day"), [("Pacific/Auckland", date(2024, 2, 3)), ("", date(2024, 2, 2)),
                                           ("America/Los_Angeles", date(2024, 2, 2))])
def test_starting_a_title_and_logging_a_watch_are_dated_today_in_the_users_zone(app, client, make_user, auth,
                                                                                make_title, clock, zone, day):
    user_id = signed_in(app, make_user, auth, "kiwi", time_zone=zone)
    series_id = make_title("series", "Taskmaster NZ", details={"episode_count": 10})
    assert client.post(f"/titles/{series_id}/entry", data={"status": "watching"}).status_code in (200, 302)
    client.post(f"/titles/{series_id}/progress")  # +1: episode 1, logged today
    entry = entry_of(app, user_id, series_id)
    assert (entry.started_on, entry.progress) == (day, 1)
    movie_id = make_title("movie", "Boy")
    client.post(f"/titles/{movie_id}/watches", data={"watched_on": "", "note": "no date given"})
    assert entry_of(app, user_id, movie_id).finished_on == day
    assert watch_days(app, user_id) == [day, day]  # stored as noon UTC of that day, whatever the zone
    assert f'value="{day.isoformat()}"' in client.get(f"/titles/{movie_id}").get_data(as_text=True)  # the form's default


def test_the_future_date_rule_uses_the_users_today(app, client, make_user, auth, make_title, clock):
    user_id = signed_in(app, make_user, auth, "kiwi", time_zone="Pacific/Auckland")
    movie_id = make_title("movie", "Boy")
    # 3 February has begun in Auckland, though not yet in UTC.
    assert client.post(f"/titles/{movie_id}/watches", data={"watched_on": "2024-02-03"}).status_code in (200, 302)
    refused = client.post(f"/titles/{movie_id}/watches", data={"watched_on": "2024-02-04"})
    assert refused.status_code == 422 and "future" in refused.get_data(as_text=True)
    assert watch_days(app, user_id) == [date(2024, 2, 3)]
    auth.logout()
    signed_in(app, make_user, auth, "londoner")  # no zone chosen: UTC, where it is still 2 February
    refused = client.post(f"/titles/{movie_id}/watches", data={"watched_on": "2024-02-03"})
    assert refused.status_code == 422 and "future" in refused.get_data(as_text=True)
    assert client.post(f"/titles/{movie_id}/entry", data={"status": "completed", "finished_on": "2024-02-03"}
                       ).status_code == 422


def test_today_outside_a_request_is_the_given_users_or_utc(app, make_user, clock):
    user_id = make_user("kiwi")
    set_prefs(app, user_id, time_zone="Pacific/Auckland")
    with app.app_context():
        assert localization.today(db.session.get(User, user_id)) == date(2024, 2, 3)
        assert localization.today() == date(2024, 2, 2)  # a job with no user: UTC


# -- dates in the user's locale -------------------------------------------------------------------


@pytest.mark.parametrize(("locale", "zone", "shown"), [
    ("fr", "", "3 févr. 2024"),
    ("en_GB", "", "3 Feb 2024"),
    ("de", "", "03.02.2024"),
    ("ja", "", "2024/02/03"),
    ("pt_BR", "", "3 de fev. de 2024"),
    ("en", "", "Feb 3, 2024"),
    ("en", "America/Los_Angeles", "Feb 2, 2024"),  # 3 Feb 07:00 UTC is still the 2nd there
])
def test_dates_are_written_in_the_users_locale_and_zone(app, client, make_user, auth, locale, zone, shown):
    user_id = signed_in(app, make_user, auth, "reader", locale=locale, time_zone=zone)
    with app.app_context():
        db.session.get(User, user_id).created_at = datetime(2024, 2, 3, 7, 0, tzinfo=UTC)
        db.session.commit()
    html = client.get("/users/reader").get_data(as_text=True)
    assert f"joined {shown}" in html


def test_no_chosen_locale_follows_the_browser_but_visitors_always_read_english(app, client, make_user, auth):
    user_id = signed_in(app, make_user, auth, "reader")
    with app.app_context():
        db.session.get(User, user_id).created_at = datetime(2024, 2, 3, 7, 0, tzinfo=UTC)
        db.session.commit()
    french = {"Accept-Language": "fr-CA,fr;q=0.9,en;q=0.5"}
    assert "joined 3 févr. 2024" in client.get("/users/reader", headers=french).get_data(as_text=True)
    auth.logout()
    # A visitor's page is the same for every visitor (page_cache shares it): English and UTC.
    assert "joined Feb 3, 2024" in client.get("/users/reader", headers=french).get_data(as_text=True)


@pytest.mark.parametrize("zone", ["Pacific/Kiritimati", "Pacific/Pago_Pago"])  # UTC+14 and UTC-11
def test_a_watch_keeps_its_day_in_any_zone(app, client, make_user, auth, make_title, zone):
    """A watch is a day (stored at noon UTC): no zone may move it to the day before or after."""
    signed_in(app, make_user, auth, "traveller", time_zone=zone, locale="en_GB")
    movie_id = make_title("movie", "Boy", details={"runtime_minutes": 90})
    client.post(f"/titles/{movie_id}/watches", data={"watched_on": "2024-02-03"})
    assert "3 Feb 2024" in client.get(f"/titles/{movie_id}").get_data(as_text=True)
    review = client.get("/users/traveller/stats/2024").get_data(as_text=True)
    assert "3 Feb 2024" in review and "4 Feb 2024" not in review and "2 Feb 2024" not in review


def test_a_title_pages_shared_episode_list_is_kept_per_locale(app, client, make_user, auth, make_title):
    """The episode list is rendered once for every viewer: a French reader's copy must not reach a visitor."""
    series_id = make_title("series", "Shōgun", episodes=[EpisodeRecord(number=1, season_number=1, air_date=date(2024, 2, 3))])
    signed_in(app, make_user, auth, "lecteur", locale="fr")
    assert "3 févr. 2024" in client.get(f"/titles/{series_id}").get_data(as_text=True)
    auth.logout()
    page = client.get(f"/titles/{series_id}").get_data(as_text=True)
    assert "Feb 3, 2024" in page and "févr." not in page


def test_datetimes_show_the_minute_in_the_users_zone(app, make_user):
    user_id = make_user("kiwi")
    set_prefs(app, user_id, time_zone="Pacific/Auckland", locale="en_GB")
    with app.test_request_context("/"):
        login_user(db.session.get(User, user_id))
        assert localization.format_datetime(NOW) == "3 Feb 2024, 00:30"
        assert localization.format_datetime(NOW.replace(tzinfo=None)) == "3 Feb 2024, 00:30"  # naive means UTC
        assert localization.format_date(None) == localization.format_datetime(None) == ""


# -- the settings --------------------------------------------------------------------------------


def test_the_settings_save_a_zone_and_a_locale_and_show_them_chosen(app, client, make_user, auth):
    user_id = signed_in(app, make_user, auth, "reader")
    page = client.get("/settings").get_data(as_text=True)
    assert '<optgroup label="Europe">' in page and '<option value="Europe/Paris">Paris (Europe)</option>' in page
    assert '<option selected value="">Not chosen (UTC)</option>' in page  # without JavaScript: UTC
    response = client.post("/settings/preferences", data={**PREFERENCES, "time_zone": "Europe/Paris", "locale": "fr"})
    assert response.status_code == 302
    with app.app_context():
        prefs = db.session.get(Preferences, user_id)
        assert (prefs.time_zone, prefs.locale) == ("Europe/Paris", "fr")
    page = client.get("/settings").get_data(as_text=True)
    assert '<option selected value="Europe/Paris">Paris (Europe)</option>' in page
    assert '<option selected value="fr">Français</option>' in page
    # An old alias a browser may report is a zone too: kept, and shown chosen though the list leaves it out.
    assert client.post("/settings/preferences", data={**PREFERENCES, "time_zone": "US/Pacific"}).status_code == 302
    assert '<option selected value="US/Pacific">US/Pacific</option>' in client.get("/settings").get_data(as_text=True)


@pytest.mark.parametrize(("field", "value", "message"), [
    ("time_zone", "Mars/Olympus_Mons", "Choose a time zone from the list, such as Europe/Paris."),
    ("time_zone", "../../etc/passwd", "Choose a time zone from the list, such as Europe/Paris."),
    ("locale", "xx_YY", "Choose one of the date formats."),
])
def test_the_settings_refuse_an_unknown_zone_or_locale(app, client, make_user, auth, field, value, message):
    user_id = signed_in(app, make_user, auth, "reader", time_zone="Asia/Tokyo", locale="ja")
    response = client.post("/settings/preferences", data={**PREFERENCES, "time_zone": "Asia/Tokyo", field: value})
    assert response.status_code == 422
    errors = re.findall(r'<p class="field-error">([^<]+)</p>', response.get_data(as_text=True))
    assert message in errors
    with app.app_context():
        prefs = db.session.get(Preferences, user_id)
        assert (prefs.time_zone, prefs.locale) == ("Asia/Tokyo", "ja")


def test_sign_up_keeps_the_zone_the_browser_sent_and_drops_an_unknown_one(app, client):
    form = {"username": "newbie", "email": "newbie@example.org", "password": "a long enough passphrase",
            "confirm": "a long enough passphrase"}
    page = client.get("/auth/register").get_data(as_text=True)
    assert re.search(r'<input data-browser-zone="" id="time_zone" name="time_zone" type="hidden" value="">', page)
    assert client.post("/auth/register", data={**form, "time_zone": "Asia/Kolkata"}).status_code == 302
    client.post("/auth/logout")
    other = {**form, "username": "other", "email": "other@example.org", "time_zone": "Nowhere/" + "x" * 500}
    assert client.post("/auth/register", data=other).status_code == 302
    with app.app_context():
        zones = dict(db.session.execute(
            select(User.username, Preferences.time_zone).join(Preferences, Preferences.user_id == User.id)).all())
        assert zones == {"newbie": "Asia/Kolkata", "other": ""}
