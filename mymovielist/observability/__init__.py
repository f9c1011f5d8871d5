"""Operations: structured logs with request ids, Prometheus metrics."""

from __future__ import annotations

from logging import ERROR, INFO, WARNING
from typing import Any

from mymovielist.observability import metrics
from mymovielist.observability.logging import log_event


def observe_provider_call(provider: str, method: str, path: str, status: int | None, retries: int,
                          seconds: float) -> None:
    """Log and count one provider call; `path` carries no query string (api keys live there)."""
    log_event("provider_call", INFO if status and status < 400 else WARNING,
              provider=provider, method=method, path=path.split("?", 1)[0], status=status,
              duration_ms=round(seconds * 1000, 1), retries=retries)
    metrics.observe_provider(provider, status, retries, seconds)


def observe_job_run(job_id: str, outcome: str, seconds: float, counts: Any = None) -> None:
    """Log and count one job run."""
    log_event("job_run", INFO if outcome == "ok" else ERROR, job=job_id, outcome=outcome,
              duration_ms=round(seconds * 1000, 1), counts=counts)
    metrics.JOB_RUNS.labels(job_id, outcome).inc()
