"""A provider emulator: TMDB, Jikan and Comic Vine served from recorded responses on 127.0.0.1.

The real clients run end to end against it: each provider lives under its own prefix with the
version path of its real base URL (`/tmdb/3`, `/jikan/v4`, `/comicvine/api`), so pointing
`*_BASE_URL` at it is all it takes. It checks credentials the way each provider does, enforces
each provider's rate limits over a rolling window (429, or Comic Vine's 420 + status 107, with
`Retry-After`), and injects faults on demand: timeouts, 500s, malformed JSON, truncated bodies and
slow responses.

Sub-lists without a recording (an anime's staff, a volume's issues) answer with the empty list the
provider gives for a title that has none; anything else unknown answers the provider's real 404.
"""

from __future__ import annotations

import json
import math
import re
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from werkzeug.serving import WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

FIXTURES = Path(__file__).parent / "fixtures"
PREFIXES = {"tmdb": "/tmdb/3", "jikan": "/jikan/v4", "comicvine": "/comicvine/api"}
TMDB_KEY = "emulator-tmdb-key"
COMICVINE_KEY = "emulator-comicvine-key"
# The documented limits; tests may pass faster ones (and give the clients the same).
LIMITS = {"tmdb": [(40, 1.0)], "jikan": [(3, 1.0), (60, 60.0)], "comicvine": [(200, 3600.0)]}
FAULTS = ("timeout", "500", "malformed", "truncated", "slow")
TIMEOUT_TEST_READ = 0.3  # the read timeout tests of "timeout" faults use, against a 1 s delay

# (path regex, fixture) per provider; the first match wins.
ROUTES: dict[str, list[tuple[str, str]]] = {
    "tmdb": [
        (r"/movie/76", "movies_details_full.json"),
        (r"/tv/1399", "tv_details_full.json"),
        (r"/tv/1399/season/1", "tv_seasons_details.json"),
        (r"/search/movie", "search_movie.json"),
        (r"/search/tv", "search_tv.json"),
        (r"/search/multi", "search_multi.json"),
        (r"/trending/movie/(day|week)", "trending_movie.json"),
        (r"/trending/tv/(day|week)", "trending_tv.json"),
        (r"/movie/popular", "movies_popular.json"),
        (r"/genre/movie/list", "genres_movie_list.json"),
        (r"/genre/tv/list", "genres_tv_list.json"),
        (r"/movie/changes", "changes_movie.json"),
        (r"/tv/changes", "changes_tv.json"),
        (r"/configuration", "configuration_api.json"),
    ],
    "jikan": [
        (r"/anime/1/full", "more_anime_1_full.json"),
        (r"/anime/1/characters", "more_anime_1_characters.json"),
        (r"/anime/1/staff", "more_anime_1_staff.json"),
        # The recorded GET /anime/457 stands in for /full, which adds relations, theme and links.
        (r"/anime/457(/full)?", "anime-success.json"),
        (r"/anime/457/episodes", "anime-episodes-success.json"),
        (r"/manga/1/full", "more_manga_1_full.json"),
        (r"/anime", "search-success.json"),
        (r"/manga", "search-manga-success.json"),
        (r"/top/anime", "top-success.json"),
        (r"/seasons/now", "current-season-success.json"),
        (r"/genres/anime", "genre-anime-success.json"),
    ],
    "comicvine": [
        (r"/volume/4050-153158/", "VolumeDetailsResponse.json"),
        (r"/volume/4050-18216/", "more_volume_4050-18216.json"),
        (r"/volume/4050-1194/", "more_volume_4050-1194.json"),
        (r"/issue/4000-44/", "more_issue_4000-44.json"),
        (r"/character/4005-1289/", "more_character_4005-1289.json"),
        (r"/search/", "more_search_volume_lantern_page1.json"),
        (r"/volumes/", "VolumesResponse.json"),
    ],
}
EMPTY_LISTS = {
    "jikan": re.compile(r"/(anime|manga)/\d+/(characters|staff|episodes|relations)"),
    "comicvine": re.compile(r"/issues/"),
}


@dataclass
class Fault:
    kind: str
    provider: str | None
    path: str | None  # a substring of the endpoint path, or None for every path
    times: int | None  # None: until cleared
    delay: float


@dataclass
class Hit:
    provider: str
    path: str
    query: dict[str, str]
    status: int
    at: float


@dataclass
class _Window:
    limit: int
    seconds: float
    arrivals: deque[float] = field(default_factory=deque)


def load(provider: str, name: str) -> bytes:
    return (FIXTURES / provider / name).read_bytes()


class ProviderEmulator:
    """The WSGI app. `serve()` runs it on 127.0.0.1 in a thread."""

    def __init__(self, limits: dict[str, list[tuple[int, float]]] | None = None, clock: Callable[[], float] = time.monotonic):
        self.limits = {**LIMITS, **(limits or {})}
        self.clock = clock
        self.faults: list[Fault] = []
        self.hits: list[Hit] = []
        self.extra_routes: dict[tuple[str, str], tuple[int, bytes]] = {}
        self._windows: dict[tuple[str, str], list[_Window]] = {}
        self._lock = threading.Lock()
        self.base_url = ""

    # -- control -----------------------------------------------------------------------------

    def inject(self, kind: str, provider: str | None = None, path: str | None = None, *,
               times: int | None = None, delay: float = 1.0) -> Fault:
        if kind not in FAULTS:
            raise ValueError(f"unknown fault {kind!r}")
        fault = Fault(kind, provider, path, times, delay)
        with self._lock:
            self.faults.append(fault)
        return fault

    def clear_faults(self) -> None:
        with self._lock:
            self.faults.clear()

    def serve_json(self, provider: str, path: str, body: Any, status: int = 200) -> None:
        """Answer one exact endpoint path with this body (for cases no recording covers)."""
        self.extra_routes[(provider, path)] = (status, json.dumps(body).encode())

    def url(self, provider: str) -> str:
        return self.base_url + PREFIXES[provider]

    def count(self, status: int | None = None, provider: str | None = None) -> int:
        return sum(1 for h in self.hits if (status is None or h.status == status)
                   and (provider is None or h.provider == provider))

    # -- WSGI --------------------------------------------------------------------------------

    def __call__(self, environ, start_response):
        request = Request(environ)
        response = self.handle(request)
        return response(environ, start_response)

    def handle(self, request: Request) -> Response:
        provider, path = self._split(request.path)
        if provider is None:
            return Response("unknown provider prefix", status=404)
        query = request.args.to_dict()
        status, body, headers = self._answer(provider, path, query)
        fault = self._take_fault(provider, path)
        with self._lock:
            self.hits.append(Hit(provider, path, query, status if fault is None or fault.kind in ("slow", "timeout")
                                 else (500 if fault.kind == "500" else status), self.clock()))
        if fault is not None:
            return self._faulty(fault, status, body, headers)
        return Response(body, status=status, headers=headers, content_type="application/json; charset=utf-8")

    def _split(self, full_path: str) -> tuple[str | None, str]:
        for provider, prefix in PREFIXES.items():
            if full_path.startswith(prefix + "/"):
                return provider, full_path[len(prefix):]
        return None, full_path

    def _answer(self, provider: str, path: str, query: dict[str, str]) -> tuple[int, bytes, dict[str, str]]:
        denied = self._check_auth(provider, query)
        if denied is not None:
            return denied
        retry_after = self._rate_limit(provider, path)
        if retry_after is not None:
            return self._limited(provider, retry_after)
        if (provider, path) in self.extra_routes:
            status, body = self.extra_routes[(provider, path)]
            return status, body, {}
        if provider == "comicvine" and path == "/issues/" and query.get("filter") == "volume:18216":
            return 200, load("comicvine", "more_issues_filter_volume_18216_issue_number_1.json"), {}
        for pattern, name in ROUTES[provider]:
            if re.fullmatch(pattern, path):
                return 200, load(provider, name), {}
        if provider in EMPTY_LISTS and EMPTY_LISTS[provider].fullmatch(path):
            return 200, self._empty_list(provider, path), {}
        return self._not_found(provider, path)

    def _check_auth(self, provider: str, query: dict[str, str]):
        if provider == "tmdb" and query.get("api_key") != TMDB_KEY:
            return 401, load("tmdb", "more_error_401_invalid_api_key.json"), {}
        if provider == "comicvine":
            if query.get("api_key") != COMICVINE_KEY:
                body = {"error": "Invalid API Key", "limit": 0, "offset": 0, "number_of_page_results": 0,
                        "number_of_total_results": 0, "status_code": 100, "results": []}
                return 401, json.dumps(body).encode(), {}
            if query.get("format") != "json":
                return 200, b"<?xml version='1.0'?><response><status_code>1</status_code></response>", {}
        return None

    def _rate_limit(self, provider: str, path: str) -> int | None:
        """Seconds to wait when this request breaks a limit (it is then not counted), else None."""
        resource = path.strip("/").split("/", 1)[0] if provider == "comicvine" else ""
        now = self.clock()
        with self._lock:
            windows = self._windows.setdefault(
                (provider, resource), [_Window(n, s) for n, s in self.limits[provider]]
            )
            wait = 0.0
            for w in windows:
                while w.arrivals and w.arrivals[0] <= now - w.seconds:
                    w.arrivals.popleft()
                if len(w.arrivals) >= w.limit:
                    wait = max(wait, w.arrivals[0] + w.seconds - now)
            if wait > 0:
                return max(1, math.ceil(wait))
            for w in windows:
                w.arrivals.append(now)
        return None

    def _limited(self, provider: str, retry_after: int):
        headers = {"Retry-After": str(retry_after)}
        if provider == "tmdb":
            return 429, load("tmdb", "more_error_429_rate_limit_legacy.json"), headers
        if provider == "jikan":
            body = {"status": 429, "type": "RateLimitException", "message": "You are being rate limited by Jikan.",
                    "error": None}
            return 429, json.dumps(body).encode(), headers
        return 420, load("comicvine", "more_error_420_rate_limit_107.json"), headers

    def _empty_list(self, provider: str, path: str) -> bytes:
        if provider == "comicvine":
            return load("comicvine", "more_volumes_filter_no_results.json")
        body: dict[str, Any] = {"data": []}
        if path.endswith("/episodes"):
            body["pagination"] = {"last_visible_page": 1, "has_next_page": False}
        return json.dumps(body).encode()

    def _not_found(self, provider: str, path: str):
        if provider == "tmdb":
            return 404, load("tmdb", "more_error_404_resource_not_found.json"), {}
        if provider == "jikan":
            return 404, load("jikan", "anime-failure.json"), {}
        body = {"error": "Object Not Found", "limit": 0, "offset": 0, "number_of_page_results": 0,
                "number_of_total_results": 0, "status_code": 101, "results": []}
        return 404, json.dumps(body).encode(), {}

    # -- faults ------------------------------------------------------------------------------

    def _take_fault(self, provider: str, path: str) -> Fault | None:
        with self._lock:
            for fault in self.faults:
                if fault.provider not in (None, provider) or (fault.path and fault.path not in path):
                    continue
                if fault.times is not None:
                    fault.times -= 1
                    if fault.times <= 0:
                        self.faults.remove(fault)
                return fault
        return None

    def _faulty(self, fault: Fault, status: int, body: bytes, headers: dict[str, str]) -> Response:
        content_type = "application/json; charset=utf-8"
        if fault.kind in ("timeout", "slow"):
            time.sleep(fault.delay)  # a timeout is a delay longer than the client's read timeout
            return Response(body, status=status, headers=headers, content_type=content_type)
        if fault.kind == "500":
            return Response(b"<html><body>Internal Server Error</body></html>", status=500, content_type="text/html")
        if fault.kind == "malformed":
            return Response(b'{"data": {"mal_id": 1, "title": "Cowboy', status=200, content_type=content_type)
        # truncated: promise the whole body, send half, close the connection.
        response = Response(body[: len(body) // 2], status=status, content_type=content_type)
        response.headers["Content-Length"] = str(len(body))
        return response


class _QuietHandler(WSGIRequestHandler):
    def log(self, *args, **kwargs) -> None:  # keep test output clean
        pass


@contextmanager
def serve(emulator: ProviderEmulator) -> Iterator[ProviderEmulator]:
    """Serve the emulator on a free port of 127.0.0.1 for the duration of the block."""
    server = make_server("127.0.0.1", 0, emulator, threaded=True, request_handler=_QuietHandler)
    emulator.base_url = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield emulator
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def app_config(emulator: ProviderEmulator, **overrides: Any) -> dict[str, Any]:
    """App settings that point every client at the emulator with its limits."""
    config = {
        "TMDB_API_KEY": TMDB_KEY,
        "TMDB_BASE_URL": emulator.url("tmdb"),
        "JIKAN_ENABLED": True,
        "JIKAN_BASE_URL": emulator.url("jikan"),
        "COMICVINE_API_KEY": COMICVINE_KEY,
        "COMICVINE_BASE_URL": emulator.url("comicvine"),
        "TMDB_RATE_LIMITS": [f"{n}/{s}" for n, s in emulator.limits["tmdb"]],
        "JIKAN_RATE_LIMITS": [f"{n}/{s}" for n, s in emulator.limits["jikan"]],
        "COMICVINE_RATE_LIMITS": [f"{n}/{s}" for n, s in emulator.limits["comicvine"]],
        # Generous for a loaded test machine; tests of timeouts shorten it (see TIMEOUT_TEST_READ).
        "PROVIDER_READ_TIMEOUT": 3.0,
        "PROVIDER_CONNECT_TIMEOUT": 3.0,
        "PROVIDER_RETRIES": 2,
        "PROVIDER_BACKOFF": 0.01,
    }
    config.update(overrides)
    return config
