"""The catalog upsert: idempotent, revisioned, respectful of locks and of what we already know."""

from datetime import date

import pytest
from sqlalchemy import func, select

from mymovielist.extensions import db
from mymovielist.models import Credit, ExternalId, Genre, Person, Title, TitleRelation, TitleRevision
from mymovielist.sync.records import (
    CharacterRecord,
    CreditRecord,
    ExternalRef,
    PersonRecord,
    RelationRecord,
    TitleRecord,
    VoiceRecord,
)
from mymovielist.sync.upsert import CatalogWriter, UpsertError, slugify


def bebop(**overrides) -> TitleRecord:
    fields = dict(
        kind="anime",
        title="Cowboy Bebop",
        original_title="カウボーイビバップ",
        refs=[ExternalRef("mal", "anime", "1", "https://myanimelist.net/anime/1")],
        release_date=date(1998, 4, 3),
        status="finished",
        genres=["Action", "Sci-Fi"],
        provider_score=8.75,
        details={"format": "TV", "episode_count": 26, "studios": "Sunrise"},
        credits=[
            CreditRecord(PersonRecord("Shinichiro Watanabe", ExternalRef("mal", "person", "2009")), "crew", job="Director"),
        ],
        characters=[
            CharacterRecord(
                "Spike Spiegel", ExternalRef("mal", "character", "1"), role="main",
                voices=[VoiceRecord(PersonRecord("Koichi Yamadera", ExternalRef("mal", "person", "11")), "Japanese")],
            )
        ],
        relations=[RelationRecord("side story", ExternalRef("mal", "anime", "5"), "Cowboy Bebop: Tengoku no Tobira")],
    )
    fields.update(overrides)
    return TitleRecord(**fields)


def count(model):
    return db.session.scalar(select(func.count()).select_from(model))


def test_create_then_rerun_changes_nothing(app):
    with app.app_context():
        first = CatalogWriter().upsert(bebop())
        db.session.commit()
        assert first.outcome == "created"
        title = db.session.get(Title, first.title.id)
        assert (title.kind, title.year, title.episode_count, title.studios) == ("anime", 1998, 26, "Sunrise")
        assert [g.name for g in title.genres] == ["Action", "Sci-Fi"]
        assert title.slug == "cowboy-bebop"
        rows = {m: count(m) for m in (Title, Person, Credit, Genre, ExternalId, TitleRevision)}

        second = CatalogWriter().upsert(bebop())
        db.session.commit()
        assert second.outcome == "unchanged" and second.changes == {}
        assert {m: count(m) for m in rows} == rows


def test_change_writes_a_revision(app):
    with app.app_context():
        CatalogWriter().upsert(bebop())
        result = CatalogWriter().upsert(bebop(provider_score=8.8, genres=["Action", "Sci-Fi", "Space"]))
        db.session.commit()
        assert result.outcome == "updated"
        assert result.changes["provider_score"] == [8.75, 8.8]
        revisions = db.session.scalars(select(TitleRevision).order_by(TitleRevision.id)).all()
        assert len(revisions) == 2
        assert revisions[1].changes["genres"] == [["action", "sci-fi"], ["action", "sci-fi", "space"]]


def test_locked_fields_survive(app):
    with app.app_context():
        title = CatalogWriter().upsert(bebop()).title
        title.title = "Cowboy Bebop (edited)"
        title.locked_fields = ["title", "genres"]
        db.session.commit()
        result = CatalogWriter().upsert(bebop(genres=["Drama"], provider_score=9.0))
        db.session.commit()
        assert result.title.title == "Cowboy Bebop (edited)"
        assert [g.name for g in result.title.genres] == ["Action", "Sci-Fi"]
        assert result.title.provider_score == 9.0


def test_unknown_values_never_erase_known_ones(app):
    with app.app_context():
        CatalogWriter().upsert(bebop())
        result = CatalogWriter().upsert(bebop(synopsis="", release_date=None, provider_score=None, details={}))
        db.session.commit()
        assert result.outcome == "unchanged"
        assert result.title.release_date == date(1998, 4, 3) and result.title.episode_count == 26


def test_second_provider_id_joins_the_same_title(app):
    with app.app_context():
        CatalogWriter().upsert(bebop())
        refs = [ExternalRef("mal", "anime", "1"), ExternalRef("tmdb", "tv", "30991")]
        result = CatalogWriter().upsert(bebop(refs=refs))
        db.session.commit()
        assert count(Title) == 1
        assert sorted(e.provider for e in result.title.external_ids) == ["mal", "tmdb"]


def test_kind_mismatch_is_refused(app):
    with app.app_context():
        CatalogWriter().upsert(bebop())
        with pytest.raises(UpsertError, match="anime here but the record says movie"):
            CatalogWriter().upsert(TitleRecord(kind="movie", title="X", refs=[ExternalRef("mal", "anime", "1")]))


def test_relation_links_when_the_target_arrives_later(app):
    with app.app_context():
        source = CatalogWriter().upsert(bebop()).title
        db.session.commit()
        relation = db.session.scalars(select(TitleRelation)).one()
        assert relation.related_title_id is None and relation.target_name.startswith("Cowboy Bebop:")
        movie = CatalogWriter().upsert(
            TitleRecord(kind="anime", title="Cowboy Bebop: The Movie", refs=[ExternalRef("mal", "anime", "5")])
        ).title
        db.session.commit()
        db.session.refresh(relation)
        assert relation.related_title_id == movie.id and relation.title_id == source.id


def test_voice_actors_and_people_are_shared(app):
    with app.app_context():
        CatalogWriter().upsert(bebop())
        other = bebop(
            title="Samurai Champloo",
            refs=[ExternalRef("mal", "anime", "205")],
            relations=[],
            characters=[],
            credits=[CreditRecord(PersonRecord("Shinichiro Watanabe", ExternalRef("mal", "person", "2009")), "crew", job="Director")],
        )
        CatalogWriter().upsert(other)
        db.session.commit()
        assert count(Person) == 2  # the director once, the voice actor once


def test_a_providers_people_and_characters_take_its_current_name_and_picture(app):
    from mymovielist.models import Character

    with app.app_context():
        CatalogWriter().upsert(bebop())
        db.session.commit()
        renamed = bebop(
            credits=[CreditRecord(PersonRecord("Shinichirō Watanabe", ExternalRef("mal", "person", "2009"),
                                               image_url="https://cdn.myanimelist.net/images/voiceactors/1/2009.jpg"),
                                  "crew", job="Director")],
            characters=[CharacterRecord("Spike", ExternalRef("mal", "character", "1"), role="main")],
        )
        CatalogWriter().upsert(renamed)
        db.session.commit()
        director = db.session.scalars(select(Person).where(Person.external_id == "2009")).one()
        assert director.name == "Shinichirō Watanabe" and director.image_url.endswith("/2009.jpg")
        assert db.session.scalars(select(Character)).one().name == "Spike"
        assert count(Person) == 2  # renamed in place, not a second person


@pytest.mark.parametrize(
    "text, slug",
    [("Pokémon: The First Movie", "pokemon-the-first-movie"), ("!!!", "title"), ("  A  B ", "a-b")],
)
def test_slugify(text, slug):
    assert slugify(text) == slug


@pytest.mark.parametrize(
    "fields, message",
    [
        (dict(kind="book"), "unknown kind"),
        (dict(title="  "), "needs a title"),
        (dict(refs=[]), "no external id"),
        (dict(status="paused"), "unknown status"),
    ],
)
def test_invalid_records_are_refused(fields, message):
    base = dict(kind="movie", title="T", refs=[ExternalRef("test", "movie", "1")])
    with pytest.raises(ValueError, match=message):
        TitleRecord(**{**base, **fields})


def test_record_round_trips_through_json():
    record = bebop()
    assert TitleRecord.from_dict(record.to_dict()) == record
