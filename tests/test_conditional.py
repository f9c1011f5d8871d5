"""Conditional GET: weak ETags on title pages, list pages and API responses; 304 when unchanged."""

from __future__ import annotations


def _revalidate(client, path: str, **headers):
    first = client.get(path, headers=headers)
    assert first.status_code == 200
    etag = first.headers["ETag"]
    assert etag.startswith('W/"')
    again = client.get(path, headers={**headers, "If-None-Match": etag})
    return first, again


def test_title_page_answers_304_until_it_changes(app, client, make_title, make_user, auth):
    title_id = make_title(title="Conditional Film")
    first, again = _revalidate(client, f"/titles/{title_id}")
    assert again.status_code == 304 and again.get_data() == b""
    assert again.headers["ETag"] == first.headers["ETag"]

    # A change to the page (a rating) gives a new body, so the old tag no longer matches.
    make_user("rater")
    auth.login("rater")
    client.post(f"/titles/{title_id}/entry", data={"status": "completed", "score": "7"})
    auth.logout()
    changed = client.get(f"/titles/{title_id}", headers={"If-None-Match": first.headers["ETag"]})
    assert changed.status_code == 200 and "7.0/10" in changed.get_data(as_text=True)
    assert changed.headers["ETag"] != first.headers["ETag"]


def test_the_tag_outlives_the_csrf_token_timestamp_but_not_the_session(app, client, make_title, monkeypatch):
    import itsdangerous.timed

    app.config["WTF_CSRF_ENABLED"] = True  # the page then carries a signed, timestamped token
    title_id = make_title(title="Conditional Film")
    client.get("/auth/login")  # a session (a visitor without one gets the shared, token-free page)
    first = client.get(f"/titles/{title_id}")
    assert "X-CSRFToken" in first.get_data(as_text=True)
    later = itsdangerous.timed.time.time() + 5
    monkeypatch.setattr(itsdangerous.timed.time, "time", lambda: later)
    again = client.get(f"/titles/{title_id}", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304  # the token was signed again, five seconds later

    # Another browser (another session, so another CSRF secret) never gets the first one's page.
    stranger = app.test_client()
    stranger.get("/auth/login")
    assert stranger.get(f"/titles/{title_id}", headers={"If-None-Match": first.headers["ETag"]}).status_code == 200


def test_list_page_is_private_for_its_owner_and_still_revalidates(app, client, make_title, make_user, auth):
    title_id = make_title(title="Listed Film")
    make_user("lister")
    auth.login("lister")
    client.post(f"/titles/{title_id}/entry", data={"status": "watching"})
    response = client.get("/users/lister/list")
    assert response.status_code == 200 and "ETag" in response.headers
    assert response.headers["Cache-Control"] == "private, no-store"  # security.py's header is kept
    assert "Listed Film" in response.get_data(as_text=True)


def test_public_list_page_revalidates_for_visitors(app, client, make_user):
    make_user("visible")
    first, again = _revalidate(client, "/users/visible/list")
    assert again.status_code == 304


def test_api_responses_carry_etags(app, client, make_title):
    make_title(title="Api Film")
    first, again = _revalidate(client, "/api/v1/titles")
    assert first.is_json and again.status_code == 304


def test_no_etag_on_writes_errors_or_other_pages(app, client, make_title):
    assert "ETag" not in client.get("/titles/999999").headers
    assert "ETag" not in client.get("/").headers
    assert client.get("/titles/999999", headers={"If-None-Match": "*"}).status_code == 404


def test_a_stale_tag_gets_the_full_page(app, client, make_title):
    title_id = make_title(title="Stale Film")
    response = client.get(f"/titles/{title_id}", headers={"If-None-Match": 'W/"0000"'})
    assert response.status_code == 200 and "Stale Film" in response.get_data(as_text=True)
