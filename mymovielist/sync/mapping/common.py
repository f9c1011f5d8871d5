"""Small helpers the provider mappings share."""

from __future__ import annotations

import re

import nh3


def clip(text: str | None, length: int) -> str | None:
    """Trim to a column's length (PostgreSQL enforces it; SQLite would not)."""
    if text is None:
        return None
    text = text.strip()
    return text[:length].rstrip() if len(text) > length else text


def joined(names: list[str], length: int = 300) -> str | None:
    """A comma-separated list of names for a short text column, or None when empty."""
    return clip(", ".join(dict.fromkeys(n for n in names if n)), length) or None


_BLANK_LINES = re.compile(r"\n{3,}")


def plain_text(html: str | None) -> str:
    """Provider HTML (Comic Vine descriptions) as safe plain text: tags dropped, paragraphs kept."""
    if not html:
        return ""
    spaced = re.sub(r"(?i)<\s*(br|/p|/h\d|/li|/div)\s*/?>", "\n", html)
    text = nh3.clean(spaced, tags=set())  # escapes what is left; unescape the harmless entities
    for entity, char in (("&amp;", "&"), ("&lt;", "<"), ("&gt;", ">"), ("&quot;", '"'), ("&#39;", "'"), ("&nbsp;", " ")):
        text = text.replace(entity, char)
    lines = [line.strip() for line in text.splitlines()]
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()


def minutes(text: str | None) -> int | None:
    """Minutes from Jikan's duration strings: "24 min per ep", "1 hr 55 min", "2 hr"."""
    if not text:
        return None
    hours = re.search(r"(\d+)\s*hr", text)
    mins = re.search(r"(\d+)\s*min", text)
    total = (int(hours.group(1)) * 60 if hours else 0) + (int(mins.group(1)) if mins else 0)
    return total or None
