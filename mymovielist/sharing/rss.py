"""RSS 2.0 documents (https://www.rssboard.org/rss-specification), built with ElementTree so every text is escaped."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from email.utils import format_datetime
from xml.etree import ElementTree as ET

from mymovielist.sharing.meta import strip_controls

ATOM = "http://www.w3.org/2005/Atom"
ET.register_namespace("atom", ATOM)


@dataclass(frozen=True)
class FeedItem:
    """One entry: `guid` names it for good (readers use it to tell new entries from seen ones)."""

    title: str
    link: str
    guid: str
    published: datetime
    description: str = ""


def _text(parent: ET.Element, tag: str, text: str, **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, tag, attrs)
    element.text = strip_controls(text)
    return element


def render(*, title: str, link: str, self_link: str, description: str, built: datetime,
           items: Iterable[FeedItem]) -> bytes:
    """The feed as UTF-8 XML; `built` is its lastBuildDate (the newest item's time keeps ETags stable)."""
    rss = ET.Element("rss", {"version": "2.0"})
    channel = ET.SubElement(rss, "channel")
    _text(channel, "title", title)
    _text(channel, "link", link)
    _text(channel, "description", description)
    ET.SubElement(channel, f"{{{ATOM}}}link", {"href": self_link, "rel": "self", "type": "application/rss+xml"})
    _text(channel, "lastBuildDate", format_datetime(built, usegmt=True))
    _text(channel, "generator", "MyMovieList")
    for item in items:
        entry = ET.SubElement(channel, "item")
        _text(entry, "title", item.title)
        _text(entry, "link", item.link)
        if item.description:
            _text(entry, "description", item.description)
        _text(entry, "guid", item.guid, isPermaLink="false")
        _text(entry, "pubDate", format_datetime(item.published, usegmt=True))
    return ET.tostring(rss, encoding="utf-8", xml_declaration=True)
