"""Discovery tables, rebuilt by jobs: trending scores per window and each title's nearest neighbours."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from mymovielist.models.base import Base, utcnow

TRENDING_WINDOWS = ("day", "week", "month")
NEIGHBOUR_SOURCES = ("ratings", "content", "provider")


class TrendingScore(Base):
    """How much a title is trending in one window: our activity with time decay, blended with providers."""

    __tablename__ = "trending_scores"
    __table_args__ = (
        Index("ix_trending_scores_window_score", "window", "score"),
        Index("ix_trending_scores_window_kind_score", "window", "kind", "score"),
    )

    title_id: Mapped[int] = mapped_column(ForeignKey("titles.id", ondelete="CASCADE"), primary_key=True)
    window: Mapped[str] = mapped_column(String(8), primary_key=True)  # day | week | month
    kind: Mapped[str] = mapped_column(String(16))  # the title's kind, so a kind filter needs no join
    score: Mapped[float]
    activity: Mapped[float] = mapped_column(default=0.0)  # our own decayed activity, before blending
    computed_at: Mapped[datetime] = mapped_column(default=utcnow)


class TitleNeighbour(Base):
    """One of a title's top-k most similar titles; `source` names the signal that counted most."""

    __tablename__ = "title_neighbours"
    # Clustered on (title_id, neighbour_id) in SQLite: a title's neighbours are one contiguous read.
    __table_args__ = {"sqlite_with_rowid": False}

    title_id: Mapped[int] = mapped_column(ForeignKey("titles.id", ondelete="CASCADE"), primary_key=True)
    neighbour_id: Mapped[int] = mapped_column(
        ForeignKey("titles.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    score: Mapped[float]
    source: Mapped[str] = mapped_column(String(16))  # ratings | content | provider
