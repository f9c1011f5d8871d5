"""What every provider client shares: one session, timeouts, retries, and a client-side rate limiter.

The limiter is a rolling-window log rather than a token bucket: a bucket of N tokens refilled at
N per period lets 2N requests through in one period (a full bucket, then the refill), which a
provider counting a strict window answers with 429. A slot counts from the moment the request is
sent until the period after its response arrived, so the provider, which counts arrivals, never
sees more than N in any window however long the requests take.
"""

from __future__ import annotations

import json
import random
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import requests

from mymovielist.providers.errors import NotFound, ProviderError

Clock = Callable[[], float]
Sleep = Callable[[float], None]

RETRY_STATUSES = frozenset({500, 502, 503, 504})
MAX_RETRY_AFTER = 120.0  # never park a worker longer than this on one Retry-After


@dataclass(frozen=True)
class Window:
    """At most `limit` requests in any `seconds`."""

    limit: int
    seconds: float

    def __post_init__(self) -> None:
        if self.limit < 1 or self.seconds <= 0:
            raise ValueError(f"a rate window needs a positive limit and period, got {self}")

    @classmethod
    def parse(cls, value: Any) -> Window:
        """From a Window, a (limit, seconds) pair or "limit/seconds"."""
        if isinstance(value, Window):
            return value
        if isinstance(value, str):
            limit, _, seconds = value.partition("/")
            return cls(int(limit), float(seconds or 1))
        limit, seconds = value
        return cls(int(limit), float(seconds))


class RateLimiter:
    """Thread-safe limiter over several rolling windows at once (e.g. 3 per second and 60 per minute)."""

    def __init__(
        self,
        windows: Sequence[Window | tuple[int, float] | str],
        *,
        clock: Clock = time.monotonic,
        sleep: Sleep = time.sleep,
        poll: float = 0.005,
    ) -> None:
        if not windows:
            raise ValueError("a rate limiter needs at least one window")
        self.windows = [Window.parse(w) for w in windows]
        self.clock = clock
        self.sleep = sleep
        self.poll = poll
        self._lock = threading.Lock()
        self._done: deque[float] = deque()  # completion times of finished requests, ascending
        self._in_flight = 0
        self._horizon = max(w.seconds for w in self.windows)
        self.waited = 0.0  # total seconds callers spent waiting, for benchmarks

    def _delay(self, now: float) -> float:
        """Seconds until one more request fits every window (0: now). Call with the lock held."""
        while self._done and self._done[0] <= now - self._horizon:
            self._done.popleft()
        delay = 0.0
        for w in self.windows:
            recent = [t for t in self._done if t > now - w.seconds]
            if self._in_flight + len(recent) < w.limit:
                continue
            excess = self._in_flight + len(recent) - w.limit  # slots that must expire first
            if excess >= len(recent):  # every slot is in flight: wait for one to finish
                delay = max(delay, self.poll)
            else:
                delay = max(delay, recent[excess] + w.seconds - now)
        return delay

    def acquire(self) -> None:
        """Block until a request may be sent, and count it as in flight."""
        while True:
            with self._lock:
                delay = self._delay(self.clock())
                if delay <= 0:
                    self._in_flight += 1
                    return
            self.waited += delay
            self.sleep(delay)

    def release(self) -> None:
        """The request's response has arrived (or it failed): its slot now ages out normally."""
        with self._lock:
            self._in_flight -= 1
            now = self.clock()
            # Completion times are appended in order; the deque stays sorted.
            if self._done and self._done[-1] > now:
                now = self._done[-1]
            self._done.append(now)

    @contextmanager
    def slot(self) -> Iterator[None]:
        self.acquire()
        try:
            yield
        finally:
            self.release()


@dataclass
class Response:
    """A decoded provider response."""

    status: int
    data: Any
    headers: Mapping[str, str]
    url: str


class ProviderClient:
    """Base of the TMDB, Jikan and Comic Vine clients: GET JSON with limits, retries and clear errors."""

    provider = ""
    default_windows: Sequence[Window] = (Window(1, 1.0),)

    def __init__(
        self,
        base_url: str,
        *,
        windows: Sequence[Window | tuple[int, float] | str] | None = None,
        connect_timeout: float = 5.0,
        read_timeout: float = 20.0,
        retries: int = 3,
        backoff: float = 0.5,
        user_agent: str = "MyMovieList/0.1",
        clock: Clock = time.monotonic,
        sleep: Sleep = time.sleep,
        session: requests.Session | None = None,
    ) -> None:
        if not base_url.startswith(("http://", "https://")):
            raise ValueError(f"{self.provider}: base URL must be http(s), got {base_url!r}")
        self.base_url = base_url.rstrip("/")
        self.windows = [Window.parse(w) for w in (windows or self.default_windows)]
        self.timeout = (connect_timeout, read_timeout)
        self.retries = retries
        self.backoff = backoff
        self.clock = clock
        self.sleep = sleep
        self.session = session or requests.Session()
        self.session.headers["User-Agent"] = user_agent
        self.session.headers["Accept"] = "application/json"
        self._limiters: dict[str, RateLimiter] = {}
        self._limiters_lock = threading.Lock()
        self.stats = {"requests": 0, "retries": 0, "rate_limited": 0}
        self._stats_lock = threading.Lock()

    # -- hooks for subclasses ----------------------------------------------------------------

    def limit_key(self, path: str) -> str:
        """Which limiter a path counts against; one per client unless the provider limits per resource."""
        return ""

    def auth(self, params: dict[str, Any], headers: dict[str, str]) -> None:
        """Add credentials to a request."""

    def check(self, response: Response) -> Any:
        """Turn a provider's error envelope into a ProviderError; return the useful data."""
        return response.data

    def error_message(self, data: Any) -> str:
        if isinstance(data, dict):
            for key in ("status_message", "message", "error"):
                if isinstance(data.get(key), str) and data[key]:
                    return data[key]
            if isinstance(data.get("errors"), list) and data["errors"]:
                return "; ".join(str(e) for e in data["errors"])
        return ""

    def path_id(self, value: int | str) -> int:
        return whole_number(self.provider, value)

    # -- the request loop ----------------------------------------------------------------------

    def limiter(self, key: str) -> RateLimiter:
        with self._limiters_lock:
            limiter = self._limiters.get(key)
            if limiter is None:
                limiter = self._limiters[key] = RateLimiter(self.windows, clock=self.clock, sleep=self.sleep)
            return limiter

    def get(self, path: str, params: Mapping[str, Any] | None = None) -> Any:
        """GET base_url + path and return the checked JSON body."""
        return self.check(self.request(path, params))

    def request(self, path: str, params: Mapping[str, Any] | None = None) -> Response:
        url = self.base_url + path
        query = {k: v for k, v in (params or {}).items() if v is not None}
        headers: dict[str, str] = {}
        self.auth(query, headers)
        limiter = self.limiter(self.limit_key(path))
        attempt = 0
        started = time.perf_counter()
        while True:
            try:
                with limiter.slot():
                    self._count("requests")
                    raw = self.session.get(url, params=query, headers=headers, timeout=self.timeout)
                    body = raw.content  # read inside the slot: a truncated body fails here
            except requests.Timeout as exc:
                failure = ProviderError(f"timed out requesting {path} ({exc.__class__.__name__})", provider=self.provider)
            except requests.RequestException as exc:
                failure = ProviderError(f"could not fetch {path}: {_reason(exc)}", provider=self.provider)
            else:
                if raw.status_code == 429:
                    self._count("rate_limited")
                    retry_after = _retry_after(raw.headers.get("Retry-After"))
                    failure = ProviderError(
                        f"rate limited on {path}", provider=self.provider, status=429, retry_after=retry_after
                    )
                elif raw.status_code in RETRY_STATUSES:
                    failure = ProviderError(
                        f"{path} answered HTTP {raw.status_code}"
                        + _suffix(self.error_message(_try_json(body))),
                        provider=self.provider, status=raw.status_code,
                    )
                else:
                    try:
                        decoded = self._decode(path, raw, body)
                    except ProviderError as exc:
                        self._observe(path, exc.status, attempt, started)
                        raise
                    self._observe(path, raw.status_code, attempt, started)
                    return decoded
            if attempt >= self.retries:
                self._observe(path, failure.status, attempt, started)
                raise failure
            attempt += 1
            self._count("retries")
            self.sleep(self._wait(attempt, failure))

    def _observe(self, path: str, status: int | None, retries: int, started: float) -> None:
        # The path only: query strings carry api keys. Metrics count by provider and status.
        from mymovielist.observability import observe_provider_call

        observe_provider_call(self.provider, "GET", path, status, retries, time.perf_counter() - started)

    def _count(self, name: str) -> None:
        with self._stats_lock:
            self.stats[name] += 1

    def _wait(self, attempt: int, failure: ProviderError) -> float:
        if failure.retry_after is not None:
            return min(failure.retry_after, MAX_RETRY_AFTER)
        # Exponential backoff with jitter, so parallel workers do not retry in lockstep.
        return self.backoff * (2 ** (attempt - 1)) * (1 + random.random() / 2)

    def _decode(self, path: str, raw: requests.Response, body: bytes) -> Response:
        data = _try_json(body)
        if raw.status_code == 404:
            raise NotFound(
                f"{path} not found" + _suffix(self.error_message(data)), provider=self.provider, status=404
            )
        if raw.status_code >= 400 and not (raw.status_code == 420 and isinstance(data, dict)):
            raise ProviderError(
                f"{path} answered HTTP {raw.status_code}" + _suffix(self.error_message(data)),
                provider=self.provider, status=raw.status_code,
            )
        if data is _INVALID:
            raise ProviderError(
                f"{path} answered with a body that is not valid JSON ({len(body)} bytes)",
                provider=self.provider, status=raw.status_code,
            )
        return Response(status=raw.status_code, data=data, headers=raw.headers, url=raw.url)


_INVALID = object()


def whole_number(provider: str, value: int | str) -> int:
    """A provider id checked before it goes into a URL path: digits only."""
    text = str(value).strip()
    if not text.isdigit():
        raise ValueError(f"{provider}: ids are whole numbers, got {value!r}")
    return int(text)


def search_query(query: str) -> str:
    query = query.strip()
    if not query:
        raise ValueError("a search needs a query")
    return query


def _try_json(body: bytes) -> Any:
    try:
        return json.loads(body)
    except ValueError:  # JSONDecodeError and UnicodeDecodeError
        return _INVALID


def _suffix(message: str) -> str:
    return f": {message}" if message else ""


def _retry_after(value: str | None) -> float | None:
    """Seconds from a Retry-After header (delta-seconds form; an HTTP date is rare from these APIs)."""
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        from email.utils import parsedate_to_datetime

        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        seconds = when.timestamp() - time.time()
    return max(0.0, seconds)


def _reason(exc: requests.RequestException) -> str:
    # requests nests the interesting part deep; the class name alone is a clear enough summary.
    text = str(exc)
    return f"{exc.__class__.__name__}" + (f" ({text[:200]})" if text else "")
