"""Letterboxd's account export (Settings > Import & Export > Export your data): a ZIP of CSV files.

watched.csv, watchlist.csv and likes/films.csv have Date, Name, Year, Letterboxd URI; ratings.csv
adds Rating (0.5-5 stars); diary.csv adds Rating, Rewatch, Tags and Watched Date (one row per
watch); reviews.csv has the diary's columns and Review, whose text is HTML (<i>, <b>, <a>,
<blockquote>, <br />) and becomes our Markdown; lists/<name>.csv starts with "Letterboxd list
export v7", a Date,Name,Tags,URL,Description row for the list, then Position,Name,Year,URL,
Description rows.
Films carry no provider id, so they are matched by name and year.
"""

from __future__ import annotations

from datetime import date

from mymovielist.services.imports.files import csv_rows, is_zip, read_zip, text
from mymovielist.services.imports.markup import html_to_markdown
from mymovielist.services.imports.records import (
    Bundle,
    ImportFileError,
    ListSpec,
    Membership,
    Record,
    ReviewData,
    TitleRef,
    Watch,
    noon,
)

FILM = ("Name", "Year")
FILES = {  # file -> columns it must have
    "watched.csv": FILM,
    "ratings.csv": (*FILM, "Rating"),
    "diary.csv": (*FILM, "Watched Date"),
    "reviews.csv": (*FILM, "Review"),
    "watchlist.csv": FILM,
    "likes/films.csv": FILM,
}


# Letterboxd's own export says "Yes"; its import format (and our Letterboxd export) says "true".
REWATCH_WORDS = frozenset({"yes", "true"})


def parse(data: bytes) -> Bundle:
    """Every film, rating, diary entry, review, like and list of a Letterboxd export ZIP."""
    if not is_zip(data):
        raise ImportFileError("A Letterboxd export is a ZIP file; this is not one.")
    files = read_zip(data)
    list_files = sorted(name for name in files if name.startswith("lists/") and name.endswith(".csv"))
    if not any(name in files for name in FILES) and not list_files:
        raise ImportFileError(
            "The ZIP holds none of watched.csv, ratings.csv, diary.csv, reviews.csv, "
            "watchlist.csv or lists/: it is not a Letterboxd export."
        )
    bundle = Bundle()
    for name, columns in FILES.items():  # watched and watchlist first, so ratings and the diary refine them
        if name in files:
            for line, row in csv_rows(files[name], name, columns):
                _read(bundle, name, f"{name} line {line}", row)
    for name in list_files:
        _read_list(bundle, name, files[name])
    _finish(bundle)
    return bundle


def _ref(row: dict[str, str]) -> TitleRef:
    name = row.get("Name", "")
    if not name:
        raise ValueError("the film has no name")
    year = row.get("Year", "")
    if year and not (year.isdigit() and 1870 <= int(year) <= 2200):
        raise ValueError(f"year {year!r} is not a year")
    return TitleRef("movie", name, int(year) if year else None)


def _stars(value: str) -> int | None:
    if not value:
        return None
    try:
        stars = float(value)
    except ValueError:
        raise ValueError(f"rating {value!r} is not a number of stars") from None
    if not 0.5 <= stars <= 5 or (stars * 2) % 1:
        raise ValueError(f"rating {value!r} is not 0.5-5 stars in halves")
    return int(stars * 20)


def _day(value: str, column: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{column} {value!r} is not a date (YYYY-MM-DD)") from None


def _read(bundle: Bundle, name: str, line: str, row: dict[str, str]) -> None:
    try:
        ref = _ref(row)
        score = _stars(row.get("Rating", ""))
        added = _day(row.get("Date", ""), "Date")
        watched = _day(row.get("Watched Date", ""), "Watched Date") or added
    except ValueError as error:
        bundle.problems.append(f"{line}: {error}.")
        return
    record = bundle.record(ref, line)
    entry = record.entry
    if name == "watchlist.csv":
        entry.setdefault("status", "planned")
    elif name == "likes/films.csv":
        entry["is_favourite"] = True
    elif name != "reviews.csv":
        entry["status"] = "completed"
    if name == "ratings.csv" and score is not None:
        entry["score"] = score
    if name == "diary.csv" and watched is not None:
        record.watches.append(
            Watch(noon(watched), score=score, rewatch=row.get("Rewatch", "").strip().lower() in REWATCH_WORDS)
        )
        tags = [tag.strip() for tag in row.get("Tags", "").split(",") if tag.strip()]
        entry["tags"] = list(dict.fromkeys([*entry.get("tags", []), *tags]))
    if name == "watched.csv" and added is not None:
        entry.setdefault("finished_on", added)
    if name == "reviews.csv" and row.get("Review"):
        _review(record, row["Review"], watched)


def _review(record: Record, html: str, on: date | None) -> None:
    """The review as our Markdown, dated by its watch; of a film reviewed at each watch, the latest."""
    written = noon(on) if on else None
    if record.review and record.review.created_at and written and written < record.review.created_at:
        return
    record.review = ReviewData(html_to_markdown(html), spoiler=False, created_at=written, updated_at=written)


def _finish(bundle: Bundle) -> None:
    """Dates and rewatches from the diary: first watch starts and finishes it, later ones are rewatches."""
    for record in bundle.records.values():
        if not record.watches:
            continue
        days = sorted(watch.watched_at.date() for watch in record.watches)
        record.entry["started_on"] = record.entry["finished_on"] = days[0]
        record.entry["rewatch_count"] = sum(1 for watch in record.watches if watch.rewatch)
        if "score" not in record.entry:
            latest = max(record.watches, key=lambda watch: watch.watched_at)
            if latest.score is not None:
                record.entry["score"] = latest.score


def _read_list(bundle: Bundle, name: str, data: bytes) -> None:
    lines = text(data, name).splitlines()
    if not lines or not lines[0].startswith("Letterboxd list export"):
        raise ImportFileError(f"{name} does not start with “Letterboxd list export”.")
    try:
        blank = lines.index("", 1)
    except ValueError:
        raise ImportFileError(f"{name} lacks the blank line between the list and its films.") from None
    header = list(csv_rows("\n".join(lines[1:blank]).encode(), name, ("Name",)))
    if not header:
        raise ImportFileError(f"{name} does not name its list.")
    meta = header[0][1]
    list_key = f"letterboxd:{name}"
    bundle.lists[list_key] = ListSpec(meta["Name"][:100] or name[6:-4], meta.get("Description", ""))
    films = "\n".join(lines[blank + 1 :]).encode()
    for line, row in csv_rows(films, name, ("Position", "Name", "Year")):
        where = f"{name} line {blank + 1 + line}"
        try:
            ref, position = _ref(row), int(row["Position"])
        except ValueError as error:
            bundle.problems.append(f"{where}: {error}.")
            continue
        bundle.record(ref, where).lists.append(Membership(list_key, position, row.get("Description", "")))
