"""Stats, year in review and every export agree with the watch log, over random histories.

Each example is a fresh user doing random things through the real services (add, progress, +1,
complete on a given day, log a watch on any day, backfill dates, rate or clear, count rewatches,
remove); the figures shown are then recomputed here from the watch rows alone and compared, and
the rows themselves are checked for honesty (one first watch per unit, and it is the earliest).
"""

from __future__ import annotations

import csv
import io
import itertools
import json
import zipfile
from collections import Counter, defaultdict
from datetime import date

from defusedxml.ElementTree import fromstring
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from mymovielist.extensions import db
from mymovielist.models import ListEntry, Title, WatchEvent, utcnow
from mymovielist.models.tracking import ENTRY_STATUSES
from mymovielist.services import accounts, exports, scores, stats, tracking
from mymovielist.sync.records import EpisodeRecord, ExternalRef, TitleRecord
from mymovielist.sync.upsert import CatalogWriter

TODAY = utcnow().date()
# (kind, name, refs, details, episodes); minutes per unit are recomputed below from these alone.
CATALOG = [
    ("movie", "Alpha", [("tmdb", "movie", "603")], {"runtime_minutes": 100}, []),
    ("movie", "Beta", [("tmdb", "movie", "604")], {"runtime_minutes": 90}, []),
    ("series", "Gamma", [("tmdb", "tv", "1")], {"episode_count": 3, "episode_minutes": 45},
     [EpisodeRecord(number=1, season_number=1, runtime_minutes=50), EpisodeRecord(number=2, season_number=1)]),
    ("anime", "Delta", [("jikan", "anime", "1")], {"episode_count": 2, "episode_minutes": 24}, []),
    ("comic", "Epsilon", [("jikan", "manga", "2")], {"issue_count": 2, "format": "manga"}, []),
]
UNIT_MINUTES = {"Alpha": {None: 100}, "Beta": {None: 90}, "Gamma": {1: 50, 2: 45, 3: 45},
                "Delta": {1: 24, 2: 24}, "Epsilon": {1: 0, 2: 0}}

titles = st.integers(0, len(CATALOG) - 1)
days = st.dates(min_value=date(2018, 1, 1), max_value=TODAY)
actions = st.one_of(
    st.tuples(st.just("status"), titles, st.sampled_from(ENTRY_STATUSES)),
    st.tuples(st.just("progress"), titles, st.integers(0, 3)),
    st.tuples(st.just("plus_one"), titles),
    st.tuples(st.just("log"), titles, days, st.one_of(st.none(), st.integers(1, 3))),
    st.tuples(st.just("dates"), titles, days, days),
    st.tuples(st.just("complete_on"), titles, days),
    st.tuples(st.just("rate"), titles, st.one_of(st.none(), st.integers(0, 100))),
    st.tuples(st.just("rewatches"), titles, st.integers(0, 2)),
    st.tuples(st.just("remove"), titles),
)
_users = itertools.count()


def _catalog() -> list[Title]:
    found = list(db.session.scalars(select(Title).order_by(Title.id)))
    if not found:
        for kind, name, refs, details, episodes in CATALOG:
            CatalogWriter(source="demo").upsert(TitleRecord(
                kind=kind, title=name, year=2000, refs=[ExternalRef(*ref) for ref in refs], details=details,
                episodes=episodes))
        db.session.commit()
        found = list(db.session.scalars(select(Title).order_by(Title.id)))
    return found


def _act(user, title: Title, action: tuple) -> None:
    verb, _, *args = action
    if verb == "status":
        tracking.update_entry(user, title, status=args[0])
    elif verb == "progress":
        tracking.update_entry(user, title, progress=args[0])
    elif verb == "plus_one":
        tracking.increment_progress(user, title)
    elif verb == "log":
        tracking.log_watch(user, title, watched_on=args[0], number=args[1], score=None, note="")
    elif verb == "dates":
        tracking.update_entry(user, title, started_on=min(args), finished_on=max(args))
    elif verb == "complete_on":  # the entry form: status, start and finish dates in one go
        tracking.update_entry(user, title, status="completed", started_on=args[0], finished_on=args[0])
    elif verb == "rate":
        tracking.set_rating(user, title, args[0])
    elif verb == "rewatches":
        tracking.update_entry(user, title, rewatch_count=args[0])
    else:
        tracking.remove_entry(user, title)


def _play(history: list[tuple]):
    """A fresh user plays the history; refused steps are rolled back as a request would be."""
    catalog = _catalog()
    n = next(_users)
    user = accounts.register(f"prop{n}", f"prop{n}@example.org", "correct horse battery staple")
    db.session.commit()
    for action in history:
        try:
            _act(user, catalog[action[1]], action)
            db.session.commit()
        except tracking.TrackingError:
            db.session.rollback()
    return user


def _rows(user_id: int) -> list[tuple[str, str, date, int | None, bool, int, int]]:
    """(title, kind, day, number, rewatch, minutes, id) of each watch, minutes recomputed from CATALOG."""
    rows = []
    for event, name, kind in db.session.execute(
        select(WatchEvent, Title.title, Title.kind).join(Title, Title.id == WatchEvent.title_id)
        .where(WatchEvent.user_id == user_id)
    ):
        if kind == "movie":
            minutes = UNIT_MINUTES[name][None]
        else:  # a watch of the whole series counts as one episode of the title's length
            minutes = UNIT_MINUTES[name][event.number if event.number is not None else 2]
        rows.append((name, kind, event.watched_at.date(), event.number, event.is_rewatch, minutes, event.id))
    return rows


def _check_honest_rows(rows, counted: set[str]) -> None:
    """One first watch per unit, and (unless the user typed a rewatch count) it is the unit's earliest.

    A series watched whole (no episode number) after it was completed is a rewatch with no first
    of its own: its first run is in the numbered episodes.
    """
    units = defaultdict(list)
    for row in rows:
        units[(row[0], row[3])].append(row)
    for (name, number), unit in units.items():
        firsts = [row for row in unit if not row[4]]
        assert len(firsts) <= 1, (name, number, unit)
        if name not in counted and (number is not None or unit[0][1] == "movie"):
            earliest = min(unit, key=lambda row: (row[2], row[6]))
            assert not earliest[4], (name, number, unit)


def _check_stats(user_id: int, rows, entries: list[ListEntry]) -> None:
    figures = stats.get_user_stats(user_id)
    assert figures.watch_count == len(rows)
    assert figures.rewatch_count == sum(1 for row in rows if row[4])
    assert figures.minutes_total == sum(row[5] for row in rows)
    by_kind = Counter()
    for row in rows:
        by_kind[row[1]] += row[5]
    assert figures.minutes_by_kind == {kind: by_kind[kind] for kind in figures.minutes_by_kind}
    by_month = Counter()
    for row in rows:
        by_month[row[2].strftime("%Y-%m")] += row[5]
    assert figures.minutes_by_month == [(month, by_month[month]) for month, _ in figures.minutes_by_month]
    assert figures.total == len(entries)
    assert figures.by_status == {s: sum(1 for e in entries if e.status == s) for s in ENTRY_STATUSES}
    years = {row[2].year for row in rows} | {e.finished_on.year for e in entries if e.finished_on}
    assert figures.years == sorted(years, reverse=True)
    for year in years | {TODAY.year}:
        review = stats.get_year_review(user_id, year)
        in_year = [row for row in rows if row[2].year == year]
        assert (review.watch_count, review.minutes) == (len(in_year), sum(row[5] for row in in_year))
        assert [(m, w) for _, m, w in review.months] == [
            (sum(r[5] for r in in_year if r[2].month == month), sum(1 for r in in_year if r[2].month == month))
            for month in range(1, 13)]
        assert sorted(ref.title for ref in review.completed) == sorted(
            e.title.title for e in entries if e.finished_on and e.finished_on.year == year)


def _check_exports(user, rows, entries: list[ListEntry]) -> None:
    watches = Counter((row[0], row[2], row[3], row[4]) for row in rows)
    document = json.loads(exports.export_json(user))
    assert Counter((w["title"]["name"], date.fromisoformat(w["watched_at"][:10]), w["number"], w["rewatch"])
                   for w in document["watches"]) == watches
    assert sorted((e["title"]["name"], e["status"], e["progress"], e["score"], e["rewatch_count"], e["finished_on"])
                  for e in document["entries"]) == sorted(
        (e.title.title, e.status, e.progress, e.score, e.rewatch_count, e.finished_on and e.finished_on.isoformat())
        for e in entries)
    archive = zipfile.ZipFile(io.BytesIO(exports.export_csv_zip(user)))
    table = csv.DictReader(io.StringIO(archive.read("watches.csv").decode()))
    assert Counter((r["title"], date.fromisoformat(r["watched_at"][:10]), int(r["number"]) if r["number"] else None,
                    r["rewatch"] == "True") for r in table) == watches
    for kind, ours, done in (("anime", "anime", "my_watched_episodes"), ("manga", "comic", "my_read_chapters")):
        root = fromstring(exports.export_mal(user, kind))
        got = {(row.findtext("my_status"), row.findtext(done), row.findtext("my_finish_date"))
               for row in root.iter(kind)}
        statuses = exports.MAL_STATUS if kind == "anime" else exports.MAL_READ_STATUS
        assert got == {(statuses[e.status], str(e.progress), e.finished_on.isoformat() if e.finished_on else "0000-00-00")
                       for e in entries if e.title.kind == ours}
    letterboxd = list(csv.DictReader(io.StringIO(exports.export_letterboxd(user).decode())))
    for name in ("Alpha", "Beta"):
        entry = next((e for e in entries if e.title.title == name), None)
        film = sorted((row[2], row[6], row[4]) for row in rows if row[0] == name)
        expected = [(day.isoformat(), "true" if rewatch else "false") for day, _, rewatch in film]
        if not film and entry is not None and entry.status != "planned":
            finished = entry.finished_on.isoformat() if entry.status == "completed" and entry.finished_on else ""
            expected = [(finished, "")]
        got = [(r["WatchedDate"], r["Rewatch"]) for r in letterboxd if r["Title"] == name]
        assert sorted(got) == sorted(expected), (name, got, expected)
        stars = scores.to_display(entry.score, "5stars") if entry is not None and entry.score else None
        assert {r["Rating"] for r in letterboxd if r["Title"] == name} <= {str(stars) if stars else ""}


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(actions, min_size=1, max_size=14))
def test_stats_and_exports_equal_a_recomputation_from_the_watch_log(app, history):
    with app.app_context():
        user = _play(history)
        rows = _rows(user.id)
        entries = list(db.session.scalars(select(ListEntry).where(ListEntry.user_id == user.id)))
        counted = {_catalog()[a[1]].title for a in history if a[0] == "rewatches" and a[2] > 0}
        _check_honest_rows(rows, counted)
        _check_stats(user.id, rows, entries)
        _check_exports(user, rows, entries)
