"""Prometheus metrics at /metrics: requests, provider calls, job runs, cache, database pool.

Labels stay bounded: the endpoint is the url rule's endpoint name (never the raw path), statuses
are HTTP codes, providers and jobs are fixed names. Under gunicorn set PROMETHEUS_MULTIPROC_DIR to
an empty directory before the workers start: each process writes its values there and /metrics
adds them up (prometheus_client.multiprocess); the README shows the child_exit hook.
"""

from __future__ import annotations

import hmac
import ipaddress
import os
import time
from typing import Any

from flask import Blueprint, Flask, Response, abort, current_app, g, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)
from sqlalchemy import event
from sqlalchemy.pool import Pool

bp = Blueprint("metrics", __name__)

REQUESTS = Counter("mymovielist_http_requests_total", "HTTP requests answered", ["endpoint", "method", "status"])
LATENCY = Histogram(
    "mymovielist_http_request_duration_seconds", "Time to answer a request", ["endpoint", "method"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
PROVIDER_CALLS = Counter("mymovielist_provider_calls_total", "Provider API calls", ["provider", "status"])
PROVIDER_RETRIES = Counter("mymovielist_provider_retries_total", "Provider call retries", ["provider"])
PROVIDER_RATE_LIMITED = Counter(
    "mymovielist_provider_rate_limited_total", "Provider calls that ended rate limited (HTTP 429)", ["provider"]
)
PROVIDER_LATENCY = Histogram(
    "mymovielist_provider_call_duration_seconds", "Provider call time, retries included", ["provider"],
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60),
)
JOB_RUNS = Counter("mymovielist_job_runs_total", "Scheduled job and sync runs", ["job", "outcome"])
CACHE = Counter("mymovielist_cache_requests_total", "Cache lookups", ["result"])
POOL_CHECKED_OUT = Gauge(
    "mymovielist_db_pool_checked_out", "Database connections checked out of the pool", multiprocess_mode="livesum"
)


def _checkout(*_: Any) -> None:
    POOL_CHECKED_OUT.inc()


def _checkin(*_: Any) -> None:
    POOL_CHECKED_OUT.dec()


if not event.contains(Pool, "checkout", _checkout):
    event.listen(Pool, "checkout", _checkout)
    event.listen(Pool, "checkin", _checkin)


def observe_request(endpoint: str, method: str, status: int, seconds: float) -> None:
    REQUESTS.labels(endpoint, method, str(status)).inc()
    LATENCY.labels(endpoint, method).observe(seconds)


def observe_provider(provider: str, status: int | None, retries: int, seconds: float) -> None:
    PROVIDER_CALLS.labels(provider, str(status) if status else "error").inc()
    if retries:
        PROVIDER_RETRIES.labels(provider).inc(retries)
    if status == 429:
        PROVIDER_RATE_LIMITED.labels(provider).inc()
    PROVIDER_LATENCY.labels(provider).observe(seconds)


def cache_counts() -> dict[str, int]:
    """Hits and misses counted by this process (the admin dashboard shows them)."""
    counts = {"hit": 0, "miss": 0}
    for metric in CACHE.collect():
        for sample in metric.samples:
            if sample.name.endswith("_total"):
                counts[sample.labels["result"]] = int(sample.value)
    return counts


def _instrument_cache(app: Flask) -> None:
    from mymovielist.extensions import cache

    backend = app.extensions.get("cache", {}).get(cache)
    if backend is None or getattr(backend, "_mymovielist_counted", False):
        return
    get = backend.get

    def counted_get(key: str) -> Any:
        value = get(key)
        CACHE.labels("miss" if value is None else "hit").inc()
        return value

    backend.get = counted_get
    backend._mymovielist_counted = True


def install(app: Flask) -> None:
    """Time every request, count cache lookups and serve /metrics."""
    _instrument_cache(app)
    app.before_request(_start)
    app.after_request(_finish)
    app.register_blueprint(bp)


def _start() -> None:
    g.metrics_started = time.perf_counter()


def _finish(response: Response) -> Response:
    started = g.get("metrics_started")
    if started is not None:
        endpoint = request.url_rule.endpoint if request.url_rule else "unmatched"
        observe_request(endpoint, request.method, response.status_code, time.perf_counter() - started)
    return response


def _allowed() -> bool:
    token = current_app.config.get("METRICS_TOKEN")
    given = request.headers.get("Authorization", "")
    if token and given.startswith("Bearer "):
        return hmac.compare_digest(given[7:].encode(), str(token).encode())
    try:
        return ipaddress.ip_address(request.remote_addr or "").is_loopback
    except ValueError:
        return False


@bp.get("/metrics")
def metrics():
    """Prometheus text format; loopback callers, or a bearer token when one is configured."""
    if not _allowed():
        abort(403)
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        registry = REGISTRY
    return Response(generate_latest(registry), content_type=CONTENT_TYPE_LATEST)
