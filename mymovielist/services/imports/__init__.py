"""Imports of a user's history from MyAnimeList, Letterboxd, Trakt and our own export.

parse (one module per source) -> Bundle of records keyed by title -> matching.match -> writer.Writer,
all inside one transaction, run by runner.py as a job of the queue (jobs/queue.py).
"""

from __future__ import annotations

from collections.abc import Callable

from mymovielist.services.imports import letterboxd, mal, ours, trakt
from mymovielist.services.imports.files import check_size
from mymovielist.services.imports.records import Bundle, ImportFileError

PARSERS: dict[str, Callable[[bytes], Bundle]] = {
    "mal": mal.parse,
    "letterboxd": letterboxd.parse,
    "trakt": trakt.parse,
    "ours": ours.parse,
}
SOURCE_LABELS = {
    "mal": "MyAnimeList (XML export, .xml or .xml.gz)",
    "letterboxd": "Letterboxd (export ZIP)",
    "trakt": "Trakt (JSON export, or its ZIP)",
    "ours": "MyMovieList (our JSON export)",
}
MODE_LABELS = {
    "only_new": "Only new: leave titles already on my list as they are",
    "overwrite": "Overwrite: the file wins for titles already on my list",
}


def parse(source: str, data: bytes) -> Bundle:
    """The records of an uploaded file; ImportFileError says why a file cannot be imported at all."""
    if source not in PARSERS:
        raise ImportFileError(f"Unknown source {source!r}.")
    check_size(data)
    bundle = PARSERS[source](data)
    if not bundle.records:
        detail = f" ({bundle.problems[0]})" if bundle.problems else ""
        raise ImportFileError(f"The file holds nothing to import{detail}.")
    return bundle


__all__ = ["MODE_LABELS", "PARSERS", "SOURCE_LABELS", "Bundle", "ImportFileError", "parse"]
