"""Calendar links: a secret per user that lets a calendar app read their upcoming releases."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mymovielist.models.base import Base, utcnow
from mymovielist.models.users import User


class CalendarToken(Base):
    """A user's one calendar link; only the SHA-256 of its secret is kept, as for API tokens.

    Calendar apps send no cookies, so the secret in the URL is the whole credential: it reads one
    calendar and nothing else, which is why it is not an API token.
    """

    __tablename__ = "calendar_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship()

    def __repr__(self) -> str:
        return f"<CalendarToken {self.id} user={self.user_id}>"
