"""Structured logs: one line per request, provider call and job run, request ids, no secrets."""

from __future__ import annotations

import contextlib
import io
import json
import logging

import pytest
from conftest import PASSWORD
from emulator import COMICVINE_KEY, TMDB_KEY, app_config

from mymovielist import create_app
from mymovielist.observability import logging as obs_logging
from mymovielist.providers.errors import ProviderError
from mymovielist.providers.factory import build_clients


@pytest.fixture
def captured(app):
    """The text our own handler writes, as well as the records (caplog)."""
    handler = next(h for h in app.logger.handlers if getattr(h, "_mymovielist", False))
    stream = io.StringIO()
    old = handler.setStream(stream)
    yield stream
    handler.setStream(old)


def request_records(caplog) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == obs_logging.EVENT_LOGGER and r.getMessage() == "request"]


def test_one_line_per_request_with_its_fields(client, caplog, captured):
    with caplog.at_level(logging.INFO, logger="mymovielist"):
        response = client.get("/healthz?probe=1")
    assert response.status_code == 200
    rid = response.headers["X-Request-ID"]
    assert len(rid) == 16 and int(rid, 16) >= 0
    (record,) = request_records(caplog)
    assert record.fields["method"] == "GET" and record.fields["path"] == "/healthz"
    assert record.fields["status"] == 200 and record.fields["endpoint"] == "health.healthz"
    assert record.fields["duration_ms"] >= 0 and record.fields["user_id"] is None
    assert record.request_id == rid
    line = [ln for ln in captured.getvalue().splitlines() if " request " in ln][-1]
    assert f"request_id={rid}" in line and "path=/healthz" in line and "status=200" in line


def test_a_sane_request_id_is_kept_and_a_bad_one_replaced(client, caplog):
    with caplog.at_level(logging.INFO, logger="mymovielist"):
        kept = client.get("/healthz", headers={"X-Request-ID": "lb-7f3a9c21.trace"})
        bad = client.get("/healthz", headers={"X-Request-ID": "x\" injected=1"})
        long = client.get("/healthz", headers={"X-Request-ID": "a" * 200})
    assert kept.headers["X-Request-ID"] == "lb-7f3a9c21.trace"
    assert bad.headers["X-Request-ID"] != "x\" injected=1" and len(bad.headers["X-Request-ID"]) == 16
    assert len(long.headers["X-Request-ID"]) == 16
    assert next(r.request_id for r in request_records(caplog)) == "lb-7f3a9c21.trace"


def test_json_format(tmp_path, monkeypatch, app):
    json_app = create_app({**app.config, "LOG_FORMAT": "json"})
    handler = next(h for h in json_app.logger.handlers if getattr(h, "_mymovielist", False))
    stream = io.StringIO()
    old = handler.setStream(stream)
    try:
        response = json_app.test_client().get("/no/such/page", headers={"X-Request-ID": "abcdefgh12"})
    finally:
        handler.setStream(old)
    assert response.status_code == 404
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    (line,) = [d for d in lines if d["msg"] == "request"]
    assert line["request_id"] == "abcdefgh12" and line["status"] == 404 and line["path"] == "/no/such/page"
    assert line["endpoint"] is None and line["level"] == "info"


def test_the_user_id_is_logged_never_the_password_or_session_token(app, client, auth, make_user, caplog, captured):
    user_id = make_user("alice")
    with caplog.at_level(logging.DEBUG):
        assert auth.login("alice", PASSWORD).status_code == 302
        auth.login("alice", "wrong " + PASSWORD)
        client.get("/")
    records = request_records(caplog)
    assert user_id in [r.fields["user_id"] for r in records]
    with app.app_context():
        from mymovielist.extensions import db
        from mymovielist.models import User

        token = db.session.get(User, user_id).session_token
    everything = captured.getvalue() + "\n".join(
        f"{r.getMessage()} {getattr(r, 'fields', '')}" for r in caplog.records)
    assert "POST" in everything and "/auth/login" in everything
    assert PASSWORD not in everything and token not in everything


def test_provider_calls_log_the_path_without_the_api_key(emulator, caplog, captured):
    clients = build_clients(app_config(emulator))
    with caplog.at_level(logging.DEBUG):
        assert clients.tmdb.movie(76)["id"] == 76
        with contextlib.suppress(ProviderError):  # found or not, the call is logged
            clients.comicvine.volume(4050)
        emulator.inject("500", "tmdb", times=1)
        clients.tmdb.movie(76)
        emulator.inject("500", "tmdb")
        with pytest.raises(ProviderError):
            clients.tmdb.movie(76)
    calls = [r.fields for r in caplog.records if r.getMessage() == "provider_call"]
    assert calls[0] == {**calls[0], "provider": "tmdb", "method": "GET", "status": 200, "retries": 0}
    assert calls[0]["path"].startswith("/movie/76") and "?" not in calls[0]["path"]
    assert calls[1]["provider"] == "comicvine"
    assert calls[2]["retries"] == 1 and calls[2]["status"] == 200
    assert calls[3]["status"] == 500 and calls[3]["retries"] == 2
    everything = captured.getvalue() + "\n".join(
        f"{r.getMessage()} {getattr(r, 'fields', '')}" for r in caplog.records)
    assert TMDB_KEY not in everything and COMICVINE_KEY not in everything
    assert "provider_call" in captured.getvalue()


def test_log_event_masks_secret_fields_and_query_strings(caplog):
    with caplog.at_level(logging.INFO, logger="mymovielist"):
        obs_logging.log_event("x", password="hunter22", api_key="k1", url="/a?api_key=sekret&x=1")
    (record,) = [r for r in caplog.records if r.getMessage() == "x"]
    assert record.fields == {"password": "***", "api_key": "***", "url": "/a?api_key=***&x=1"}


def test_job_runs_log_outcome_duration_and_counts(app, caplog, monkeypatch):
    from mymovielist import jobs
    from mymovielist.jobs import runner

    spec = jobs.JobSpec("heartbeat", lambda: {"refreshed": 3, "label": "x"}, "interval", {"minutes": 1})
    monkeypatch.setitem(jobs.JOBS_BY_ID, "heartbeat", spec)
    with caplog.at_level(logging.INFO, logger="mymovielist"), app.app_context():
        runner.run_job("heartbeat")
        monkeypatch.setitem(jobs.JOBS_BY_ID, "heartbeat", jobs.JobSpec("heartbeat", lambda: 1 / 0, "interval"))
        with pytest.raises(ZeroDivisionError):
            runner.run_job("heartbeat")
    ok, failed = [r.fields for r in caplog.records if r.getMessage() == "job_run"]
    assert ok["job"] == "heartbeat" and ok["outcome"] == "ok" and ok["counts"] == {"refreshed": 3}
    assert failed["outcome"] == "failed" and failed["duration_ms"] >= 0


def test_debug_is_forced_off_outside_tests_and_dev_mode(app):
    config = {**app.config, "TESTING": False, "DEBUG": True}
    assert create_app(config).debug is False
    assert create_app({**config, "DEV_MODE": True}).debug is True
    assert create_app({**config, "TESTING": True}).debug is True
