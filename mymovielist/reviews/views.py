"""Review pages and actions: the list for a title, post (or edit) your review, edit, delete."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request
from flask_login import current_user
from jinja2_fragments.flask import render_block

from mymovielist.auth.access import login_required
from mymovielist.extensions import db
from mymovielist.htmx import htmx_response, is_htmx, toast, wants_fragment
from mymovielist.models import Review, Title
from mymovielist.reviews import bp
from mymovielist.reviews.forms import ReviewForm, first_error
from mymovielist.services import reviews
from mymovielist.services.markdown import render_markdown
from mymovielist.templating import title_url


def _viewer():
    return current_user._get_current_object() if current_user.is_authenticated else None


def review_section(title: Title, with_list: bool = True, form: ReviewForm | None = None) -> dict:
    """What the reviews section of a detail page shows: your review's form and the first page of reviews.

    Without `with_list` the page of reviews is left for htmx to load when it scrolls into view
    (a link to the reviews page stands in without JavaScript), so a title's page costs no query for it.
    A refused `form` comes back as typed, with its errors.
    """
    viewer = _viewer()
    own = reviews.get_own_review(viewer, title) if viewer else None
    form = form or (ReviewForm(formdata=None, obj=own) if viewer else None)
    return {"title": title, "own": own, "form": form,
            "reviews_page": reviews.list_reviews(title, viewer) if with_list else None}


@bp.app_context_processor
def _helpers() -> dict:
    return {"review_section": review_section}


@bp.app_template_filter("markdown")
def _markdown(text: str):
    return render_markdown(text)


def page_arg() -> int:
    """The `page` query argument, 1 or more; 400 otherwise."""
    raw = request.args.get("page", "1")
    if not raw.isdigit() or not 1 <= int(raw) <= 100_000:
        abort(400, description="The page number must be a whole number of 1 or more.")
    return int(raw)


def _own_review(review_id: int) -> Review:
    """The current user's review `review_id`: 404 if they may not see it, 403 if it is someone else's."""
    review = db.get_or_404(Review, review_id)
    if review.user_id != current_user.id:
        abort(403 if reviews.can_view(review, _viewer()) else 404)
    return review


def _refused(form: ReviewForm, title: Title, message: str, review: Review | None = None):
    form.body.errors = list(form.body.errors) or [message]
    if wants_fragment("reviews"):  # the section again, the text as typed and the reason beside it
        html = render_template("reviews/_section.html", section=review_section(title, form=form))
        return htmx_response(html, 422)
    if is_htmx():
        return htmx_response("", 422, trigger=toast(message, "error"))
    return render_template("reviews/edit.html", title=title, form=form, review=review), 422


def _done(title: Title, message: str):
    if is_htmx():
        html = render_template("reviews/_section.html", section=review_section(title))
        return htmx_response(html, trigger=toast(message, "success"))
    flash(message, "success")
    return redirect(title_url(title) + "#reviews")


@bp.get("/titles/<int:title_id>/reviews")
def list_reviews(title_id: int):
    """Show a page of a title's reviews (the list alone for htmx pagination)."""
    title = db.get_or_404(Title, title_id)
    page = reviews.list_reviews(title, _viewer(), page=page_arg())
    if page.page > page.pages:
        abort(404)
    context = {"title": title, "reviews_page": page}
    if wants_fragment("review-list"):
        return render_block("reviews/list.html", "review_list", **context)
    return render_template("reviews/list.html", **context)


@bp.post("/titles/<int:title_id>/reviews")
@login_required
def create(title_id: int):
    """Post your review of a title; posting again edits it (one review per title)."""
    title = db.get_or_404(Title, title_id)
    form = ReviewForm()
    own = reviews.get_own_review(current_user, title)
    if not form.validate():
        return _refused(form, title, first_error(form), own)
    try:
        _, created = reviews.save_review(current_user._get_current_object(), title, form.body.data, form.spoiler.data)
    except reviews.ReviewError as error:
        return _refused(form, title, str(error), own)
    db.session.commit()
    return _done(title, "Your review is posted." if created else "Your review is updated.")


@bp.get("/reviews/<int:review_id>")
def show(review_id: int):
    """Show one review."""
    review = db.get_or_404(Review, review_id)
    if not reviews.can_view(review, _viewer()):
        abort(404)
    return render_template("reviews/show.html", review=review, title=review.title)


@bp.get("/reviews/<int:review_id>/edit")
@login_required
def edit(review_id: int):
    """Show the form to edit your review."""
    review = _own_review(review_id)
    return render_template("reviews/edit.html", title=review.title, review=review, form=ReviewForm(obj=review))


@bp.post("/reviews/<int:review_id>")
@login_required
def update(review_id: int):
    """Save changes to your review."""
    review = _own_review(review_id)
    form = ReviewForm()
    if not form.validate():
        return _refused(form, review.title, first_error(form), review)
    try:
        reviews.save_review(current_user._get_current_object(), review.title, form.body.data, form.spoiler.data)
    except reviews.ReviewError as error:
        return _refused(form, review.title, str(error), review)
    db.session.commit()
    return _done(review.title, "Your review is updated.")


@bp.post("/reviews/<int:review_id>/delete")
@login_required
def delete(review_id: int):
    """Delete your review."""
    review = _own_review(review_id)
    title = review.title
    reviews.delete_review(review)
    db.session.commit()
    return _done(title, "Your review is deleted.")
