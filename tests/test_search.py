"""Title search: folding, prefixes, tiers by popularity, and the index kept in step with titles."""

import pytest
from sqlalchemy import select

from mymovielist.extensions import db
from mymovielist.models import Title
from conftest import PG_URL
from mymovielist.services.search import parse_query, search_titles, suggest_titles


def names(results):
    return [t.title for t in results]


@pytest.fixture
def catalog(make_title):
    make_title("anime", "Pokémon", popularity=500.0, original_title="ポケットモンスター")
    make_title("movie", "Pokémon: The First Movie", popularity=80.0)
    make_title("anime", "Cowboy Bebop", popularity=300.0, alt_titles=["カウボーイビバップ", "Space Cowboys"])
    make_title("movie", "Cowboy Bebop: The Movie", popularity=90.0)
    make_title("movie", "The Cowboys", popularity=5.0)
    make_title("comic", "Naruto", popularity=200.0)
    make_title("anime", "Boruto: Naruto Next Generations", popularity=400.0)
    make_title("series", "Naruto Shippuden", popularity=100.0)


def test_parse_query_splits_words_and_folds_case():
    assert parse_query("  POKÉMON,  Émile! ").words == ("pokémon", "émile")
    assert parse_query("a").is_empty and parse_query("").is_empty and parse_query("!!!").is_empty
    assert parse_query("x" * 3, kind="nope").kind is None


def test_diacritics_and_case_insensitive(app, catalog):
    with app.app_context():
        assert names(search_titles("pokemon").items) == ["Pokémon", "Pokémon: The First Movie"]
        assert names(search_titles("POKÉMON").items)[0] == "Pokémon"


def test_prefix_matching_while_typing(app, catalog):
    with app.app_context():
        assert names(suggest_titles("pok")) == ["Pokémon", "Pokémon: The First Movie"]
        assert "Cowboy Bebop" in names(suggest_titles("cowboy beb"))


def test_names_starting_with_the_query_come_first_then_popularity(app, catalog):
    with app.app_context():
        # Boruto is the most popular match, but "Naruto..." titles start with the query.
        assert names(search_titles("naruto").items) == ["Naruto", "Naruto Shippuden", "Boruto: Naruto Next Generations"]


def test_original_and_alternative_titles(app, catalog):
    with app.app_context():
        assert names(search_titles("space cowboys").items) == ["Cowboy Bebop"]
        assert names(search_titles("ポケットモンスター").items) == ["Pokémon"]


def test_kind_filter(app, catalog):
    with app.app_context():
        assert names(search_titles("cowboy", kind="movie").items) == ["Cowboy Bebop: The Movie", "The Cowboys"]


def test_pagination(app, catalog):
    with app.app_context():
        first = search_titles("cowboy", per_page=2)
        second = search_titles("cowboy", per_page=2, page=2)
        assert first.has_next and not second.has_next
        assert names(first.items) + names(second.items) == [
            "Cowboy Bebop", "Cowboy Bebop: The Movie", "The Cowboys"
        ]


def test_fts_syntax_in_input_is_just_text(app, catalog):
    with app.app_context():
        for raw in ['"', "NEAR(", "cowboy OR naruto", "title:naruto", "*", "bebop)", "^cow", "a AND"]:
            search_titles(raw)  # never an FTS syntax error
        assert names(search_titles("cowboy OR").items) == []


def test_index_follows_updates_and_deletes(app, catalog):
    with app.app_context():
        title = db.session.scalars(select(Title).where(Title.title == "The Cowboys")).one()
        title.title = "Les Cowgirls"
        title.popularity = 1000.0
        db.session.commit()
        assert names(search_titles("cowgirls").items) == ["Les Cowgirls"]
        assert "Les Cowgirls" not in names(search_titles("cowboys").items)
        db.session.delete(title)
        db.session.commit()
        assert search_titles("cowgirls").items == []


@pytest.mark.skipif(not PG_URL, reason="PostgreSQL only: the trigram fallback")
def test_postgres_forgives_a_typo(app, catalog):
    with app.app_context():
        assert names(search_titles("cowbou bebop").items)[:1] == ["Cowboy Bebop"]
