"""Template globals and filters shared by every page."""

from __future__ import annotations

from datetime import date

from flask import Flask, current_app, url_for

from mymovielist.htmx import add_vary
from mymovielist.models import KIND_LABELS

KIND_PATHS = {"movie": "movies", "series": "series", "anime": "anime", "comic": "comics"}
NAV_KINDS = [("movie", "Movies"), ("series", "Series"), ("anime", "Anime"), ("comic", "Comics")]


def title_url(title) -> str:
    return url_for("catalog.detail", title_id=title.id, slug=title.slug)


def poster_placeholder_url(title) -> str:
    return url_for("catalog.placeholder", title_id=title.id)


def poster_src(title) -> str:
    return title.poster_url or poster_placeholder_url(title)


def has_endpoint(name: str) -> bool:
    return name in current_app.view_functions


def format_date(value: date | None) -> str:
    return value.strftime("%-d %b %Y") if value else ""


def register(app: Flask) -> None:
    app.jinja_env.globals.update(
        title_url=title_url,
        poster_src=poster_src,
        poster_placeholder_url=poster_placeholder_url,
        has_endpoint=has_endpoint,
        KIND_LABELS=KIND_LABELS,
        KIND_PATHS=KIND_PATHS,
        NAV_KINDS=NAV_KINDS,
    )
    app.jinja_env.filters["date"] = format_date
    app.after_request(add_vary)
