"""Import jobs: one uploaded history file (MAL, Letterboxd, Trakt or ours) and what became of it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mymovielist.models.base import Base, utcnow
from mymovielist.models.jobs import Job

IMPORT_SOURCES = ("mal", "letterboxd", "trakt", "ours")
IMPORT_MODES = ("only_new", "overwrite")
IMPORT_STATUSES = ("pending", "running", "succeeded", "failed")


class ImportJob(Base):
    """An import of one file for one user; the file waits in instance/imports/<id> until it is done."""

    __tablename__ = "import_jobs"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    source: Mapped[str] = mapped_column(String(16))
    mode: Mapped[str] = mapped_column(String(16), default="only_new")
    status: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    filename: Mapped[str] = mapped_column(String(255), default="")
    total: Mapped[int] = mapped_column(default=0)
    done: Mapped[int] = mapped_column(default=0)
    created: Mapped[int] = mapped_column(default=0)
    updated: Mapped[int] = mapped_column(default=0)
    skipped: Mapped[int] = mapped_column(default=0)
    # Rows no title was found for, each with everything needed to apply it once the user picks one.
    unmatched: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    # Rows left out because a value in them was unusable ("diary.csv line 4: rating 7 is not 0.5-5").
    problems: Mapped[list[str]] = mapped_column(JSON, default=list)
    error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    finished_at: Mapped[datetime | None]
    # The queue's row running this import: its progress, attempts and lease (models/jobs.py).
    job_id: Mapped[int | None] = mapped_column(ForeignKey("jobs.id", ondelete="SET NULL"), index=True)
    job: Mapped[Job | None] = relationship()

    @property
    def is_finished(self) -> bool:
        return self.status in ("succeeded", "failed")

    @property
    def open_unmatched(self) -> list[tuple[int, dict[str, Any]]]:
        return [(i, row) for i, row in enumerate(self.unmatched or []) if not row.get("resolved_title_id")]
