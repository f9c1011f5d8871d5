"""All models, importable from one place (Alembic autogenerate sees every table through it)."""

from mymovielist.models.api import ApiToken
from mymovielist.models.base import Base, utcnow
from mymovielist.models.catalog import (
    KIND_LABELS,
    KIND_MODELS,
    KINDS,
    AnimatedShow,
    Character,
    CharacterVoice,
    Comic,
    Credit,
    Episode,
    ExternalId,
    Genre,
    Movie,
    Person,
    RatingStats,
    Season,
    Series,
    Title,
    TitleCharacter,
    TitleRelation,
    TitleRevision,
    title_genres,
)
from mymovielist.models.discovery import TitleNeighbour, TrendingScore
from mymovielist.models.imports import ImportJob
from mymovielist.models.invites import Invite
from mymovielist.models.jobs import Job
from mymovielist.models.sharing import CalendarToken
from mymovielist.models.social import Notification
from mymovielist.models.sync import SyncRun
from mymovielist.models.tracking import (
    Activity,
    CustomList,
    CustomListItem,
    Follow,
    ListEntry,
    Review,
    WatchEvent,
)
from mymovielist.models.users import Preferences, Profile, User

__all__ = [
    "KINDS",
    "KIND_LABELS",
    "KIND_MODELS",
    "Activity",
    "AnimatedShow",
    "ApiToken",
    "Base",
    "CalendarToken",
    "Character",
    "CharacterVoice",
    "Comic",
    "Credit",
    "CustomList",
    "CustomListItem",
    "Episode",
    "ExternalId",
    "Follow",
    "Genre",
    "ImportJob",
    "Invite",
    "Job",
    "ListEntry",
    "Movie",
    "Notification",
    "Person",
    "Preferences",
    "Profile",
    "RatingStats",
    "Review",
    "Season",
    "Series",
    "SyncRun",
    "Title",
    "TitleCharacter",
    "TitleNeighbour",
    "TitleRelation",
    "TitleRevision",
    "TrendingScore",
    "User",
    "WatchEvent",
    "title_genres",
    "utcnow",
]
