"""services/markdown.py: CommonMark rendered, then sanitized; every XSS vector neutralised."""

from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest

from mymovielist.services.markdown import ALLOWED_TAGS, render_markdown


class Elements(HTMLParser):
    """Every element and attribute a browser would build from the HTML."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[str, dict[str, str | None]]] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.found.append((tag, dict(attrs)))

XSS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "<svg onload=alert(1)>",
    "<a href=\"javascript:alert(1)\">x</a>",
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[click](  javascript:alert(1))",
    "[click](java\tscript:alert(1))",
    "[click](&#106;avascript:alert(1))",
    "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[click](vbscript:msgbox(1))",
    "![x](javascript:alert(1))",
    "<iframe src=https://evil.example></iframe>",
    "<div style=\"background:url(javascript:alert(1))\">x</div>",
    "[x](https://ok.example \"a\\\" onmouseover=\\\"alert(1)\")",
    "<details open ontoggle=alert(1)>",
    "<!-- <script>alert(1)</script> -->",
    "`<script>`\n\n    <script>alert(1)</script>",
    "<a href='https://x.example' onclick='alert(1)'>x</a>",
]


@pytest.mark.parametrize("source", XSS)
def test_xss_vectors_are_neutralised(source):
    html = str(render_markdown(source))
    for tag, attrs in Elements(html).found:
        assert tag in ALLOWED_TAGS, html
        assert not any(name.startswith("on") or name == "style" for name in attrs), html
        if "href" in attrs:
            href = (attrs["href"] or "").strip().lower()
            assert urlsplit(href).scheme in ("http", "https", "mailto"), html
            assert attrs.get("rel") == "nofollow noopener"


def test_raw_html_is_shown_as_text_not_markup():
    html = str(render_markdown("Hello <b>bold</b> & <i>friends</i>"))
    assert "&lt;b&gt;bold&lt;/b&gt;" in html and "<b>" not in html and "&amp;" in html


def test_markdown_is_rendered_and_links_get_rel():
    html = str(render_markdown("# Title\n\n**bold** _it_ `code`\n\n- one\n- two\n\n> quote\n\n[site](https://example.org)"))
    assert "<h3>Title</h3>" in html  # a review's headings sit under the page's h1 and h2
    assert "<strong>bold</strong>" in html and "<em>it</em>" in html and "<code>code</code>" in html
    assert "<ul>" in html and "<blockquote>" in html
    assert '<a href="https://example.org" rel="nofollow noopener">site</a>' in html


def test_images_become_links_so_readers_are_not_tracked():
    html = str(render_markdown("![a poster](https://img.example/p.jpg)"))
    assert "<img" not in html
    assert '<a href="https://img.example/p.jpg" rel="nofollow noopener">a poster</a>' in html


def test_output_is_markup_and_empty_input_is_empty():
    assert render_markdown("").__html__() == ""
    assert render_markdown(None).__html__() == ""  # type: ignore[arg-type]
