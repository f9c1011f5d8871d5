"""A new user signs up, logs in, changes preferences, logs out and logs back in, in a real browser."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

PASSWORD = "tulip cobalt harbour 42"


def _csp_violations(page) -> list[str]:
    messages: list[str] = []
    page.on("console", lambda m: messages.append(m.text) if "Content Security Policy" in m.text else None)
    return messages


def test_sign_up_log_in_change_preferences_log_out_and_back_in(page):
    violations = _csp_violations(page)
    page.goto("/")
    page.get_by_role("link", name="Sign up").click()
    expect(page).to_have_url(re.compile(r"/auth/register$"))

    # inline validation (htmx) flags a common password as soon as the field is left
    page.get_by_label("Username").fill("journey")
    page.get_by_label("Email").fill("journey@example.org")
    page.get_by_label("Password", exact=True).fill("password123")
    page.get_by_label("Confirm password").focus()
    expect(page.locator("#password-feedback")).to_contain_text("This password is too common")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Confirm password").fill(PASSWORD)
    page.get_by_label("Username").focus()
    expect(page.locator("#password-feedback")).to_be_empty()
    page.get_by_role("button", name="Sign up").click()

    expect(page.locator(".flash")).to_contain_text("Welcome, journey!")
    nav = page.locator(".nav-account")
    page.locator("details.nav-menu > summary").click()  # the account links live in the header's menu
    expect(nav.get_by_role("link", name="journey")).to_be_visible()

    # preferences: 5-star scores and the dark theme, applied to the page
    nav.get_by_role("link", name="Settings").click()
    page.get_by_label("5 stars with halves (4½ ★)").check()
    page.get_by_label("Dark").check()
    page.get_by_label("Comics").uncheck()
    page.get_by_role("button", name="Save preferences").click()
    expect(page.locator(".flash")).to_contain_text("Your preferences are saved.")
    expect(page.locator("html")).to_have_attribute("data-theme", "dark")
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert background == "rgb(17, 19, 24)"

    page.locator("details.nav-menu > summary").click()
    nav.get_by_role("button", name="Log out").click()
    expect(page.locator(".flash")).to_contain_text("You are logged out.")
    expect(page.locator("html")).to_have_attribute("data-theme", "system")
    page.goto("/settings")
    expect(page).to_have_url(re.compile(r"/auth/login\?next=/settings$"))

    # back in with the email address; the login form returns to the page that asked
    page.get_by_label("Username or email").fill("journey@example.org")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(re.compile(r"/settings$"))
    expect(page.locator("html")).to_have_attribute("data-theme", "dark")
    expect(page.get_by_label("5 stars with halves (4½ ★)")).to_be_checked()
    expect(page.get_by_label("Comics")).not_to_be_checked()
    assert violations == []


def test_a_wrong_password_is_refused_with_a_message(page, console_errors):
    console_errors.expect_status(422, "/auth/login")  # the refusal's own status
    page.goto("/auth/login")
    page.get_by_label("Username or email").fill("nobody-here")
    page.get_by_label("Password").fill("not a password")
    page.get_by_role("button", name="Log in").click()
    expect(page.locator(".form-errors")).to_contain_text("do not match an account")
    expect(page.get_by_label("Username or email")).to_have_value("nobody-here")


def test_without_javascript_sign_up_and_log_in_work(nojs_page, console_errors):
    console_errors.expect_status(422, "/auth/register")  # the short password is refused with 422
    page = nojs_page
    page.goto("/auth/register")
    page.get_by_label("Username").fill("nojs")
    page.get_by_label("Email").fill("nojs@example.org")
    page.get_by_label("Password", exact=True).fill("short")
    page.get_by_label("Confirm password").fill("short")
    page.get_by_role("button", name="Sign up").click()
    expect(page.locator("#password-feedback")).to_contain_text("Use at least 8 characters.")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Confirm password").fill(PASSWORD)
    page.get_by_role("button", name="Sign up").click()
    expect(page.locator(".flash")).to_contain_text("Welcome, nojs!")
    page.locator("details.nav-menu > summary").click()
    page.locator(".nav-account").get_by_role("button", name="Log out").click()
    page.goto("/auth/login")
    page.get_by_label("Username or email").fill("nojs")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.locator("details.nav-menu > summary").click()
    expect(page.locator(".nav-account").get_by_role("link", name="nojs")).to_be_visible()
