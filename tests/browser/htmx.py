"""Waiting for htmx in browser tests."""

from __future__ import annotations

# htmx marks a request, a swap and the new content's settle with these classes; it attaches its handlers
# to swapped-in elements only when they settle (20 ms later by default, longer on a loaded machine).
BUSY = ".htmx-request, .htmx-swapping, .htmx-settling, .htmx-added"


def wait_until_settled(page, timeout: float = 5000) -> None:
    """Wait until no htmx request, swap or settle is in progress, so new forms are htmx forms.

    Pressing a swapped-in button before then submits its form the plain way (a full page load), which
    works but is not what the test means to exercise."""
    page.wait_for_function(f"() => !document.querySelector({BUSY!r})", timeout=timeout)
