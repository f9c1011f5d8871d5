"""The scheduler's heartbeat: a file in the instance folder the jobs process touches each minute."""

from __future__ import annotations

import os
import time
from pathlib import Path

from flask import current_app

INTERVAL_SECONDS = 60
FILE_NAME = "scheduler-heartbeat"


def path() -> Path:
    return Path(current_app.instance_path) / FILE_NAME


def beat() -> float:
    """Record that the scheduler is alive now (an atomic replace: readers never see half a file)."""
    now = time.time()
    target = path()
    tmp = target.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_text(f"{now:.3f}\n")
    os.replace(tmp, target)
    return now


def last_beat() -> float | None:
    """Unix time of the last heartbeat, or None when no scheduler has ever run here."""
    try:
        return float(path().read_text().strip())
    except (FileNotFoundError, ValueError):
        return None


def fresh(now: float | None = None) -> bool:
    """Whether a scheduler beat lately (two intervals of grace: a beat may land after a slow job)."""
    last = last_beat()
    return last is not None and (now or time.time()) - last <= 2 * INTERVAL_SECONDS
