"""Compression (flask-compress) and fingerprinted static files with year-long caching."""

from __future__ import annotations

import gzip
import re

import brotli


def test_pages_are_gzipped_or_brotli_compressed_on_request(app, client, make_title):
    title_id = make_title(title="Compressed Film")
    plain = client.get(f"/titles/{title_id}")
    assert "Content-Encoding" not in plain.headers

    zipped = client.get(f"/titles/{title_id}", headers={"Accept-Encoding": "gzip"})
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in zipped.headers["Vary"]
    assert gzip.decompress(zipped.get_data()) == plain.get_data()
    assert len(zipped.get_data()) < len(plain.get_data()) / 2

    brotlied = client.get(f"/titles/{title_id}", headers={"Accept-Encoding": "br, gzip"})
    assert brotlied.headers["Content-Encoding"] == "br"
    assert brotli.decompress(brotlied.get_data()) == plain.get_data()


def test_compressed_page_still_revalidates(app, client, make_title):
    title_id = make_title(title="Zipped Etag Film")
    client.get(f"/titles/{title_id}")  # the visitor's session (and its CSRF token) exists from here on
    first = client.get(f"/titles/{title_id}", headers={"Accept-Encoding": "gzip"})
    etag = first.headers["ETag"]
    again = client.get(f"/titles/{title_id}", headers={"Accept-Encoding": "gzip", "If-None-Match": etag})
    assert again.status_code == 304


def test_static_urls_are_fingerprinted_and_cached_for_a_year(app, client):
    page = client.get("/").get_data(as_text=True)
    css = re.search(r'href="(/static/css/app\.css\?v=([0-9a-f]{12}))"', page)
    assert css, "app.css is linked with its content hash"
    scripts = re.findall(r'<script src="(/static/js/[^"]+\?v=[0-9a-f]{12})" defer>', page)
    assert len(scripts) == 2  # htmx and app.js, both deferred: nothing blocks rendering

    fresh = client.get(css.group(1))
    assert fresh.status_code == 200
    assert fresh.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    fresh.close()

    stale = client.get("/static/css/app.css?v=000000000000")
    assert stale.status_code == 200 and "immutable" not in stale.headers.get("Cache-Control", "")
    stale.close()
    bare = client.get("/static/css/app.css")
    assert "immutable" not in bare.headers.get("Cache-Control", "")
    bare.close()


def test_static_hash_follows_the_content(app):
    from mymovielist.static_files import file_hash, static_url

    with app.test_request_context():
        assert file_hash("css/app.css") is not None
        assert file_hash("../config.py") is None and file_hash("nope.css") is None
        assert static_url("nope.css") == "/static/nope.css"
