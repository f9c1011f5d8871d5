"""Catalog pages: a browse page per kind, the title detail page, the poster placeholder."""

from __future__ import annotations

from flask import abort, current_app, redirect, render_template, request, url_for

from mymovielist.catalog import bp
from mymovielist.catalog.placeholder import placeholder_svg
from mymovielist.extensions import db
from mymovielist.models import Title
from mymovielist.services import catalog
from mymovielist.templating import KIND_PATHS

PATH_KINDS = {path: kind for kind, path in KIND_PATHS.items()}


def _page_arg() -> int:
    """The `page` query argument: a positive integer, else 400."""
    raw = request.args.get("page", "1")
    if not raw.isdigit() or int(raw) < 1 or int(raw) > 100_000:
        abort(400, description="The page number must be a whole number of 1 or more.")
    return int(raw)


@bp.get("/<any(movies, series, anime, comics):kind_path>")
def browse(kind_path: str):
    """List the titles of one kind, a page at a time."""
    kind = PATH_KINDS[kind_path]
    sort = request.args.get("sort", "popularity")
    if sort not in catalog.SORTS:
        abort(400, description=f"Unknown sort order. Choose one of: {', '.join(catalog.SORTS)}.")
    page = catalog.list_titles(kind, page=_page_arg(), per_page=current_app.config["PAGE_SIZE"], sort=sort)
    if page.page > page.pages:
        abort(404)
    return render_template("catalog/browse.html", kind=kind, kind_path=kind_path, page=page, sort=sort)


@bp.get("/titles/<int:title_id>")
@bp.get("/titles/<int:title_id>-<slug>")
def detail(title_id: int, slug: str | None = None):
    """Show one title with its facts, genres, credits, characters and relations."""
    title = catalog.get_title(title_id)
    if title is None:
        abort(404)
    if slug is not None and slug != title.slug:
        return redirect(url_for("catalog.detail", title_id=title.id, slug=title.slug), 301)
    return render_template("catalog/detail.html", title=title)


@bp.get("/titles/<int:title_id>/poster.svg")
def placeholder(title_id: int):
    """A generated poster for titles whose image is missing or cannot load offline."""
    title = db.get_or_404(Title, title_id)
    response = current_app.response_class(placeholder_svg(title.title, title.kind), mimetype="image/svg+xml")
    response.headers["Cache-Control"] = "public, max-age=86400"
    return response
