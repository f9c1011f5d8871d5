"""The home page and discovery: trending, top rated, new, recommendations, similar titles."""

from __future__ import annotations

from flask import abort, current_app, render_template, request
from flask_login import current_user
from jinja2_fragments.flask import render_block

from mymovielist import page_cache
from mymovielist.auth.access import login_required
from mymovielist.catalog.forms import error_summary
from mymovielist.discover import bp
from mymovielist.discover.forms import WINDOW_LABELS, KindForm, ShelfForm, TrendingForm
from mymovielist.extensions import db
from mymovielist.htmx import wants_fragment
from mymovielist.models import Title
from mymovielist.services import cache_keys, catalog, recommend, similar, tracking, trending
from mymovielist.services.content import viewer_filter

SHELF_SIZE = 12  # cards in a home-page or detail-page section
RECOMMENDATIONS = 48
POPULAR_PER_KIND = 6  # cards per kind in the home page's own (not lazily loaded) section


def _render(template: str, shelf_id: str, **context):
    """A section of another page (its shelf), the results of a filter change, or the whole page."""
    if wants_fragment(shelf_id):
        return render_block(template, "shelf", shelf_size=SHELF_SIZE, **context)
    if wants_fragment():
        return render_block(template, "results", **context)
    return render_template(template, **context)


def _valid(form):
    if not form.validate():
        abort(400, description=error_summary(form))
    return form


def _show_adult() -> bool:
    prefs = current_user.preferences if current_user.is_authenticated else None
    return bool(prefs and prefs.show_adult)


def _shelf(template: str, shelf_id: str, form, page):
    if page.page > 1 and not page.items:
        abort(404)
    return _render(template, shelf_id, form=form, page=page)


@bp.get("/")
@page_cache.for_visitors(lambda: (cache_keys.CATALOG,))  # popular titles by kind: no rating shown
def home():
    """Show the home page: the most popular titles of each kind the viewer follows are in the page
    itself (cached browse ids, so cheap); the other sections load lazily, each from its own page."""
    shown = viewer_filter(current_user)
    popular = [(kind, catalog.list_popular(kind, POPULAR_PER_KIND, shown.show_adult)) for kind in shown.kinds]
    return render_template("discover/home.html", popular=[(kind, titles) for kind, titles in popular if titles])


@bp.get("/trending", endpoint="trending")
def trending_page():
    """List what is trending today, this week or this month, optionally of one kind."""
    form = _valid(TrendingForm(request.args))
    page = trending.list_trending(form.kind.data or None, form.window.data, page=form.page.data or 1,
                                  per_page=current_app.config["PAGE_SIZE"])
    return _shelf("discover/trending.html", "shelf-trending", form, page)


RANKED = {"top": trending.list_top_rated, "new": trending.list_new}


@bp.get("/top", endpoint="top", defaults={"shelf": "top"})
@bp.get("/new", endpoint="new", defaults={"shelf": "new"})
def ranked_page(shelf: str):
    """List the best-rated titles or the latest releases, optionally of one kind."""
    form = _valid(ShelfForm(request.args))
    page = RANKED[shelf](form.kind.data or None, page=form.page.data or 1, per_page=current_app.config["PAGE_SIZE"])
    return _shelf(f"discover/{shelf}.html", f"shelf-{shelf}", form, page)


@bp.get("/recommendations")
@login_required
def recommendations():
    """List titles the current user may enjoy next, each saying why."""
    form = _valid(KindForm(request.args))
    picks = recommend.recommend_for(current_user, kind=form.kind.data or None, limit=RECOMMENDATIONS)
    return _render("discover/recommendations.html", "shelf-recommendations", form=form, picks=picks)


@bp.get("/continue-watching")
@login_required
def continue_watching():
    """List what the current user is watching or reading, most recent first."""
    titles = recommend.list_in_progress(current_user, limit=RECOMMENDATIONS)
    entries = tracking.entries_by_title(current_user.id, [title.id for title in titles])
    return _render("discover/continue_watching.html", "shelf-continue", titles=titles, entries=entries)


@bp.get("/titles/<int:title_id>/similar", endpoint="similar")
def similar_page(title_id: int):
    """List titles like this one, each saying why."""
    title = db.get_or_404(Title, title_id)
    items = similar.list_similar(title, limit=current_app.config["PAGE_SIZE"], show_adult=_show_adult())
    return _render("discover/similar.html", "similar-shelf", title=title, items=items)


@bp.app_context_processor
def _labels():
    return {"WINDOW_LABELS": WINDOW_LABELS}
