"""Review text written as HTML (Letterboxd's export) turned into the Markdown our reviews are stored in.

Letterboxd lets a review use <b>, <strong>, <i>, <em>, <a href> and <blockquote>, and writes line
breaks as <br /> or as the newlines of the text. These become Markdown; any other tag is dropped
and its text kept. Text is escaped so that characters Markdown would read as markup (an asterisk,
a "#" opening a line) stay the characters the author typed. The result is still rendered through
services/markdown.py (raw HTML off, then the nh3 allow-list), so nothing here has to be trusted.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html.parser import HTMLParser
from urllib.parse import quote, urlsplit

# Private-use characters mark emphasis and line breaks while the text is assembled; any in the input go.
EM_OPEN, EM_CLOSE, STRONG_OPEN, STRONG_CLOSE, BREAK = "\ue000", "\ue001", "\ue002", "\ue003", "\ue004"
_EM, _STRONG = (EM_OPEN, EM_CLOSE), (STRONG_OPEN, STRONG_CLOSE)
_MARKS = {"i": _EM, "em": _EM, "b": _STRONG, "strong": _STRONG}
_BLOCKS = {"p", "div", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "table"}
_LINE_TAGS = {"br", "li", "tr"}
_LINK_SCHEMES = {"http", "https", "mailto"}
_SENTINELS = re.compile("[\ue000-\ue004]")
# Markup anywhere in a line; an underscore inside a word (snake_case) is no markup and stays as it is.
_INLINE = re.compile(r"[\\`*\[\]]|<(?=[A-Za-z/!?])|&(?=#?\w+;)|(?<![^\W_])_|_(?![^\W_])")
# Markup at the start of a line: a heading, a quote, a list item, a fence, a rule or a heading underline.
_LINE_START = re.compile(r"#{1,6}(?=\s|$)|>|[-+](?=\s|$)|~~~|[=-]+\s*$")
_NUMBERED = re.compile(r"(\d{1,9})([.)])(?=\s|$)")
_HARD_BREAK = "  \n"


@dataclass
class _Mark:
    """An inline tag still open: what opened it in Markdown, what closes it, where its text starts."""

    tag: str
    opener: str
    closer: str
    label: str = ""
    start: int = 0


class _Converter(HTMLParser):
    """Collects the HTML's paragraphs as (blockquote depth, text with emphasis and break markers)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[tuple[int, str]] = []
        self._text: list[str] = []
        self._depth = 0
        self._open: list[_Mark] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _MARKS:
            self._push(_Mark(tag, *_MARKS[tag]))
        elif tag == "a":
            href = (dict(attrs).get("href") or "").strip()
            if urlsplit(href).scheme.lower() in _LINK_SCHEMES:
                self._push(_Mark("a", "[", f"]({_destination(href)})", href))
            else:  # a link we would not follow keeps its text only
                self._push(_Mark("a", "", ""))
        elif tag in _LINE_TAGS:
            self._text.append(BREAK)
        elif tag == "blockquote":
            self._end_block()
            self._depth += 1
        elif tag in _BLOCKS:
            self._end_block()

    def handle_endtag(self, tag: str) -> None:
        if any(mark.tag == tag for mark in self._open):
            inner: list[_Mark] = []
            while (mark := self._open.pop()).tag != tag:  # mis-nested tags: close the inner ones too...
                self._close(mark)
                inner.append(mark)
            self._close(mark)
            for mark in reversed(inner):  # ...and open them again after
                self._push(mark)
        elif tag == "blockquote":
            self._end_block()
            self._depth = max(0, self._depth - 1)
        elif tag in _BLOCKS:
            self._end_block()

    def handle_data(self, data: str) -> None:
        data = _SENTINELS.sub("", data.replace("\r\n", "\n").replace("\r", "\n"))
        if data.startswith("\n") and self._text and self._text[-1].endswith(BREAK):
            data = data[1:]  # "<br />" and the newline the export wrote after it are one line break
        self._text.append(_escape(data).replace("\n", BREAK))

    def close(self) -> None:
        super().close()
        self._end_block()

    def _push(self, mark: _Mark) -> None:
        self._text.append(mark.opener)
        mark.start = len(self._text)
        self._open.append(mark)

    def _close(self, mark: _Mark) -> None:
        if mark.label and not _SENTINELS.sub("", "".join(self._text[mark.start :])).strip():
            self._text.append(_escape(mark.label))  # a link without text shows its address
        self._text.append(mark.closer)

    def _end_block(self) -> None:
        """End the paragraph; emphasis still open is closed here and opened again in the next one."""
        still_open = self._open
        for mark in reversed(still_open):
            self._close(mark)
        text = "".join(self._text)
        if _SENTINELS.sub("", text).strip():
            self.blocks.append((self._depth, text))
        self._text, self._open = [], []
        for mark in still_open:
            self._push(mark)


def _escape(text: str) -> str:
    return _INLINE.sub(lambda match: "\\" + match.group(0), text)


def _destination(href: str) -> str:
    # Spaces, parentheses and angle brackets would end a Markdown link early: percent-encode them.
    return quote(href, safe=":/?#[]@!$&'*+,;=%~-._")


def _inline(text: str) -> str:
    """Emphasis markers hugging their words (Markdown ignores "* word *"), empty ones dropped."""
    text = re.sub(f"([{EM_OPEN}{STRONG_OPEN}]+)(\\s+)", r"\2\1", text)
    text = re.sub(f"(\\s+)([{EM_CLOSE}{STRONG_CLOSE}]+)", r"\2\1", text)
    while True:
        shorter = text.replace(EM_OPEN + EM_CLOSE, "").replace(STRONG_OPEN + STRONG_CLOSE, "")
        if shorter == text:
            break
        text = shorter
    for mark, markdown in ((EM_OPEN, "*"), (EM_CLOSE, "*"), (STRONG_OPEN, "**"), (STRONG_CLOSE, "**")):
        text = text.replace(mark, markdown)
    return text


def _paragraphs(text: str) -> list[str]:
    """A block's lines as paragraphs: an empty line (two breaks) separates them, one break is a hard break."""
    paragraphs: list[list[str]] = [[]]
    for line in _inline(text).split(BREAK):
        line = line.strip()
        if line:
            paragraphs[-1].append(_escape_start(line))
        elif paragraphs[-1]:
            paragraphs.append([])
    return [_HARD_BREAK.join(lines) for lines in paragraphs if lines]


def _escape_start(line: str) -> str:
    if _LINE_START.match(line):
        return "\\" + line
    return _NUMBERED.sub(r"\1\\\2", line, count=1) if _NUMBERED.match(line) else line


def html_to_markdown(html: str) -> str:
    """Markdown that shows what the HTML showed: every word kept, no tag or unintended markup left."""
    converter = _Converter()
    converter.feed(html)
    converter.close()
    parts: list[str] = []
    previous = 0
    for depth, text in converter.blocks:
        for paragraph in _paragraphs(text):
            if parts:
                parts.append("\n" + ">" * min(previous, depth) + "\n")
            prefix = "> " * depth
            parts.append("\n".join(prefix + line for line in paragraph.split("\n")))
            previous = depth
    return "".join(parts)
