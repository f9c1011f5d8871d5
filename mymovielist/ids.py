"""Database ids from outside: `<int:…>` URL arguments, query strings and form fields.

Our id columns are INTEGER: 32 bits on PostgreSQL (a larger value is "integer out of range", found
by the route fuzzer on the PostgreSQL run), 64 on SQLite (a larger one an OverflowError). Werkzeug's
converter and WTForms' IntegerField accept any number of digits, so a larger id reached the driver
(a 500 from 20 endpoints). Past the bound a URL simply does not match (a 404 like any unknown id),
a query value is ignored and a form field is refused with a message.
"""

from __future__ import annotations

from flask import Flask
from werkzeug.routing import IntegerConverter
from wtforms.validators import NumberRange

MAX_ID = 2**31 - 1


class DatabaseIdConverter(IntegerConverter):
    """`<int:…>` bounded to 0…MAX_ID unless a rule gives bounds of its own."""

    def __init__(self, map, fixed_digits: int = 0, min: int | None = None, max: int | None = MAX_ID,
                 signed: bool = False) -> None:
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def register(app: Flask) -> None:
    """Install the bounded converter; call before any blueprint adds its rules."""
    app.url_map.converters["int"] = DatabaseIdConverter


def db_id(value: str) -> int:
    """A query-string id (`request.args.get("x", type=db_id)`): ValueError, so None, out of range."""
    number = int(value)
    if not 1 <= number <= MAX_ID:
        raise ValueError(f"{value!r} is not an id")
    return number


def id_range(message: str | None = None) -> NumberRange:
    """The validator of a form field holding an id."""
    return NumberRange(min=1, max=MAX_ID, message=message)
