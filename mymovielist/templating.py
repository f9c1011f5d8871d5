"""Template globals and filters shared by every page."""

from __future__ import annotations

from flask import Flask, current_app, url_for
from flask_login import current_user
from markupsafe import Markup, escape

from mymovielist.htmx import add_vary
from mymovielist.images.links import digest, fit, image_src, image_srcset, srcset_widths
from mymovielist.localization import format_date, format_datetime
from mymovielist.models import KIND_LABELS
from mymovielist.redact import redact
from mymovielist.services.content import viewer_filter

KIND_PATHS = {"movie": "movies", "series": "series", "anime": "anime", "comic": "comics"}
NAV_KINDS = [("movie", "Movies"), ("series", "Series"), ("anime", "Anime"), ("comic", "Comics")]


def title_url(title) -> str:
    return url_for("catalog.detail", title_id=title.id, slug=title.slug)


def url_pattern(endpoint: str, *holes: str, **values: str) -> str:
    """The endpoint's URL with `{name}` holes for str.format, built once before a loop: a url_for per
    row costs more than the row itself on a long list. What is formatted in must need no quoting
    (ids, slugs); each hole is sampled with a number, which int and string converters both take.
    `values` fill the URL's other parts for good."""
    marks = {name: 9_173_546_281 + n for n, name in enumerate(holes)}
    url = url_for(endpoint, **values, **marks)
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


class PosterLinks:
    """The `src`, `srcset` and placeholder attributes of many titles' posters shown `width` pixels wide,
    as the `poster` macro writes them, with each URL pattern built once: a list of hundreds of covers
    would otherwise cost three url_for a row."""

    def __init__(self, width: int) -> None:
        # Escaped once here: what is formatted in later (ids, hex digests, widths) needs no escaping.
        self.placeholder = str(escape(url_pattern("catalog.placeholder", "title_id")))
        self.proxy = str(escape(url_pattern("images.image", "item_id", "digest", "width", kind="title"))) \
            if current_app.config["IMAGE_PROXY"] else None
        self.width, self.src_width, self.widths = width, fit(width), srcset_widths(width)

    def attrs(self, title) -> Markup:
        """` src="..." srcset="..." sizes="..." data-fallback="..."` for the title's poster."""
        # Plain string formatting: Markup.format costs more than the rest of a row.
        fallback = self.placeholder.format(title_id=title.id)
        url = title.poster_url
        if not url or self.proxy is None:
            return Markup(f' src="{escape(url) if url else fallback}" data-fallback="{fallback}"')
        hashed = digest(url)
        srcset = ", ".join(f"{self.proxy.format(item_id=title.id, digest=hashed, width=w)} {w}w" for w in self.widths)
        src = self.proxy.format(item_id=title.id, digest=hashed, width=self.src_width)
        return Markup(f' src="{src}" srcset="{srcset}" sizes="{self.width}px" data-fallback="{fallback}"')


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
        poster_links=PosterLinks,
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
