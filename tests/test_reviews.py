"""Reviews: post (a second post edits), validation, spoilers, pagination, edit and delete own, IDOR."""

from __future__ import annotations

import json
import re

import pytest
from conftest import AuthActions
from sqlalchemy import select

from mymovielist.extensions import db
from mymovielist.models import Activity, Review
from mymovielist.services.reviews import MAX_BODY

HTMX = {"HX-Request": "true"}


@pytest.fixture
def title(make_title):
    return make_title("movie", "Heat")


@pytest.fixture
def alice(make_user, auth):
    make_user("alice")
    auth.login("alice")
    return auth._client


@pytest.fixture
def bob(app, make_user):
    make_user("bob")
    client = app.test_client()
    AuthActions(client).login("bob")
    return client


def _reviews(app) -> list[Review]:
    with app.app_context():
        return list(db.session.scalars(select(Review).order_by(Review.id)))


def _assert_fragment(response) -> None:
    html = response.get_data(as_text=True)
    assert "<html" not in html
    assert "HX-Request" in response.headers.get("Vary", "")
    json.loads(response.headers["HX-Trigger"])


def test_post_creates_then_a_second_post_edits(app, alice, title):
    response = alice.post(f"/titles/{title}/reviews", data={"body": "Great *heist* film."})
    assert response.status_code == 302 and response.location.endswith("/titles/1-heat#reviews")
    response = alice.post(f"/titles/{title}/reviews", data={"body": "Even better the second time.", "spoiler": "y"})
    assert response.status_code == 302
    [review] = _reviews(app)
    assert review.body == "Even better the second time." and review.spoiler
    page = alice.get(f"/titles/{title}").get_data(as_text=True)
    assert "Your review is updated." in page and "Update review" in page
    with app.app_context():
        assert [a.verb for a in db.session.scalars(select(Activity))] == ["reviewed"]


def test_htmx_post_returns_the_section_and_a_toast(app, alice, title):
    response = alice.post(f"/titles/{title}/reviews", data={"body": "**Tense.**"}, headers=HTMX)
    assert response.status_code == 200
    _assert_fragment(response)
    html = response.get_data(as_text=True)
    assert html.lstrip().startswith('<section id="reviews"') and "<strong>Tense.</strong>" in html
    assert json.loads(response.headers["HX-Trigger"])["toast"]["message"] == "Your review is posted."


@pytest.mark.parametrize("body, message", [
    ("", "Write something before posting your review."),
    ("   \n\t ", "Write something before posting your review."),
    ("x" * (MAX_BODY + 1), "Keep your review under 10,000 characters"),
])
def test_bad_bodies_are_refused_with_a_clear_message(app, alice, title, body, message):
    response = alice.post(f"/titles/{title}/reviews", data={"body": body})
    assert response.status_code == 422 and message in response.get_data(as_text=True)
    response = alice.post(f"/titles/{title}/reviews", data={"body": body}, headers=HTMX)
    assert response.status_code == 422 and response.get_data() == b""
    assert message in json.loads(response.headers["HX-Trigger"])["toast"]["message"]
    # From the title's page the section comes back, the text as typed and the reason beside it.
    response = alice.post(f"/titles/{title}/reviews", data={"body": body}, headers={**HTMX, "HX-Target": "reviews"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "HX-Trigger" not in response.headers
    assert '<section id="reviews"' in html and '<details class="review-compose" open>' in html
    assert re.search(r'<textarea[^>]* aria-describedby="body-feedback[^"]*" aria-invalid="true"', html)
    assert re.search(rf'id="body-feedback"[^>]*>\s*<p class="field-error">{re.escape(message)}', html)
    assert body.strip()[:50] in html
    assert _reviews(app) == []


def test_a_body_of_exactly_the_limit_is_accepted(app, alice, title):
    assert alice.post(f"/titles/{title}/reviews", data={"body": "y" * MAX_BODY}).status_code == 302
    assert len(_reviews(app)[0].body) == MAX_BODY


def test_unknown_titles_are_404(alice):
    assert alice.post("/titles/999/reviews", data={"body": "x"}).status_code == 404
    assert alice.get("/titles/999/reviews").status_code == 404


def test_spoilers_are_collapsed_until_opened(app, alice, bob, title):
    alice.post(f"/titles/{title}/reviews", data={"body": "The ending: everyone dies.", "spoiler": "y"})
    html = bob.get(f"/titles/{title}/reviews").get_data(as_text=True)
    start = html.index('<details class="spoiler">')
    assert html.index("<summary>This review contains spoilers", start) < html.index("everyone dies", start)
    assert "<details class=\"spoiler\" open" not in html


def test_review_bodies_are_sanitized_on_the_page(app, alice, bob, title):
    alice.post(f"/titles/{title}/reviews", data={"body": "<script>alert(1)</script> [x](javascript:alert(1))"})
    html = bob.get(f"/titles/{title}/reviews").get_data(as_text=True)
    assert "<script>alert(1)" not in html and 'href="javascript:' not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_reviews_are_paginated_newest_first(app, make_user, title):
    from datetime import timedelta

    from mymovielist.models import utcnow

    ids = [make_user(f"critic{n}") for n in range(12)]
    with app.app_context():
        for n, user_id in enumerate(ids):
            db.session.add(Review(user_id=user_id, title_id=title, body=f"Review number {n}.",
                                  created_at=utcnow() + timedelta(seconds=n)))
        db.session.commit()
    client = app.test_client()
    detail = client.get(f"/titles/{title}").get_data(as_text=True)
    # The title's page loads its reviews when they scroll into view; a link stands in without JavaScript.
    assert f'hx-get="/titles/{title}/reviews" hx-trigger="revealed"' in detail and "Review number" not in detail
    assert f'<a href="/titles/{title}/reviews">Read the reviews of Heat</a>' in detail
    first = client.get(f"/titles/{title}/reviews", headers={**HTMX, "HX-Target": "review-list"}).get_data(as_text=True)
    assert "Review number 11." in first and "Review number 2." in first and "Review number 1." not in first
    assert f'href="/titles/{title}/reviews?page=2"' in first
    page2 = client.get(f"/titles/{title}/reviews?page=2")
    assert page2.status_code == 200 and "<html" in page2.get_data(as_text=True)
    text = page2.get_data(as_text=True)
    assert "Review number 1." in text and "Review number 0." in text and "Review number 2." not in text
    fragment = client.get(f"/titles/{title}/reviews?page=2", headers={**HTMX, "HX-Target": "review-list"})
    assert fragment.status_code == 200
    html = fragment.get_data(as_text=True)
    assert "<html" not in html and html.lstrip().startswith('<div id="review-list"')
    assert "Review number 0." in html and "HX-Request" in fragment.headers["Vary"]
    assert client.get(f"/titles/{title}/reviews?page=3").status_code == 404
    for bad in ("0", "-1", "x", "99999999"):
        assert client.get(f"/titles/{title}/reviews?page={bad}").status_code == 400


def test_edit_and_delete_own_review(app, alice, title):
    alice.post(f"/titles/{title}/reviews", data={"body": "First take."})
    [review] = _reviews(app)
    page = alice.get(f"/reviews/{review.id}/edit")
    assert page.status_code == 200 and "First take." in page.get_data(as_text=True)
    assert alice.post(f"/reviews/{review.id}", data={"body": "Second take."}).status_code == 302
    assert _reviews(app)[0].body == "Second take."
    assert alice.post(f"/reviews/{review.id}", data={"body": ""}).status_code == 422
    assert _reviews(app)[0].body == "Second take."
    response = alice.post(f"/reviews/{review.id}/delete", headers=HTMX)
    assert response.status_code == 200 and "Post review" in response.get_data(as_text=True)
    _assert_fragment(response)
    assert _reviews(app) == []
    assert alice.get(f"/reviews/{review.id}").status_code == 404


def test_another_user_cannot_edit_or_delete_a_review(app, alice, bob, title):
    alice.post(f"/titles/{title}/reviews", data={"body": "Mine."})
    [review] = _reviews(app)
    assert bob.get(f"/reviews/{review.id}").status_code == 200
    assert bob.get(f"/reviews/{review.id}/edit").status_code == 403
    assert bob.post(f"/reviews/{review.id}", data={"body": "Hijacked."}).status_code == 403
    assert bob.post(f"/reviews/{review.id}/delete").status_code == 403
    assert bob.post(f"/reviews/{review.id}/delete", headers=HTMX).status_code == 403
    # Bob posting to the title writes his own review; Alice's is untouched.
    assert bob.post(f"/titles/{title}/reviews", data={"body": "Bob's."}).status_code == 302
    assert [(r.user_id, r.body) for r in _reviews(app)] == [(1, "Mine."), (2, "Bob's.")]


def test_visitors_are_sent_to_log_in_and_change_nothing(app, alice, title):
    alice.post(f"/titles/{title}/reviews", data={"body": "Mine."})
    visitor = app.test_client()
    for method, path in [("post", f"/titles/{title}/reviews"), ("get", "/reviews/1/edit"),
                         ("post", "/reviews/1"), ("post", "/reviews/1/delete")]:
        response = getattr(visitor, method)(path, data={"body": "Spam."})
        assert response.status_code == 302 and "/auth/login" in response.location
        response = getattr(visitor, method)(path, data={"body": "Spam."}, headers=HTMX)
        assert response.status_code == 401 and response.headers["HX-Redirect"].startswith("/auth/login")
    assert [r.body for r in _reviews(app)] == ["Mine."]
    assert "Log in</a> to write a review" in visitor.get(f"/titles/{title}").get_data(as_text=True)


def test_reviews_of_private_profiles_are_hidden_from_others(app, make_user, bob, title):
    make_user("hermit", is_private=True)
    hermit = app.test_client()
    AuthActions(hermit).login("hermit")
    hermit.post(f"/titles/{title}/reviews", data={"body": "Secret opinion."})
    [review] = _reviews(app)
    assert "Secret opinion." in hermit.get(f"/titles/{title}/reviews").get_data(as_text=True)
    assert "Secret opinion." not in bob.get(f"/titles/{title}/reviews").get_data(as_text=True)
    assert bob.get(f"/reviews/{review.id}").status_code == 404
    assert bob.get(f"/reviews/{review.id}/edit").status_code == 404
    assert bob.post(f"/reviews/{review.id}/delete").status_code == 404
    assert app.test_client().get(f"/reviews/{review.id}").status_code == 404
