"""/metrics: Prometheus text, bounded labels, protected, multi-process mode."""

from __future__ import annotations

import pytest
from emulator import app_config
from prometheus_client.parser import text_string_to_metric_families

from mymovielist.providers.errors import ProviderError
from mymovielist.providers.factory import build_clients


def samples(client, **kwargs) -> dict[tuple[str, tuple], float]:
    response = client.get("/metrics", **kwargs)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/plain; version=")
    assert response.headers["Content-Type"].count("charset") == 1
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(response.get_data(as_text=True))
        for s in family.samples
    }


def value(data, name: str, **labels) -> float:
    return data.get((name, tuple(sorted(labels.items()))), 0.0)


def test_requests_are_counted_by_endpoint_not_raw_path(client, make_title):
    title_id = make_title(title="Counted")
    before = samples(client)
    assert client.get(f"/titles/{title_id}").status_code == 200
    assert client.get("/titles/999999").status_code == 404
    assert client.get("/no/such/thing").status_code == 404
    after = samples(client)
    name = "mymovielist_http_requests_total"
    endpoint = client.application.url_map.bind("localhost").match(f"/titles/{title_id}")[0]
    assert value(after, name, endpoint=endpoint, method="GET", status="200") - value(
        before, name, endpoint=endpoint, method="GET", status="200") == 1
    assert value(after, name, endpoint=endpoint, method="GET", status="404") - value(
        before, name, endpoint=endpoint, method="GET", status="404") == 1
    assert value(after, name, endpoint="unmatched", method="GET", status="404") >= 1
    assert not any("/titles/" in str(labels) for (metric, labels) in after if metric == name)  # no raw paths
    hist = "mymovielist_http_request_duration_seconds_count"
    assert value(after, hist, endpoint=endpoint, method="GET") - value(before, hist, endpoint=endpoint, method="GET") == 2


def test_provider_calls_retries_and_429s(client, emulator):
    clients = build_clients(app_config(emulator))
    before = samples(client)
    clients.tmdb.movie(76)
    emulator.inject("500", "tmdb", times=1)
    clients.tmdb.movie(76)
    emulator.inject("500", "tmdb")
    with pytest.raises(ProviderError):
        clients.tmdb.movie(76)
    emulator.clear_faults()
    after = samples(client)
    calls = "mymovielist_provider_calls_total"
    assert value(after, calls, provider="tmdb", status="200") - value(before, calls, provider="tmdb", status="200") == 2
    retries = "mymovielist_provider_retries_total"
    assert value(after, retries, provider="tmdb") - value(before, retries, provider="tmdb") == 3


def test_job_runs_and_cache_and_pool(app, client):
    from mymovielist.extensions import cache
    from mymovielist.jobs import runner

    before = samples(client)
    with app.app_context():
        runner.run_job("heartbeat")
        cache.set("metrics-test", 1)
        assert cache.get("metrics-test") == 1
        assert cache.get("metrics-test-missing") is None
    after = samples(client)
    runs = "mymovielist_job_runs_total"
    assert value(after, runs, job="heartbeat", outcome="ok") - value(before, runs, job="heartbeat", outcome="ok") == 1
    hits = "mymovielist_cache_requests_total"
    assert value(after, hits, result="hit") - value(before, hits, result="hit") >= 1
    assert value(after, hits, result="miss") - value(before, hits, result="miss") >= 1
    assert ("mymovielist_db_pool_checked_out", ()) in after


def test_loopback_only_unless_a_token_is_given(app, client):
    remote = {"environ_base": {"REMOTE_ADDR": "203.0.113.9"}}
    assert client.get("/metrics", **remote).status_code == 403
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "::1"}).status_code == 200
    app.config["METRICS_TOKEN"] = "s3cret-metrics-token"
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}, **remote).status_code == 403
    assert client.get("/metrics", headers={"Authorization": "Bearer s3cret-metrics-token"}, **remote).status_code == 200


def test_multiprocess_mode_reads_the_directory(client, tmp_path, monkeypatch):
    from prometheus_client import values

    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    # A worker's values as prometheus_client writes them in multi-process mode.
    mmap_value = values.MultiProcessValue(process_identifier=lambda: 4242)
    counter = mmap_value("counter", "mymovielist_http_requests_total", "mymovielist_http_requests_total",
                         ("endpoint", "method", "status"), ("other.worker", "GET", "200"), "HTTP requests answered")
    counter.inc(7)
    data = samples(client)
    assert value(data, "mymovielist_http_requests_total", endpoint="other.worker", method="GET", status="200") == 7
    assert not any(name.startswith("python_gc") for name, _ in data)  # only the directory's metrics
