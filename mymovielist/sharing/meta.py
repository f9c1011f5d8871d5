"""`<meta>` tags for link previews: a description, Open Graph and a Twitter card, every value escaped.

Pages call `meta_tags(...)` in their `meta` block with what they already show, so a preview can
never say more than the page does to the same viewer.
"""

from __future__ import annotations

import re
from urllib.parse import urljoin

from flask import request, url_for
from markupsafe import Markup

from mymovielist.images.links import image_src
from mymovielist.services.markdown import render_markdown
from mymovielist.templating import title_url

SITE_NAME = "MyMovieList"
SITE_DESCRIPTION = "Track the movies, series, anime and comics you watch and read, rate them and find what to try next."
DESCRIPTION_LENGTH = 160
OG_IMAGE_WIDTH = 500  # a stored width of the image proxy
# Kinds of title as Open Graph types (https://ogp.me/#types).
OG_TYPES = {"movie": "video.movie", "series": "video.tv_show", "anime": "video.tv_show", "comic": "book"}
# XML 1.0 and HTML both refuse C0 controls other than tab, newline and carriage return.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def plain_text(text: str | Markup | None, limit: int = DESCRIPTION_LENGTH, *, html: bool = False) -> str:
    """`text` as one line of plain text of at most `limit` characters, cut at a word with an ellipsis.

    Markup, or text marked `html` (a synopsis may hold sanitized provider HTML), loses its tags and
    reads its entities; plain text keeps every character. Escaping is the caller's.
    """
    text = Markup(text).striptags() if isinstance(text, Markup) or (html and text) else (text or "")
    text = " ".join(strip_controls(text).split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:.-") + "…"


def strip_controls(text: str) -> str:
    """`text` without the control characters XML, HTML and iCalendar text refuse."""
    return _CONTROL.sub("", text)


def absolute_url(url: str | None) -> str | None:
    """`url` (a path such as `/img/...`, or already absolute) as an absolute URL of this site."""
    return urljoin(request.host_url, url) if url else None


def meta_tags(
    title: str | Markup | None = None,
    description: str | Markup | None = None,
    *,
    og_type: str = "website",
    url: str | None = None,
    image: str | None = None,
    extra: dict[str, str] | None = None,
    html: bool = False,
) -> Markup:
    """The description, Open Graph and Twitter tags of a page; `url` defaults to the page's own address."""
    page_title = plain_text(title, 200) or SITE_NAME
    text = plain_text(description, html=html) or SITE_DESCRIPTION
    properties = {
        "og:site_name": SITE_NAME,
        "og:title": page_title,
        "og:description": text,
        "og:type": og_type,
        "og:url": absolute_url(url) or request.base_url,
    }
    if image:
        properties["og:image"] = absolute_url(image) or ""
    properties.update(extra or {})
    lines = [Markup('<meta name="description" content="{}">').format(text)]
    lines += [Markup('<meta property="{}" content="{}">').format(key, value) for key, value in properties.items()]
    names = {"twitter:card": "summary", "twitter:title": page_title, "twitter:description": text}
    if image:
        names["twitter:image"] = properties["og:image"]
    lines += [Markup('<meta name="{}" content="{}">').format(key, value) for key, value in names.items()]
    return Markup("\n  ").join(lines)


def _name(user) -> str:
    return user.profile.display_name if user.profile and user.profile.display_name else user.username


def title_meta(title) -> Markup:
    """A title page's tags: its synopsis, its poster."""
    year = f" ({title.year})" if title.year else ""
    fallback = f"{title.kind_label}{year} on {SITE_NAME}."
    return meta_tags(f"{title.title}{year}", title.synopsis or fallback, html=bool(title.synopsis),
                     og_type=OG_TYPES.get(title.kind, "website"), url=title_url(title),
                     image=image_src(title, "title", OG_IMAGE_WIDTH))


def list_meta(custom_list) -> Markup:
    """A custom list's tags (the page is shown only to who may see the list): its description, its first poster."""
    count = len(custom_list.items)
    fallback = f"A list of {count} title{'' if count == 1 else 's'} by {_name(custom_list.user)}."
    first = custom_list.items[0].title if custom_list.items else None
    return meta_tags(custom_list.name, custom_list.description or fallback,
                     url=url_for("lists.show", list_id=custom_list.id),
                     image=image_src(first, "title", OG_IMAGE_WIDTH) if first is not None else None)


def profile_meta(user, show_private: bool) -> Markup:
    """A profile's tags: the name for everyone, the bio and avatar only when the page shows them."""
    bio = user.profile.bio if show_private and user.profile else ""
    return meta_tags(f"{_name(user)} (@{user.username})", bio or f"{_name(user)} on {SITE_NAME}.",
                     og_type="profile", url=url_for("users.profile", username=user.username),
                     image=image_src(user, "avatar", OG_IMAGE_WIDTH) if show_private else None,
                     extra={"profile:username": user.username})


def review_meta(review) -> Markup:
    """A review's tags: its text unless it holds spoilers, the title's poster."""
    title = review.title
    about = f"Review of {title.title} by {_name(review.user)}"
    text = f"{about}. It contains spoilers." if review.spoiler else render_markdown(review.body)
    return meta_tags(about, text, og_type="article", url=url_for("reviews.show", review_id=review.id),
                     image=image_src(title, "title", OG_IMAGE_WIDTH))


TEMPLATE_GLOBALS = {"meta_tags": meta_tags, "title_meta": title_meta, "list_meta": list_meta,
                    "profile_meta": profile_meta, "review_meta": review_meta}
