"""Provider clients against the emulator: endpoints, auth, errors, faults, retries and rate limits."""

from __future__ import annotations

import threading
import time

import pytest
from emulator import COMICVINE_KEY, TIMEOUT_TEST_READ, TMDB_KEY, ProviderEmulator, app_config, serve

from mymovielist.providers.base import RateLimiter, Window
from mymovielist.providers.comicvine import ComicVineClient
from mymovielist.providers.errors import NotFound, ProviderError
from mymovielist.providers.factory import build_clients
from mymovielist.providers.jikan import JikanClient, has_next_page
from mymovielist.providers.tmdb import TMDBClient


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


@pytest.fixture
def clients(emulator):
    return build_clients(app_config(emulator))


@pytest.fixture
def impatient(emulator):
    """Clients with a short read timeout, for the timeout faults."""
    return build_clients(app_config(emulator, PROVIDER_READ_TIMEOUT=TIMEOUT_TEST_READ))


# -- the limiter -----------------------------------------------------------------------------


def test_limiter_holds_every_window():
    clock = FakeClock()
    limiter = RateLimiter([(3, 1.0), (5, 60.0)], clock=clock, sleep=clock.sleep)
    starts = []
    for _ in range(7):
        with limiter.slot():
            starts.append(clock.now)
    # 3 at once, then the per-second window, then the per-minute window holds the 6th and 7th.
    assert starts[:3] == [0.0, 0.0, 0.0]
    assert starts[3:5] == [1.0, 1.0]
    assert starts[5] == pytest.approx(60.0)
    assert starts[6] == pytest.approx(60.0)
    for i in range(len(starts)):
        assert sum(1 for t in starts if starts[i] <= t < starts[i] + 1.0) <= 3
        assert sum(1 for t in starts if starts[i] <= t < starts[i] + 60.0) <= 5


def test_limiter_counts_a_slot_from_its_response():
    """A slow request keeps its slot until its response arrived, plus the window."""
    clock = FakeClock()
    limiter = RateLimiter([(1, 1.0)], clock=clock, sleep=clock.sleep)
    limiter.acquire()
    clock.now = 5.0  # the response took five seconds
    limiter.release()
    limiter.acquire()
    assert clock.now == pytest.approx(6.0)


def test_limiter_is_thread_safe():
    limiter = RateLimiter([(5, 0.2)])
    starts: list[float] = []
    lock = threading.Lock()

    def work():
        for _ in range(3):
            with limiter.slot():
                with lock:
                    starts.append(time.monotonic())

    threads = [threading.Thread(target=work) for _ in range(5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    starts.sort()
    assert len(starts) == 15
    for i, t0 in enumerate(starts):
        assert sum(1 for t in starts[i:] if t < t0 + 0.2) <= 5


@pytest.mark.parametrize("value", ["0/1", (3, 0), "x/1"])
def test_window_rejects_nonsense(value):
    with pytest.raises(ValueError):
        Window.parse(value)


# -- endpoints ---------------------------------------------------------------------------------


def test_tmdb_endpoints(clients, emulator):
    tmdb = clients.tmdb
    assert tmdb.movie(76)["title"] == "Before Sunrise"
    assert tmdb.tv(1399)["name"] == "Game of Thrones"
    assert len(tmdb.tv_season(1399, 1)["episodes"]) == 10
    assert tmdb.search_movie("before sunrise")["results"]
    assert tmdb.search_tv("thrones")["results"]
    assert tmdb.search_multi("thrones")["results"]
    assert tmdb.trending("movie", "week")["results"]
    assert {"id": 28, "name": "Action"} in tmdb.genres("movie")
    assert tmdb.changes("movie")["results"]
    assert tmdb.configuration()["images"]["secure_base_url"].startswith("https://")
    details = [h for h in emulator.hits if h.path == "/movie/76"][0]
    assert details.query["append_to_response"] == "credits,recommendations,external_ids,keywords"
    assert details.query["api_key"] == TMDB_KEY


def test_tmdb_bearer_token_goes_in_a_header(emulator):
    seen = {}
    client = TMDBClient(emulator.url("tmdb"), "eyJhbGciOiJIUzI1NiJ9.eyJhdWQiOiJ4In0.c2ln")
    original = client.session.get

    def spy(url, params=None, headers=None, timeout=None):
        seen.update(params=params, headers=headers, timeout=timeout)
        return original(url, params=params, headers=headers, timeout=timeout)

    client.session.get = spy
    with pytest.raises(ProviderError) as info:  # the emulator only knows the v3 key
        client.movie(76)
    assert info.value.status == 401 and "Invalid API key" in str(info.value)
    assert seen["headers"]["Authorization"].startswith("Bearer eyJ")
    assert "api_key" not in seen["params"]
    assert seen["timeout"] == (5.0, 20.0)


def test_jikan_endpoints(clients):
    jikan = clients.jikan
    assert jikan.anime_full(1)["title"] == "Cowboy Bebop"
    assert jikan.manga_full(1)["title"] == "Monster"
    assert jikan.characters("anime", 1)[0]["character"]["name"]
    assert jikan.anime_staff(1)[0]["person"]["name"]
    page = jikan.anime_episodes(457)
    assert len(page["data"]) == 26
    # Recorded quirk: has_next_page is true on the last visible page.
    assert has_next_page(page, 1) is False
    assert jikan.search("anime", "naruto")["data"]
    assert jikan.top("anime")["data"]
    assert jikan.season_now()["data"]
    assert jikan.genres("anime")


def test_comicvine_endpoints(clients, emulator):
    cv = clients.comicvine
    assert cv.volume(153158)["name"] == "Ninja High School / Gold Digger Crossover Collection"
    assert cv.issue(44)["id"] == 44
    assert cv.character(1289)["name"] == "Naiad"
    assert cv.volume_issues(18216)["number_of_total_results"] == 1
    assert cv.search("lantern")["results"]
    hit = [h for h in emulator.hits if h.path == "/volume/4050-153158/"][0]
    assert hit.query["format"] == "json" and hit.query["api_key"] == COMICVINE_KEY
    assert cv.session.headers["User-Agent"].startswith("MyMovieList/")


@pytest.mark.parametrize(
    "call, error, status",
    [
        (lambda c: c.tmdb.movie(5), NotFound, 404),
        (lambda c: c.jikan.anime_full(-1 + 99999), NotFound, 404),
        (lambda c: c.comicvine.volume(5), NotFound, 404),
    ],
)
def test_not_found_is_a_clear_error(clients, call, error, status):
    with pytest.raises(error) as info:
        call(clients)
    assert info.value.status == status


def test_comicvine_limits_each_resource_apart(emulator):
    clock = FakeClock()
    client = ComicVineClient(emulator.url("comicvine"), COMICVINE_KEY, windows=["1/3600"], clock=clock,
                             sleep=clock.sleep)
    client.volume(153158)
    client.volume_issues(18216)  # another resource: its own budget
    client.search("lantern")
    assert clock.slept == []
    client.volume(18216)  # the second /volume request of the hour waits for the first to age out
    assert clock.slept and sum(clock.slept) >= 3600


def test_comicvine_invalid_key_and_rate_limit_envelopes(emulator):
    bad = ComicVineClient(emulator.url("comicvine"), "wrong", retries=0)
    with pytest.raises(ProviderError, match="401: Invalid API Key") as info:
        bad.volume(153158)
    assert info.value.status == 401
    emulator.serve_json("comicvine", "/volume/4050-7/", {
        "error": "Rate limit exceeded.  Slow down cowboy.", "limit": 0, "offset": 0,
        "number_of_page_results": 0, "number_of_total_results": 0, "status_code": 107, "results": []})
    client = ComicVineClient(emulator.url("comicvine"), COMICVINE_KEY, retries=0)
    with pytest.raises(ProviderError, match="status 107") as info:
        client.volume(7)
    assert info.value.status == 429


@pytest.mark.parametrize("bad_id", ["1; drop", "", "-3", "../x"])
def test_ids_are_checked_before_any_request(clients, emulator, bad_id):
    with pytest.raises(ValueError):
        clients.tmdb.movie(bad_id)
    assert emulator.count() == 0


def test_a_wrong_shape_names_the_field(emulator, clients):
    emulator.serve_json("tmdb", "/movie/9", {"title": "No id"})
    with pytest.raises(ProviderError) as info:
        clients.tmdb.movie(9)
    assert info.value.field == "id"
    emulator.serve_json("jikan", "/anime/9/full", {"data": ["not", "an", "object"]})
    with pytest.raises(ProviderError) as info:
        clients.jikan.anime_full(9)
    assert info.value.field == "data"


# -- faults, retries, rate limits --------------------------------------------------------------


@pytest.mark.parametrize(
    "fault, message",
    [
        ("500", "answered HTTP 500"),
        ("malformed", "not valid JSON"),
        ("truncated", "IncompleteRead"),
        ("timeout", "timed out"),
    ],
)
def test_persistent_faults_become_provider_errors(impatient, emulator, fault, message):
    emulator.inject(fault, "tmdb", delay=1.0)
    with pytest.raises(ProviderError, match=message):
        impatient.tmdb.movie(76)


@pytest.mark.parametrize("fault", ["500", "truncated", "timeout"])
def test_transient_faults_are_retried(impatient, emulator, fault):
    emulator.inject(fault, "tmdb", times=1, delay=1.0)
    assert impatient.tmdb.movie(76)["id"] == 76
    assert impatient.tmdb.stats["retries"] == 1


def test_malformed_json_is_not_retried(clients, emulator):
    emulator.inject("malformed", "tmdb", times=1)
    with pytest.raises(ProviderError):
        clients.tmdb.movie(76)
    assert clients.tmdb.stats["retries"] == 0


def test_slow_response_within_the_timeout_succeeds(clients, emulator):
    emulator.inject("slow", "jikan", delay=0.2)
    assert clients.jikan.anime_full(1)["mal_id"] == 1


def test_retry_after_is_honoured():
    emulator = ProviderEmulator(limits={"tmdb": [(2, 30.0)]})
    with serve(emulator):
        slept: list[float] = []
        # The client believes in a faster limit than the provider enforces.
        client = TMDBClient(emulator.url("tmdb"), TMDB_KEY, windows=["100/1"], sleep=slept.append, retries=1)
        client.movie(76)
        client.movie(76)
        with pytest.raises(ProviderError) as info:
            client.movie(76)
    assert info.value.status == 429
    assert slept == [30.0]  # Retry-After from the emulator, not a guessed backoff
    assert client.stats["rate_limited"] == 2


def test_limiter_keeps_429s_at_zero_against_real_limits():
    """Jikan's real 3/s: a burst of requests from four threads is spread out, never refused."""
    emulator = ProviderEmulator()
    with serve(emulator):
        client = JikanClient(emulator.url("jikan"))
        threads = [threading.Thread(target=lambda: [client.anime_full(1) for _ in range(2)]) for _ in range(4)]
        started = time.monotonic()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.monotonic() - started
    assert emulator.count(429) == 0
    assert emulator.count(200) == 8
    assert elapsed >= 2.0  # 8 requests at 3 a second need two full windows
