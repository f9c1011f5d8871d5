"""List entries: status, progress, score, dates, rewatches, favourites, tags and the watchlist.

Rules: starting to watch sets `started_on`, completing sets `finished_on` and fills progress up
to the total; progress that passes over episodes (chapters, issues) logs one watch for each, so
the watch log, time watched and rewatches all come from one place (services/watchlog.py); a
change of score recomputes the title's aggregates in the same transaction (services/ratings.py).
A watch is a rewatch only when it repeats: the entry was completed (or counts rewatches) before
the change, or that episode or film is already in the log. A first run finished on a date the
user gives is logged on that date, not on the day it is typed in.

Scores (`set_rating`, and `update_entry` given nothing but a score) follow one rule everywhere:
a film not on the list is added as watched with its first watch (Letterboxd); a series, anime
or comic not on the list is added as planned, with no progress, dates or watches, because a
score says nothing of how far the user got (a score never moves the status). Clearing the score
of an entry that only the score made takes the entry off the list again.
Functions flush and never commit.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Final

from sqlalchemy import String, cast, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import contains_eager

from mymovielist import localization
from mymovielist.extensions import db
from mymovielist.models import KINDS, Activity, ListEntry, Title, User
from mymovielist.models.tracking import ENTRY_STATUSES
from mymovielist.services import activity, ratings, watchlog
from mymovielist.services.catalog import Page, every_kind_of_title

MAX_PROGRESS = 100_000
MAX_REWATCHES = 10_000
MAX_TAGS = 20
MAX_TAG_LENGTH = 40
PRIORITIES = {0: "Low", 1: "Medium", 2: "High"}
_READ_LABELS = {"watching": "Reading", "planned": "Plan to read"}
_WATCH_LABELS = {"watching": "Watching", "planned": "Plan to watch"}
_COMMON_LABELS = {"completed": "Completed", "on_hold": "On hold", "dropped": "Dropped"}


@dataclass(frozen=True)
class ListSort:
    """An order of the list: a column, its usual direction, and what breaks ties (always the same way)."""

    column: Any
    descending: bool
    ties: tuple = (Title.title, ListEntry.id)
    nulls_last: bool = False

    def order_by(self, descending: bool | None = None) -> tuple:
        """The ORDER BY terms, in the usual direction unless told; missing values last either way."""
        term = self.column.desc() if (self.descending if descending is None else descending) else self.column.asc()
        return (term.nulls_last() if self.nulls_last else term, *self.ties)


LIST_SORTS: Final = {
    "title": ListSort(Title.title, False, (Title.id,)),
    "score": ListSort(ListEntry.score, True, nulls_last=True),
    "progress": ListSort(ListEntry.progress, True),
    "kind": ListSort(Title.kind, False),
    "updated": ListSort(ListEntry.updated_at, True, (ListEntry.id.desc(),)),
    "started": ListSort(ListEntry.started_on, True, nulls_last=True),
    "finished": ListSort(ListEntry.finished_on, True, nulls_last=True),
    "priority": ListSort(ListEntry.priority, True),
}


class TrackingError(ValueError):
    """A change the rules refuse, with the HTTP status that says why and the field it concerns."""

    def __init__(self, message: str, status: int = 422, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.field = field


class _Keep:
    def __repr__(self) -> str:
        return "KEEP"


KEEP: Final = _Keep()  # an argument left as it is (None means "clear")


@dataclass
class EntryResult:
    """What a change did: the entry (None once removed), a message for the user, and hints."""

    entry: ListEntry | None
    message: str
    offer_completion: bool = False
    score_changed: bool = False
    watchlist_changed: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


def today(user: User | None = None) -> date:
    """The date it is where the user is (the signed-in user by default): what a new log is dated, the last allowed."""
    return localization.today(user)


def status_label(status: str, kind: str) -> str:
    """"Watching" or "Reading", "Plan to watch" or "Plan to read", "Completed"..."""
    labels = _READ_LABELS if kind == "comic" else _WATCH_LABELS
    return labels.get(status) or _COMMON_LABELS[status]


def status_choices(kind: str) -> list[tuple[str, str]]:
    return [(status, status_label(status, kind)) for status in ENTRY_STATUSES]


def total_units(title: Title) -> int | None:
    """How many episodes, chapters or issues complete the title (a movie is one); None if unknown."""
    if title.kind == "movie":
        return 1
    total = getattr(title, "issue_count" if title.kind == "comic" else "episode_count", None)
    return total if total and total > 0 else None


def unit_label(title: Title, plural: bool = True) -> str:
    if title.kind == "comic":
        word = "chapter" if getattr(title, "format", None) not in (None, "comic") else "issue"
    else:
        word = "episode"
    return word + "s" if plural else word


def get_entry(user_id: int, title_id: int) -> ListEntry | None:
    return db.session.scalar(select(ListEntry).where(ListEntry.user_id == user_id, ListEntry.title_id == title_id))


def entries_by_title(user_id: int, title_ids: list[int]) -> dict[int, ListEntry]:
    """The user's entries of these titles, keyed by title id, in one query."""
    if not title_ids:
        return {}
    rows = db.session.scalars(select(ListEntry).where(ListEntry.user_id == user_id, ListEntry.title_id.in_(title_ids)))
    return {entry.title_id: entry for entry in rows}


def _new_entry(user: User, title: Title, status: str, on: date, via: str | None = None) -> ListEntry:
    """A new entry with the first status's side effects (a concurrent twin is reused, not duplicated)."""
    entry = ListEntry(user_id=user.id, title_id=title.id, status="", progress=0, rewatch_count=0,
                      notes="", is_favourite=False, tags=[], priority=0)
    try:
        with db.session.begin_nested():  # PostgreSQL has no IMMEDIATE: two first ratings can race
            db.session.add(entry)
            db.session.flush()
    except IntegrityError:
        existing = get_entry(user.id, title.id)
        if existing is None:
            raise
        return existing
    _apply_status(user, title, entry, status, on, announce=False)
    # `via` remembers an entry that a score alone made, so clearing the score can take it back.
    activity.record(user, "added", title, status=status, **({"via": via} if via else {}))
    return entry


def _default_status(title: Title, progress: Any) -> str:
    """A new entry's status when none is given: a film is watched, anything else planned until progress."""
    if title.kind == "movie":
        return "completed"
    return "watching" if progress is not KEEP and progress > 0 else "planned"


def _repeats(entry: ListEntry) -> bool:
    """Whether watches logged now are rewatches: the user completed the title, or counts rewatches of it."""
    return entry.status == "completed" or entry.rewatch_count > 0


def _finished_before(entry: ListEntry) -> bool:
    """Whether the first run may be over (a finish date says so): going back then spares its watches."""
    return _repeats(entry) or entry.finished_on is not None


def _apply_status(user: User, title: Title, entry: ListEntry, status: str, on: date, announce: bool = True) -> None:
    """Change the status with its side effects: dates, progress filled up on completion, activity."""
    if status not in ENTRY_STATUSES:
        raise TrackingError("Choose one of the list statuses.", 422, "status")
    if status == entry.status:
        return
    repeat = _repeats(entry)  # before the change: completing a title is not watching it again
    entry.status = status
    if status == "watching" and entry.started_on is None:
        entry.started_on = on
    if status == "completed":
        # A first run with a finish date (typed in "Edit dates") is logged on that day, not today.
        when = entry.finished_on if entry.finished_on is not None and not repeat else on
        if entry.started_on is None or entry.started_on > when:  # a watch logged for an earlier day
            entry.started_on = when
        total = total_units(title)
        if total is not None and entry.progress < total:
            _advance(user, title, entry, total, when, repeat=repeat)
        entry.finished_on = entry.finished_on or when
        if announce:
            activity.record(user, "completed", title)
    elif announce:
        activity.record(user, "status", title, status=status)


def _advance(user: User, title: Title, entry: ListEntry, progress: int, on: date, repeat: bool | None = None) -> None:
    """Move progress, logging a watch for every unit passed over (or undoing this run's, going back)."""
    if progress > entry.progress:
        rewatch = _repeats(entry) if repeat is None else repeat
        watchlog.record_units(user, title, range(entry.progress + 1, progress + 1), on, rewatch=rewatch)
    elif progress < entry.progress:
        watchlog.forget_units(user, title, above=progress, rewatch=_finished_before(entry))
    entry.progress = progress


def _check_progress(title: Title, progress: int) -> None:
    total = total_units(title)
    limit = total if total is not None else MAX_PROGRESS
    if not 0 <= progress <= limit:
        raise TrackingError(f"Progress is a number from 0 to {limit} {unit_label(title)}.", 422, "progress")


def _clean_tags(tags: list[str]) -> list[str]:
    cleaned: list[str] = []
    for tag in tags:
        tag = " ".join(tag.split()).lower()
        if len(tag) > MAX_TAG_LENGTH:
            raise TrackingError(f"A tag has at most {MAX_TAG_LENGTH} characters.", 422, "tags")
        if tag and tag not in cleaned:
            cleaned.append(tag)
    if len(cleaned) > MAX_TAGS:
        raise TrackingError(f"Use at most {MAX_TAGS} tags.", 422, "tags")
    return cleaned


def _check_dates(entry: ListEntry, on: date) -> None:
    for name in ("started_on", "finished_on"):
        value = getattr(entry, name)
        if value is not None and value > on:
            raise TrackingError("Dates cannot be in the future.", 422, name)
    if entry.started_on and entry.finished_on and entry.finished_on < entry.started_on:
        raise TrackingError("The finish date cannot be before the start date.", 422, "finished_on")


def update_entry(user: User, title: Title, *, on: date | None = None, status: Any = KEEP, progress: Any = KEEP,
                 score: Any = KEEP, started_on: Any = KEEP, finished_on: Any = KEEP, rewatch_count: Any = KEEP,
                 notes: Any = KEEP, is_favourite: Any = KEEP, tags: Any = KEEP, priority: Any = KEEP) -> EntryResult:
    """Create or change the user's entry for the title; arguments left at KEEP stay as they are."""
    on = on or today(user)
    if status is not KEEP and status not in ENTRY_STATUSES:
        raise TrackingError("Choose one of the list statuses.", 422, "status")
    if priority is not KEEP and priority not in PRIORITIES:
        raise TrackingError("Choose a priority: low, medium or high.", 422, "priority")
    if rewatch_count is not KEEP and not 0 <= rewatch_count <= MAX_REWATCHES:
        raise TrackingError("The rewatch count is a number from 0 to 10000.", 422, "rewatch_count")
    if progress is not KEEP:
        _check_progress(title, progress)
    if tags is not KEEP:
        tags = _clean_tags(list(tags))
    entry = get_entry(user.id, title.id)
    created = entry is None
    if entry is None:
        score_only = score is not KEEP and all(value is KEEP for value in (
            status, progress, started_on, finished_on, rewatch_count, notes, is_favourite, tags, priority))
        first = status if status is not KEEP else _default_status(title, progress)
        # Added as completed on a given finish date: the first run is logged on that day.
        day = finished_on if first == "completed" and isinstance(finished_on, date) and finished_on <= on else on
        entry = _new_entry(user, title, first, day, via="rating" if score_only else None)
    old_status, old_score = entry.status, entry.score
    old_started, old_finished = entry.started_on, entry.finished_on
    first_run = not _repeats(entry)
    for name, value in (("started_on", started_on), ("finished_on", finished_on), ("notes", notes),
                        ("rewatch_count", rewatch_count), ("priority", priority), ("tags", tags)):
        if value is not KEEP:
            setattr(entry, name, value)
    if is_favourite is not KEEP and bool(is_favourite) != entry.is_favourite:
        entry.is_favourite = bool(is_favourite)
        if entry.is_favourite:
            activity.record(user, "favourited", title)
        else:  # an unfavourite takes the feed line back rather than announcing itself
            activity.retract(user, "favourited", title)
    offer = False
    if progress is not KEEP and progress != entry.progress:
        _advance(user, title, entry, progress, on)
        if entry.status in ("planned", "on_hold", "dropped") and status is KEEP and progress > 0:
            _apply_status(user, title, entry, "watching", on)
        activity.record(user, "progress", title, progress=progress)
        offer = _reached_total(title, entry)
    if status is not KEEP:
        _apply_status(user, title, entry, status, on)
    if score is not KEEP:
        _set_score(user, title, entry, score)
    if (entry.started_on is not None and entry.started_on == old_started == old_finished
            and entry.finished_on is not None and entry.finished_on < entry.started_on):
        entry.started_on = entry.finished_on  # watched in one day, moved earlier: still one day
    _check_dates(entry, on)
    if entry.status == "completed" and entry.finished_on is not None and (
            entry.finished_on != old_finished or (old_status != "completed" and first_run)):
        # The first run ended on the finish date: its watches logged later (or on the old finish day) move there.
        watchlog.date_first_run(user, title, entry.finished_on, previous=old_finished)
    db.session.flush()
    return EntryResult(
        entry, "Added to your list." if created else "Your entry is saved.",
        offer_completion=offer and entry.status != "completed", score_changed=entry.score != old_score,
        watchlist_changed=created or (old_status == "planned") != (entry.status == "planned"),
    )


def _reached_total(title: Title, entry: ListEntry) -> bool:
    total = total_units(title)
    return total is not None and entry.progress >= total and entry.status != "completed"


def _set_score(user: User, title: Title, entry: ListEntry, score: int | None) -> bool:
    if score is not None and not 0 <= score <= 100:
        raise TrackingError("A score is stored from 0 to 100.", 422, "score")
    if score == entry.score:
        return False
    entry.score = score
    ratings.refresh_title(title)
    if score is not None:
        activity.record(user, "rated", title, score=score)
    return True


def set_rating(user: User, title: Title, score: int | None, on: date | None = None) -> EntryResult:
    """Rate the title (None clears the score) by the module's rule: what every rating entry point calls."""
    entry = get_entry(user.id, title.id)
    if entry is None and score is None:
        return EntryResult(None, "You had not rated it.")
    result = update_entry(user, title, on=on, score=score)
    if score is None and _made_by_score(user, title, result.entry):
        result = remove_entry(user, title)
        activity.retract(user, "added", title)
        result.message, result.score_changed = "Your score is cleared and the title is off your list.", True
    elif score is None:
        result.message = "Your score is cleared."
    elif entry is not None:
        result.message = "Your score is saved."
    elif result.entry is not None and result.entry.status == "completed":
        result.message = "Rated and added to your list."
    else:
        result.message = (f"Rated and added to your list. It waits under “{status_label('planned', title.kind)}” "
                          "until you log progress.")
    return result


def _made_by_score(user: User, title: Title, entry: ListEntry | None) -> bool:
    """Whether the entry holds nothing but what a score made: planned, unscored, untouched, unwatched."""
    if entry is None or entry.score is not None or entry.status != "planned":
        return False
    if (entry.progress, entry.started_on, entry.finished_on, entry.notes, entry.is_favourite, entry.priority,
            entry.rewatch_count) != (0, None, None, "", False, 0, 0) or entry.tags:
        return False
    added = db.session.scalar(
        select(Activity.data).where(Activity.user_id == user.id, Activity.verb == "added", Activity.title_id == title.id)
        .order_by(Activity.created_at.desc(), Activity.id.desc()).limit(1)
    )
    return bool(added) and added.get("via") == "rating" and not watchlog.watched_units(user.id, title.id)


def increment_progress(user: User, title: Title, on: date | None = None) -> EntryResult:
    """One more episode, chapter or issue; at the total it offers completion, after it a rewatch."""
    on = on or today(user)
    entry = get_entry(user.id, title.id)
    total = total_units(title)
    if entry is not None and total is not None and entry.progress >= total:
        if entry.status != "completed":
            return EntryResult(entry, f"You are at the last {unit_label(title, False)}. Mark it completed?",
                               offer_completion=True)
        return _start_rewatch(user, title, entry, on)
    progress = (entry.progress if entry is not None else 0) + 1
    result = update_entry(user, title, on=on, progress=progress)
    result.message = f"{unit_label(title, False).capitalize()} {progress} logged."
    if result.offer_completion:
        result.message += " That was the last one: mark it completed?"
    return result


def _start_rewatch(user: User, title: Title, entry: ListEntry, on: date) -> EntryResult:
    entry.rewatch_count += 1
    entry.progress = 0
    _apply_status(user, title, entry, "watching", on)
    _advance(user, title, entry, 1, on)
    activity.record(user, "progress", title, progress=1, rewatch=entry.rewatch_count)
    db.session.flush()
    return EntryResult(entry, f"Rewatch {entry.rewatch_count} started: {unit_label(title, False)} 1 logged.",
                       offer_completion=_reached_total(title, entry))


def log_watch(user: User, title: Title, *, watched_on: date, number: int | None, score: int | None,
              note: str) -> EntryResult:
    """Log one watch; the next episode in order moves progress, a movie watched again is a rewatch."""
    on = today(user)
    if watched_on > on:
        raise TrackingError("The date of a watch cannot be in the future.", 422, "watched_on")
    if score is not None and not 0 <= score <= 100:
        raise TrackingError("A score is stored from 0 to 100.", 422, "score")
    entry = get_entry(user.id, title.id)
    total = total_units(title)
    if number is not None and (title.kind == "movie" or (total is not None and number > total)):
        raise TrackingError(f"This title has no {unit_label(title, False)} {number}.", 422, "number")
    # A watch repeats when the entry says the title was watched through, or the log already holds this one.
    rewatch = (entry is not None and _repeats(entry)) or number in watchlog.watched_units(user.id, title.id)
    if entry is None:
        entry = _new_entry(user, title, "planned" if title.kind == "movie" else "watching", watched_on)
    if title.kind == "movie":
        if rewatch:
            entry.rewatch_count += 1
        if entry.status != "completed":
            entry.progress = 1  # before completing, so completion logs no second watch
            _apply_status(user, title, entry, "completed", watched_on)
    elif number is not None and number == entry.progress + 1:
        entry.progress = number
        if entry.status not in ("watching", "completed"):
            _apply_status(user, title, entry, "watching", watched_on)
        activity.record(user, "progress", title, progress=number)
    event = watchlog.add_event(user, title, watched_on=watched_on, number=number, score=score, note=note,
                               rewatch=rewatch)
    watchlog.settle(user.id, title.id)  # a watch dated before the first one becomes the first
    return EntryResult(entry, "Rewatch logged." if event.is_rewatch else "Watch logged.",
                       offer_completion=_reached_total(title, entry))


def remove_entry(user: User, title: Title) -> EntryResult:
    """Take the title off the user's list (the watch log stays: it is history)."""
    entry = get_entry(user.id, title.id)
    if entry is None:
        raise TrackingError("This title is not on your list.", 404)
    had_score = entry.score is not None
    was_planned = entry.status == "planned"
    db.session.delete(entry)
    db.session.flush()
    if had_score:
        ratings.refresh_title(title)
    return EntryResult(None, "Removed from your list.", score_changed=had_score, watchlist_changed=was_planned)


def toggle_watchlist(user: User, title: Title) -> EntryResult:
    """Plan to watch the title, or take it off when it is only planned; other statuses stay."""
    entry = get_entry(user.id, title.id)
    if entry is None:
        result = update_entry(user, title, status="planned")
        result.message = "Added to your watchlist."
        return result
    if entry.status == "planned":
        result = remove_entry(user, title)
        result.message = "Removed from your watchlist."
        result.watchlist_changed = True
        return result
    raise TrackingError(f"It is already on your list as “{status_label(entry.status, title.kind)}”.", 409)


def toggle_favourite(user: User, title: Title) -> EntryResult:
    """Mark the title a favourite (adding it to the list) or unmark it."""
    entry = get_entry(user.id, title.id)
    favourite = not (entry is not None and entry.is_favourite)
    result = update_entry(user, title, is_favourite=favourite)
    result.message = "Added to your favourites." if favourite else "Removed from your favourites."
    return result


def watchlist_count(user_id: int) -> int:
    return db.session.scalar(
        select(func.count()).select_from(ListEntry).where(ListEntry.user_id == user_id, ListEntry.status == "planned")
    ) or 0


def list_favourites(user_id: int, limit: int = 12) -> list[ListEntry]:
    """The user's favourite titles, most recently changed first, titles loaded in the same query."""
    return list(db.session.scalars(
        select(ListEntry).join(ListEntry.title).options(contains_eager(ListEntry.title))
        .where(ListEntry.user_id == user_id, ListEntry.is_favourite.is_(True))
        .order_by(ListEntry.updated_at.desc(), ListEntry.id.desc()).limit(limit)
    ))


@dataclass(frozen=True)
class ListQuery:
    """What a user's list page shows: a status tab, a kind, a text filter, a tag, a sort and its direction."""

    status: str | None = None
    kind: str | None = None
    q: str = ""
    tag: str | None = None
    sort: str = "updated"
    favourites: bool = False
    descending: bool | None = None  # None: the sort's usual direction

    def __post_init__(self) -> None:
        if self.status is not None and self.status not in ENTRY_STATUSES:
            raise TrackingError("Unknown status.", 400, "status")
        if self.kind is not None and self.kind not in KINDS:
            raise TrackingError("Unknown kind. Choose movie, series, anime or comic.", 400, "kind")
        if self.sort not in LIST_SORTS:
            raise TrackingError("Unknown sort.", 400, "sort")


def list_entries(user_id: int, query: ListQuery, *, page: int = 1, per_page: int = 50) -> Page[ListEntry]:
    """One page of the user's list with its titles, narrowed and sorted as the query says."""
    # Every kind's own columns in the same query (episode and issue counts, formats), not one per row.
    titles = every_kind_of_title()
    conditions = [ListEntry.user_id == user_id]
    if query.status:
        conditions.append(ListEntry.status == query.status)
    if query.kind:
        conditions.append(Title.kind == query.kind)
    if query.q:
        conditions.append(Title.title.icontains(query.q, autoescape=True))
    if query.favourites:
        conditions.append(ListEntry.is_favourite.is_(True))
    if query.tag:
        # The tags column holds the JSON text json.dumps wrote; the tag, encoded the same way and
        # quoted, matches one whole element. Plain text comparison works on SQLite and PostgreSQL alike.
        encoded = json.dumps(query.tag)
        conditions.append(cast(ListEntry.tags, String).like(f"%{_like_escape(encoded)}%", escape="\\"))
    counted = select(func.count()).select_from(ListEntry).where(*conditions)
    if query.kind or query.q:  # the count joins the titles only when a condition is on them
        counted = counted.join(Title, Title.id == ListEntry.title_id)
    total = db.session.scalar(counted) or 0
    rows = db.session.scalars(
        select(ListEntry).join(ListEntry.title.of_type(titles)).where(*conditions)
        .options(contains_eager(ListEntry.title.of_type(titles))).order_by(*LIST_SORTS[query.sort].order_by(query.descending))
        .limit(per_page).offset((page - 1) * per_page)
    )
    return Page(items=list(rows), page=page, per_page=per_page, total=total)


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def count_by_status(user_id: int, kind: str | None = None) -> dict[str, int]:
    """How many entries the user has in each status (of one kind, if given)."""
    stmt = select(ListEntry.status, func.count()).where(ListEntry.user_id == user_id).group_by(ListEntry.status)
    if kind:
        stmt = stmt.join(ListEntry.title).where(Title.kind == kind)
    counts = dict.fromkeys(ENTRY_STATUSES, 0)
    counts.update({status: n for status, n in db.session.execute(stmt)})
    return counts
