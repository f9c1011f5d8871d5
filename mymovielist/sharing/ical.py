"""iCalendar (RFC 5545) documents of all-day events: TEXT escaping, 75-octet line folding, CRLF lines.

Small enough to own: the few properties a subscribed calendar needs, with the two rules that trip
hand-written writers (escaping in 3.3.11, folding in 3.1) tested on their own.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from mymovielist.sharing.meta import strip_controls

CRLF = "\r\n"
LINE_OCTETS = 75  # a content line's limit, CRLF not counted (RFC 5545 3.1)
REFRESH = "PT12H"  # how often a subscribed calendar should check again


@dataclass(frozen=True)
class Event:
    """An all-day event on `day`; `uid` stays the same for the same release across downloads."""

    uid: str
    day: date
    summary: str
    url: str
    stamp: datetime
    description: str = ""


def escape_text(value: str) -> str:
    """A TEXT value: backslash, semicolon, comma and line breaks escaped (RFC 5545 3.3.11)."""
    value = strip_controls(value).replace("\r\n", "\n").replace("\r", "\n")
    return value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def fold(line: str) -> str:
    """The line split into pieces of at most 75 octets, never inside a UTF-8 character; each
    continuation starts with a space (which counts towards its 75)."""
    pieces, current, size = [], "", 0
    for char in line:
        octets = len(char.encode("utf-8"))
        if size + octets > LINE_OCTETS:
            pieces.append(current)
            current, size = " ", 1
        current += char
        size += octets
    pieces.append(current)
    return CRLF.join(pieces)


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _event_lines(event: Event) -> list[str]:
    lines = [
        "BEGIN:VEVENT",
        f"UID:{escape_text(event.uid)}",
        f"DTSTAMP:{_stamp(event.stamp)}",
        f"DTSTART;VALUE=DATE:{event.day:%Y%m%d}",
        f"DTEND;VALUE=DATE:{event.day + timedelta(days=1):%Y%m%d}",
        f"SUMMARY:{escape_text(event.summary)}",
        f"URL;VALUE=URI:{strip_controls(event.url)}",
        "TRANSP:TRANSPARENT",  # a release does not make you busy
    ]
    description = escape_text(event.description)
    if description:
        lines.append(f"DESCRIPTION:{description}")
    return [*lines, "END:VEVENT"]


def render(name: str, events: Iterable[Event]) -> bytes:
    """A VCALENDAR named `name` holding `events`, as UTF-8 bytes."""
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//MyMovieList//Upcoming releases//EN",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"NAME:{escape_text(name)}",
        f"X-WR-CALNAME:{escape_text(name)}",
        f"REFRESH-INTERVAL;VALUE=DURATION:{REFRESH}",
        f"X-PUBLISHED-TTL:{REFRESH}",
    ]
    for event in events:
        lines += _event_lines(event)
    lines.append("END:VCALENDAR")
    return "".join(fold(line) + CRLF for line in lines).encode("utf-8")
