"""The console watch every browser test runs under: an expected failure excuses only its own lines."""

from __future__ import annotations

from .conftest import ConsoleWatch

HTMX = "http://127.0.0.1:5000/static/js/htmx.min.js"


def _refused(status: int, url: str) -> tuple[str, str]:
    return (f"Failed to load resource: the server responded with a status of {status} (UNPROCESSABLE ENTITY)", url)


def test_an_unexpected_refusal_or_csp_violation_is_a_problem() -> None:
    watch = ConsoleWatch()
    refusal = "Refused to apply inline style because it violates the following Content Security Policy directive"
    csp = (f"{refusal}: \"style-src 'self'\".", "http://127.0.0.1:5000/titles/1")
    watch.messages += [_refused(422, "http://127.0.0.1:5000/titles/1/watches"), csp, ("uncaught boom", "")]
    assert len(watch.problems()) == 3


def test_an_expected_status_excuses_only_that_status_at_that_path() -> None:
    watch = ConsoleWatch()
    watch.expect_status(422, "/titles/1/watches")
    watch.messages += [
        _refused(422, "http://127.0.0.1:5000/titles/1/watches"),
        _refused(422, "http://127.0.0.1:5000/titles/1/watches?x=1"),  # another URL
        _refused(500, "http://127.0.0.1:5000/titles/1/watches"),  # another status
        _refused(422, "http://127.0.0.1:5000/titles/12/watches"),
    ]
    problems = watch.problems()
    assert len(problems) == 3
    assert all("watches" in p for p in problems)


def test_htmx_lines_need_the_failed_request_they_describe() -> None:
    watch = ConsoleWatch()
    watch.expect_status(500, r"/search\?q=be")
    watch.expect_unreachable(r"/titles/1/watchlist")
    watch.messages += [
        ("Response Status Error Code 500 from /search, [object HTMLDivElement]", HTMX),
        _refused(500, "http://127.0.0.1:5000/search?q=be"),
        ("htmx:afterRequest, [object HTMLElement]", HTMX),
        ("htmx:sendError, [object HTMLElement]", HTMX),
        ("Failed to load resource: net::ERR_FAILED", "http://127.0.0.1:5000/titles/1/watchlist"),
    ]
    assert watch.problems() == []
    # a second request that could not be sent, which the test did not make fail
    watch.messages += [("htmx:afterRequest, [object HTMLElement]", HTMX), ("htmx:sendError, [object HTMLElement]", HTMX)]
    assert len(watch.problems()) == 1
    # htmx's status line for a path no expected refusal came from
    watch.messages += [("Response Status Error Code 500 from /titles/2/entry, [object HTMLFormElement]", HTMX)]
    assert len(watch.problems()) == 2
