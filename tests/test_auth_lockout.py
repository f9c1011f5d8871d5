"""Guessing cannot lock the owner out, and sign-up cannot be used to probe for accounts (issue 17.5)."""

from __future__ import annotations

from conftest import PASSWORD

from mymovielist.auth import devices


def _fail(client, username="alice", **kwargs):
    return client.post("/auth/login", data={"username": username, "password": "wrong password!"}, **kwargs)


def _login(client, username="alice"):
    return client.post("/auth/login", data={"username": username, "password": PASSWORD})


def test_an_attackers_guesses_do_not_lock_the_owner_out_of_a_known_device(app, make_user):
    app.config["LOGIN_FAILURES_PER_ACCOUNT"] = "3 per 15 minutes"
    make_user("alice")
    owner = app.test_client()
    assert _login(owner).status_code == 302  # the owner's browser becomes a known device
    assert owner.get_cookie(devices.COOKIE) is not None
    owner.post("/auth/logout")
    attacker = app.test_client()
    assert [_fail(attacker, environ_base={"REMOTE_ADDR": f"203.0.113.{n}"}).status_code
            for n in range(4)] == [422, 422, 422, 429]
    assert _login(attacker).status_code == 429  # the right password from elsewhere waits too
    assert _login(owner).status_code == 302  # but not from the owner's own browser


def test_a_known_device_has_its_own_failure_limit(app, make_user):
    app.config["LOGIN_FAILURES_PER_ACCOUNT"] = "3 per 15 minutes"
    make_user("alice")
    owner = app.test_client()
    _login(owner)
    owner.post("/auth/logout")
    assert [_fail(owner).status_code for _ in range(4)] == [422, 422, 422, 429]


def test_a_device_cookie_of_another_account_or_forged_does_not_help(app, make_user):
    app.config["LOGIN_FAILURES_PER_ACCOUNT"] = "2 per 15 minutes"
    make_user("alice")
    make_user("mallory")
    mallory = app.test_client()
    _login(mallory, "mallory")  # a genuine device cookie, for mallory's account
    mallory.post("/auth/logout")
    assert [_fail(mallory).status_code for _ in range(3)] == [422, 422, 429]
    forged = app.test_client()
    forged.set_cookie(devices.COOKIE, "eyJ1IjoxLCJuIjoieCJ9.forged.signature")
    assert _fail(forged).status_code == 429


def test_registration_checks_are_throttled_per_address(app, client):
    app.config["REGISTRATION_CHECKS_PER_IP"] = "20 per 10 minutes"
    answers = [client.post("/auth/register/check?field=username", data={"username": f"probe{n}"}).status_code
               for n in range(25)]
    assert answers[:20] == [200] * 20 and set(answers[20:]) == {429}
    other = app.test_client().post("/auth/register/check?field=username", data={"username": "x"},
                                   environ_base={"REMOTE_ADDR": "198.51.100.4"})
    assert other.status_code == 200


def test_registrations_are_throttled_per_address(app):
    app.config["REGISTRATIONS_PER_IP"] = "3 per hour"

    def sign_up(n):  # each from a new browser on the same address
        return app.test_client().post("/auth/register", data={"username": f"newbie{n}", "email": f"n{n}@example.org",
                                                   "password": PASSWORD, "confirm": PASSWORD})

    assert [sign_up(n).status_code for n in range(3)] == [302, 302, 302]
    assert sign_up(9).status_code == 429
