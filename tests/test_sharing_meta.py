"""sharing/meta.py and the pages' meta blocks: descriptions, Open Graph, Twitter cards, privacy."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from mymovielist.extensions import db
from mymovielist.models import CustomList, Review, Title, User
from mymovielist.sharing.meta import plain_text

POSTER = "https://image.tmdb.org/t/p/original/poster.jpg"


class HeadMeta(HTMLParser):
    """The <meta> tags of a page as {name or property: content}, values unescaped by the parser."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: dict[str, str] = {}
        self.links: list[dict[str, str | None]] = []

    def handle_starttag(self, tag, attrs):
        found = dict(attrs)
        if tag == "meta" and (found.get("name") or found.get("property")):
            self.tags[found.get("name") or found.get("property") or ""] = found.get("content") or ""
        elif tag == "link":
            self.links.append(found)


def head(html: str) -> HeadMeta:
    parser = HeadMeta()
    parser.feed(html.split("</head>")[0])
    return parser


@pytest.mark.parametrize(("text", "expected"), [
    ("  many\n\n spaces\there ", "many spaces here"),
    ("bell\x07 and nul\x00 gone", "bell and nul gone"),
    ("word " * 50, ("word " * 31).strip() + "…"),
    ("x" * 200, "x" * 159 + "…"),
    ("", ""),
    (None, ""),
])
def test_plain_text_collapses_strips_and_trims(text, expected):
    assert plain_text(text) == expected
    assert len(plain_text(text)) <= 160


def test_plain_text_reads_html_only_when_told():
    assert plain_text("<p>Tom &amp; Jerry</p>", html=True) == "Tom & Jerry"
    assert plain_text("<p>Tom &amp; Jerry</p>") == "<p>Tom &amp; Jerry</p>"


@pytest.fixture
def hostile_title(app, make_title):
    title_id = make_title("movie", 'The "Quoted" <Movie>', release_date=None, poster_url=POSTER)
    with app.app_context():
        # Straight into the row, past the sync's sanitizer: the meta tags must hold up on their own.
        db.session.get(Title, title_id).synopsis = 'He said "run" <script>alert(1)</script> & left. ' + "More. " * 40
        db.session.commit()
    return title_id


def test_title_page_has_escaped_description_and_absolute_open_graph(client, hostile_title):
    page = client.get(f"/titles/{hostile_title}").get_data(as_text=True)
    head_html = page.split("</head>")[0]
    assert "<script>alert" not in head_html
    assert 'content="He said &#34;run&#34;' in head_html  # quotes cannot end the attribute
    tags = head(page).tags
    assert tags["description"].startswith('He said "run" alert(1) & left.')
    assert len(tags["description"]) <= 160 and tags["description"].endswith("…")
    assert tags["og:title"] == 'The "Quoted" <Movie>'
    assert tags["og:type"] == "video.movie"
    assert tags["og:site_name"] == "MyMovieList"
    assert tags["og:url"] == f"http://localhost/titles/{hostile_title}-the-quoted-movie"
    assert re.fullmatch(rf"http://localhost/img/title/{hostile_title}/[0-9a-f]{{12}}/500", tags["og:image"])
    assert tags["twitter:card"] == "summary" and tags["twitter:image"] == tags["og:image"]


def test_og_image_links_the_provider_when_the_proxy_is_off(app, client, hostile_title):
    app.config["IMAGE_PROXY"] = False
    assert head(client.get(f"/titles/{hostile_title}").get_data(as_text=True)).tags["og:image"] == POSTER


def test_page_cache_keeps_one_copy_per_host(client, hostile_title):
    """A forged Host header must not plant its address in the page other visitors get from the cache."""
    client.get(f"/titles/{hostile_title}", headers={"Host": "evil.example"})
    tags = head(client.get(f"/titles/{hostile_title}").get_data(as_text=True)).tags
    assert tags["og:url"].startswith("http://localhost/")


def test_every_page_has_a_default_description(client):
    tags = head(client.get("/").get_data(as_text=True)).tags
    assert tags["description"] and tags["og:site_name"] == "MyMovieList"
    assert tags["og:url"] == "http://localhost/"
    assert "og:image" not in tags


def test_public_profile_shows_its_bio(client, make_user):
    make_user("alice", display_name="Alice <A>", bio='Loves "noir" films.', avatar_url="https://example.org/a.png")
    tags = head(client.get("/users/alice").get_data(as_text=True)).tags
    assert tags["og:title"] == "Alice <A> (@alice)"
    assert tags["description"] == 'Loves "noir" films.'
    assert tags["og:type"] == "profile" and tags["profile:username"] == "alice"
    assert tags["og:image"].startswith("http://localhost/img/avatar/")


def test_private_profile_gives_strangers_no_bio_or_avatar(client, auth, make_user):
    make_user("hidden", bio="secret bio words", avatar_url="https://example.org/secret.png", is_private=True)
    make_user("stranger")
    for login in (None, "stranger"):
        if login:
            auth.login(login)
        page = client.get("/users/hidden").get_data(as_text=True)
        parsed = head(page)
        assert "secret" not in page.split("</head>")[0]
        assert parsed.tags["description"] == "hidden on MyMovieList."
        assert "og:image" not in parsed.tags
        assert not [link for link in parsed.links if link.get("type") == "application/rss+xml"]
    auth.logout()
    auth.login("hidden")
    assert head(client.get("/users/hidden").get_data(as_text=True)).tags["description"] == "secret bio words"


def test_public_profile_links_its_feed(client, make_user):
    make_user("alice")
    links = head(client.get("/users/alice").get_data(as_text=True)).links
    assert {"rel": "alternate", "type": "application/rss+xml", "title": "Activity of alice",
            "href": "/users/alice/activity.rss"} in links


def test_list_page_meta_and_private_list_is_404(app, client, make_user, make_title):
    owner = make_user("lister")
    first = make_title("movie", "First", poster_url=POSTER)
    with app.app_context():
        public = CustomList(user_id=owner, name="Best <noir>", slug="best", description="Dark & rainy.")
        hidden = CustomList(user_id=owner, name="Secret list", slug="secret", description="private words",
                            is_public=False)
        db.session.add_all([public, hidden])
        db.session.flush()
        from mymovielist.services import lists
        lists.add_item(public, db.session.get(Title, first))
        db.session.commit()
        public_id, hidden_id = public.id, hidden.id
    tags = head(client.get(f"/lists/{public_id}").get_data(as_text=True)).tags
    assert tags["og:title"] == "Best <noir>" and tags["description"] == "Dark & rainy."
    assert tags["og:url"] == f"http://localhost/lists/{public_id}"
    assert tags["og:image"].startswith(f"http://localhost/img/title/{first}/")
    hidden_page = client.get(f"/lists/{hidden_id}")
    assert hidden_page.status_code == 404 and b"private words" not in hidden_page.data


def test_review_meta_quotes_the_text_but_not_spoilers(app, client, make_user, make_title):
    author = make_user("critic")
    title_id = make_title("series", "Show")
    with app.app_context():
        plain = Review(user_id=author, title_id=title_id, body="**Great** show, <b>really</b>.")
        db.session.add(plain)
        other = make_user("spoiler")
        spoiled = Review(user_id=other, title_id=title_id, body="The butler did it.", spoiler=True)
        db.session.add(spoiled)
        db.session.commit()
        plain_id, spoiled_id = plain.id, spoiled.id
    page = client.get(f"/reviews/{plain_id}").get_data(as_text=True)
    tags = head(page).tags
    assert tags["og:title"] == "Review of Show by critic"
    assert tags["og:type"] == "article"
    # Markdown's emphasis goes; the HTML the renderer shows as text stays text, escaped in the tag.
    assert tags["description"] == "Great show, <b>really</b>."
    assert "<b>" not in page.split("</head>")[0]
    spoiler_page = client.get(f"/reviews/{spoiled_id}").get_data(as_text=True)
    assert "butler" not in spoiler_page.split("</head>")[0]
    assert head(spoiler_page).tags["description"] == "Review of Show by spoiler. It contains spoilers."


def test_a_private_authors_review_is_404_with_no_meta(app, client, make_user, make_title):
    author = make_user("shy", is_private=True)
    title_id = make_title("movie", "Quiet")
    with app.app_context():
        review = Review(user_id=author, title_id=title_id, body="hidden opinion")
        db.session.add(review)
        db.session.commit()
        review_id = review.id
        assert db.session.get(User, author).profile.is_private
    response = client.get(f"/reviews/{review_id}")
    assert response.status_code == 404 and b"hidden opinion" not in response.data
