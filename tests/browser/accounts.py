"""Accounts made through the real sign-up form in browser tests."""

from __future__ import annotations

import re

PASSWORD = "correct horse battery staple"


def register(page, username: str, password: str = PASSWORD) -> None:
    """Sign up as `username` through the form; the page ends on the home page, logged in."""
    page.goto("/auth/register")
    page.fill("#username", username)
    page.fill("#email", f"{username}@example.org")
    page.fill("#password", password)
    page.fill("#confirm", password)
    page.locator("form button[type=submit]").last.click()
    page.wait_for_url(re.compile(r".*/$"))
