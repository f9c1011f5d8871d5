"""Admin operations: the user list and its moderation, the job schedule, database and cache facts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import func, select, text

from mymovielist.extensions import db
from mymovielist.jobs import JOBS, JobSpec
from mymovielist.models import SyncRun, User
from mymovielist.services import accounts
from mymovielist.services.catalog import Page

ROLES = ("user", "admin")


class AdminError(Exception):
    """An admin action refused (acting on yourself, a role that does not exist)."""


@dataclass(frozen=True)
class ScheduledJob:
    spec: JobSpec
    next_run: datetime | None


def users_page(page: int, per_page: int = 25) -> Page[User]:
    """Users newest first, one page at a time."""
    total = db.session.scalar(select(func.count()).select_from(User)) or 0
    page = max(1, min(page, max(1, -(-total // per_page))))
    users = db.session.scalars(
        select(User).order_by(User.created_at.desc(), User.id.desc()).limit(per_page).offset((page - 1) * per_page)
    ).all()
    return Page(list(users), page, per_page, total)


def _not_yourself(actor: User, user: User, action: str) -> None:
    if actor.id == user.id:
        raise AdminError(f"You cannot {action} your own account.")


def set_blocked(actor: User, user: User, blocked: bool) -> None:
    """Block (and sign out everywhere) or unblock a user."""
    _not_yourself(actor, user, "block")
    user.is_blocked = blocked
    if blocked:
        accounts.revoke_sessions(user)  # Flask-Login refuses inactive users; the token ends their sessions too
    db.session.flush()


def set_role(actor: User, user: User, role: str) -> None:
    """Promote to admin or demote to user."""
    if role not in ROLES:
        raise AdminError(f"Unknown role {role!r}.")
    if role != "admin":
        _not_yourself(actor, user, "demote")
    user.role = role
    db.session.flush()


def delete_user(actor: User, user: User) -> None:
    """Delete a user and everything personal they own (see `accounts.erase_user`)."""
    _not_yourself(actor, user, "delete")
    accounts.erase_user(user)


def recent_runs(limit: int = 10) -> tuple[list[SyncRun], list[SyncRun]]:
    """The latest sync runs, and the latest failed ones."""
    runs = db.session.scalars(select(SyncRun).order_by(SyncRun.id.desc()).limit(limit)).all()
    failures = db.session.scalars(
        select(SyncRun).where(SyncRun.status == "failed").order_by(SyncRun.id.desc()).limit(limit)
    ).all()
    return list(runs), list(failures)


def schedule(now: datetime | None = None) -> list[ScheduledJob]:
    """Each scheduled job with its next run time, computed from its trigger (no scheduler started).

    An interval job's count starts when `flask jobs run` starts; shown here as if it started now.
    """
    now = now or datetime.now(UTC)
    out = []
    for spec in JOBS:
        if spec.trigger == "cron":
            trigger = CronTrigger(timezone=UTC, **spec.trigger_args)
        else:
            interval = IntervalTrigger(timezone=UTC, **spec.trigger_args).interval
            trigger = IntervalTrigger(timezone=UTC, start_date=now + interval, **spec.trigger_args)
        out.append(ScheduledJob(spec, trigger.get_next_fire_time(None, now)))
    return out


def database_size() -> int | None:
    """Bytes on disk: the SQLite file with its WAL, or pg_database_size on PostgreSQL."""
    url = db.engine.url
    backend = url.get_backend_name()
    if backend == "postgresql":
        return db.session.scalar(text("SELECT pg_database_size(current_database())"))
    if backend == "sqlite" and url.database and url.database != ":memory:":
        path = Path(url.database)
        return sum(p.stat().st_size for p in (path, Path(f"{path}-wal")) if p.exists())
    return None
