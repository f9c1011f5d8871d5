"""Importing in a real browser: upload from settings, the progress block polls to the report, an unmatched row is resolved."""

from __future__ import annotations

import io
import zipfile

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def _letterboxd_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(
            "watched.csv",
            "Date,Name,Year,Letterboxd URI\n"
            "2020-01-01,Before Sunrise,,https://boxd.it/1\n"
            "2020-02-01,Sunrise Before Dawn Twice,1990,https://boxd.it/2\n",
        )
        archive.writestr(
            "ratings.csv",
            "Date,Name,Year,Letterboxd URI,Rating\n2020-01-01,Before Sunrise,,https://boxd.it/1,4.5\n",
        )
    return buffer.getvalue()


def test_import_a_letterboxd_zip_and_resolve_the_film_we_did_not_find(page, sign_up):
    sign_up(page, "importer")
    page.goto("/settings")
    page.get_by_role("link", name="Import your history").click()
    page.get_by_label("Letterboxd (export ZIP)").check()
    page.get_by_label("Export file").set_input_files(
        {"name": "letterboxd.zip", "mimeType": "application/zip", "buffer": _letterboxd_zip()}
    )
    page.get_by_role("button", name="Import").click()
    # the status block re-renders itself every second until the job is done
    expect(page.locator("#import-job .run-status")).to_have_text("succeeded", timeout=15_000)
    expect(page.locator("#import-job")).not_to_have_attribute("hx-trigger", "every 1s")
    expect(page.locator(".import-report")).to_contain_text("Added")
    row = page.locator("#row-0")
    expect(row).to_contain_text("Sunrise Before Dawn Twice (1990)")
    row.get_by_label("Search for").fill("Game of Thrones")
    row.get_by_role("button", name="Search").click()
    expect(row.get_by_label("Game of Thrones")).to_be_checked()  # the candidates swapped in, first one picked
    row.get_by_role("button", name="Apply this row").click()
    expect(page.locator("#toasts")).to_contain_text("imported")
    expect(page.locator("#row-0")).to_contain_text("Imported as Game of Thrones")
    page.goto("/settings/export")
    with page.expect_download() as download:
        page.get_by_role("link", name="MyMovieList JSON").click()
    assert download.value.suggested_filename.startswith("mymovielist-importer")
