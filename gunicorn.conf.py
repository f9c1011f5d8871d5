"""gunicorn settings for production: `gunicorn -c gunicorn.conf.py wsgi:app` (what `make serve` runs).

Every setting comes from the environment with a safe default:
  WEB_CONCURRENCY   sync worker processes (default 2; about one per core, more when requests wait on I/O)
  BIND              address to listen on (default 127.0.0.1:8000; 0.0.0.0:8000 inside a container)
  GUNICORN_TIMEOUT  seconds a worker may spend on one request before it is replaced (default 60)
  GUNICORN_MAX_REQUESTS  requests after which a worker is replaced (default 20000, plus up to 50 % jitter;
                    0 never replaces them)
  PROMETHEUS_MULTIPROC_DIR  set: /metrics adds up every worker (prometheus-client multi-process mode)

The app is loaded once, in the master, before the workers fork (preload_app): a new or replaced worker
starts in milliseconds instead of importing and building the app again, and a configuration error
stops gunicorn at once. Several workers refuse to start on state each would keep to itself (an
in-process cache, memory:// login throttling); see mymovielist/serving.py.

The scheduler is NOT run here: start `flask jobs run` as its own single process, so jobs run once
however many workers there are.
"""

from __future__ import annotations

import os

wsgi_app = "wsgi:app"
bind = os.environ.get("BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
worker_class = "sync"
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 30
keepalive = 5
preload_app = True
# Replace workers now and then so a slow leak cannot grow forever, but rarely: every replacement
# throws away a worker's warm state (compiled templates, connections) and, at 2,000 requests, cost
# 30-40 % of the throughput with 2 s stalls. The wide jitter keeps workers from restarting together.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "20000"))
max_requests_jitter = max_requests // 2
# The app logs one line per request itself (mymovielist.events); gunicorn's access log would repeat it.
accesslog = None
errorlog = "-"
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")


def on_starting(server) -> None:
    """Refuse several workers on per-process state; the master then holds no database connection."""
    from mymovielist import serving

    app = server.app.wsgi()  # already loaded: preload_app
    serving.check_workers(app, server.cfg.workers)
    serving.forget_connections(app)


def post_fork(server, worker) -> None:
    """A new worker gets database pools of its own, never the master's connections."""
    from mymovielist import serving

    serving.forget_connections(server.app.wsgi())


def child_exit(server, worker) -> None:
    """Drop a dead worker's live gauges from the multi-process metrics."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
