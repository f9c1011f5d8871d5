"""User markdown to safe HTML: CommonMark with raw HTML off, then an nh3 allow-list."""

from __future__ import annotations

from functools import lru_cache

import nh3
from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markupsafe import Markup

ALLOWED_TAGS = frozenset({
    "p", "br", "hr", "em", "strong", "code", "pre", "blockquote", "ul", "ol", "li", "a",
    "h3", "h4", "h5", "h6",
})
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}}
URL_SCHEMES = frozenset({"http", "https", "mailto"})
LINK_REL = "nofollow noopener"
# A review sits under the page's h1 and its "Reviews" h2: its "# Heading" becomes an h3.
HEADING_OFFSET = 2


def _shift_headings(state) -> None:
    for token in state.tokens:
        if token.type in ("heading_open", "heading_close"):
            token.tag = f"h{min(6, int(token.tag[1]) + HEADING_OFFSET)}"


def _image_as_link(renderer, tokens, idx, options, env) -> str:
    # Remote images would let a review track its readers: an image becomes a link to it.
    token = tokens[idx]
    src = str(token.attrGet("src") or "")
    alt = renderer.renderInlineAsText(token.children or [], options, env)
    return f'<a href="{escapeHtml(src)}">{escapeHtml(alt or src)}</a>'


def _parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.add_render_rule("image", _image_as_link)
    md.core.ruler.push("shift_headings", _shift_headings)
    return md


_MD = _parser()


@lru_cache(maxsize=2048)
def _render(text: str) -> str:
    html = _MD.render(text)
    return nh3.clean(
        html, tags=set(ALLOWED_TAGS), attributes={k: set(v) for k, v in ALLOWED_ATTRIBUTES.items()},
        url_schemes=set(URL_SCHEMES), link_rel=LINK_REL, strip_comments=True,
    )


def render_markdown(text: str) -> Markup:
    """Render user markdown to HTML that is safe to put in a page."""
    return Markup(_render(text or ""))
