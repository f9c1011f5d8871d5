"""The watch log: one WatchEvent per watch of a movie, episode, chapter or issue.

Rewatches, per-episode ratings and time watched all come from it. Functions flush, never commit.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import aliased

from mymovielist.extensions import db
from mymovielist.models import AnimatedShow, Episode, Movie, Series, Title, User, WatchEvent
from mymovielist.models.catalog import KINDS

MAX_UNITS_AT_ONCE = 5_000
MAX_NOTE = 2_000


class WatchLogError(LookupError):
    """The event does not exist or belongs to someone else (both look the same: 404)."""


def _moment(on: date) -> datetime:
    """A date as the moment of a watch: noon UTC, so it stays the same day in every time zone."""
    return datetime.combine(on, time(12), tzinfo=UTC)


def _ordinal():
    """An episode's absolute number, what progress and the log count (the nth installment across seasons)."""
    # Specials (season 0 of a series with seasons) come after the regular episodes.
    return func.row_number().over(
        order_by=(Episode.season_number == 0, Episode.season_number, Episode.number)).label("ordinal")


def numbered_episodes(title_id: int) -> list[tuple[int, Episode]]:
    """The title's episodes in order, each with its absolute number."""
    ranked = select(Episode.id, _ordinal()).where(Episode.title_id == title_id).subquery()
    rows = db.session.execute(select(ranked.c.ordinal, Episode).join(Episode, Episode.id == ranked.c.id)
                              .order_by(ranked.c.ordinal))
    return [(number, episode) for number, episode in rows]


def _episode_ids(title: Title, numbers: list[int]) -> dict[int, int]:
    """The Episode row of each absolute number (the nth installment across seasons), when known."""
    if not numbers:
        return {}
    ranked = select(Episode.id, _ordinal()).where(Episode.title_id == title.id).subquery()
    rows = db.session.execute(select(ranked.c.ordinal, ranked.c.id).where(ranked.c.ordinal.in_(numbers)))
    return {ordinal_: episode_id for ordinal_, episode_id in rows}


def add_event(user: User, title: Title, *, watched_on: date, number: int | None, score: int | None,
              note: str, rewatch: bool) -> WatchEvent:
    """Log one watch (of the whole title when `number` is None)."""
    episode_id = _episode_ids(title, [number]).get(number) if number is not None else None
    event = WatchEvent(user_id=user.id, title_id=title.id, episode_id=episode_id, number=number,
                       watched_at=_moment(watched_on), score=score, note=note.strip()[:MAX_NOTE], is_rewatch=rewatch)
    db.session.add(event)
    db.session.flush()
    return event


def watched_units(user_id: int, title_id: int) -> set[int | None]:
    """The units of the title already in the user's log (None: the whole title, as a film's watches are)."""
    return set(db.session.scalars(
        select(WatchEvent.number).where(WatchEvent.user_id == user_id, WatchEvent.title_id == title_id).distinct()
    ))


def record_units(user: User, title: Title, numbers: Iterable[int], on: date, *, rewatch: bool) -> int:
    """Log a watch of each unit progress passed over (a film's one unit is the whole film).

    A unit is rewatched when the run is a rewatch or the log already holds a watch of it.
    """
    wanted = list(numbers)[:MAX_UNITS_AT_ONCE]
    if title.kind == "movie":
        wanted_numbers: list[int | None] = [None] if wanted else []
    else:
        wanted_numbers = list(wanted)
    seen = set() if rewatch or not wanted_numbers else watched_units(user.id, title.id)
    episodes = _episode_ids(title, [n for n in wanted_numbers if n is not None])
    moment = _moment(on)
    db.session.add_all([
        WatchEvent(user_id=user.id, title_id=title.id, number=n, episode_id=episodes.get(n) if n else None,
                   watched_at=moment, note="", is_rewatch=rewatch or n in seen)
        for n in wanted_numbers
    ])
    db.session.flush()
    return len(wanted_numbers)


def forget_units(user: User, title: Title, *, above: int, rewatch: bool) -> int:
    """Progress went back: drop the latest watch of each numbered unit above it (a rewatch run spares
    the first run's watches; a first run drops its latest, so a watch from an earlier stay keeps its place)."""
    stmt = select(WatchEvent).where(WatchEvent.user_id == user.id, WatchEvent.title_id == title.id,
                                    WatchEvent.number > above)
    if rewatch:
        stmt = stmt.where(WatchEvent.is_rewatch.is_(True))
    events = db.session.scalars(stmt.order_by(WatchEvent.watched_at.desc(), WatchEvent.id.desc()))
    seen: set[int] = set()
    for event in events:
        if event.number not in seen:
            seen.add(event.number)
            db.session.delete(event)
    db.session.flush()
    return len(seen)


def date_first_run(user: User, title: Title, finished_on: date, previous: date | None = None) -> int:
    """The first run ended on `finished_on`: its watches logged after that day (or on the previous
    finish day, when the completion logged them) move to it; rewatches keep their dates."""
    after = datetime.combine(finished_on + timedelta(days=1), time(0), tzinfo=UTC)
    when = [WatchEvent.watched_at >= after]
    if previous is not None and previous != finished_on:
        start = datetime.combine(previous, time(0), tzinfo=UTC)
        when.append((WatchEvent.watched_at >= start) & (WatchEvent.watched_at < start + timedelta(days=1)))
    result = db.session.execute(
        update(WatchEvent)
        .where(WatchEvent.user_id == user.id, WatchEvent.title_id == title.id, WatchEvent.is_rewatch.is_(False),
               or_(*when))
        .values(watched_at=_moment(finished_on))
        .execution_options(synchronize_session="fetch")
    )
    db.session.flush()
    settle(user.id, title.id)
    return result.rowcount or 0


def settle(user_id: int, title_id: int) -> None:
    """Keep flags in time order: a unit's first watch is its earliest one (a watch logged for an
    earlier day than the first becomes the first, and that one a rewatch); the counts stay."""
    by_unit: dict[int | None, list[WatchEvent]] = {}
    for event in db.session.scalars(
        select(WatchEvent).where(WatchEvent.user_id == user_id, WatchEvent.title_id == title_id)
        .order_by(WatchEvent.watched_at, WatchEvent.id)
    ):
        by_unit.setdefault(event.number, []).append(event)
    for events in by_unit.values():
        firsts = sum(1 for event in events if not event.is_rewatch)
        for n, event in enumerate(events):
            event.is_rewatch = n >= firsts
    db.session.flush()


def list_events(user_id: int, title_id: int, limit: int = 50) -> list[WatchEvent]:
    """The user's watches of the title, newest first."""
    return list(db.session.scalars(
        select(WatchEvent).where(WatchEvent.user_id == user_id, WatchEvent.title_id == title_id)
        .order_by(WatchEvent.watched_at.desc(), WatchEvent.id.desc()).limit(limit)
    ))


def delete_event(user: User, event_id: int) -> WatchEvent:
    """Delete one of the user's own watches; another user's event is reported as missing."""
    event = db.session.scalar(select(WatchEvent).where(WatchEvent.id == event_id, WatchEvent.user_id == user.id))
    if event is None:
        raise WatchLogError(event_id)
    db.session.delete(event)
    db.session.flush()
    return event


def time_watched(user_id: int, kind: str | None = None) -> int:
    """Minutes the user spent watching, from the log: each event's episode runtime, else the title's."""
    if kind is not None and kind not in KINDS:
        raise ValueError(f"unknown kind {kind!r}")
    movie, series, anime = aliased(Movie.__table__), aliased(Series.__table__), aliased(AnimatedShow.__table__)
    titles, episodes = Title.__table__, Episode.__table__
    minutes = func.coalesce(episodes.c.runtime_minutes, movie.c.runtime_minutes, series.c.episode_minutes,
                            anime.c.episode_minutes, 0)
    stmt = (
        select(func.coalesce(func.sum(minutes), 0))
        .select_from(WatchEvent.__table__)
        .join(titles, titles.c.id == WatchEvent.title_id)
        .outerjoin(episodes, episodes.c.id == WatchEvent.episode_id)
        .outerjoin(movie, movie.c.id == titles.c.id)
        .outerjoin(series, series.c.id == titles.c.id)
        .outerjoin(anime, anime.c.id == titles.c.id)
        .where(WatchEvent.user_id == user_id)
    )
    if kind is not None:
        stmt = stmt.where(titles.c.kind == kind)
    return int(db.session.scalar(stmt) or 0)
