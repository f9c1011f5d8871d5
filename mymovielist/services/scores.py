"""Scores: stored as integers 0-100, shown and entered in each user's chosen scale.

Scales: "100" (0-100), "10" (0-10 in steps of 0.5), "5stars" (0-5 stars in halves) and "3point"
(1 sad, 2 neutral, 3 happy; stored as 35, 60 and 85, so the mean score stays meaningful).
"""

from __future__ import annotations

import math
from decimal import Decimal, InvalidOperation

SCALE_LABELS = {
    "10": "10-point (8.5)",
    "100": "100-point (85)",
    "5stars": "5 stars with halves (4½ ★)",
    "3point": "3-point smiley (☹ 😐 ☺)",
}
DEFAULT_SCALE = "10"
THREE_POINT_STORED = {1: 35, 2: 60, 3: 85}
THREE_POINT_FACES = {1: "☹", 2: "😐", 3: "☺"}
_STEP = {"100": Decimal(1), "10": Decimal("0.5"), "5stars": Decimal("0.5")}
_MAX = {"100": Decimal(100), "10": Decimal(10), "5stars": Decimal(5)}


def user_scale(user) -> str:
    """The scale `user` chose, or the default for a visitor (an anonymous user or None)."""
    prefs = getattr(user, "preferences", None) if user is not None and user.is_authenticated else None
    return prefs.score_scale if prefs else DEFAULT_SCALE


def _check_scale(scale: str) -> None:
    if scale not in SCALE_LABELS:
        raise ValueError(f"unknown score scale {scale!r}")


def _round_half_up(value: float) -> int:
    return math.floor(value + 0.5)


def to_display(score: int | None, scale: str) -> int | float | None:
    """The stored 0-100 score in the given scale (None stays None: not scored)."""
    _check_scale(scale)
    if score is None:
        return None
    if not 0 <= score <= 100:
        raise ValueError(f"a stored score is 0-100, not {score}")
    if scale == "100":
        return score
    if scale == "3point":
        return 1 if score <= 47 else 2 if score <= 72 else 3
    halves = _round_half_up(score / (10 if scale == "10" else 20) * 2)
    return halves // 2 if halves % 2 == 0 else halves / 2


def from_display(value: str | float | Decimal, scale: str) -> int:
    """The 0-100 score for a value entered in the given scale; ValueError when it is not on the scale."""
    _check_scale(scale)
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise ValueError(f"{value!r} is not a number") from None
    if not number.is_finite():
        raise ValueError(f"{value!r} is not a number")
    if scale == "3point":
        if number not in THREE_POINT_STORED:
            raise ValueError("choose 1, 2 or 3")
        return THREE_POINT_STORED[int(number)]
    if not 0 <= number <= _MAX[scale] or number % _STEP[scale]:
        raise ValueError(f"choose a value from 0 to {_MAX[scale]} in steps of {_STEP[scale]}")
    return int(number * 100 / _MAX[scale])


def display_choices(scale: str) -> list[tuple[str, str]]:
    """Every value a user can enter in the scale, as (value, label) pairs for a select."""
    _check_scale(scale)
    if scale == "3point":
        return [(str(n), f"{THREE_POINT_FACES[n]} {n}") for n in (1, 2, 3)]
    step, top = _STEP[scale], _MAX[scale]
    count = int(top / step)
    values = [_plain(step * n) for n in range(count, -1, -1)]
    return [(v, format_display(Decimal(v), scale)) for v in values]


def _plain(number: Decimal) -> str:
    return str(int(number)) if number == number.to_integral_value() else str(number.normalize())


def format_display(value: float | Decimal | None, scale: str) -> str:
    """A display-scale value as text: "8.5", "85", "4.5 ★", "☺"; an en dash when not scored."""
    if value is None:
        return "–"
    if scale == "3point":
        return THREE_POINT_FACES[int(value)]
    text = _plain(Decimal(str(value)))
    return f"{text} ★" if scale == "5stars" else text


def format_score(score: int | None, scale: str) -> str:
    """A stored 0-100 score as text in the given scale."""
    return format_display(to_display(score, scale), scale)
