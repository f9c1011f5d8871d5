"""The time zone preference in a browser: the browser's zone is offered at sign-up and in the settings."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from mymovielist.extensions import db
from mymovielist.models import Preferences, User

pytestmark = pytest.mark.browser

SHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
VIEWPORTS = {1280: {"width": 1280, "height": 800}, 390: {"width": 390, "height": 844}}
ZONE = "Pacific/Auckland"


def stored_zone(app, username: str) -> str:
    with app.app_context():
        return db.session.scalar(
            select(Preferences.time_zone).join(User, User.id == Preferences.user_id).where(User.username == username))


def set_zone(app, username: str, zone: str) -> None:
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == username))
        user.preferences.time_zone = zone
        db.session.commit()


def shoot(page, name: str, width: int) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.locator("#time_zone").scroll_into_view_if_needed()
    page.screenshot(path=str(SHOTS / f"{name}-{width}.png"))


@pytest.fixture(params=sorted(VIEWPORTS), ids=lambda width: f"{width}px")
def zoned_page(request, browser, live_server):
    """A page at one of the two widths in a browser whose clock is set to Auckland."""
    context = browser.new_context(base_url=live_server, viewport=VIEWPORTS[request.param], timezone_id=ZONE)
    page = context.new_page()
    page.set_default_timeout(5000)
    yield page, request.param
    context.close()


def test_sign_up_and_the_settings_offer_the_browsers_time_zone(zoned_page, live_app, sign_up):
    page, width = zoned_page
    username = sign_up(page, "zone")
    assert stored_zone(live_app, username) == ZONE  # the sign-up form's hidden field carried it
    page.goto("/settings")
    zone = page.locator("#time_zone")
    assert zone.input_value() == ZONE
    assert page.get_by_label("Time zone").is_visible() and page.get_by_label("Date format").is_visible()
    shoot(page, "time-zone-settings-saved", width)

    set_zone(live_app, username, "")  # an account from before: no zone chosen yet
    page.goto("/settings")
    assert zone.input_value() == ZONE  # offered, not yet saved
    assert stored_zone(live_app, username) == ""
    page.get_by_label("Date format").select_option("en_GB")
    shoot(page, "time-zone-settings-offered", width)
    page.get_by_role("button", name="Save preferences").click()
    page.wait_for_url("**/settings")
    assert stored_zone(live_app, username) == ZONE
    assert page.locator("#locale").input_value() == "en_GB"


def test_without_javascript_the_settings_leave_the_zone_at_utc(browser, live_server, live_app, sign_up):
    with_js = browser.new_context(base_url=live_server, timezone_id=ZONE)
    username = sign_up(with_js.new_page(), "nojszone")
    with_js.close()
    set_zone(live_app, username, "")
    context = browser.new_context(base_url=live_server, java_script_enabled=False, timezone_id=ZONE)
    try:
        page = context.new_page()
        page.goto("/auth/login")
        page.fill("#username", username)
        page.fill("#password", "correct horse battery staple")
        page.locator("form button[type=submit]").last.click()
        page.goto("/settings")
        assert page.locator("#time_zone").input_value() == ""
        assert page.locator("#time_zone option:checked").inner_text() == "Not chosen (UTC)"
    finally:
        context.close()
