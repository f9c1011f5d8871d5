"""Writing matched records for one user, through the tracking services' rules, idempotently.

Keys that make a re-import a no-op: an entry is the user's one entry for the title; a watch is
(title, moment, unit number, rewatch) counted as a multiset (a file with two identical watches
brings two, importing it again brings none); a review is the user's one review of the title; a
list is the user's list of that name, an item the title on it; progress from a file that keeps no
watch log (MAL) logs only the units above the entry's progress. In "only_new" mode a title already
on the user's list is left alone (its list places still apply); "overwrite" sets every field the
file gives. Score changes refresh the title's rating aggregates once per title at the end.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import func, select

from mymovielist.extensions import db
from mymovielist.models import CustomList, Episode, ListEntry, Review, Title, User, WatchEvent
from mymovielist.services import activity, lists, ratings, reviews, tracking, watchlog
from mymovielist.services.imports.records import ImportFileError, ListSpec, Record, Watch

MAX_TAGS, MAX_TAG = tracking.MAX_TAGS, tracking.MAX_TAG_LENGTH


@dataclass
class Writer:
    """Applies records for one user in the caller's transaction; counts what it did."""

    user: User
    mode: str
    source: str
    created: int = 0
    updated: int = 0
    skipped: int = 0
    rescore: dict[int, Title] = field(default_factory=dict)
    _lists: dict[str, CustomList] = field(default_factory=dict)

    def apply(self, record: Record, title: Title, specs: dict[str, ListSpec]) -> str:
        """Write one record onto `title`; returns "created", "updated", "skipped" or "unchanged"."""
        entry = tracking.get_entry(self.user.id, title.id)
        if entry is not None and self.mode == "only_new":
            outcome = "skipped"
        else:
            changed = self._entry(record, title, entry)
            changed = self._watches(record, title) or changed
            changed = self._review(record, title) or changed
            outcome = ("created" if entry is None else "updated") if changed else "unchanged"
        self._memberships(record, title, specs)
        if outcome == "created":
            self.created += 1
        elif outcome == "updated":
            self.updated += 1
        else:
            self.skipped += 1
        return outcome

    def ensure_lists(self, specs: dict[str, ListSpec]) -> None:
        """Create the file's custom lists, empty ones included (a list is the user's list of that name)."""
        for key, spec in specs.items():
            self._list(key, spec)

    def finish(self) -> None:
        """Recompute the rating aggregates of every title whose score changed, exactly, in this transaction.

        One ratings.refresh_titles for all of them, a few statements per 500 titles, instead of a
        refresh_title per imported rating.
        """
        ratings.refresh_titles(self.rescore)
        for title in self.rescore.values():
            db.session.expire(title, ["rating_count", "mean_score", "weighted_score"])

    # -- entry ---------------------------------------------------------------------------------

    def _entry(self, record: Record, title: Title, entry: ListEntry | None) -> bool:
        fields = _clean_fields(record, title, self.user)
        watched = bool(record.watches or fields.get("progress"))
        if "status" not in fields:
            if entry is None and not watched and fields.get("score") is None:
                return False  # a list place or a review alone puts nothing on the list
            if entry is None or watched:  # an entry's status is kept when the file says nothing of it
                _derive_status(record, title, fields)
        if entry is None:
            entry = ListEntry(
                user_id=self.user.id,
                title_id=title.id,
                status=fields["status"],
                progress=0,
                rewatch_count=0,
                notes="",
                is_favourite=False,
                tags=[],
                priority=0,
            )
            db.session.add(entry)
            _set(entry, fields)
            # One feed line per imported title: "added", its score in the line rather than a second "rated".
            activity.record(
                self.user, "added", title, status=entry.status, score=entry.score, imported=self.source
            )
            self._scored(title, None, entry, announce=False)
            self._progress_watches(record, title, entry, 0)
            return True
        old_score, old_progress = entry.score, entry.progress
        changed = _set(entry, fields)
        self._scored(title, old_score, entry)
        self._progress_watches(record, title, entry, old_progress)
        return changed

    def _progress_watches(self, record: Record, title: Title, entry: ListEntry, old: int) -> None:
        """Log a watch of each unit the file's progress adds, as the app does, when the file has no log."""
        if not record.logs_progress or entry.progress <= old:
            return
        on = entry.finished_on or entry.started_on or tracking.today(self.user)
        # MAL counts rewatches apart (my_times_watched): the progress it gives is the first run's.
        watchlog.record_units(self.user, title, range(old + 1, entry.progress + 1), on, rewatch=False)

    def _scored(self, title: Title, old: int | None, entry: ListEntry, announce: bool = True) -> None:
        if entry.score != old:
            self.rescore[title.id] = title
            if announce and entry.score is not None:
                activity.record(self.user, "rated", title, score=entry.score, imported=self.source)

    # -- watches -------------------------------------------------------------------------------

    def _watches(self, record: Record, title: Title) -> bool:
        if not record.watches:
            return False
        ordinals = _ordinals(title) if any(w.season is not None for w in record.watches) else {}
        existing = Counter(
            tuple(row)
            for row in db.session.execute(
                select(WatchEvent.watched_at, WatchEvent.number, WatchEvent.is_rewatch).where(
                    WatchEvent.user_id == self.user.id, WatchEvent.title_id == title.id
                )
            )
        )
        added = False
        for watch in record.watches:
            number = _number(watch, title, ordinals)
            key = (watch.watched_at, number, watch.rewatch)
            if existing[key] > 0:
                existing[key] -= 1
                continue
            event = watchlog.add_event(
                self.user,
                title,
                watched_on=watch.watched_at.date(),
                number=number,
                score=watch.score,
                note=watch.note,
                rewatch=watch.rewatch,
            )
            event.watched_at = watch.watched_at  # the file's moment, not the day's noon
            added = True
        db.session.flush()
        return added

    # -- review --------------------------------------------------------------------------------

    def _review(self, record: Record, title: Title) -> bool:
        """The review as the reviews service stores it; followers are not notified of old reviews."""
        data = record.review
        if data is None:
            return False
        try:
            body = reviews.clean_body(data.body)
        except reviews.ReviewError:
            return False
        review = reviews.get_own_review(self.user, title)
        if review is not None and (review.body, review.spoiler) == (body, data.spoiler):
            return False
        if review is None:
            review = Review(user_id=self.user.id, title_id=title.id, body=body, spoiler=data.spoiler)
            db.session.add(review)
            db.session.flush()
            activity.record(self.user, "reviewed", title, review_id=review.id, spoiler=data.spoiler)
        review.body, review.spoiler = body, data.spoiler
        if data.created_at:
            review.created_at = data.created_at
        if data.updated_at:
            review.updated_at = data.updated_at
        db.session.flush()
        return True

    # -- lists ---------------------------------------------------------------------------------

    def _memberships(self, record: Record, title: Title, specs: dict[str, ListSpec]) -> None:
        for membership in record.lists:
            spec = specs.get(membership.list_key)
            if spec is None:
                continue
            custom_list = self._list(membership.list_key, spec)
            with _list_rules(spec):
                item, created = lists.add_item(custom_list, title, membership.note[: lists.MAX_NOTE])
            if created and membership.added_at:
                item.added_at = membership.added_at

    def _list(self, key: str, spec: ListSpec) -> CustomList:
        custom_list = self._lists.get(key)
        if custom_list is None:
            custom_list = db.session.scalar(
                select(CustomList).where(
                    CustomList.user_id == self.user.id, CustomList.name == spec.name[: lists.MAX_NAME]
                )
            )
            if custom_list is None:
                with _list_rules(spec):
                    custom_list = lists.create_list(
                        self.user,
                        spec.name[: lists.MAX_NAME],
                        spec.description[: lists.MAX_DESCRIPTION],
                        is_public=spec.is_public,
                        is_ranked=spec.is_ranked,
                    )
            self._lists[key] = custom_list
        return custom_list


@contextmanager
def _list_rules(spec: ListSpec) -> Iterator[None]:
    """A list limit (200 lists, 1,000 titles) stops the whole import, naming the list."""
    try:
        yield
    except lists.ListError as error:
        raise ImportFileError(f"The list “{spec.name[:80]}” cannot be imported: {error}") from None


def order_memberships(records: list[Record]) -> list[Record]:
    """Records in the order their list places must be written (lowest position first), others after."""

    def first_position(record: Record) -> tuple[int, int]:
        positions = [m.position for m in record.lists]
        return (0, min(positions)) if positions else (1, 0)

    return sorted(records, key=first_position)


def _set(entry: ListEntry, fields: dict[str, Any]) -> bool:
    changed = False
    for name, value in fields.items():
        if getattr(entry, name) != value:
            setattr(entry, name, value)
            changed = True
    return changed


def _clean_fields(record: Record, title: Title, user: User) -> dict[str, Any]:
    """The record's entry fields made valid for this title: progress within its length, no future dates."""
    fields = dict(record.entry)
    today = tracking.today(user)  # the importing user's day: the job runs outside their request
    total = tracking.total_units(title)
    if fields.get("status") == "completed" and total is not None:
        fields.setdefault("progress", total)
    if "progress" not in fields and title.kind != "movie":
        first_run = [w.number for w in record.watches if not w.rewatch and w.number]
        if first_run:
            fields["progress"] = len(set(first_run))
    if "progress" in fields:
        limit = total if total is not None else tracking.MAX_PROGRESS
        fields["progress"] = max(0, min(int(fields["progress"]), limit))
    if fields.get("score") is not None:
        fields["score"] = max(0, min(int(fields["score"]), 100))
    for name in ("started_on", "finished_on"):
        if isinstance(fields.get(name), date) and fields[name] > today:
            fields[name] = None
    started, finished = fields.get("started_on"), fields.get("finished_on")
    if started and finished and finished < started:
        fields["started_on"] = finished
    if "rewatch_count" in fields:
        fields["rewatch_count"] = max(0, min(int(fields["rewatch_count"]), 10_000))
    if "priority" in fields and fields["priority"] not in tracking.PRIORITIES:
        fields["priority"] = 0
    if "tags" in fields:
        tags = [" ".join(str(t).split()).lower()[:MAX_TAG] for t in fields["tags"]]
        fields["tags"] = list(dict.fromkeys(t for t in tags if t))[:MAX_TAGS]
    if "notes" in fields:
        fields["notes"] = str(fields["notes"])[: watchlog.MAX_NOTE * 5]
    return fields


def _derive_status(record: Record, title: Title, fields: dict[str, Any]) -> None:
    """The status of a file that states none (Trakt), from what was watched, never from a rating alone.

    A show is completed once every episode of our title is watched (on the day of the last), being
    watched once any is; a title only rated goes on the list as rating it in the app puts it
    (tracking.update_entry: a film is watched, a show is planned).
    """
    total = tracking.total_units(title)
    if title.kind == "movie":
        fields["status"] = "completed"
    elif total is not None and fields.get("progress", 0) >= total:
        fields["status"] = "completed"
        first_run = [watch.watched_at.date() for watch in record.watches if not watch.rewatch]
        if first_run:
            fields.setdefault("finished_on", max(first_run))
    elif fields.get("progress", 0) > 0 or record.watches:
        fields["status"] = "watching"
    else:
        fields["status"] = "planned"


def _ordinals(title: Title) -> dict[tuple[int, int], int]:
    """Absolute episode numbers (as the watch log counts them) of each (season, episode) of the title."""
    ordinal = func.row_number().over(
        order_by=(Episode.season_number == 0, Episode.season_number, Episode.number)
    )
    rows = db.session.execute(
        select(Episode.season_number, Episode.number, ordinal).where(Episode.title_id == title.id)
    )
    return {(season, number): n for season, number, n in rows}


def _number(watch: Watch, title: Title, ordinals: dict[tuple[int, int], int]) -> int | None:
    if title.kind == "movie":
        return None
    if watch.season is None:
        return watch.number
    if ordinals:
        return ordinals.get((watch.season, watch.episode or 0))
    return watch.episode if watch.season == 1 else None  # without episode data only season 1 is certain
