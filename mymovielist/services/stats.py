"""A user's statistics and year in review, from list entries, the watch log and activity.

Results are memoized per user under a data version (counts and latest change times of the user's
entries, watches and activity, plus today's date for the rolling calendar), so any change a user
makes shows on the next request without the tracking services having to clear anything.
Scores stay 0-100 here; the page shows them in the viewer's scale (`mean_display`, `score_buckets`).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import Select, func, select, union
from sqlalchemy.orm import aliased

from mymovielist.extensions import cache, db
from mymovielist.models import (
    Activity,
    AnimatedShow,
    Credit,
    Episode,
    Genre,
    ListEntry,
    Movie,
    Person,
    Series,
    Title,
    WatchEvent,
    utcnow,
)
from mymovielist.models.catalog import KINDS, title_genres
from mymovielist.models.tracking import ENTRY_STATUSES
from mymovielist.services import scores, watchlog

CACHE_SECONDS = 3600
TOP_N = 10
HEATMAP_DAYS = 365
MONTHS_SHOWN = (12, 24)  # at least a year, at most two, ending this month
# "progress" rows repeat what the watch log already counts for that day.
HEATMAP_SKIPPED_VERBS = ("progress",)
WATCHED_STATUSES = ("watching", "completed", "on_hold", "dropped")


@dataclass(frozen=True)
class TitleRef:
    """Enough of a title to name and link it (plain values: memoized results are pickled)."""

    id: int
    title: str
    slug: str
    kind: str


@dataclass(frozen=True)
class Watch:
    """One watch of the log with its minutes (episode runtime, else the title's)."""

    watched_at: datetime
    title: TitleRef
    minutes: int


@dataclass(frozen=True)
class UserStats:
    total: int
    by_status: dict[str, int]
    by_kind: dict[str, int]
    by_kind_status: dict[str, dict[str, int]]
    scored: int
    mean_score: float | None  # 0-100
    score_counts: dict[int, int]  # stored score -> entries
    minutes_total: int
    minutes_by_kind: dict[str, int]
    minutes_by_month: list[tuple[str, int]]  # ("2026-03", minutes), oldest first
    watch_count: int
    rewatch_count: int
    top_genres: list[tuple[str, int]]
    top_studios: list[tuple[str, int]]
    top_people: list[tuple[int, str, int]]  # (person id, name, titles)
    heatmap: list[tuple[date, int]]  # the last HEATMAP_DAYS days, oldest first
    active_days: int
    current_streak: int
    longest_streak: int
    years: list[int] = field(default_factory=list)  # years with watches or completions, newest first

    @property
    def is_empty(self) -> bool:
        return self.total == 0 and self.watch_count == 0


@dataclass(frozen=True)
class RatedTitle:
    title: TitleRef
    score: int  # 0-100


@dataclass(frozen=True)
class YearReview:
    year: int
    completed: list[TitleRef]
    watch_count: int
    minutes: int
    months: list[tuple[str, int, int]]  # ("Jan", minutes, watches) for the 12 months
    top_rated: list[RatedTitle]
    favourite_genre: tuple[str, int] | None
    first_watch: Watch | None
    last_watch: Watch | None

    @property
    def is_empty(self) -> bool:
        return not self.completed and self.watch_count == 0


# -- the cache key ---------------------------------------------------------------------------


def data_version(user_id: int) -> str:
    """What changes whenever the user's stats can change: counts and latest times, and today."""

    def summary(model, stamp) -> Select:
        return select(func.count(), func.max(stamp), func.max(model.id)).where(model.user_id == user_id)

    parts: list[object] = [utcnow().date().isoformat()]
    for model, stamp in (
        (ListEntry, ListEntry.updated_at),
        (WatchEvent, WatchEvent.watched_at),
        (Activity, Activity.created_at),
    ):
        parts.extend(db.session.execute(summary(model, stamp)).one())
    return "|".join(str(part) for part in parts)


def get_user_stats(user_id: int) -> UserStats:
    """The user's statistics, computed once per change of their data."""
    return _user_stats(user_id, data_version(user_id))


def get_year_review(user_id: int, year: int) -> YearReview:
    """The user's year in review, computed once per change of their data."""
    return _year_review(user_id, year, data_version(user_id))


# -- queries ---------------------------------------------------------------------------------


def _watched_title_ids(user_id: int) -> Select:
    """Titles the user has watched (some of): in the log, or on the list past "planned"."""
    return union(
        select(WatchEvent.title_id).where(WatchEvent.user_id == user_id),
        select(ListEntry.title_id).where(
            ListEntry.user_id == user_id, ListEntry.status.in_(WATCHED_STATUSES)
        ),
    )


def list_watches(user_id: int, start: datetime | None = None, end: datetime | None = None) -> list[Watch]:
    """The user's watches, oldest first, each with its minutes as `watchlog.time_watched` counts them."""
    movie, series, anime = (
        aliased(Movie.__table__),
        aliased(Series.__table__),
        aliased(AnimatedShow.__table__),
    )
    titles, episodes = Title.__table__, Episode.__table__
    minutes = func.coalesce(
        episodes.c.runtime_minutes,
        movie.c.runtime_minutes,
        series.c.episode_minutes,
        anime.c.episode_minutes,
        0,
    )
    stmt = (
        select(WatchEvent.watched_at, titles.c.id, titles.c.title, titles.c.slug, titles.c.kind, minutes)
        .select_from(WatchEvent.__table__)
        .join(titles, titles.c.id == WatchEvent.title_id)
        .outerjoin(episodes, episodes.c.id == WatchEvent.episode_id)
        .outerjoin(movie, movie.c.id == titles.c.id)
        .outerjoin(series, series.c.id == titles.c.id)
        .outerjoin(anime, anime.c.id == titles.c.id)
        .where(WatchEvent.user_id == user_id)
        .order_by(WatchEvent.watched_at, WatchEvent.id)
    )
    if start is not None:
        stmt = stmt.where(WatchEvent.watched_at >= start)
    if end is not None:
        stmt = stmt.where(WatchEvent.watched_at < end)
    return [
        Watch(at, TitleRef(tid, name, slug, kind), int(mins or 0))
        for at, tid, name, slug, kind, mins in db.session.execute(stmt)
    ]


def _top_genres(title_ids: Select, limit: int = TOP_N) -> list[tuple[str, int]]:
    count = func.count(func.distinct(title_genres.c.title_id))
    rows = db.session.execute(
        select(Genre.name, count)
        .join(title_genres, title_genres.c.genre_id == Genre.id)
        .where(title_genres.c.title_id.in_(title_ids))
        .group_by(Genre.id, Genre.name)
        .order_by(count.desc(), Genre.name)
        .limit(limit)
    )
    return [(name, n) for name, n in rows]


def _top_studios(title_ids: Select) -> list[tuple[str, int]]:
    counts: Counter[str] = Counter()
    for studios in db.session.scalars(select(AnimatedShow.studios).where(AnimatedShow.id.in_(title_ids))):
        counts.update({name.strip() for name in (studios or "").split(",") if name.strip()})
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:TOP_N]


def _top_people(title_ids: Select) -> list[tuple[int, str, int]]:
    count = func.count(func.distinct(Credit.title_id))
    rows = db.session.execute(
        select(Person.id, Person.name, count)
        .join(Credit, Credit.person_id == Person.id)
        .where(Credit.title_id.in_(title_ids))
        .group_by(Person.id, Person.name)
        .order_by(count.desc(), Person.name)
        .limit(TOP_N)
    )
    return [(pid, name, n) for pid, name, n in rows]


def _activity_days(user_id: int, watches: list[Watch]) -> Counter[date]:
    """Per day: the user's watches plus their other activity (ratings, reviews, list changes...)."""
    days: Counter[date] = Counter(watch.watched_at.date() for watch in watches)
    for (at,) in db.session.execute(
        select(Activity.created_at).where(
            Activity.user_id == user_id, Activity.verb.not_in(HEATMAP_SKIPPED_VERBS)
        )
    ):
        days[at.date()] += 1
    return days


# -- pure computations -------------------------------------------------------------------------


def streaks(days: set[date], today: date) -> tuple[int, int]:
    """(current, longest) runs of consecutive active days; a run still counts until a day is missed."""
    longest = run = 0
    previous: date | None = None
    for day in sorted(days):
        run = run + 1 if previous is not None and day - previous == timedelta(days=1) else 1
        longest = max(longest, run)
        previous = day
    current = 0
    day = today if today in days else today - timedelta(days=1)
    while day in days:
        current += 1
        day -= timedelta(days=1)
    return current, longest


def month_window(watches: list[Watch], today: date) -> list[tuple[str, int]]:
    """Minutes per month, from the first watch (at least 12, at most 24 months) up to this month."""
    first = watches[0].watched_at.date() if watches else today
    span = (today.year - first.year) * 12 + today.month - first.month + 1
    count = min(max(span, MONTHS_SHOWN[0]), MONTHS_SHOWN[1])
    months = []
    year, month = today.year, today.month
    for _ in range(count):
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    totals = Counter[str]()
    for watch in watches:
        totals[watch.watched_at.strftime("%Y-%m")] += watch.minutes
    return [(key, totals[key]) for key in reversed(months)]


@cache.memoize(timeout=CACHE_SECONDS)
def _user_stats(user_id: int, version: str) -> UserStats:
    today = utcnow().date()
    by_kind_status = {kind: dict.fromkeys(ENTRY_STATUSES, 0) for kind in KINDS}
    score_counts: Counter[int] = Counter()
    rows = db.session.execute(
        select(ListEntry.status, Title.kind, ListEntry.score)
        .join(Title, Title.id == ListEntry.title_id)
        .where(ListEntry.user_id == user_id)
    )
    for status, kind, score in rows:
        by_kind_status[kind][status] += 1
        if score is not None:
            score_counts[score] += 1
    scored = sum(score_counts.values())
    watches = list_watches(user_id)
    rewatches = (
        db.session.scalar(
            select(func.count()).where(WatchEvent.user_id == user_id, WatchEvent.is_rewatch.is_(True))
        )
        or 0
    )
    days = _activity_days(user_id, watches)
    current, longest = streaks(set(days), today)
    first_day = today - timedelta(days=HEATMAP_DAYS - 1)
    heat = [
        (first_day + timedelta(days=n), days.get(first_day + timedelta(days=n), 0))
        for n in range(HEATMAP_DAYS)
    ]
    finished_years = db.session.scalars(
        select(ListEntry.finished_on).where(ListEntry.user_id == user_id, ListEntry.finished_on.is_not(None))
    )
    years = {watch.watched_at.year for watch in watches} | {d.year for d in finished_years}
    watched = _watched_title_ids(user_id)
    return UserStats(
        total=sum(sum(s.values()) for s in by_kind_status.values()),
        by_status={s: sum(by_kind_status[k][s] for k in KINDS) for s in ENTRY_STATUSES},
        by_kind={k: sum(by_kind_status[k].values()) for k in KINDS},
        by_kind_status=by_kind_status,
        scored=scored,
        mean_score=sum(s * n for s, n in score_counts.items()) / scored if scored else None,
        score_counts=dict(score_counts),
        minutes_total=watchlog.time_watched(user_id),
        minutes_by_kind={k: sum(w.minutes for w in watches if w.title.kind == k) for k in KINDS},
        minutes_by_month=month_window(watches, today),
        watch_count=len(watches),
        rewatch_count=rewatches,
        top_genres=_top_genres(watched),
        top_studios=_top_studios(watched),
        top_people=_top_people(watched),
        heatmap=heat,
        active_days=sum(1 for _, n in heat if n),
        current_streak=current,
        longest_streak=longest,
        years=sorted(years, reverse=True),
    )


@cache.memoize(timeout=CACHE_SECONDS)
def _year_review(user_id: int, year: int, version: str) -> YearReview:
    start = datetime(year, 1, 1, tzinfo=UTC)
    watches = list_watches(user_id, start, start.replace(year=year + 1))
    completed_rows = db.session.execute(
        select(Title.id, Title.title, Title.slug, Title.kind, ListEntry.score)
        .join(ListEntry.title)
        .where(
            ListEntry.user_id == user_id,
            ListEntry.finished_on >= date(year, 1, 1),
            ListEntry.finished_on <= date(year, 12, 31),
        )
        .order_by(ListEntry.finished_on, Title.title)
    ).all()
    completed = [TitleRef(tid, name, slug, kind) for tid, name, slug, kind, _ in completed_rows]
    seen_ids = {ref.id for ref in completed} | {w.title.id for w in watches}
    refs = {ref.id: ref for ref in completed} | {w.title.id: w.title for w in watches}
    scored = (
        db.session.execute(
            select(ListEntry.title_id, ListEntry.score).where(
                ListEntry.user_id == user_id,
                ListEntry.title_id.in_(sorted(seen_ids)),
                ListEntry.score.is_not(None),
            )
        ).all()
        if seen_ids
        else []
    )
    top_rated = sorted(
        (RatedTitle(refs[tid], score) for tid, score in scored), key=lambda r: (-r.score, r.title.title)
    )[:5]
    genres = _top_genres(select(Title.id).where(Title.id.in_(sorted(seen_ids))), limit=1) if seen_ids else []
    months = []
    for month in range(1, 13):
        in_month = [w for w in watches if w.watched_at.month == month]
        months.append((date(year, month, 1).strftime("%b"), sum(w.minutes for w in in_month), len(in_month)))
    return YearReview(
        year=year,
        completed=completed,
        watch_count=len(watches),
        minutes=sum(w.minutes for w in watches),
        months=months,
        top_rated=top_rated,
        favourite_genre=genres[0] if genres else None,
        first_watch=watches[0] if watches else None,
        last_watch=watches[-1] if watches else None,
    )


# -- presentation helpers (the viewer's scale) -------------------------------------------------


def mean_display(mean: float | None, scale: str) -> str:
    """A mean 0-100 score in the scale, with the precision the scale deserves ("7.85", "78.5", "3.93 ★")."""
    if mean is None:
        return "–"
    if scale == "100":
        return f"{mean:.1f}"
    if scale == "10":
        return f"{mean / 10:.2f}"
    if scale == "5stars":
        return f"{mean / 20:.2f} ★"
    return scores.format_score(round(mean), scale)


def score_buckets(score_counts: dict[int, int], scale: str) -> list[tuple[str, int]]:
    """Entries per step of the scale: 0-10 or 0-5 whole points, 1-3 faces, tens on the 100 scale."""
    if scale == "100":
        labels = [f"{low}–{low + 9 if low < 90 else 100}" for low in range(0, 100, 10)]
        counts = Counter[int]()
        for score, n in score_counts.items():
            counts[min(score // 10, 9)] += n
        return [(label, counts[i]) for i, label in enumerate(labels)]
    if scale == "3point":
        faces = Counter[int]()
        for score, n in score_counts.items():
            faces[int(scores.to_display(score, scale))] += n
        return [(scores.THREE_POINT_FACES[face], faces[face]) for face in (1, 2, 3)]
    top = 10 if scale == "10" else 5
    points = Counter[int]()
    for score, n in score_counts.items():
        points[int(scores.to_display(score, scale))] += n
    return [(str(point), points[point]) for point in range(top + 1)]


def hours(minutes: int) -> str:
    """Minutes as hours with one decimal ("12.5")."""
    return f"{minutes / 60:.1f}".removesuffix(".0")
