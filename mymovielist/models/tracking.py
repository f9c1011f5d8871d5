"""What users do with titles: list entries, the watch log, reviews, custom lists, follows, activity."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mymovielist.models.base import Base, Timestamps, utcnow
from mymovielist.models.catalog import Title
from mymovielist.models.users import User

ENTRY_STATUSES = ("watching", "completed", "on_hold", "dropped", "planned")
FOLLOW_STATUSES = ("pending", "approved")  # following a private profile waits for its owner's approval


class ListEntry(Timestamps, Base):
    """A user's entry for one title: status, progress, score (0-100) and the rest."""

    __tablename__ = "list_entries"
    __table_args__ = (
        UniqueConstraint("user_id", "title_id"),
        Index("ix_list_entries_user_id_status", "user_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    title_id: Mapped[int] = mapped_column(ForeignKey("titles.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(16), index=True)
    progress: Mapped[int] = mapped_column(default=0)
    score: Mapped[int | None] = mapped_column(index=True)
    started_on: Mapped[date | None]
    finished_on: Mapped[date | None]
    rewatch_count: Mapped[int] = mapped_column(default=0)
    notes: Mapped[str] = mapped_column(Text, default="")
    is_favourite: Mapped[bool] = mapped_column(default=False, index=True)
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    priority: Mapped[int] = mapped_column(default=0)

    user: Mapped[User] = relationship()
    title: Mapped[Title] = relationship()


class WatchEvent(Base):
    """One watch (or read) of a title, an episode, a chapter or an issue."""

    __tablename__ = "watch_events"
    __table_args__ = (Index("ix_watch_events_user_id_watched_at", "user_id", "watched_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    title_id: Mapped[int] = mapped_column(ForeignKey("titles.id", ondelete="CASCADE"), index=True)
    episode_id: Mapped[int | None] = mapped_column(ForeignKey("episodes.id", ondelete="SET NULL"), index=True)
    number: Mapped[int | None]  # episode, chapter or issue number when known
    watched_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    score: Mapped[int | None]
    note: Mapped[str] = mapped_column(Text, default="")
    is_rewatch: Mapped[bool] = mapped_column(default=False)

    user: Mapped[User] = relationship()
    title: Mapped[Title] = relationship()


class Review(Timestamps, Base):
    __tablename__ = "reviews"
    __table_args__ = (UniqueConstraint("user_id", "title_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    title_id: Mapped[int] = mapped_column(ForeignKey("titles.id", ondelete="CASCADE"), index=True)
    body: Mapped[str] = mapped_column(Text)  # markdown
    spoiler: Mapped[bool] = mapped_column(default=False)

    user: Mapped[User] = relationship()
    title: Mapped[Title] = relationship()


class CustomList(Timestamps, Base):
    __tablename__ = "custom_lists"
    __table_args__ = (UniqueConstraint("user_id", "slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    slug: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    is_public: Mapped[bool] = mapped_column(default=True)
    is_ranked: Mapped[bool] = mapped_column(default=False)

    user: Mapped[User] = relationship()
    items: Mapped[list[CustomListItem]] = relationship(
        back_populates="custom_list", cascade="all, delete-orphan", order_by="CustomListItem.position"
    )


class CustomListItem(Base):
    __tablename__ = "custom_list_items"
    __table_args__ = (
        UniqueConstraint("list_id", "title_id"),
        Index("ix_custom_list_items_list_id_position", "list_id", "position"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    list_id: Mapped[int] = mapped_column(ForeignKey("custom_lists.id", ondelete="CASCADE"), index=True)
    title_id: Mapped[int] = mapped_column(ForeignKey("titles.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    note: Mapped[str] = mapped_column(Text, default="")
    added_at: Mapped[datetime] = mapped_column(default=utcnow)

    custom_list: Mapped[CustomList] = relationship(back_populates="items")
    title: Mapped[Title] = relationship()


class Follow(Base):
    """`follower` follows `followed`; a follow of a private profile is a pending request until approved."""

    __tablename__ = "follows"

    follower_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    followed_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    status: Mapped[str] = mapped_column(String(16), default="approved", server_default="approved")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Activity(Base):
    """Something a user did, for profiles, feeds and trending."""

    __tablename__ = "activities"
    __table_args__ = (Index("ix_activities_user_id_created_at", "user_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    verb: Mapped[str] = mapped_column(String(32), index=True)  # rated, added, reviewed, completed, ...
    title_id: Mapped[int | None] = mapped_column(ForeignKey("titles.id", ondelete="CASCADE"), index=True)
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)

    user: Mapped[User] = relationship()
    title: Mapped[Title | None] = relationship()
