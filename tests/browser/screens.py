"""The two widths every issue-18 journey runs at, and its screenshots (CI keeps test-artifacts/)."""

from __future__ import annotations

from pathlib import Path

SHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
WIDTHS = {1280: 800, 390: 844}  # width: height; a desktop and a phone


def shot(page, name: str) -> None:
    """Save what the page shows as test-artifacts/screenshots/<name>-<width>.png."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}-{page.viewport_size['width']}.png"), full_page=False)


# Elements of the page's content wider than the window (the header is issue 18.2's; tables scroll in their box).
WIDER_THAN_VIEWPORT = """() => Array.from(document.querySelectorAll("main *"))
    .filter((el) => el.getBoundingClientRect().right > window.innerWidth + 1 && !el.closest(".table-scroll"))
    .slice(0, 8).map((el) => el.tagName + "." + el.className + "#" + el.id)"""


def no_sideways_scroll(page) -> None:
    """Nothing in the page's content reaches past the window's right edge."""
    wider = page.evaluate(WIDER_THAN_VIEWPORT)
    assert wider == [], f"the content is wider than the window: {wider}"
