"""Accounts: users, their public profile and their preferences."""

from __future__ import annotations

import secrets
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mymovielist.models.base import Base, utcnow

ROLES = ("user", "admin")
SCORE_SCALES = ("10", "100", "5stars", "3point")
THEMES = ("system", "light", "dark")


def new_session_token() -> str:
    return secrets.token_urlsafe(24)


class User(UserMixin, Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(32), unique=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16), default="user")
    is_blocked: Mapped[bool] = mapped_column(default=False)
    # Rotated on logout-everywhere events (logout, password change); sessions carry it.
    session_token: Mapped[str] = mapped_column(String(64), default=new_session_token)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    last_login_at: Mapped[datetime | None]

    profile: Mapped[Profile] = relationship(
        back_populates="user", cascade="all, delete-orphan", uselist=False
    )
    preferences: Mapped[Preferences] = relationship(
        back_populates="user", cascade="all, delete-orphan", uselist=False
    )

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return not self.is_blocked

    def get_id(self) -> str:
        return f"{self.id}:{self.session_token}"

    def __repr__(self) -> str:
        return f"<User {self.id} {self.username!r}>"


class Profile(Base):
    __tablename__ = "profiles"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    display_name: Mapped[str] = mapped_column(String(64), default="")
    bio: Mapped[str] = mapped_column(Text, default="")
    avatar_url: Mapped[str | None] = mapped_column(String(500))
    is_private: Mapped[bool] = mapped_column(default=False)

    user: Mapped[User] = relationship(back_populates="profile")


class Preferences(Base):
    __tablename__ = "preferences"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    score_scale: Mapped[str] = mapped_column(String(8), default="10")
    kinds_shown: Mapped[list[str]] = mapped_column(
        JSON, default=lambda: ["movie", "series", "anime", "comic"]
    )
    show_adult: Mapped[bool] = mapped_column(default=False)
    theme: Mapped[str] = mapped_column(String(8), default="system")
    lists_public_by_default: Mapped[bool] = mapped_column(default=True)
    # An IANA name ("Europe/Paris") and a locale ("fr"); empty: UTC, and the browser's language.
    time_zone: Mapped[str] = mapped_column(String(64), default="", server_default="")
    locale: Mapped[str] = mapped_column(String(16), default="", server_default="")

    user: Mapped[User] = relationship(back_populates="preferences")
