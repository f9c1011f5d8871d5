"""The bundled demo catalog: real titles of every kind, loaded idempotently through the upsert."""

import json
import re

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from mymovielist.extensions import db
from mymovielist.models import Base, Genre, Person, Title
from mymovielist.services.demo_catalog import default_path, read_records


def row_counts() -> dict[str, int]:
    return {
        name: db.session.scalar(select(func.count()).select_from(table))
        for name, table in Base.metadata.tables.items()
    }


def test_the_demo_file_ships_in_the_package():
    records = list(read_records(default_path()))
    kinds = {r.kind for r in records}
    assert len(records) >= 1000 and kinds == {"movie", "series", "anime", "comic"}
    refs = [(ref.provider, ref.kind, ref.value) for r in records for ref in r.refs]
    assert len(refs) == len(set(refs)), "an external id names two demo titles"


def test_load_demo_twice_changes_nothing(demo_app):
    """demo_app's database was filled by one load of the whole file; a second load changes no row."""
    runner = demo_app.test_cli_runner()
    with demo_app.app_context():
        counts = row_counts()
    stats = json.loads(runner.invoke(args=["catalog", "stats", "--json"]).output)
    assert sum(stats.values()) >= 1000 and all(stats[k] > 0 for k in ("movie", "series", "anime", "comic"))

    second = runner.invoke(args=["catalog", "load-demo"])
    assert second.exit_code == 0 and " 0 created, 0 updated" in second.output, second.output
    with demo_app.app_context():
        assert row_counts() == counts
    assert json.loads(runner.invoke(args=["catalog", "stats", "--json"]).output) == stats


def test_load_demo_if_empty_skips_a_filled_catalog(runner, make_title):
    make_title("movie", "Already here")
    result = runner.invoke(args=["catalog", "load-demo", "--if-empty"])
    assert "already has titles" in result.output


def test_stats_text_output(runner):
    result = runner.invoke(args=["catalog", "stats"])
    assert result.exit_code == 0 and "movie" in result.output and "comic" in result.output


def test_demo_titles_have_genres_and_people(demo_app):
    with demo_app.app_context():
        for kind in ("movie", "series", "anime", "comic"):
            with_genres = db.session.scalar(
                select(func.count()).select_from(Title).where(Title.kind == kind, Title.genres.any())
            )
            assert with_genres > 0, kind
        assert db.session.scalar(select(func.count()).select_from(Genre)) >= 20
        assert db.session.scalar(select(func.count()).select_from(Person)) >= 100


def test_every_kind_browses_and_opens_on_the_demo_catalog(demo_client):
    home = demo_client.get("/").get_data(as_text=True)
    # The home page loads its sections lazily: trending, top rated and new, twelve cards each.
    for url, shelf in (("/trending", "shelf-trending"), ("/top", "shelf-top"), ("/new", "shelf-new")):
        assert f'hx-get="{url}"' in home
        body = demo_client.get(url, headers={"HX-Request": "true", "HX-Target": shelf}).get_data(as_text=True)
        assert body.count('class="card"') == 12, url
    for kind_path in ("/movies", "/series", "/anime", "/comics"):
        page = demo_client.get(kind_path).get_data(as_text=True)
        links = re.findall(r'href="(/titles/\d+-[^"]*)" class="card-link"', page)
        assert len(links) >= 12, kind_path
        assert demo_client.get(links[0]).status_code == 200


def family(title: Title) -> str:
    """A coarse kind family, wider than the sync's rule: anything in one family could be one work."""
    if title.kind == "anime":
        return "movie" if getattr(title, "format", None) == "Movie" else "tv"
    return {"series": "tv"}.get(title.kind, title.kind)


def test_the_demo_catalog_has_no_work_twice(demo_app):
    """No two titles from different providers share a normalized title, a kind family and a year (±1)."""
    from mymovielist.sync.matching import normalize_title

    with demo_app.app_context():
        titles = db.session.scalars(select(Title).options(selectinload(Title.external_ids))).all()
        seen: dict[tuple[str, str], list[Title]] = {}
        for title in titles:
            for name in {normalize_title(t) for t in (title.title, title.original_title, *(title.alt_titles or ()))}:
                if name:
                    seen.setdefault((name, family(title)), []).append(title)
        twins = set()
        for (name, _family), group in seen.items():
            for a in group:
                for b in group:
                    providers_a, providers_b = ({e.provider for e in t.external_ids} for t in (a, b))
                    if (a.id < b.id and not providers_a & providers_b and a.year and b.year
                            and abs(a.year - b.year) <= 1):
                        twins.add((name, a.id, a.year, b.id, b.year))
        assert not twins
        by_title = {}
        for title in titles:
            by_title.setdefault(title.title, []).append(title)
        brotherhood = by_title["Fullmetal Alchemist: Brotherhood"]
        assert len(brotherhood) == 1 and {e.provider for e in brotherhood[0].external_ids} == {"tmdb", "jikan"}
        assert [t.year for t in by_title["Spirited Away"]] == [2001]
        assert [t.year for t in by_title["One Piece"]] == [1999]
        # Different films of one name stay apart (1959 and the 2016 remake); vega's undated Ben-Hur is not guessed at.
        assert sorted((t.year or 0) for t in by_title["Ben-Hur"]) == [0, 1959, 2016]
