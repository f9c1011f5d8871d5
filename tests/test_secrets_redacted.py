"""No API key reaches a screen or a stored row: CLI errors, sync runs and /admin/sync (issue 17.1)."""

from __future__ import annotations

import socket

import pytest
from conftest import PASSWORD, AuthActions

from mymovielist.extensions import db
from mymovielist.models import SyncRun
from mymovielist.providers.errors import ProviderError
from mymovielist.redact import redact
from mymovielist.services import accounts
from mymovielist.sync import service

KEY = "c0ffee5ecretkey0123456789abcdef"


def _closed_port() -> int:
    with socket.socket() as sock:  # bound then closed: nothing listens there
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def unreachable_app(make_app):
    """An app whose TMDB key is real-looking and whose TMDB host refuses every connection."""
    return make_app(TMDB_API_KEY=KEY, TMDB_BASE_URL=f"http://127.0.0.1:{_closed_port()}/3",
                    PROVIDER_RETRIES=0, PROVIDER_CONNECT_TIMEOUT=1.0)


@pytest.mark.parametrize("text", [
    f"Max retries exceeded with url: /3/movie/76?api_key={KEY} (Caused by …)",
    f"/3/search/movie?query=x&api_key={KEY}&page=2",
    f"redirected to /api?api%5Fkey=x&api_key%3D{KEY}",
    f"{{'api_key': '{KEY}', 'query': 'x'}}",
    f'{{"token": "{KEY}"}}',
    f"Authorization: Bearer {KEY}",
])
def test_redact_masks_every_form_a_key_takes(text):
    masked = redact(text)
    assert KEY not in masked and "***" in masked


def test_redact_leaves_ordinary_text_alone():
    text = "tmdb: /movie/5 not found (HTTP 404); tokens of appreciation, a keyboard"
    assert redact(text) == text


def test_a_provider_error_never_carries_the_key():
    error = ProviderError(f"could not fetch /movie/76: ConnectionError (url: /3/movie/76?api_key={KEY})",
                          provider="tmdb")
    assert KEY not in str(error) and KEY not in repr(error) and KEY not in str(error.args)


def test_the_cli_error_hides_the_key(unreachable_app):
    result = unreachable_app.test_cli_runner().invoke(args=["sync", "import", "tmdb", "movie", "76"])
    assert result.exit_code == 1
    assert "could not fetch" in result.output  # the real failure is still reported
    assert KEY[:8] not in result.output  # the error text is cut at 200 characters: not even a prefix


def test_a_failed_run_stores_no_key(unreachable_app):
    with unreachable_app.app_context():
        run_id = service.start_run("tmdb", "refresh", total=1)
        service.finish_run(run_id, service.BatchResult(run_id=run_id),
                           error=f"could not fetch /3/movie/1?api_key={KEY}: refused")
        stored = db.session.get(SyncRun, run_id).error
    assert "could not fetch" in stored and KEY not in stored


def test_admin_pages_mask_keys_in_runs_recorded_before_redaction(unreachable_app):
    """Rows written by an older version may still hold a key: the pages mask it when shown."""
    with unreachable_app.app_context():
        db.session.add(SyncRun(provider="tmdb", job="refresh", status="failed",
                               error=f"could not fetch /3/movie/1?api_key={KEY}"))
        accounts.make_admin("root", "root@example.org", PASSWORD)
        db.session.commit()
    client = unreachable_app.test_client()
    AuthActions(client).login("root")
    for path in ("/admin/sync", "/admin/"):
        html = client.get(path).get_data(as_text=True)
        assert "could not fetch" in html, path
        assert KEY not in html, path
