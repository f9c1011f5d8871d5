"""The catalog: titles of four kinds, their people, characters, genres, relations and history."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, ForeignKey, Index, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mymovielist.models.base import Base, Timestamps, utcnow

KINDS = ("movie", "series", "anime", "comic")
KIND_LABELS = {"movie": "Movie", "series": "Series", "anime": "Anime", "comic": "Comic"}
STATUSES = ("upcoming", "airing", "finished", "cancelled")

title_genres = Table(
    "title_genres",
    Base.metadata,
    Column("title_id", ForeignKey("titles.id", ondelete="CASCADE"), primary_key=True),
    Column("genre_id", ForeignKey("genres.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Title(Timestamps, Base):
    """A work in the catalog; `kind` selects the joined subclass table."""

    __tablename__ = "titles"
    __mapper_args__ = {"polymorphic_on": "kind"}
    __table_args__ = (
        Index("ix_titles_kind_popularity", "kind", "popularity"),
        Index("ix_titles_kind_weighted_score", "kind", "weighted_score"),
        Index("ix_titles_kind_year", "kind", "year"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), index=True)
    title: Mapped[str] = mapped_column(String(500), index=True)
    original_title: Mapped[str | None] = mapped_column(String(500))
    alt_titles: Mapped[list[str]] = mapped_column(JSON, default=list)
    slug: Mapped[str] = mapped_column(String(200))
    synopsis: Mapped[str] = mapped_column(Text, default="")
    release_date: Mapped[date | None] = mapped_column(index=True)
    end_date: Mapped[date | None]
    year: Mapped[int | None] = mapped_column(index=True)
    status: Mapped[str | None] = mapped_column(String(16), index=True)
    poster_url: Mapped[str | None] = mapped_column(String(500))
    backdrop_url: Mapped[str | None] = mapped_column(String(500))
    language: Mapped[str | None] = mapped_column(String(16))
    age_rating: Mapped[str | None] = mapped_column(String(64))
    adult: Mapped[bool] = mapped_column(default=False, index=True)
    provider_score: Mapped[float | None] = mapped_column(index=True)  # 0-10
    provider_votes: Mapped[int | None]
    mean_score: Mapped[float | None]  # 0-100, from our users
    rating_count: Mapped[int] = mapped_column(default=0)
    weighted_score: Mapped[float | None] = mapped_column(index=True)  # 0-100, Bayesian
    popularity: Mapped[float] = mapped_column(default=0.0, index=True)
    synced_at: Mapped[datetime | None] = mapped_column(index=True)
    locked_fields: Mapped[list[str]] = mapped_column(JSON, default=list)

    external_ids: Mapped[list[ExternalId]] = relationship(
        back_populates="title", cascade="all, delete-orphan"
    )
    genres: Mapped[list[Genre]] = relationship(
        secondary=title_genres, back_populates="titles", order_by="Genre.name"
    )
    credits: Mapped[list[Credit]] = relationship(
        back_populates="title", cascade="all, delete-orphan", order_by="(Credit.role, Credit.order)"
    )
    characters: Mapped[list[TitleCharacter]] = relationship(
        back_populates="title", cascade="all, delete-orphan", order_by="TitleCharacter.order"
    )
    relations: Mapped[list[TitleRelation]] = relationship(
        back_populates="title",
        cascade="all, delete-orphan",
        foreign_keys="TitleRelation.title_id",
    )
    episodes: Mapped[list[Episode]] = relationship(
        back_populates="title", cascade="all, delete-orphan", order_by="(Episode.season_number, Episode.number)"
    )
    revisions: Mapped[list[TitleRevision]] = relationship(
        back_populates="title", cascade="all, delete-orphan", order_by="TitleRevision.id"
    )

    @property
    def kind_label(self) -> str:
        return KIND_LABELS[self.kind]

    def __repr__(self) -> str:
        return f"<Title {self.id} {self.kind} {self.title!r}>"


class Movie(Title):
    __tablename__ = "movies"
    __mapper_args__ = {"polymorphic_identity": "movie"}

    id: Mapped[int] = mapped_column(ForeignKey("titles.id", ondelete="CASCADE"), primary_key=True)
    runtime_minutes: Mapped[int | None]
    tagline: Mapped[str | None] = mapped_column(String(500))
    collection: Mapped[str | None] = mapped_column(String(200))
    # Dollars: a blockbuster's gross passes 2**31 (PostgreSQL's integer), so 64 bits.
    budget: Mapped[int | None] = mapped_column(BigInteger)
    revenue: Mapped[int | None] = mapped_column(BigInteger)


class Series(Title):
    __tablename__ = "series"
    __mapper_args__ = {"polymorphic_identity": "series"}

    id: Mapped[int] = mapped_column(ForeignKey("titles.id", ondelete="CASCADE"), primary_key=True)
    networks: Mapped[str | None] = mapped_column(String(300))
    season_count: Mapped[int | None]
    episode_count: Mapped[int | None]
    episode_minutes: Mapped[int | None]

    seasons: Mapped[list[Season]] = relationship(
        back_populates="series", cascade="all, delete-orphan", order_by="Season.number"
    )


class AnimatedShow(Title):
    __tablename__ = "animated_shows"
    __mapper_args__ = {"polymorphic_identity": "anime"}

    id: Mapped[int] = mapped_column(ForeignKey("titles.id", ondelete="CASCADE"), primary_key=True)
    format: Mapped[str | None] = mapped_column(String(32), index=True)
    episode_count: Mapped[int | None]
    episode_minutes: Mapped[int | None]
    studios: Mapped[str | None] = mapped_column(String(300))
    source: Mapped[str | None] = mapped_column(String(64))
    season: Mapped[str | None] = mapped_column(String(16), index=True)
    season_year: Mapped[int | None] = mapped_column(index=True)


class Comic(Title):
    __tablename__ = "comics"
    __mapper_args__ = {"polymorphic_identity": "comic"}

    id: Mapped[int] = mapped_column(ForeignKey("titles.id", ondelete="CASCADE"), primary_key=True)
    format: Mapped[str | None] = mapped_column(String(32), index=True)
    publisher: Mapped[str | None] = mapped_column(String(200), index=True)
    volume_count: Mapped[int | None]
    issue_count: Mapped[int | None]


KIND_MODELS: dict[str, type[Title]] = {
    "movie": Movie,
    "series": Series,
    "anime": AnimatedShow,
    "comic": Comic,
}


class Season(Base):
    __tablename__ = "seasons"
    __table_args__ = (UniqueConstraint("series_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    series_id: Mapped[int] = mapped_column(ForeignKey("series.id", ondelete="CASCADE"), index=True)
    number: Mapped[int]
    name: Mapped[str] = mapped_column(String(300), default="")
    air_date: Mapped[date | None]
    episode_count: Mapped[int | None]
    poster_url: Mapped[str | None] = mapped_column(String(500))
    synopsis: Mapped[str] = mapped_column(Text, default="")

    series: Mapped[Series] = relationship(back_populates="seasons")


class Episode(Base):
    """An installment of a title: an episode of a series or anime, an issue or chapter of a comic."""

    __tablename__ = "episodes"
    __table_args__ = (UniqueConstraint("title_id", "season_number", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    title_id: Mapped[int] = mapped_column(ForeignKey("titles.id", ondelete="CASCADE"), index=True)
    season_number: Mapped[int] = mapped_column(default=0)  # 0 when the title has no seasons
    number: Mapped[int]
    name: Mapped[str] = mapped_column(String(500), default="")
    air_date: Mapped[date | None]
    runtime_minutes: Mapped[int | None]
    synopsis: Mapped[str] = mapped_column(Text, default="")

    title: Mapped[Title] = relationship(back_populates="episodes")


class ExternalId(Base):
    """A title's identifier at a provider; one per provider and title, each naming one title."""

    __tablename__ = "external_ids"
    __table_args__ = (
        UniqueConstraint("provider", "kind", "value"),
        UniqueConstraint("title_id", "provider", "kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title_id: Mapped[int] = mapped_column(ForeignKey("titles.id", ondelete="CASCADE"), index=True)
    provider: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(32))
    value: Mapped[str] = mapped_column(String(64))
    url: Mapped[str | None] = mapped_column(String(500))

    title: Mapped[Title] = relationship(back_populates="external_ids")


class Genre(Base):
    __tablename__ = "genres"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    slug: Mapped[str] = mapped_column(String(100), unique=True)

    titles: Mapped[list[Title]] = relationship(secondary=title_genres, back_populates="genres")


class Person(Base):
    __tablename__ = "people"
    __table_args__ = (UniqueConstraint("provider", "external_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(300), index=True)
    image_url: Mapped[str | None] = mapped_column(String(500))
    provider: Mapped[str | None] = mapped_column(String(32))
    external_id: Mapped[str | None] = mapped_column(String(64))

    credits: Mapped[list[Credit]] = relationship(back_populates="person")


class Credit(Base):
    """One line of cast or crew for a title, in billing order within its role."""

    __tablename__ = "credits"
    __table_args__ = (UniqueConstraint("title_id", "person_id", "role", "job", "character"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    title_id: Mapped[int] = mapped_column(ForeignKey("titles.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(8))  # cast | crew
    character: Mapped[str] = mapped_column(String(300), default="")
    job: Mapped[str] = mapped_column(String(200), default="")
    department: Mapped[str] = mapped_column(String(100), default="")
    order: Mapped[int] = mapped_column(default=0)

    title: Mapped[Title] = relationship(back_populates="credits")
    person: Mapped[Person] = relationship(back_populates="credits")


class Character(Base):
    __tablename__ = "characters"
    __table_args__ = (UniqueConstraint("provider", "external_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(300), index=True)
    image_url: Mapped[str | None] = mapped_column(String(500))
    provider: Mapped[str | None] = mapped_column(String(32))
    external_id: Mapped[str | None] = mapped_column(String(64))

    appearances: Mapped[list[TitleCharacter]] = relationship(back_populates="character")


class TitleCharacter(Base):
    __tablename__ = "title_characters"
    __table_args__ = (UniqueConstraint("title_id", "character_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    title_id: Mapped[int] = mapped_column(ForeignKey("titles.id", ondelete="CASCADE"), index=True)
    character_id: Mapped[int] = mapped_column(ForeignKey("characters.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(16), default="supporting")  # main | supporting
    order: Mapped[int] = mapped_column(default=0)

    title: Mapped[Title] = relationship(back_populates="characters")
    character: Mapped[Character] = relationship(back_populates="appearances")
    voices: Mapped[list[CharacterVoice]] = relationship(
        back_populates="title_character", cascade="all, delete-orphan", order_by="CharacterVoice.id"
    )


class CharacterVoice(Base):
    """A voice actor of a character in one title, per language."""

    __tablename__ = "character_voices"
    __table_args__ = (UniqueConstraint("title_character_id", "person_id", "language"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    title_character_id: Mapped[int] = mapped_column(
        ForeignKey("title_characters.id", ondelete="CASCADE"), index=True
    )
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    language: Mapped[str] = mapped_column(String(32), default="")

    title_character: Mapped[TitleCharacter] = relationship(back_populates="voices")
    person: Mapped[Person] = relationship()


class TitleRelation(Base):
    """A link from a title to another work; `related_title_id` is set once that work is in the catalog."""

    __tablename__ = "title_relations"
    __table_args__ = (UniqueConstraint("title_id", "relation", "target_provider", "target_kind", "target_value"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    title_id: Mapped[int] = mapped_column(ForeignKey("titles.id", ondelete="CASCADE"), index=True)
    related_title_id: Mapped[int | None] = mapped_column(
        ForeignKey("titles.id", ondelete="SET NULL"), index=True
    )
    relation: Mapped[str] = mapped_column(String(32), index=True)
    target_provider: Mapped[str] = mapped_column(String(32))
    target_kind: Mapped[str] = mapped_column(String(32))
    target_value: Mapped[str] = mapped_column(String(64))
    target_name: Mapped[str] = mapped_column(String(500), default="")

    title: Mapped[Title] = relationship(back_populates="relations", foreign_keys=[title_id])
    related_title: Mapped[Title | None] = relationship(foreign_keys=[related_title_id])


class TitleRevision(Base):
    """One change to a title's catalog data, so a bad sync can be seen and undone."""

    __tablename__ = "title_revisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    title_id: Mapped[int] = mapped_column(ForeignKey("titles.id", ondelete="CASCADE"), index=True)
    changed_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    source: Mapped[str] = mapped_column(String(16))  # provider | user | demo | revert
    provider: Mapped[str | None] = mapped_column(String(32))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    changes: Mapped[dict[str, Any]] = mapped_column(JSON)  # field -> [old, new]

    title: Mapped[Title] = relationship(back_populates="revisions")


class RatingStats(Base):
    """The sums behind C, the weighted score's global mean: one row, moved by each rating's transaction."""

    __tablename__ = "rating_stats"

    id: Mapped[int] = mapped_column(primary_key=True)  # always 1
    mean_sum: Mapped[float] = mapped_column(default=0.0)  # the mean scores of every rated title, added up
    rated_titles: Mapped[int] = mapped_column(default=0)  # titles with at least one rating
