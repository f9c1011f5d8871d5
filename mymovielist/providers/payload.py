"""Strict, typed reads of decoded JSON: a missing field or a wrong type is a ProviderError naming it.

Provider responses are decoded into plain dicts and lists; mapping code reads them only through
`Payload`, so a response of the wrong shape fails with `ProviderError(field="data.aired.from")`
instead of a KeyError deep inside a sync.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from typing import Any

from mymovielist.providers.errors import ProviderError

_MISSING = object()


class Payload:
    """A JSON object (dict) with the path it was found at, for error messages."""

    def __init__(self, data: Any, path: str = "", provider: str = "") -> None:
        if not isinstance(data, dict):
            raise ProviderError(
                f"expected an object at {path or 'the top level'}, got {_type_name(data)}",
                provider=provider, field=path or None,
            )
        self.data = data
        self.path = path
        self.provider = provider

    def _field(self, key: str) -> str:
        return f"{self.path}.{key}" if self.path else key

    def _error(self, key: str, message: str) -> ProviderError:
        return ProviderError(f"{self._field(key)}: {message}", provider=self.provider, field=self._field(key))

    def _get(self, key: str, types: tuple[type, ...], required: bool) -> Any:
        value = self.data.get(key, _MISSING)
        if value is _MISSING or value is None:
            if required:
                raise self._error(key, "missing")
            return None
        # bool is an int in Python; a provider sending true for a number is still wrong.
        if not isinstance(value, types) or (isinstance(value, bool) and bool not in types):
            wanted = " or ".join(t.__name__ for t in types)
            raise self._error(key, f"expected {wanted}, got {_type_name(value)}")
        return value

    def has(self, key: str) -> bool:
        return self.data.get(key) is not None

    def str(self, key: str, *, required: bool = False) -> str | None:
        value = self._get(key, (str,), required)
        return value.strip() if isinstance(value, str) else None

    def text(self, key: str) -> str:
        """An optional string, "" when absent."""
        return self.str(key) or ""

    def int(self, key: str, *, required: bool = False) -> int | None:
        value = self._get(key, (int, str), required)
        if isinstance(value, str):  # Comic Vine sends counts and numbers as strings
            try:
                return int(value.strip()) if value.strip() else None
            except ValueError:
                raise self._error(key, f"expected a whole number, got {value[:40]!r}") from None
        return value

    def float(self, key: str, *, required: bool = False) -> float | None:
        value = self._get(key, (int, float, str), required)
        if isinstance(value, str):
            try:
                return float(value) if value.strip() else None
            except ValueError:
                raise self._error(key, f"expected a number, got {value[:40]!r}") from None
        return float(value) if value is not None else None

    def bool(self, key: str, *, default: bool = False) -> bool:
        value = self._get(key, (bool,), False)
        return default if value is None else value

    def id(self, key: str = "id", *, required: bool = True) -> str | None:
        """An identifier as a string, whether the provider sends it as a number or a string."""
        value = self._get(key, (int, str), required)
        if value is None:
            return None
        text = str(value).strip()
        if not text:
            raise self._error(key, "empty identifier")
        return text

    def date(self, key: str) -> date | None:
        """An ISO date or datetime ("2019-05-01", "1998-04-03T00:00:00+00:00"); blank is None."""
        value = self._get(key, (str,), False)
        return parse_date(value, lambda msg: self._error(key, msg))

    def obj(self, key: str, *, required: bool = False) -> Payload | None:
        value = self._get(key, (dict,), required)
        return Payload(value, self._field(key), self.provider) if value is not None else None

    def objects(self, key: str) -> Iterator[Payload]:
        """Each object of a list field (absent or null is an empty list)."""
        for i, item in enumerate(self.list(key)):
            yield Payload(item, f"{self._field(key)}[{i}]", self.provider)

    def list(self, key: str) -> list[Any]:
        return self._get(key, (list,), False) or []

    def strings(self, key: str) -> list[str]:
        values = self.list(key)
        for i, v in enumerate(values):
            if not isinstance(v, str):
                raise self._error(f"{key}[{i}]", f"expected str, got {_type_name(v)}")
        return [v.strip() for v in values if v.strip()]

    def names(self, key: str, name_key: str = "name") -> list[str]:
        """The `name` of each object in a list field, e.g. genres or studios."""
        return [n for item in self.objects(key) if (n := item.str(name_key))]


def parse_date(value: str | None, error=None) -> date | None:
    """Dates as providers send them: ISO dates, datetimes, "YYYY" or "YYYY-MM" (first day)."""
    if value is None:
        return None
    text = value.strip()
    if not text or text.startswith("0000"):
        return None
    try:
        if len(text) == 4 and text.isdigit():
            return date(int(text), 1, 1)
        if len(text) == 7 and text[4] == "-":
            return date(int(text[:4]), int(text[5:]), 1)
        if len(text) == 10:
            return date.fromisoformat(text)
        return datetime.fromisoformat(text.replace("Z", "+00:00")).date()
    except ValueError:
        if error is None:
            raise ProviderError(f"not a date: {text[:40]!r}") from None
        raise error(f"not a date: {text[:40]!r}") from None


def _type_name(value: Any) -> str:
    return "null" if value is None else type(value).__name__
