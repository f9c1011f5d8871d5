"""Invites for invite-only registration: create (the code is shown once), list, revoke, check, consume.

A code is 24 random bytes; like an API token (services/api_tokens.py) only its SHA-256 is stored
and looked up. Consuming is one conditional UPDATE in the sign-up's own transaction: of two sign-ups
racing with one code, the database lets exactly one change the row, and the other is refused.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from sqlalchemy import or_, select, update

from mymovielist.extensions import db
from mymovielist.models import Invite, User, utcnow
from mymovielist.services.api_tokens import hash_token

MAX_NOTE = 200
MAX_CODE = 100  # longer input is no code of ours: refused before hashing
MAX_DAYS = 365
INVALID = "This invite code is not valid: it may be mistyped, used, revoked or expired."
MISSING = "Sign-up is by invitation: enter the invite code you were given."


class InviteError(ValueError):
    """An invite the rules refuse; `field` names the form field it concerns."""

    def __init__(self, message: str, field: str = "invite") -> None:
        super().__init__(message)
        self.message = message
        self.field = field


def create_invite(admin: User, note: str = "", days: int | None = None) -> tuple[Invite, str]:
    """Make an invite, valid `days` days (None: until used or revoked); returns the row and its code."""
    note = " ".join((note or "").split())
    if len(note) > MAX_NOTE:
        raise InviteError(f"Keep the note under {MAX_NOTE} characters.", "note")
    if days is not None and not 1 <= days <= MAX_DAYS:
        raise InviteError(f"Choose between 1 and {MAX_DAYS} days, or leave it empty.", "days")
    code = secrets.token_urlsafe(24)
    now = utcnow()
    invite = Invite(code_hash=hash_token(code), note=note, created_by_id=admin.id, created_at=now,
                    expires_at=now + timedelta(days=days) if days else None)
    db.session.add(invite)
    db.session.flush()
    return invite, code


def list_invites() -> list[Invite]:
    """Every invite, newest first."""
    return list(db.session.scalars(select(Invite).order_by(Invite.created_at.desc(), Invite.id.desc())))


def revoke_invite(invite_id: int) -> Invite | None:
    """Revoke an unused invite; None when there is no such invite or it was used already."""
    invite = db.session.get(Invite, invite_id)
    if invite is None or invite.used_at is not None:
        return None
    if invite.revoked_at is None:
        invite.revoked_at = utcnow()
        db.session.flush()
    return invite


def _usable(now: datetime):
    return (Invite.used_at.is_(None), Invite.revoked_at.is_(None),
            or_(Invite.expires_at.is_(None), Invite.expires_at > now))


def code_problem(code: str | None) -> str | None:
    """Why `code` cannot be used to sign up, or None when it can (nothing is changed)."""
    code = (code or "").strip()
    if not code:
        return MISSING
    if len(code) > MAX_CODE:
        return INVALID
    found = db.session.scalar(select(Invite.id).where(Invite.code_hash == hash_token(code), *_usable(utcnow())))
    return INVALID if found is None else None


def consume_invite(code: str | None, user: User) -> None:
    """Mark the invite used by `user`, in the caller's transaction; InviteError when it is not usable."""
    problem = code_problem(code)
    if problem:
        raise InviteError(problem)
    now = utcnow()
    result = db.session.execute(
        update(Invite)
        .where(Invite.code_hash == hash_token((code or "").strip()), *_usable(now))
        .values(used_at=now, used_by_id=user.id)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # another sign-up used it between the check and now
        raise InviteError(INVALID)
