"""Graceful failure: provider outages and full disks get a clear page or toast, never a traceback."""

from __future__ import annotations

import errno
import json

import pytest

from mymovielist.providers.errors import ProviderError


@pytest.fixture
def failing(app):
    """Routes that fail the way real code can: a provider outage, a full disk, another OSError."""

    @app.get("/_test/outage")
    def outage():
        raise ProviderError("/movie/1 answered HTTP 503", provider="tmdb", status=503)

    @app.get("/_test/disk-full")
    def disk_full():
        raise OSError(errno.ENOSPC, "No space left on device")

    @app.get("/_test/other-oserror")
    def other():
        raise OSError(errno.EIO, "I/O error")

    return app.test_client()


def test_a_provider_outage_is_a_clear_503(failing):
    response = failing.get("/_test/outage")
    assert response.status_code == 503 and response.headers["Retry-After"] == "60"
    html = response.get_data(as_text=True)
    assert "tmdb is not answering right now" in html and "Traceback" not in html
    response = failing.get("/_test/outage", headers={"HX-Request": "true"})
    assert response.status_code == 503
    assert "tmdb is not answering" in json.loads(response.headers["HX-Trigger"])["toast"]["message"]


def test_a_full_disk_is_a_clear_507(failing, caplog):
    response = failing.get("/_test/disk-full")
    assert response.status_code == 507
    html = response.get_data(as_text=True)
    assert "run out of disk space" in html and "Traceback" not in html and "No space left" not in html
    assert any(r.levelname == "CRITICAL" for r in caplog.records)


def test_other_errors_stay_a_plain_500(failing):
    response = failing.get("/_test/other-oserror")
    assert response.status_code == 500
    assert "Traceback" not in response.get_data(as_text=True)
