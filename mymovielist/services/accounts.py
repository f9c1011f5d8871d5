"""Accounts: registration, authentication, session revocation, profile, preferences, deletion."""

from __future__ import annotations

import re
from collections.abc import Iterable

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.exc import IntegrityError

from mymovielist import localization
from mymovielist.extensions import db
from mymovielist.models import KINDS, Activity, Follow, ListEntry, Preferences, Profile, Review, User, utcnow
from mymovielist.models.users import SCORE_SCALES, THEMES, new_session_token
from mymovielist.services import cache_keys, passwords, ratings

USERNAME_RE = re.compile(r"^[A-Za-z0-9_-]{3,32}$")
EMAIL_RE = re.compile(r"^[^@\s]{1,64}@[^@\s.]+(\.[^@\s.]+)+$")


class AccountError(ValueError):
    """A rule an account change broke, with the form field it belongs to."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def normalize_email(email: str) -> str:
    return email.strip().lower()


def get_user_by_username(username: str) -> User | None:
    """The user with this username, ignoring case."""
    return db.session.scalar(select(User).where(func.lower(User.username) == username.strip().lower()))


def get_user_by_login(identifier: str) -> User | None:
    """The user whose username or email address is `identifier`, ignoring case."""
    value = identifier.strip().lower()
    if not value:
        return None
    return db.session.scalar(
        select(User).where(or_(func.lower(User.username) == value, User.email == value)).limit(1)
    )


def username_problem(username: str) -> str | None:
    if not USERNAME_RE.match(username):
        return "Use 3 to 32 letters, digits, hyphens or underscores."
    if get_user_by_username(username) is not None:
        return "That username is taken."
    return None


def email_problem(email: str) -> str | None:
    email = normalize_email(email)
    if len(email) > 254 or not EMAIL_RE.match(email):
        return "Enter an email address like name@example.org."
    if db.session.scalar(select(User.id).where(User.email == email)) is not None:
        return "An account already uses that email address."
    return None


def register(username: str, email: str, password: str, time_zone: str = "") -> User:
    """Create a user with an empty profile and default preferences; AccountError names the bad field.

    `time_zone` is what the browser reported (app.js); one this system does not know is left out (UTC).
    """
    username = username.strip()
    for field, problem in (("username", username_problem(username)), ("email", email_problem(email))):
        if problem:
            raise AccountError(field, problem)
    problems = passwords.password_problems(password, username=username, email=email)
    if problems:
        raise AccountError("password", problems[0])
    user = User(
        username=username,
        email=normalize_email(email),
        password_hash=passwords.hash_password(password),
        profile=Profile(display_name="", bio=""),
        preferences=Preferences(time_zone=time_zone if localization.is_zone(time_zone) else ""),
    )
    try:
        with db.session.begin_nested():
            db.session.add(user)
            db.session.flush()
    except IntegrityError:  # another request took the name between our check and the insert
        raise AccountError("username", "That username or email address is taken.") from None
    return user


def authenticate(identifier: str, password: str) -> User | None:
    """The active user these credentials belong to, or None; both cases take as long."""
    user = get_user_by_login(identifier)
    if user is None:
        passwords.burn_verification(password)
        return None
    if not passwords.verify_password(user.password_hash, password) or not user.is_active:
        return None
    if passwords.needs_rehash(user.password_hash):
        user.password_hash = passwords.hash_password(password)
    user.last_login_at = utcnow()
    return user


def throttle_key(identifier: str) -> str:
    """The key failed logins count against: the account when it exists, else what was typed."""
    user = get_user_by_login(identifier)
    return f"user:{user.id}" if user is not None else f"login:{identifier.strip().lower()[:254]}"


def revoke_sessions(user: User) -> None:
    """Invalidate every session and remember-me cookie of the user."""
    user.session_token = new_session_token()


def change_password(user: User, current: str, new: str) -> None:
    """Set a new password after checking the current one; other sessions are revoked."""
    if not passwords.verify_password(user.password_hash, current):
        raise AccountError("current_password", "Your current password is not right.")
    problems = passwords.password_problems(new, username=user.username, email=user.email)
    if problems:
        raise AccountError("new_password", problems[0])
    user.password_hash = passwords.hash_password(new)
    revoke_sessions(user)


def update_profile(
    user: User, *, display_name: str | None, bio: str | None, avatar_url: str | None, is_private: bool
) -> Profile:
    profile = user.profile or Profile(user=user)
    if profile.is_private and not is_private:  # nothing left to approve: the requests become follows
        db.session.execute(
            update(Follow).where(Follow.followed_id == user.id, Follow.status == "pending").values(status="approved")
        )
    profile.display_name = (display_name or "").strip()
    profile.bio = (bio or "").strip()
    profile.avatar_url = avatar_url or None
    profile.is_private = is_private
    db.session.flush()
    return profile


def update_preferences(
    user: User,
    *,
    score_scale: str,
    kinds_shown: Iterable[str],
    show_adult: bool,
    theme: str,
    lists_public_by_default: bool,
    time_zone: str = "",
    locale: str = "",
) -> Preferences:
    kinds = [kind for kind in KINDS if kind in set(kinds_shown)]
    if score_scale not in SCORE_SCALES:
        raise AccountError("score_scale", "Choose one of the score scales.")
    if theme not in THEMES:
        raise AccountError("theme", "Choose system, light or dark.")
    if not kinds:
        raise AccountError("kinds_shown", "Show at least one kind of title.")
    if time_zone and not localization.is_zone(time_zone):
        raise AccountError("time_zone", "Choose a time zone from the list, such as Europe/Paris.")
    if locale and locale not in localization.LOCALES:
        raise AccountError("locale", "Choose one of the date formats.")
    prefs = user.preferences or Preferences(user=user)
    prefs.time_zone, prefs.locale = time_zone, locale
    prefs.score_scale = score_scale
    prefs.kinds_shown = kinds
    prefs.show_adult = show_adult
    prefs.theme = theme
    prefs.lists_public_by_default = lists_public_by_default
    db.session.flush()
    return prefs


def delete_account(user: User, password: str) -> None:
    """Delete the user's own account after checking their password (see `erase_user`)."""
    if not passwords.verify_password(user.password_hash, password):
        raise AccountError("password", "Your password is not right.")
    erase_user(user)


def erase_user(user: User) -> None:
    """Delete the user and everything personal they own, and take them out of what others see.

    The database's cascades remove their rows; the titles they rated get their counts, means and
    weighted scores recomputed in this transaction, other users' "followed <user>" lines go (they
    would link to a profile that no longer exists), and the caches of those titles and of the user's
    id (SQLite may give it to the next account) are invalidated.
    """
    rated = set(db.session.scalars(
        select(ListEntry.title_id).where(ListEntry.user_id == user.id, ListEntry.score.is_not(None))))
    reviewed = set(db.session.scalars(select(Review.title_id).where(Review.user_id == user.id)))
    db.session.execute(
        delete(Activity).where(Activity.verb == "followed", Activity.data["user_id"].as_integer() == user.id)
    )
    revoke_sessions(user)
    db.session.delete(user)
    db.session.flush()
    ratings.refresh_titles(rated)
    for title_id in reviewed - rated:
        cache_keys.title_changed(title_id)
    cache_keys.user_changed(user.id)


def make_admin(username: str, email: str | None, password: str | None) -> tuple[User, bool]:
    """Promote an existing user to admin, or create an admin account; returns (user, created)."""
    user = get_user_by_username(username)
    if user is not None:
        user.role = "admin"
        db.session.flush()
        return user, False
    if not email or password is None:
        raise AccountError("email", "A new admin account needs an email address and a password.")
    user = register(username, email, password)
    user.role = "admin"
    db.session.flush()
    return user, True
