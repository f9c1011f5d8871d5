"""A user's upcoming releases as an iCalendar file, for the secret link a calendar app subscribes to."""

from __future__ import annotations

from flask import Response, request

from mymovielist import localization
from mymovielist.models import User, utcnow
from mymovielist.services import calendar
from mymovielist.sharing import ical
from mymovielist.sharing.feeds import display_name
from mymovielist.sharing.meta import SITE_NAME, absolute_url, plain_text
from mymovielist.sharing.responses import conditional
from mymovielist.templating import title_url

MIMETYPE = "text/calendar"
DESCRIPTION_LENGTH = 300


def summary(item: calendar.Upcoming) -> str:
    """"Show — S1E3 Title" for an episode, "#12" for an issue, "Dune — Movie release" for a title."""
    title = item.title
    episode = item.episode
    if episode is None:
        return f"{title.title} — {title.kind_label} release"
    if episode.season_number:
        number = f"S{episode.season_number}E{episode.number}"
    else:
        number = f"#{episode.number}" if title.kind == "comic" else f"E{episode.number}"
    return f"{title.title} — {number} {episode.name}".rstrip()


def event(item: calendar.Upcoming, host: str) -> ical.Event:
    """The VEVENT of one release; its UID names the episode or title, so it stays put across downloads."""
    source = item.episode if item.episode is not None else item.title
    kind = "episode" if item.episode is not None else "title"
    synopsis = source.synopsis or item.title.synopsis
    return ical.Event(uid=f"{kind}-{source.id}@{host}", day=item.day, summary=summary(item),
                      url=absolute_url(title_url(item.title)) or "",
                      stamp=item.title.updated_at or utcnow(),
                      description=plain_text(synopsis, DESCRIPTION_LENGTH, html=True))


def calendar_response(user: User) -> Response:
    """The user's upcoming releases from their today (in their time zone) on, as text/calendar."""
    items = calendar.list_upcoming(user, localization.today(user))
    events = [event(item, request.host) for item in items]
    body = ical.render(f"{SITE_NAME}: releases for {display_name(user)}", events)
    # No Last-Modified: untracking a title changes the calendar without any newer date to show
    # for it, so only the ETag can tell an app that the file changed.
    return conditional(body, MIMETYPE, None)
