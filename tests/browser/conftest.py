"""Browser tests: Playwright drives Debian's Chromium against the app served on 127.0.0.1."""

from __future__ import annotations

import os
import re
import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from flask import Flask
from werkzeug.serving import make_server

from mymovielist import create_app
from mymovielist.extensions import db
from mymovielist.sync.records import ExternalRef, TitleRecord
from mymovielist.sync.upsert import CatalogWriter

from .accounts import PASSWORD, register
from .screens import WIDTHS

CHROMIUM = os.environ.get("MYMOVIELIST_TEST_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage",
]


def _require_chromium() -> None:
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail(f"Chromium is missing at {CHROMIUM}; .ci/run must install it")
        pytest.skip(f"Chromium not installed at {CHROMIUM} (apt-get install chromium)")


def seed(app: Flask) -> None:
    """A small catalog: 14 anime (two genres), a few movies, a series and a comic."""
    writer = CatalogWriter(source="demo")
    with app.app_context():
        for n in range(14):
            genre = "Action" if n % 2 == 0 else "Romance"
            writer.upsert(TitleRecord(kind="anime", title=f"Anime Show {n:02d}", refs=[ExternalRef("t", "anime", str(n))],
                                      genres=[genre], popularity=float(100 - n), release_date=date(2000 + n, 1, 1)))
        writer.upsert(TitleRecord(kind="anime", title="Cowboy Bebop", refs=[ExternalRef("t", "anime", "bebop")],
                                  genres=["Action", "Sci-Fi"], popularity=500.0, release_date=date(1998, 4, 3),
                                  synopsis="Bounty hunters in space."))
        writer.upsert(TitleRecord(kind="anime", title="Pokémon", refs=[ExternalRef("t", "anime", "pokemon")],
                                  genres=["Adventure"], popularity=400.0))
        writer.upsert(TitleRecord(kind="movie", title="Before Sunrise", refs=[ExternalRef("t", "movie", "1")], popularity=50.0))
        writer.upsert(TitleRecord(kind="series", title="Game of Thrones", refs=[ExternalRef("t", "series", "1")],
                                  details={"episode_count": 8}))
        writer.upsert(TitleRecord(kind="comic", title="Green Lantern", refs=[ExternalRef("t", "comic", "1")]))
        db.session.commit()


@pytest.fixture(scope="session")
def live_app(tmp_path_factory: pytest.TempPathFactory, migrated_db_file: Path) -> Flask:
    """The seeded app that live_server serves; tests read its database to check what was saved."""
    folder = tmp_path_factory.mktemp("live")
    shutil.copy(migrated_db_file, folder / "test.sqlite3")
    app = create_app({
        "TESTING": True, "SECRET_KEY": "browser-tests", "PAGE_SIZE": 6, "CACHE_TYPE": "SimpleCache",
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'test.sqlite3'}",
        # Every journey signs up from 127.0.0.1: one address, far more sign-ups than a person makes.
        "REGISTRATIONS_PER_IP": "1000 per hour", "REGISTRATION_CHECKS_PER_IP": "10000 per hour",
    })
    seed(app)
    return app


@contextmanager
def serve(app: Flask) -> Iterator[str]:
    """Serve `app` on a real HTTP server in a background thread; yields its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture(scope="session")
def live_server(live_app: Flask) -> Iterator[str]:
    """The app on a real HTTP server in a background thread; yields its base URL."""
    with serve(live_app) as url:
        yield url


@pytest.fixture(scope="session")
def browser():
    _require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class ConsoleWatch:
    """Console errors, CSP violations and uncaught exceptions of every browser context a test opens.

    A test that provokes a failed request on purpose names it exactly (`expect_status`,
    `expect_unreachable`): its status and URL, never a pattern that could hide another error.
    """

    LOAD_FAILED = re.compile(r"Failed to load resource: (?:the server responded with a status of (\d+) \(.*\)|net::ERR_\w+)")
    # htmx logs a failed request too: a refused one with its status and path (no query), one never sent by
    # event name only; each is accounted for by the browser's own line about that request.
    HTMX_STATUS = re.compile(r"Response Status Error Code (\d+) from ([^?\s]+)\S*?(?:, \[object \w+\])?")
    HTMX_NOT_SENT = re.compile(r"htmx:(afterRequest|sendError), \[object \w+\]")

    def __init__(self) -> None:
        self.messages: list[tuple[str, str]] = []  # (text, URL of the resource or script that logged it)
        self.statuses: list[tuple[int, re.Pattern[str]]] = []
        self.unreachable: list[re.Pattern[str]] = []

    def expect_status(self, status: int, path: str) -> None:
        """The test provokes a `status` answer from the URL whose path (and query) fully matches regex `path`."""
        self.statuses.append((status, re.compile(path)))

    def expect_unreachable(self, path: str) -> None:
        """The test makes requests to the URL whose path (and query) fully matches regex `path` fail (route.abort)."""
        self.unreachable.append(re.compile(path))

    def attach(self, context) -> None:
        context.on("console", self._console)
        context.on("weberror", lambda error: self.messages.append((f"uncaught {error.error}", "")))

    def _console(self, message) -> None:
        # Chromium reports a Content-Security-Policy violation as a console error.
        if message.type == "error":
            self.messages.append((message.text, message.location.get("url", "") if message.location else ""))

    @staticmethod
    def _path(url: str) -> str:
        parts = urlsplit(url)
        return parts.path + (f"?{parts.query}" if parts.query else "")

    def _expected_status(self, status: int, url: str) -> bool:
        return any(status == s and p.fullmatch(self._path(url)) for s, p in self.statuses)

    def problems(self) -> list[str]:
        """The messages that no expected failure accounts for."""
        problems: list[str] = []
        refused = {(int(load.group(1)), urlsplit(url).path) for text, url in self.messages
                   if (load := self.LOAD_FAILED.fullmatch(text)) and load.group(1) and self._expected_status(int(load.group(1)), url)}
        aborted, not_sent = 0, {"afterRequest": 0, "sendError": 0}
        for text, url in self.messages:
            if (load := self.LOAD_FAILED.fullmatch(text)) and load.group(1):
                if self._expected_status(int(load.group(1)), url):
                    continue
            elif load and any(p.fullmatch(self._path(url)) for p in self.unreachable):
                aborted += 1
                continue
            elif (status := self.HTMX_STATUS.fullmatch(text)) and (int(status.group(1)), status.group(2)) in refused:
                continue
            elif event := self.HTMX_NOT_SENT.fullmatch(text):
                not_sent[event.group(1)] += 1  # accounted for below by the requests the test made fail
                continue
            problems.append(f"console error: {text} ({url})" if url else text)
        if max(not_sent.values()) > aborted:  # more than one pair of htmx lines per request the test made fail
            problems.append(f"htmx could not send requests {not_sent} but the test made {aborted} fail")
        return problems


@pytest.fixture
def console_errors(browser, monkeypatch: pytest.MonkeyPatch) -> Iterator[ConsoleWatch]:
    """Fails the test at teardown if any page showed a console error or a CSP violation."""
    watch = ConsoleWatch()
    new_context = browser.new_context

    def watched_context(*args, **kwargs):
        context = new_context(*args, **kwargs)
        watch.attach(context)
        return context

    monkeypatch.setattr(browser, "new_context", watched_context)
    yield watch
    if problems := watch.problems():
        pytest.fail("The browser console reported errors:\n" + "\n".join(problems), pytrace=False)


@pytest.fixture(autouse=True)
def _no_console_errors(request: pytest.FixtureRequest) -> None:
    """Every browser test watches the console (a test that never opens a browser starts none)."""
    if "browser" in request.fixturenames:
        request.getfixturevalue("console_errors")


@pytest.fixture(params=sorted(WIDTHS), ids=lambda width: f"{width}px")
def sized(request, page):
    """`page` at a desktop's and at a phone's width: the test runs once at each."""
    page.set_viewport_size({"width": request.param, "height": WIDTHS[request.param]})
    return page


@pytest.fixture
def page(browser, live_server, console_errors):
    context = browser.new_context(base_url=live_server, viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.set_default_timeout(5000)
    yield page
    context.close()


@pytest.fixture
def nojs_page(browser, live_server, console_errors):
    context = browser.new_context(base_url=live_server, java_script_enabled=False)
    page = context.new_page()
    page.set_default_timeout(5000)
    yield page
    context.close()


@pytest.fixture(scope="session")
def sign_up():
    """`sign_up(page, "prefix")`: a new account through the real sign-up form (logged in); returns its name."""
    import itertools

    names = itertools.count(1)

    def sign_up_as(page, prefix: str, password: str = PASSWORD) -> str:
        username = f"{prefix}{next(names)}"
        register(page, username, password)
        return username

    return sign_up_as
