"""Similar titles: neighbours, provider recommendations and relations, then shared genres."""

from __future__ import annotations

from datetime import timedelta

from mymovielist.discover import tasks
from mymovielist.extensions import db
from mymovielist.models import ListEntry, Title, utcnow
from mymovielist.services import similar
from mymovielist.sync.records import ExternalRef, RelationRecord


def listed(app, title_id: int, **kwargs) -> list[tuple[str, str]]:
    with app.app_context():
        return [(s.title.title, s.reason) for s in similar.list_similar(db.session.get(Title, title_id), **kwargs)]


def test_shared_genres_before_the_job_has_run(app, make_title):
    base = make_title("movie", "Solaris", genres=["Drama", "Science Fiction"])
    make_title("movie", "Stalker", genres=["Drama", "Science Fiction"])
    make_title("anime", "Ghost", genres=["Drama", "Science Fiction"], popularity=99.0)
    make_title("movie", "Weepie", genres=["Drama"], popularity=500.0)
    make_title("movie", "Farce", genres=["Comedy"], popularity=900.0)
    # Most genres shared first, the same kind before other kinds, then popularity.
    assert listed(app, base) == [("Stalker", "Shares genres, people or studio"),
                                 ("Ghost", "Shares genres, people or studio"),
                                 ("Weepie", "Shares genres, people or studio")]


def test_provider_recommendations_and_relations_come_with_their_reason(app, make_title):
    sequel = make_title("movie", "Part Two", refs=[ExternalRef("tmdb", "movie", "2")])
    liked = make_title("movie", "Their pick", refs=[ExternalRef("tmdb", "movie", "3")])
    base = make_title("movie", "Part One", refs=[ExternalRef("tmdb", "movie", "1")], relations=[
        RelationRecord("sequel", ExternalRef("tmdb", "movie", "2"), "Part Two"),
        RelationRecord("recommendation", ExternalRef("tmdb", "movie", "3"), "Their pick"),
        RelationRecord("recommendation", ExternalRef("tmdb", "movie", "404"), "Not in our catalog"),
    ])
    assert listed(app, base) == [("Their pick", "Recommended by TMDB users"), ("Part Two", "Sequel")]
    with app.app_context():
        tasks.rebuild_neighbours()  # the job keeps them, now as neighbours
    assert set(listed(app, base)) == {("Their pick", "Recommended by TMDB users"), ("Part Two", "Sequel")}
    assert sequel and liked


def test_neighbours_from_ratings(app, make_title, make_user):
    base, twin, other = (make_title("series", name) for name in ("Base", "Twin", "Other"))
    users = [make_user(f"viewer{i}") for i in range(4)]
    with app.app_context():
        for user in users:
            for title_id in (base, twin):
                db.session.add(ListEntry(user_id=user, title_id=title_id, status="completed", score=90,
                                         updated_at=utcnow() - timedelta(days=1)))
        db.session.add(ListEntry(user_id=users[0], title_id=other, status="dropped", score=10))
        db.session.commit()
        tasks.rebuild_neighbours()
    assert listed(app, base)[0] == ("Twin", "Often enjoyed by the same people")


def test_limit_self_and_adult_titles(app, make_title):
    base = make_title("movie", "Base", genres=["Horror"])
    for i in range(5):
        make_title("movie", f"Scary {i}", genres=["Horror"], popularity=float(i))
    make_title("movie", "Adult horror", genres=["Horror"], adult=True, popularity=100.0)
    titles = [name for name, _ in listed(app, base, limit=3)]
    assert titles == ["Scary 4", "Scary 3", "Scary 2"]
    assert "Adult horror" in [name for name, _ in listed(app, base, show_adult=True)]
    assert "Base" not in [name for name, _ in listed(app, base, limit=50)]
