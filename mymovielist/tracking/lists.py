"""A user's list page (tabs by status and kind, sort, filter, inline edit) and their favourites."""

from __future__ import annotations

from flask import abort, current_app, render_template, request
from flask_login import current_user
from jinja2_fragments.flask import render_block
from markupsafe import Markup

from mymovielist import localization, member_pages
from mymovielist.auth.access import visible_user_or_404
from mymovielist.htmx import wants_fragment
from mymovielist.models import User
from mymovielist.services import accounts, cache_keys, scores, tracking, watchlog
from mymovielist.tracking import bp
from mymovielist.tracking.forms import SORT_LABELS, ListQueryForm
from mymovielist.tracking.responses import row_names, score_scale


def _list_query(form: ListQueryForm) -> tracking.ListQuery:
    if not form.validate():
        abort(400, description=next(e[0] for e in form.errors.values() if e))
    return tracking.ListQuery(status=form.status.data or None, kind=form.kind.data or None,
                              q=(form.q.data or "").strip(), tag=(form.tag.data or "").strip().lower() or None,
                              sort=form.sort.data or "updated", favourites=bool(form.favourites.data),
                              descending={"asc": False, "desc": True}.get(form.dir.data or ""))


def _list_scopes(username: str) -> tuple[str, ...]:
    """What a list page shows beyond the viewer's own data: the owner's entries, account and follows, the titles."""
    owner = accounts.get_user_by_username(username)
    return (cache_keys.CATALOG, cache_keys.user_scope(owner.id)) if owner is not None else (cache_keys.CATALOG,)


@bp.get("/users/<username>/list")
@member_pages.for_members(_list_scopes)
def user_list(username: str):
    """Show a user's list by status and kind, sorted and filtered, a page at a time."""
    owner = visible_user_or_404(username)
    form = ListQueryForm(request.args)
    query = _list_query(form)
    scale = score_scale()
    context = {
        "owner": owner, "form": form, "query": query, "scale": scale,
        "is_owner": current_user.is_authenticated and current_user.id == owner.id, "editing": False,
        "list_sorts": tracking.LIST_SORTS, "sort_labels": SORT_LABELS, **row_names(show_status=not query.status),
    }

    def rows() -> str:
        """The page's rows and pagination; "" past the last page."""
        page = tracking.list_entries(owner.id, query, page=form.page.data or 1,
                                     per_page=current_app.config["TRACKING_LIST_PAGE_SIZE"])
        return render_block("tracking/user_list.html", "results", page=page, **context) if page.page <= page.pages else ""

    # Kept under the owner's scope (bumped by every flush of their entries, watches and reviews) and
    # the catalog's (a renamed title), per URL, viewer's role, score scale, time zone and locale (the
    # rows' dates): a list of hundreds of rows is rendered once per change, not per request.
    key = (owner.id, request.full_path, context["is_owner"], scale, str(localization.user_zone()), localization.user_locale())
    html = Markup(cache_keys.cached("list-results", (cache_keys.user_scope(owner.id), cache_keys.CATALOG), key, rows))
    if not html:
        abort(404)
    if wants_fragment("list-results"):
        return html
    return render_template("tracking/user_list.html", results_html=html,
                           counts=tracking.count_by_status(owner.id, query.kind),
                           statuses=tracking.status_choices(query.kind or "movie"),
                           minutes_watched=watchlog.time_watched(owner.id, query.kind), **context)


@bp.app_template_global("favourite_entries")
def _favourite_entries(user: User) -> list:
    """The user's favourite titles, for `_favourites.html` on the profile."""
    return tracking.list_favourites(user.id)


@bp.app_template_filter("score_value")
def _score_value(score: int | None, scale: str) -> int | float | None:
    """A stored 0-100 score as a number in the scale (for selecting the current choice)."""
    return scores.to_display(score, scale)
