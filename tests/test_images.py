"""The poster proxy: fetched once from an allowed host, resized, cached; placeholders on any failure."""

from __future__ import annotations

import errno
import re
import socket
import threading
from collections import Counter
from collections.abc import Iterator
from io import BytesIO

import pytest
from flask import Flask
from PIL import Image
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from mymovielist.extensions import db
from mymovielist.images.links import digest
from mymovielist.images.store import ImageStore, ImageUnavailable
from mymovielist.models import Person

WEBP = "image/webp,image/*,*/*;q=0.8"


def _image_bytes(size: tuple[int, int], fmt: str, mode: str = "RGB") -> bytes:
    colour = (200, 30, 60, 128) if mode == "RGBA" else (200, 30, 60)
    out = BytesIO()
    Image.new(mode, size, colour).save(out, fmt)
    return out.getvalue()


class ImageHost:
    """A stand-in for a provider's image CDN on 127.0.0.1, counting what it is asked for."""

    def __init__(self) -> None:
        self.hits: Counter[str] = Counter()
        self.base = ""
        self.routes = {
            "/t/p/original/poster.jpg": (200, "image/jpeg", _image_bytes((600, 900), "JPEG")),
            "/alpha.png": (200, "image/png", _image_bytes((400, 600), "PNG", "RGBA")),
            "/missing.jpg": (404, "text/html", b"<h1>Not Found</h1>"),
            "/page.jpg": (200, "text/html", b"<html>a login wall</html>"),
            "/garbage.jpg": (200, "image/jpeg", b"\xff\xd8 not really a jpeg"),
            "/icon.bmp": (200, "image/bmp", _image_bytes((10, 10), "BMP")),
        }

    def __call__(self, environ, start_response):
        request = Request(environ)
        self.hits[request.path] += 1
        if request.path == "/redirect.jpg":
            response = Response(status=302, headers={"Location": "/t/p/original/poster.jpg"})
        elif request.path == "/redirect-away.jpg":
            response = Response(status=302, headers={"Location": "http://images.example.org/p.jpg"})
        else:
            status, mimetype, body = self.routes.get(request.path, (404, "text/plain", b"no"))
            response = Response(body, status=status, mimetype=mimetype)
        return response(environ, start_response)

    def url(self, path: str) -> str:
        return self.base + path


@pytest.fixture
def image_host() -> Iterator[ImageHost]:
    host = ImageHost()
    server = make_server("127.0.0.1", 0, host, threaded=True)
    host.base = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield host
    server.shutdown()
    server.server_close()


@pytest.fixture
def proxy_app(app: Flask, image_host: ImageHost) -> Flask:
    """The app with the test image host allowed (a new store: the config is read at start-up)."""
    from mymovielist import images

    origin = image_host.base.removeprefix("http://")
    app.config.update(IMAGE_SOURCE_HOSTS=[origin], IMAGE_SOURCE_SCHEMES=["http"])
    store = app.extensions["image_store"]
    app.extensions["image_store"] = ImageStore(
        root=store.root, hosts=frozenset({origin}), schemes=frozenset({"http"}),
        timeout=(2.0, 5.0), retry_after=3600, allow_private=True,
    )
    assert images.bp.name in app.blueprints
    return app


def _img_src(html: str, alt: str) -> tuple[str, str]:
    tag = re.search(rf'<img[^>]*alt="{re.escape(alt)}"[^>]*>', html, re.DOTALL)
    assert tag, f"no image with alt {alt!r}"
    src = re.search(r' src="([^"]+)"', tag.group(0)).group(1)
    srcset = re.search(r' srcset="([^"]*)"', tag.group(0))
    return src, srcset.group(1) if srcset else ""


def test_detail_page_links_resized_posters_with_a_srcset(proxy_app, make_title, image_host):
    url = image_host.url("/t/p/original/poster.jpg")
    title_id = make_title("movie", "Arrival", poster_url=url)
    html = proxy_app.test_client().get(f"/titles/{title_id}", follow_redirects=True).get_data(as_text=True)
    src, srcset = _img_src(html, "Poster of Arrival")
    assert src == f"/img/title/{title_id}/{digest(url)}/342"
    assert srcset.split(", ") == [f"/img/title/{title_id}/{digest(url)}/{w} {w}w" for w in (342, 500, 780)]
    assert 'width="300" height="450"' in html  # no layout shift while it loads
    assert image_host.hits.total() == 0  # a page never fetches images itself


def test_poster_is_fetched_once_resized_and_cached_for_a_year(proxy_app, make_title, image_host):
    url = image_host.url("/t/p/original/poster.jpg")
    title_id = make_title("movie", "Arrival", poster_url=url)
    client = proxy_app.test_client()
    path = f"/img/title/{title_id}/{digest(url)}"

    first = client.get(f"{path}/342", headers={"Accept": WEBP})
    assert first.status_code == 200
    assert first.mimetype == "image/webp"
    assert first.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert "Accept" in first.headers["Vary"]
    with Image.open(BytesIO(first.data)) as image:
        assert (image.format, image.size) == ("WEBP", (342, 513))

    jpeg = client.get(f"{path}/185", headers={"Accept": "image/jpeg,image/png"})
    assert jpeg.mimetype == "image/jpeg"
    with Image.open(BytesIO(jpeg.data)) as image:
        assert (image.format, image.size) == ("JPEG", (185, 278))

    again = client.get(f"{path}/342", headers={"Accept": WEBP})
    assert again.data == first.data
    assert client.get(f"{path}/342", headers={"Accept": WEBP, "If-None-Match": again.headers["ETag"]}).status_code == 304
    assert image_host.hits["/t/p/original/poster.jpg"] == 1  # one fetch for every width and format
    stored = proxy_app.extensions["image_store"].root
    assert len(list((stored / "originals").rglob("*"))) == 2  # a folder and the original
    assert {p.name.split("-")[1] for p in (stored / "variants").rglob("*-*")} == {"342.webp", "185.jpeg"}


def test_never_upscaled_and_transparency_handled(proxy_app, make_title, image_host):
    url = image_host.url("/alpha.png")
    title_id = make_title("anime", "Mushishi", poster_url=url)
    client = proxy_app.test_client()
    webp = client.get(f"/img/title/{title_id}/{digest(url)}/780", headers={"Accept": WEBP})
    with Image.open(BytesIO(webp.data)) as image:
        assert image.size == (400, 600)  # smaller than asked: kept at its own size
        assert image.mode == "RGBA"
    jpeg = client.get(f"/img/title/{title_id}/{digest(url)}/92", headers={"Accept": "image/jpeg"})
    with Image.open(BytesIO(jpeg.data)) as image:
        assert (image.mode, image.size) == ("RGB", (92, 138))


@pytest.mark.parametrize("path", ["/missing.jpg", "/page.jpg", "/garbage.jpg", "/icon.bmp", "/redirect-away.jpg"])
def test_a_failed_source_gives_the_placeholder_and_is_not_asked_again_soon(proxy_app, make_title, image_host, path):
    url = image_host.url(path)
    title_id = make_title("comic", "Saga", poster_url=url)
    client = proxy_app.test_client()
    for _ in range(2):
        response = client.get(f"/img/title/{title_id}/{digest(url)}/185")
        assert response.status_code == 200
        assert response.mimetype == "image/svg+xml"
        assert b"Saga" in response.data
        assert response.headers["Cache-Control"] == "public, max-age=600"
    assert image_host.hits[path] == 1


def test_a_failed_source_is_tried_again_after_the_retry_delay(proxy_app, make_title, image_host):
    url = image_host.url("/missing.jpg")
    title_id = make_title("movie", "Heat", poster_url=url)
    proxy_app.extensions["image_store"].retry_after = 0
    client = proxy_app.test_client()
    client.get(f"/img/title/{title_id}/{digest(url)}/185")
    image_host.routes["/missing.jpg"] = image_host.routes["/t/p/original/poster.jpg"]
    response = client.get(f"/img/title/{title_id}/{digest(url)}/185", headers={"Accept": WEBP})
    assert response.mimetype == "image/webp"
    assert image_host.hits["/missing.jpg"] == 2


def test_redirects_within_allowed_hosts_are_followed(proxy_app, make_title, image_host):
    url = image_host.url("/redirect.jpg")
    title_id = make_title("movie", "Heat", poster_url=url)
    response = proxy_app.test_client().get(f"/img/title/{title_id}/{digest(url)}/92", headers={"Accept": WEBP})
    assert response.mimetype == "image/webp"
    assert image_host.hits["/t/p/original/poster.jpg"] == 1


def test_an_unreachable_host_is_left_alone_for_a_while(tmp_path):
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    store = ImageStore(root=tmp_path, hosts=frozenset({f"127.0.0.1:{port}"}), schemes=frozenset({"http"}),
                       timeout=(1.0, 1.0), allow_private=True)
    with pytest.raises(ImageUnavailable, match="could not be reached"):
        store.variant(f"http://127.0.0.1:{port}/a.jpg", 92, "webp")
    with pytest.raises(ImageUnavailable, match="unreachable; trying again shortly"):
        store.variant(f"http://127.0.0.1:{port}/b.jpg", 92, "webp")


def test_addresses_off_the_allowed_hosts_are_never_fetched(app, make_title, image_host):
    url = image_host.url("/t/p/original/poster.jpg")  # 127.0.0.1 is not allowed by the test config
    title_id = make_title("movie", "Heat", poster_url=url)
    response = app.test_client().get(f"/img/title/{title_id}/{digest(url)}/185")
    assert response.mimetype == "image/svg+xml"
    assert image_host.hits.total() == 0
    assert not (app.extensions["image_store"].root / "failed").exists()


def test_old_addresses_redirect_and_bad_ones_are_404(proxy_app, make_title, image_host):
    url = image_host.url("/t/p/original/poster.jpg")
    title_id = make_title("movie", "Heat", poster_url=url)
    client = proxy_app.test_client()
    old = client.get(f"/img/title/{title_id}/0123456789ab/185")
    assert old.status_code == 302
    assert old.headers["Location"] == f"/img/title/{title_id}/{digest(url)}/185"
    assert client.get(f"/img/title/{title_id}/{digest(url)}/100").status_code == 404  # not a stored width
    assert client.get(f"/img/title/999999/{digest(url)}/185").status_code == 404
    assert client.get(f"/img/user/{title_id}/{digest(url)}/185").status_code == 404
    assert image_host.hits.total() == 0


def test_a_title_without_a_poster_uses_the_placeholder_route(proxy_app, make_title):
    title_id = make_title("series", "Severance")
    html = proxy_app.test_client().get(f"/titles/{title_id}", follow_redirects=True).get_data(as_text=True)
    src, srcset = _img_src(html, "Poster of Severance")
    assert src == f"/titles/{title_id}/poster.svg"
    assert srcset == ""
    response = proxy_app.test_client().get(f"/img/title/{title_id}/0123456789ab/185")
    assert response.mimetype == "image/svg+xml"


def test_a_full_disk_still_serves_the_image(proxy_app, make_title, image_host, monkeypatch):
    def no_space(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr("mymovielist.images.store.tempfile.mkstemp", no_space)
    url = image_host.url("/t/p/original/poster.jpg")
    title_id = make_title("movie", "Heat", poster_url=url)
    response = proxy_app.test_client().get(f"/img/title/{title_id}/{digest(url)}/92", headers={"Accept": WEBP})
    assert (response.status_code, response.mimetype) == (200, "image/webp")
    assert not list(proxy_app.extensions["image_store"].root.rglob("*.webp"))


def test_person_portraits_go_through_the_proxy(proxy_app, image_host):
    url = image_host.url("/t/p/original/poster.jpg")
    with proxy_app.app_context():
        person = Person(provider="test", external_id="1", name="Denis Villeneuve", image_url=url)
        db.session.add(person)
        db.session.commit()
        person_id = person.id
    client = proxy_app.test_client()
    html = client.get(f"/people/{person_id}").get_data(as_text=True)
    src, _ = _img_src(html, "Photo of Denis Villeneuve")
    assert src == f"/img/person/{person_id}/{digest(url)}/185"
    assert client.get(src, headers={"Accept": WEBP}).mimetype == "image/webp"


def test_with_the_proxy_off_pages_link_the_provider_image(app, make_title):
    app.config["IMAGE_PROXY"] = False
    url = "https://image.tmdb.org/t/p/w500/arrival.jpg"
    title_id = make_title("movie", "Arrival", poster_url=url)
    html = app.test_client().get(f"/titles/{title_id}", follow_redirects=True).get_data(as_text=True)
    assert _img_src(html, "Poster of Arrival") == (url, "")


# -- abuse (issue 17.2) ----------------------------------------------------------------------


def _store(tmp_path, hosts, schemes=("https",), **options) -> ImageStore:
    return ImageStore(root=tmp_path, hosts=frozenset(hosts), schemes=frozenset(schemes), timeout=(1.0, 2.0),
                      **options)


@pytest.mark.parametrize("template", [
    "{scheme}://127.0.0.1:{port}\\@image.tmdb.org/t/p/original/poster.jpg",  # urlsplit and urllib3 disagree
    "{scheme}://127.0.0.1:{port}\\\\@image.tmdb.org/t/p/original/poster.jpg",
    "{scheme}://image.tmdb.org@127.0.0.1:{port}/t/p/original/poster.jpg",
    "{scheme}://user:pass@image.tmdb.org/t/p/original/poster.jpg",
    "{scheme}://image.tmdb.org:{port}/t/p/original/poster.jpg",  # only the scheme's own port
    "{scheme}://image.tmdb.org:443:80/t/p/original/poster.jpg",
    "{scheme}://[::1]:{port}/t/p/original/poster.jpg",
])
@pytest.mark.parametrize("scheme", ["http", "https"])
def test_urls_that_parsers_read_differently_are_never_fetched(tmp_path, image_host, template, scheme):
    port = image_host.base.rsplit(":", 1)[1]
    store = _store(tmp_path, {"image.tmdb.org"}, schemes=(scheme,), allow_private=True)
    with pytest.raises(ImageUnavailable, match="not fetched"):
        store.variant(template.format(scheme=scheme, port=port), 185, "webp")
    assert image_host.hits.total() == 0


def test_an_allowed_name_resolving_to_an_inside_address_is_refused(tmp_path, image_host):
    """localhost stands for any allowed name whose DNS answer points inside (a rebinding attack)."""
    port = image_host.base.rsplit(":", 1)[1]
    store = _store(tmp_path, {f"localhost:{port}"}, schemes=("http",))
    with pytest.raises(ImageUnavailable, match="not a public address"):
        store.variant(f"http://localhost:{port}/t/p/original/poster.jpg", 185, "webp")
    assert image_host.hits.total() == 0  # refused after connecting, before a byte of the request


def test_a_redirect_to_an_inside_address_is_refused(tmp_path, image_host):
    port = image_host.base.rsplit(":", 1)[1]
    image_host.routes["/hop.jpg"] = (200, "image/jpeg", b"")
    store = _store(tmp_path, {f"127.0.0.1:{port}"}, schemes=("http",), allow_private=True)
    with pytest.raises(ImageUnavailable, match="not fetched"):
        store.variant(image_host.url("/redirect-away.jpg"), 185, "webp")  # to images.example.org


def _dripping_server(body_bytes: int, every: float) -> tuple[socket.socket, threading.Event]:
    """A server that answers 200 image/png, then sends its body a byte at a time."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    stop = threading.Event()

    def serve() -> None:
        conn, _ = listener.accept()
        with conn:
            conn.recv(65536)
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: image/png\r\n"
                         + f"Content-Length: {body_bytes}\r\n\r\n".encode())
            for _ in range(body_bytes):
                if stop.wait(every):
                    return
                try:
                    conn.sendall(b"\x89")
                except OSError:
                    return

    threading.Thread(target=serve, daemon=True).start()
    return listener, stop


def test_a_dripping_host_cannot_hold_a_worker_past_the_deadline(tmp_path):
    import time

    listener, stop = _dripping_server(body_bytes=1000, every=0.1)
    port = listener.getsockname()[1]
    store = _store(tmp_path, {f"127.0.0.1:{port}"}, schemes=("http",), allow_private=True, fetch_seconds=1.0)
    started = time.monotonic()
    try:
        with pytest.raises(ImageUnavailable, match="took too long"):
            store.variant(f"http://127.0.0.1:{port}/slow.png", 185, "webp")
    finally:
        stop.set()
        listener.close()
    assert time.monotonic() - started < 3.0  # each byte came well within the read timeout


def test_an_image_with_too_many_pixels_is_never_decoded(proxy_app, make_title, image_host):
    buffer = BytesIO()
    Image.new("L", (5000, 5000)).save(buffer, "PNG")  # 25 Mpx, a few KB on the wire
    image_host.routes["/huge.png"] = (200, "image/png", buffer.getvalue())
    url = image_host.url("/huge.png")
    title_id = make_title("movie", "Heat", poster_url=url)
    response = proxy_app.test_client().get(f"/img/title/{title_id}/{digest(url)}/185")
    assert response.mimetype == "image/svg+xml"  # the placeholder
    failed = list((proxy_app.extensions["image_store"].root / "failed").iterdir())
    assert [f.read_text() for f in failed] == ["the image has too many pixels"]


def test_avatars_come_through_the_proxy_from_any_public_host(proxy_app, make_user, image_host):
    make_user("alice", avatar_url=image_host.url("/t/p/original/poster.jpg"))
    client = proxy_app.test_client()
    html = client.get("/users/alice").get_data(as_text=True)
    src = re.search(r'<img class="avatar" src="([^"]+)"', html).group(1)
    assert src.startswith("/img/avatar/") and image_host.base not in html
    response = client.get(src, headers={"Accept": WEBP})
    assert response.mimetype == "image/webp" and Image.open(BytesIO(response.data)).width == 185
    assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"


def test_a_private_profiles_avatar_is_its_owners_alone(proxy_app, make_user, image_host, auth):
    user_id = make_user("alice", avatar_url=image_host.url("/t/p/original/poster.jpg"), is_private=True)
    path = f"/img/avatar/{user_id}/{digest(image_host.url('/t/p/original/poster.jpg'))}/185"
    assert proxy_app.test_client().get(path).status_code == 404
    assert image_host.hits.total() == 0
    auth.login("alice")
    response = auth._client.get(path, headers={"Accept": WEBP})
    assert response.status_code == 200 and response.headers["Cache-Control"] == "private, max-age=3600"


def test_avatars_from_inside_addresses_or_other_ports_are_refused(app, make_user, image_host):
    """The default store: any public https host for avatars, never an inside one."""
    url = image_host.url("/t/p/original/poster.jpg")  # http://127.0.0.1:<port>
    user_id = make_user("mallory", avatar_url=url)
    response = app.test_client().get(f"/img/avatar/{user_id}/{digest(url)}/185")
    assert response.mimetype == "image/svg+xml"
    assert image_host.hits.total() == 0


def test_without_the_proxy_avatars_are_not_linked(app, make_user):
    app.config["IMAGE_PROXY"] = False
    make_user("alice", avatar_url="https://img.example/a.png")
    html = app.test_client().get("/users/alice").get_data(as_text=True)
    assert "img.example" not in html and 'class="avatar avatar-initial"' in html
