"""Scheduled jobs, defined as data; `flask jobs run` runs them in a process of their own.

The scheduler never starts inside `create_app` or a web worker: processes sharing a schedule
would each run every job (APScheduler's FAQ).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from mymovielist.discover import tasks as discover_tasks
from mymovielist.health import heartbeat
from mymovielist.jobs import tasks


@dataclass(frozen=True)
class JobSpec:
    id: str
    func: Callable[[], Any]
    trigger: str  # an APScheduler 3 trigger alias: "interval" or "cron"
    trigger_args: dict[str, Any] = field(default_factory=dict)
    description: str = ""


JOBS: tuple[JobSpec, ...] = (
    JobSpec("refresh-stale", tasks.refresh_stale, "interval", {"hours": 1},
            "Refresh titles by age, popular ones sooner"),
    JobSpec("tmdb-changes", tasks.tmdb_changes, "cron", {"hour": 3, "minute": 15},
            "Re-fetch our TMDB titles listed in TMDB's changes feed"),
    JobSpec("trending", tasks.trending, "cron", {"hour": 4, "minute": 30},
            "Import TMDB's trending titles and MAL's top and current-season anime"),
    JobSpec("tracked-updates", tasks.tracked_updates, "interval", {"hours": 6},
            "New seasons, episodes and issues for airing titles on people's lists"),
    JobSpec("nightly-backup", tasks.nightly_backup, "cron", {"hour": 2, "minute": 0},
            "Back up the database and prune old backups"),
    JobSpec("trending-scores", discover_tasks.refresh_trending, "interval", {"minutes": 30},
            "Recompute trending titles from our activity and provider popularity"),
    JobSpec("title-neighbours", discover_tasks.rebuild_neighbours, "interval", {"hours": 6},
            "Recompute similar titles and recommendation neighbours"),
    JobSpec("heartbeat", heartbeat.beat, "interval", {"seconds": heartbeat.INTERVAL_SECONDS},
            "Tell /readyz the scheduler is alive"),
)
JOBS_BY_ID = {job.id: job for job in JOBS}
