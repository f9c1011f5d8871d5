"""Generated SVG posters: the title on a colour picked from it, so each placeholder differs."""

from __future__ import annotations

import hashlib
import textwrap

from markupsafe import escape

KIND_HUES = {"movie": 210, "series": 150, "anime": 330, "comic": 30}


def placeholder_svg(title: str, kind: str) -> str:
    digest = hashlib.sha1(title.encode()).digest()
    hue = (KIND_HUES.get(kind, 0) + digest[0] % 40 - 20) % 360
    lines = textwrap.wrap(title, 16)[:5] or [title[:16]]
    y0 = 225 - (len(lines) - 1) * 17
    text = "".join(
        f'<text x="150" y="{y0 + i * 34}" text-anchor="middle">{escape(line)}</text>'
        for i, line in enumerate(lines)
    )
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" width="300" height="450" viewBox="0 0 300 450" '
        f'role="img" aria-label="{escape(title)}">'
        f'<rect width="300" height="450" fill="hsl({hue},45%,32%)"/>'
        f'<rect x="12" y="12" width="276" height="426" fill="none" stroke="hsl({hue},45%,55%)" stroke-width="2"/>'
        '<g fill="#fff" font-family="system-ui,sans-serif" font-size="26" font-weight="600">'
        f"{text}</g></svg>"
    )
