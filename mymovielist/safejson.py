"""JSON from outside (API bodies, import files): parsed within bounds, refused with a clear reason.

`json.loads` alone lets through what breaks later code or the database: nesting deep enough to raise
RecursionError, integers of thousands of digits (ValueError past 4,300, OverflowError in date and
database code below that), 1e309 read as infinity, NaN, and NUL characters that PostgreSQL refuses
and SQLite stores.
"""

from __future__ import annotations

import json
from typing import Any

MAX_DEPTH = 64
MAX_INT_DIGITS = 18  # every integer below 10**18 fits a signed 64-bit database column


class JSONRefused(ValueError):
    """The text is not JSON we accept; the message says why, for a person to read."""


def _integer(text: str) -> int:
    if len(text.lstrip("-")) > MAX_INT_DIGITS:
        raise JSONRefused(f"a number is too large ({text[:12]}…)")
    return int(text)


def _float(text: str) -> float:
    value = float(text)
    if value in (float("inf"), float("-inf")):
        raise JSONRefused(f"a number is too large ({text[:12]})")
    return value


def _constant(name: str) -> None:
    raise JSONRefused(f"{name} is not a number JSON allows")


def loads(text: str | bytes) -> Any:
    """The parsed value, or JSONRefused saying what is wrong with the text."""
    try:
        value = json.loads(text, parse_int=_integer, parse_float=_float, parse_constant=_constant)
    except RecursionError:
        raise JSONRefused(f"it is nested more than {MAX_DEPTH} levels deep") from None
    except JSONRefused:
        raise
    except ValueError as error:  # JSONDecodeError, UnicodeDecodeError
        raise JSONRefused(f"it is not valid JSON ({error})") from None
    _check(value)
    return value


def _check(value: Any) -> None:
    """Refuse nesting past MAX_DEPTH and NUL characters (walked without recursion)."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, str):
            if "\x00" in item:
                raise JSONRefused("it holds a NUL character")
            continue
        if not isinstance(item, dict | list):
            continue
        if depth > MAX_DEPTH:
            raise JSONRefused(f"it is nested more than {MAX_DEPTH} levels deep")
        children = [*item.keys(), *item.values()] if isinstance(item, dict) else item
        stack.extend((child, depth + 1) for child in children)
