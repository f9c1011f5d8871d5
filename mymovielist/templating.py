"""Template globals and filters shared by every page."""

from __future__ import annotations

from flask import Flask, current_app, url_for
from flask_login import current_user
from markupsafe import Markup

from mymovielist.htmx import add_vary
from mymovielist.images.links import image_src, image_srcset
from mymovielist.localization import format_date, format_datetime
from mymovielist.models import KIND_LABELS
from mymovielist.redact import redact
from mymovielist.services.content import viewer_filter

KIND_PATHS = {"movie": "movies", "series": "series", "anime": "anime", "comic": "comics"}
NAV_KINDS = [("movie", "Movies"), ("series", "Series"), ("anime", "Anime"), ("comic", "Comics")]


def title_url(title) -> str:
    return url_for("catalog.detail", title_id=title.id, slug=title.slug)


def url_pattern(endpoint: str, *holes: str) -> str:
    """The endpoint's URL with `{name}` holes for str.format, built once before a loop: a url_for per
    row costs more than the row itself on a long list. What is formatted in must need no quoting
    (ids, slugs); each hole is sampled with a number, which int and string converters both take."""
    marks = {name: 9_173_546_281 + n for n, name in enumerate(holes)}
    url = url_for(endpoint, **marks)
    for name, mark in marks.items():
        if url.count(str(mark)) != 1:
            raise ValueError(f"{endpoint}: {name} is not one segment of its URL")
        url = url.replace(str(mark), "{" + name + "}")
    return url


def poster_placeholder_url(title) -> str:
    return url_for("catalog.placeholder", title_id=title.id)


def poster_src(title, width: int = 200) -> str:
    return image_src(title, "title", width) or poster_placeholder_url(title)


def poster_srcset(title, width: int = 200) -> str | None:
    return image_srcset(title, "title", width)


def srcset_attrs(srcset: str | None, width: int) -> Markup:
    """` srcset="..." sizes="<width>px"` for an image shown `width` CSS pixels wide; nothing without a srcset."""
    if not srcset:
        return Markup("")
    return Markup(' srcset="{}" sizes="{}px"').format(srcset, width)


def nav_kinds() -> list[tuple[str, str]]:
    """The kinds in the navigation: those the signed-in user follows, every kind for a visitor."""
    shown = viewer_filter(current_user).kinds
    return [(kind, label) for kind, label in NAV_KINDS if kind in shown]


def has_endpoint(name: str) -> bool:
    return name in current_app.view_functions


def register(app: Flask) -> None:
    from mymovielist.sharing import meta  # it builds on title_url above

    app.jinja_env.globals.update(meta.TEMPLATE_GLOBALS)
    app.jinja_env.globals.update(
        title_url=title_url,
        url_pattern=url_pattern,
        poster_src=poster_src,
        poster_srcset=poster_srcset,
        image_src=image_src,
        image_srcset=image_srcset,
        srcset_attrs=srcset_attrs,
        poster_placeholder_url=poster_placeholder_url,
        has_endpoint=has_endpoint,
        KIND_LABELS=KIND_LABELS,
        KIND_PATHS=KIND_PATHS,
        NAV_KINDS=NAV_KINDS,
        nav_kinds=nav_kinds,
    )
    app.jinja_env.filters["date"] = format_date  # in the user's locale and time zone
    app.jinja_env.filters["datetime"] = format_datetime
    app.jinja_env.filters["redact"] = redact  # run errors recorded before redaction was stored
    app.after_request(add_vary)
