"""A NUL byte in any input is a clear 400, on every backend (PostgreSQL refuses it in text outright)."""

import pytest


@pytest.mark.parametrize(("method", "path", "kwargs"), [
    ("post", "/auth/login", {"data": {"username": "\x00", "password": "x"}}),
    ("get", "/search", {"query_string": {"q": "bebop\x00"}}),
    ("get", "/api/v1/search", {"query_string": {"q": "\x00"}}),
    ("put", "/api/v1/me/entries/1", {"json": {"status": "watching", "notes": "a\u0000b"}}),
])
def test_nul_bytes_are_refused_with_a_message(client, method, path, kwargs):
    response = getattr(client, method)(path, **kwargs)
    assert response.status_code == 400
    assert "NUL" in response.get_data(as_text=True)


def test_ordinary_input_still_passes(client):
    assert client.get("/search", query_string={"q": "bebop"}).status_code == 200
