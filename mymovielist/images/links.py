"""Image addresses for templates: our resizing proxy when it is on, the provider's URL otherwise.

A proxied address names what the image belongs to and a digest of its source URL:
`/img/title/42/3f2a9c01b7de/342`. A new poster from a sync gives a new address, which is why the
answer can be cached for a year.
"""

from __future__ import annotations

import hashlib

from flask import current_app, url_for

from mymovielist.images.store import WIDTHS


def digest(url: str) -> str:
    return hashlib.sha256(url.encode()).hexdigest()[:12]


# What each kind of image belongs to, and the column holding its provider URL.
SOURCE_COLUMNS = {"title": "poster_url", "person": "image_url", "character": "image_url"}
# Avatars are a user's own https address on any host: fetched by us, so a profile cannot track its
# viewers with an image of its own server, and never linked directly.
KINDS = (*SOURCE_COLUMNS, "avatar")


def source_url(item, kind: str) -> str | None:
    """The image of a title (its poster), a person, a character, or a user (their avatar)."""
    if kind == "avatar":
        return item.profile.avatar_url if item.profile else None
    return getattr(item, SOURCE_COLUMNS[kind])


def image_src(item, kind: str, width: int) -> str | None:
    """The address of `item`'s image for `width` CSS pixels, or None when it has none."""
    url = source_url(item, kind)
    if not url:
        return None
    if not current_app.config["IMAGE_PROXY"]:
        return None if kind == "avatar" else url
    return url_for("images.image", kind=kind, item_id=item.id, digest=digest(url), width=fit(width))


def image_srcset(item, kind: str, width: int) -> str | None:
    """Candidates up to twice `width`, for high-density screens; None without the proxy."""
    url = source_url(item, kind)
    if not url or not current_app.config["IMAGE_PROXY"]:
        return None
    widths = srcset_widths(width)
    hashed = digest(url)
    return ", ".join(
        f"{url_for('images.image', kind=kind, item_id=item.id, digest=hashed, width=w)} {w}w" for w in widths
    )


def srcset_widths(width: int) -> list[int]:
    """The stored widths offered for an image shown `width` CSS pixels wide: up to twice as many pixels."""
    return sorted({fit(width), fit(width * 2)} | {w for w in WIDTHS if width <= w <= width * 2})


def fit(width: int) -> int:
    """The smallest stored width at least `width` wide (the largest when none is)."""
    return next((w for w in WIDTHS if w >= width), WIDTHS[-1])
