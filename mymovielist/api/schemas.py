"""Reading API input: query arguments and JSON bodies, every bad field named in one problem."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from flask import request

from mymovielist import safejson
from mymovielist.api.problems import ApiProblem
from mymovielist.models.tracking import ENTRY_STATUSES
from mymovielist.services import tracking

MAX_PER_PAGE = 100
MAX_PAGE = 100_000
MAX_NOTES = 10_000
MAX_STRING_ARG = 200
_UNSET = object()


class Args:
    """Query arguments checked one by one; `done()` raises a 400 naming every bad one."""

    def __init__(self) -> None:
        self.errors: dict[str, list[str]] = {}

    def _fail(self, name: str, message: str) -> None:
        self.errors.setdefault(name, []).append(message)

    def text(self, name: str, *, choices: tuple[str, ...] | None = None, max_length: int = MAX_STRING_ARG) -> str | None:
        value = request.args.get(name)
        if value is None or value == "":
            return None
        if choices is not None and value not in choices:
            self._fail(name, "Choose one of: " + ", ".join(choices) + ".")
            return None
        if len(value) > max_length:
            self._fail(name, f"At most {max_length} characters.")
            return None
        return value

    def integer(self, name: str, *, minimum: int, maximum: int, default: int | None = None) -> int | None:
        value = request.args.get(name)
        if value is None or value == "":
            return default
        text = value.strip()
        number = int(text) if re.fullmatch(r"-?[0-9]{1,9}", text) else None
        if number is None or not minimum <= number <= maximum:
            self._fail(name, f"A whole number from {minimum} to {maximum}.")
            return default
        return number

    def page(self, default_per_page: int) -> tuple[int, int]:
        page = self.integer("page", minimum=1, maximum=MAX_PAGE, default=1) or 1
        per_page = self.integer("per_page", minimum=1, maximum=MAX_PER_PAGE, default=default_per_page)
        return page, per_page or default_per_page

    def done(self) -> None:
        if self.errors:
            raise ApiProblem(400, "Some query parameters are not valid.", kind="invalid-parameters",
                             errors=self.errors)


def json_object() -> dict[str, Any]:
    """The request's JSON object body (415 when it is not JSON, 400 when it does not parse)."""
    if not request.is_json:
        raise ApiProblem(415, "Send the body as JSON (Content-Type: application/json).", kind="unsupported-media-type")
    try:
        body = safejson.loads(request.get_data())
    except safejson.JSONRefused as error:
        raise ApiProblem(400, f"The body cannot be read: {error}.", kind="malformed-json") from None
    if not isinstance(body, dict):
        raise ApiProblem(422, "The body must be a JSON object.", kind="validation-error")
    return body


def _integer(value: Any, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ValueError(f"A whole number from {low} to {high}.")
    return value


def _date(value: Any) -> date | None:
    if value is None:
        return None
    if not isinstance(value, str) or len(value) != 10:
        raise ValueError("A date as YYYY-MM-DD, or null.")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValueError("A date as YYYY-MM-DD, or null.") from None


def _status(value: Any) -> str:
    if value not in ENTRY_STATUSES:
        raise ValueError("One of: " + ", ".join(ENTRY_STATUSES) + ".")
    return value


def _score(value: Any) -> int | None:
    return None if value is None else _integer(value, 0, 100)


def _notes(value: Any) -> str:
    if not isinstance(value, str) or len(value) > MAX_NOTES:
        raise ValueError(f"Text of at most {MAX_NOTES} characters.")
    return value


def _favourite(value: Any) -> bool:
    if not isinstance(value, bool):
        raise TypeError("true or false.")
    return value


def _tags(value: Any) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(t, str) for t in value):
        raise TypeError("A list of strings.")
    return value


ENTRY_FIELDS = {
    "status": _status,
    "progress": lambda v: _integer(v, 0, tracking.MAX_PROGRESS),
    "score": _score,
    "started_on": _date,
    "finished_on": _date,
    "rewatch_count": lambda v: _integer(v, 0, 10_000),
    "notes": _notes,
    "is_favourite": _favourite,
    "tags": _tags,
    "priority": lambda v: _integer(v, 0, 2),
}


def parse_fields(body: dict[str, Any], fields: dict, *, required: tuple[str, ...] = ()) -> dict[str, Any]:
    """The body's fields converted, or a 422 listing every unknown, missing or bad one."""
    errors: dict[str, list[str]] = {}
    values: dict[str, Any] = {}
    for name in required:
        if name not in body:
            errors[name] = ["This field is required."]
    for name, value in body.items():
        convert = fields.get(name)
        if convert is None:
            errors[str(name)] = ["Unknown field."]
            continue
        try:
            values[name] = convert(value)
        except (TypeError, ValueError) as error:
            errors[name] = [str(error)]
    if errors:
        raise ApiProblem(422, "Some fields are not valid.", kind="validation-error", errors=errors)
    return values


RATING_FIELDS = {"score": lambda v: _integer(v, 0, 100)}
