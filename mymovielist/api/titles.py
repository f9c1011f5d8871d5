"""Titles: browse with filters, one title in full, search."""

from __future__ import annotations

from flask import current_app

from mymovielist.api import bp
from mymovielist.api import serializers as out
from mymovielist.api.auth import api_user
from mymovielist.api.problems import ApiProblem
from mymovielist.api.schemas import Args
from mymovielist.models import KINDS
from mymovielist.models.catalog import STATUSES
from mymovielist.services import catalog, search
from mymovielist.services.content import ContentFilter, viewer_filter

YEARS = (0, 9999)


@bp.get("/titles")
def list_titles():
    """List titles, filtered by kind, genre, years and status, sorted, a page at a time."""
    args = Args()
    kind = args.text("kind", choices=KINDS)
    filters = catalog.BrowseFilters(
        genre=args.text("genre"), status=args.text("status", choices=STATUSES),
        year_from=args.integer("year_from", minimum=YEARS[0], maximum=YEARS[1]),
        year_to=args.integer("year_to", minimum=YEARS[0], maximum=YEARS[1]),
        sort=args.text("sort", choices=tuple(catalog.SORTS)) or "popularity",
    )
    page, per_page = args.page(current_app.config["PAGE_SIZE"])
    args.done()
    result = catalog.list_titles(kind, filters, page=page, per_page=per_page,
                                 show_adult=_content().show_adult)
    return out.from_page(result, out.title_summary)


@bp.get("/titles/<int(max=2147483647):title_id>")
def title_detail(title_id: int):
    """Show one title with genres, credits, characters, external ids and scores."""
    title = catalog.get_title(title_id)
    if title is None:
        raise ApiProblem(404, f"There is no title {title_id}.", kind="not-found")
    return out.title_detail(title)


@bp.get("/search")
def search_titles():
    """Search titles by name, best matches first (no total: counting every match is not cheap)."""
    args = Args()
    query = args.text("q")
    kind = args.text("kind", choices=KINDS)
    page, per_page = args.page(20)
    if query is None and "q" not in args.errors:
        args.errors["q"] = ["Say what to search for."]
    args.done()
    result = search.search_titles(query or "", kind=kind, page=page, per_page=per_page, content=_content())
    return out.paginated([out.title_summary(t) for t in result.items], result.page, result.per_page,
                         has_next=result.has_next)


def _content() -> ContentFilter:
    """Every kind (an API client asks for the kinds it wants), adult titles only for users who chose them."""
    return ContentFilter(kinds=KINDS, show_adult=viewer_filter(api_user()).show_adult)
