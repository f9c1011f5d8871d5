"""Masking of secrets in any text that is logged, stored or shown: API keys, tokens, passwords.

Provider errors quote URLs (requests puts the whole URL, query string included, into its
connection errors), and TMDB and Comic Vine take their key as `api_key=` in the query string, so
every such text passes through `redact` before it reaches a log line, a database row or a page.
"""

from __future__ import annotations

import re

MASK = "***"
# A secret-named parameter in a query string or form body, also percent-encoded (`api_key%3D…`).
_PARAM = re.compile(
    r"(?P<name>(?:api_?key|access_?token|token|password|secret)(?:=|%3D))[^&\s'\"<>)]+", re.IGNORECASE
)
# A secret-named field in JSON or a repr: "api_key": "…" or 'token': '…'.
_FIELD = re.compile(
    r"""(?P<name>["'](?:api_?key|access_?token|token|password|secret)["']\s*:\s*["'])[^"']*""", re.IGNORECASE
)
_BEARER = re.compile(r"(?P<name>\bBearer\s+)[A-Za-z0-9._~+/=-]+", re.IGNORECASE)
# A password reset link's token, in a logged request path or an email's text.
_RESET_LINK = re.compile(r"(?P<name>/auth/reset/)[^/?#\s'\"<>]+")


def redact(text: str) -> str:
    """`text` with the value of every secret-looking parameter, field or bearer token masked."""
    for pattern in (_PARAM, _FIELD, _BEARER, _RESET_LINK):
        text = pattern.sub(lambda m: m.group("name") + MASK, text)
    return text
