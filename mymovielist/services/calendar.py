"""Calendar links and what they show: the upcoming episodes and releases of titles a user tracks.

The link's secret is 32 random bytes; only its SHA-256 is stored (as for API tokens), so the link
is shown once, when made. Making a new one replaces the old, whose URL then answers 404.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from datetime import date

from sqlalchemy import delete, select

from mymovielist.extensions import db
from mymovielist.models import CalendarToken, Episode, ListEntry, Title, User, utcnow
from mymovielist.services.api_tokens import hash_token

PREFIX = "mmlcal_"
# What a user still waits for: finished and dropped titles have nothing to announce.
TRACKED_STATUSES = ("watching", "planned", "on_hold")
MAX_EVENTS = 500  # the nearest ones; a calendar app re-reads the link twice a day


@dataclass(frozen=True)
class Upcoming:
    """A release on `day`: an episode (or issue) of `title`, or the title itself when `episode` is None."""

    title: Title
    day: date
    episode: Episode | None = None


def get_token(user: User) -> CalendarToken | None:
    return db.session.scalar(select(CalendarToken).where(CalendarToken.user_id == user.id))


def rotate_token(user: User) -> str:
    """Make the user's calendar secret, replacing any old one; returns it (it is never shown again)."""
    raw = PREFIX + secrets.token_urlsafe(32)
    token = get_token(user)
    if token is None:
        token = CalendarToken(user_id=user.id)
        db.session.add(token)
    token.token_hash = hash_token(raw)
    token.created_at = utcnow()
    db.session.flush()
    return raw


def revoke_token(user: User) -> bool:
    """Remove the user's calendar link; False when there was none."""
    result = db.session.execute(delete(CalendarToken).where(CalendarToken.user_id == user.id))
    db.session.flush()
    return bool(result.rowcount)


def find_user(raw: str) -> User | None:
    """The owner of the calendar secret `raw`, unless it is unknown, replaced or the owner is blocked."""
    if not raw.startswith(PREFIX) or len(raw) > 200:
        return None
    digest = hash_token(raw)
    token = db.session.scalar(select(CalendarToken).where(CalendarToken.token_hash == digest))
    if token is None or not hmac.compare_digest(token.token_hash, digest) or token.user.is_blocked:
        return None
    return token.user


def list_upcoming(user: User, today: date) -> list[Upcoming]:
    """Episodes airing and titles released from `today` on, of titles the user is watching, plans or holds.

    A premiere is often the first episode too: a title's own release is left out on a day one of
    its episodes already fills.
    """
    tracked = select(ListEntry.title_id).where(ListEntry.user_id == user.id,
                                               ListEntry.status.in_(TRACKED_STATUSES))
    episodes = db.session.execute(
        select(Episode, Title).join(Title, Title.id == Episode.title_id)
        .where(Episode.title_id.in_(tracked), Episode.air_date >= today)
        .order_by(Episode.air_date, Episode.title_id, Episode.season_number, Episode.number)
        .limit(MAX_EVENTS)
    ).all()
    found = [Upcoming(title, episode.air_date, episode) for episode, title in episodes]
    taken = {(item.title.id, item.day) for item in found}
    releases = db.session.scalars(
        select(Title).where(Title.id.in_(tracked), Title.release_date >= today)
        .order_by(Title.release_date, Title.id).limit(MAX_EVENTS)
    )
    found += [Upcoming(title, title.release_date) for title in releases
              if title.release_date is not None and (title.id, title.release_date) not in taken]
    found.sort(key=lambda item: (item.day, item.title.title, item.episode.number if item.episode else -1))
    return found[:MAX_EVENTS]
