"""/healthz and /readyz: database, cache and the scheduler's heartbeat, each with its latency."""

from __future__ import annotations

import os
import time

from sqlalchemy.exc import OperationalError

from mymovielist.extensions import db
from mymovielist.health import heartbeat
from mymovielist.jobs import JOBS_BY_ID, runner


def test_ready_without_a_scheduler_by_default(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "ok"
    assert body["checks"]["database"]["status"] == "ok" and body["checks"]["cache"]["status"] == "ok"
    assert body["checks"]["scheduler"]["status"] == "not running"
    assert all(check["latency_ms"] >= 0 for check in body["checks"].values())


def test_a_required_scheduler_must_beat(app, client):
    app.config["REQUIRE_SCHEDULER"] = True
    response = client.get("/readyz")
    assert response.status_code == 503 and response.get_json()["status"] == "error"
    with app.app_context():
        runner.run_job("heartbeat")  # what `flask jobs run` does each minute
    body = client.get("/readyz").get_json()
    assert body["status"] == "ok" and body["checks"]["scheduler"]["status"] == "ok"
    with app.app_context():
        old = time.time() - 10 * heartbeat.INTERVAL_SECONDS
        heartbeat.path().write_text(f"{old}\n")
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["checks"]["scheduler"]["status"] == "stale"


def test_the_heartbeat_is_scheduled_every_minute():
    spec = JOBS_BY_ID["heartbeat"]
    assert spec.trigger == "interval" and spec.trigger_args == {"seconds": heartbeat.INTERVAL_SECONDS}


def test_a_broken_cache_or_database_is_not_ready(app, client, monkeypatch):
    from mymovielist.extensions import cache

    monkeypatch.setattr(cache, "get", lambda key: None)
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["checks"]["cache"]["status"] == "error"
    monkeypatch.undo()

    def unreachable(*args, **kwargs):
        raise OperationalError("SELECT 1", {}, Exception("unable to open database file"))

    with app.app_context():
        monkeypatch.setattr(type(db.session()), "execute", unreachable)
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["checks"]["database"] == {**response.get_json()["checks"]["database"],
                                                         "status": "error", "detail": "OperationalError"}


def test_heartbeat_writes_atomically(app):
    with app.app_context():
        now = heartbeat.beat()
        assert abs(heartbeat.last_beat() - now) < 1
        assert not [p for p in os.listdir(app.instance_path) if p.endswith(".tmp")]
