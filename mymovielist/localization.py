"""The user's time zone and locale: which day "today" is for them, and dates written their way.

Visitors, and code running outside a request (jobs, the CLI), get UTC and English: a visitor's page
is the same for every visitor, so page_cache can keep one copy. A signed-in user's time zone is the
one they chose (app.js offers the browser's), UTC until then; their locale is the one they chose,
else the best match of the browser's Accept-Language. Stored datetimes stay in UTC; only their
display and the date of "today" move to the user's zone.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, tzinfo
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from babel.dates import format_date as babel_format_date
from babel.dates import format_time, get_datetime_format
from flask import has_request_context, request
from flask_login import current_user

from mymovielist.models.base import utcnow
from mymovielist.models.users import User

DEFAULT_ZONE = "UTC"
DEFAULT_LOCALE = "en"
# Locales offered in the settings, each named in its own language.
LOCALES = {
    "en": "English (US)",
    "en_GB": "English (UK)",
    "de": "Deutsch",
    "es": "Español",
    "fr": "Français",
    "ja": "日本語",
    "pt_BR": "Português (Brasil)",
}
# The regions of the IANA names offered in the select; other names (Etc/GMT+5, US/Eastern...) are
# still accepted when typed or sent by a browser, they are just not listed.
REGIONS = ("Africa", "America", "Antarctica", "Asia", "Atlantic", "Australia", "Europe", "Indian", "Pacific")


@cache
def zone_names() -> frozenset[str]:
    """Every IANA zone name this system knows."""
    return frozenset(available_timezones() - {"Factory", "localtime"})


def is_zone(name: str) -> bool:
    return name in zone_names()


@cache
def zone_groups() -> tuple[tuple[str, tuple[str, ...]], ...]:
    """The zones of the settings select, grouped by region and sorted: (("Africa", ("Africa/Abidjan", ...)), ...)."""
    return tuple(
        (region, tuple(sorted(name for name in zone_names() if name.startswith(region + "/"))))
        for region in REGIONS
    )


def _viewer(user: User | None) -> User | None:
    """The user given, else the signed-in user of the request; None for a visitor or outside a request."""
    if user is None and has_request_context() and current_user.is_authenticated:
        user = current_user._get_current_object()
    return user


def user_zone(user: User | None = None) -> tzinfo:
    """The user's (or the signed-in user's) time zone; UTC for visitors and users who chose none."""
    user = _viewer(user)
    name = user.preferences.time_zone if user is not None and user.preferences is not None else ""
    if not name or name == DEFAULT_ZONE:
        return UTC
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):  # a zone the system's tzdata no longer has
        return UTC


def user_locale(user: User | None = None) -> str:
    """The user's chosen locale, else their browser's best supported one; English for visitors."""
    user = _viewer(user)
    if user is None:
        return DEFAULT_LOCALE
    chosen = user.preferences.locale if user.preferences is not None else ""
    if chosen in LOCALES:
        return chosen
    if has_request_context():
        return request.accept_languages.best_match(LOCALES, default=DEFAULT_LOCALE) or DEFAULT_LOCALE
    return DEFAULT_LOCALE


def today(user: User | None = None) -> date:
    """The date it is now where the user is (the signed-in user by default)."""
    return utcnow().astimezone(user_zone(user)).date()


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)  # stored naive means UTC


def format_date(value: date | datetime | None) -> str:
    """`{{ value | date }}`: "Feb 3, 2024", "3 févr. 2024"...; a datetime shows its day in the user's zone."""
    return date_formatter()(value)


def date_formatter(user: User | None = None) -> Callable[[date | datetime | None], str]:
    """`format_date` for the many dates of a long list: the zone and locale read once, each day formatted once."""
    zone, locale = user_zone(user), user_locale(user)
    days: dict[date, str] = {}

    def format_day(value: date | datetime | None) -> str:
        if value is None:
            return ""
        if isinstance(value, datetime):
            value = _aware(value).astimezone(zone).date()
        if value not in days:
            days[value] = babel_format_date(value, "medium", locale=locale)
        return days[value]

    return format_day


def format_datetime(value: datetime | None) -> str:
    """`{{ value | datetime }}`: the day and minute in the user's zone and locale ("Feb 3, 2024, 1:05 PM")."""
    if value is None:
        return ""
    zone, locale = user_zone(), user_locale()
    local = _aware(value).astimezone(zone)
    day = babel_format_date(local, "medium", locale=locale)
    # The locale's own way of joining a date and a time: "{1}, {0}" in English, "{1} {0}" in Japanese.
    return get_datetime_format("medium", locale=locale).replace("{1}", day).replace(
        "{0}", format_time(local, "short", tzinfo=zone, locale=locale))
