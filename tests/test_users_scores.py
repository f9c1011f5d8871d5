"""Scores: stored 0-100, shown and entered in each user's scale (services/scores.py)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mymovielist.services.scores import (
    SCALE_LABELS,
    display_choices,
    format_score,
    from_display,
    to_display,
)


@pytest.mark.parametrize(
    ("score", "scale", "shown"),
    [
        (85, "100", 85),
        (0, "100", 0),
        (100, "100", 100),
        (85, "10", 8.5),
        (80, "10", 8),
        (83, "10", 8.5),
        (82, "10", 8),
        (100, "10", 10),
        (0, "10", 0),
        (90, "5stars", 4.5),
        (100, "5stars", 5),
        (85, "5stars", 4.5),
        (84, "5stars", 4),
        (5, "5stars", 0.5),
        (35, "3point", 1),
        (47, "3point", 1),
        (48, "3point", 2),
        (60, "3point", 2),
        (73, "3point", 3),
        (None, "10", None),
        (None, "3point", None),
    ],
)
def test_to_display(score, scale, shown):
    assert to_display(score, scale) == shown


@pytest.mark.parametrize(
    ("value", "scale", "stored"),
    [
        ("85", "100", 85),
        (85, "100", 85),
        ("8.5", "10", 85),
        ("8", "10", 80),
        (" 10 ", "10", 100),
        ("4.5", "5stars", 90),
        ("0.5", "5stars", 10),
        (5, "5stars", 100),
        ("1", "3point", 35),
        ("2", "3point", 60),
        ("3", "3point", 85),
    ],
)
def test_from_display(value, scale, stored):
    assert from_display(value, scale) == stored


@pytest.mark.parametrize(
    ("value", "scale"),
    [
        ("101", "100"),
        ("-1", "100"),
        ("8.3", "10"),
        ("11", "10"),
        ("4.25", "5stars"),
        ("6", "5stars"),
        ("0", "3point"),
        ("4", "3point"),
        ("1.5", "3point"),
        ("", "10"),
        ("abc", "10"),
        ("nan", "10"),
        ("inf", "100"),
        ("85.5", "100"),
        ("1e2", "10"),
    ],
)
def test_from_display_refuses_values_off_the_scale(value, scale):
    with pytest.raises(ValueError):
        from_display(value, scale)


def test_unknown_scales_and_stored_scores_out_of_range_are_errors():
    with pytest.raises(ValueError):
        to_display(50, "7")
    with pytest.raises(ValueError):
        to_display(101, "10")
    with pytest.raises(ValueError):
        from_display("5", "stars")


@pytest.mark.parametrize("scale", SCALE_LABELS)
def test_every_choice_round_trips(scale):
    for value, _label in display_choices(scale):
        stored = from_display(value, scale)
        assert 0 <= stored <= 100
        assert str(to_display(stored, scale)) == value


@given(st.integers(0, 100), st.sampled_from(list(SCALE_LABELS)))
def test_any_stored_score_shows_as_a_value_the_user_could_enter(score, scale):
    shown = to_display(score, scale)
    assert str(shown) in [value for value, _ in display_choices(scale)]
    stored = from_display(shown, scale)
    assert to_display(stored, scale) == shown  # entering what is shown changes nothing visible
    assert abs(stored - score) <= {"100": 0, "10": 3, "5stars": 5, "3point": 38}[scale]


def test_format_score():
    assert [format_score(85, s) for s in ("10", "100", "5stars", "3point")] == ["8.5", "85", "4.5 ★", "☺"]
    assert format_score(None, "100") == "–"
    assert display_choices("3point") == [("1", "☹ 1"), ("2", "😐 2"), ("3", "☺ 3")]
    assert len(display_choices("10")) == 21 and len(display_choices("100")) == 101


def test_user_scale_falls_back_to_the_default_for_visitors(app, make_user):
    from flask_login import AnonymousUserMixin

    from mymovielist.extensions import db
    from mymovielist.models import User
    from mymovielist.services.scores import DEFAULT_SCALE, user_scale

    user_id = make_user("alice")
    with app.app_context():
        user = db.session.get(User, user_id)
        user.preferences.score_scale = "100"
        assert user_scale(user) == "100"
        assert user_scale(AnonymousUserMixin()) == user_scale(None) == DEFAULT_SCALE == "10"
