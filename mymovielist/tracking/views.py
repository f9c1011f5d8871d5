"""Entry, rating, progress, watchlist and favourite routes of a title (detail page and list rows)."""

from __future__ import annotations

from collections.abc import Callable

from flask import request
from flask_login import current_user

from mymovielist.auth.access import login_required
from mymovielist.extensions import db
from mymovielist.htmx import wants_fragment
from mymovielist.models import Title, User
from mymovielist.services import cache_keys, tracking
from mymovielist.tracking import bp
from mymovielist.tracking.forms import EntryForm, RatingForm
from mymovielist.tracking.responses import (
    card_context,
    entry_page,
    episodes_context,
    panel_context,
    refused,
    respond,
    list_row,
    score_scale,
)


@bp.errorhandler(tracking.TrackingError)
def _refused_change(error: tracking.TrackingError):
    """A change the rules refuse: nothing is kept, the user reads why (a toast for htmx)."""
    return refused(error)


def _load(title_id: int) -> Title:
    return db.get_or_404(Title, title_id)


def _me():
    return current_user._get_current_object()


def _apply(title_id: int, change: Callable[[User, Title], tracking.EntryResult]):
    """Load the title, make one change of the user's entry, commit, answer."""
    title = _load(title_id)
    result = change(_me(), title)
    db.session.commit()
    return respond(title, result)


@bp.get("/titles/<int:title_id>/entry")
@login_required
def entry(title_id: int):
    """Show the full form of the user's entry for a title, or its list row for htmx: with its editor open,
    or shown again (`?show=row`: the editor cancelled)."""
    if wants_fragment(f"entry-row-{title_id}"):
        return list_row(_load(title_id), editing=request.args.get("show") != "row")
    return entry_page(_load(title_id))


@bp.post("/titles/<int:title_id>/entry")
@login_required
def update_entry(title_id: int):
    """Set status, progress, score, dates and the rest of the user's entry."""
    title = _load(title_id)
    form = EntryForm(scale=score_scale())
    full = request.form.get("full") == "1"  # the whole form: a field left out is cleared
    if not form.validate():
        return entry_page(title, form, 422) if full else refused(form)
    try:
        result = tracking.update_entry(_me(), title, **form.changes(set(request.form), full))
    except tracking.TrackingError as error:
        return entry_page(title, form, 422, error) if full else refused(error)
    db.session.commit()
    return respond(title, result)


@bp.post("/titles/<int:title_id>/entry/delete")
@login_required
def delete_entry(title_id: int):
    """Take the title off the user's list."""
    return _apply(title_id, tracking.remove_entry)


@bp.post("/titles/<int:title_id>/progress")
@login_required
def increment_progress(title_id: int):
    """Log the next episode, chapter or issue (+1)."""
    return _apply(title_id, tracking.increment_progress)


@bp.post("/titles/<int:title_id>/rating")
@login_required
def rate(title_id: int):
    """Rate the title in the user's scale, or clear the rating with an empty score."""
    title = _load(title_id)
    form = RatingForm(scale=score_scale())
    if not form.validate():
        return refused(form)
    result = tracking.set_rating(_me(), title, form.score.stored)
    db.session.commit()
    return respond(title, result)


@bp.post("/titles/<int:title_id>/watchlist")
@login_required
def toggle_watchlist(title_id: int):
    """Add the title to the watchlist (plan to watch), or take it off."""
    return _apply(title_id, tracking.toggle_watchlist)


@bp.post("/titles/<int:title_id>/favourite")
@login_required
def toggle_favourite(title_id: int):
    """Mark the title a favourite, or unmark it."""
    return _apply(title_id, tracking.toggle_favourite)


@bp.app_template_global("entry_panel")
def _entry_panel(title: Title) -> dict:
    """The entry panel's context for a page that includes `_entry_panel.html` (the detail page)."""
    return panel_context(title)


# Discover's Continue watching page and home shelf include `tracking/_progress_card.html` with it.
bp.add_app_template_global(card_context, "progress_card")
bp.add_app_template_global(episodes_context, "episode_list")  # the title page's episode list


@bp.app_template_global("watchlist_count")
def _watchlist_count() -> int:
    """The nav's count, kept under the user's scope (bumped by every flush of their entries)."""
    if not current_user.is_authenticated:
        return 0
    user_id = current_user.id
    return cache_keys.cached("watchlist-count", (cache_keys.user_scope(user_id),), user_id,
                             lambda: tracking.watchlist_count(user_id))
