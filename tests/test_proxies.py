"""Behind a reverse proxy: TRUSTED_PROXIES makes per-IP limits and /metrics see the real client (issue 17.9)."""

from __future__ import annotations

import pytest

PROXY = "127.0.0.1"  # nginx on the same host, as in most deployments


def via_proxy(client, path, forwarded_for=None, method="GET", **kwargs):
    headers = {"X-Forwarded-For": forwarded_for} if forwarded_for else {}
    return client.open(path, method=method, headers=headers, environ_base={"REMOTE_ADDR": PROXY}, **kwargs)


def fail_login(client, client_address, username="nobody"):
    return via_proxy(client, "/auth/login", client_address, method="POST",
                     data={"username": username, "password": "wrong password"})


def test_without_trusted_proxies_forwarded_headers_are_ignored(make_app):
    app = make_app()
    client = app.test_client()
    forged = client.get("/metrics", headers={"X-Forwarded-For": "127.0.0.1"},
                        environ_base={"REMOTE_ADDR": "203.0.113.9"})
    assert forged.status_code == 403  # a client cannot claim to be loopback


def test_behind_a_proxy_metrics_refuse_remote_clients(make_app):
    client = make_app(TRUSTED_PROXIES=1).test_client()
    assert via_proxy(client, "/metrics", "203.0.113.9").status_code == 403
    # a client forging loopback in its own header: the proxy appends the real address, which is trusted
    assert via_proxy(client, "/metrics", "127.0.0.1, 203.0.113.9").status_code == 403
    assert via_proxy(client, "/metrics").status_code == 200  # a scraper on the host itself


def test_without_the_setting_every_client_behind_a_proxy_looks_like_loopback(make_app):
    """What TRUSTED_PROXIES fixes: the proxy's address stands for everyone."""
    client = make_app().test_client()
    assert via_proxy(client, "/metrics", "203.0.113.9").status_code == 200


def test_behind_a_proxy_login_failures_are_counted_per_client(make_app):
    app = make_app(TRUSTED_PROXIES=1, LOGIN_FAILURES_PER_IP="3 per 15 minutes")
    client = app.test_client()
    assert [fail_login(client, "203.0.113.9", f"user{n}").status_code for n in range(3)] == [422] * 3
    assert fail_login(client, "203.0.113.9", "user9").status_code == 429
    assert fail_login(client, "198.51.100.7", "user9").status_code == 422  # another client is not blocked


def test_without_the_setting_one_client_blocks_everyone_behind_the_proxy(make_app):
    app = make_app(LOGIN_FAILURES_PER_IP="3 per 15 minutes")
    client = app.test_client()
    for n in range(3):
        fail_login(client, "203.0.113.9", f"user{n}")
    assert fail_login(client, "198.51.100.7", "user9").status_code == 429


def test_the_forwarded_scheme_makes_https_pages_strict(make_app):
    client = make_app(TRUSTED_PROXIES=1).test_client()
    response = client.get("/healthz", headers={"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "https"},
                          environ_base={"REMOTE_ADDR": PROXY})
    assert "Strict-Transport-Security" in response.headers


@pytest.mark.parametrize("value", [-1, 11, "one", True, 1.5])
def test_a_wrong_setting_stops_the_app_with_a_clear_error(make_app, value):
    with pytest.raises(ValueError, match="TRUSTED_PROXIES is the number of reverse proxies"):
        make_app(TRUSTED_PROXIES=value)
