"""Parts of catalog pages that are the same for every viewer reading one locale, rendered once per change of their data."""

from __future__ import annotations

from collections.abc import Callable

from flask import request
from jinja2_fragments.flask import render_block
from markupsafe import Markup

from mymovielist import localization
from mymovielist.services import cache_keys, catalog

OUR_SCORE = "<!--our-score-->"


def title_sections(title_id: int) -> Markup:
    """A title page's credits, characters, relations, seasons and episodes, as HTML.

    Kept under the catalog's and the title's generation tokens: a sync of the title, or of any
    title (a related title's new name), renders it again on the next request.
    """

    def render() -> str:
        title = catalog.get_title(title_id)
        return render_block("catalog/detail.html", "catalog_sections", title=title) if title else ""

    scopes = (cache_keys.CATALOG, cache_keys.title_scope(title_id))
    # Episode air dates are written in the viewer's locale: one copy per locale (plain dates need no zone).
    return Markup(cache_keys.cached("title-sections", scopes, (title_id, localization.user_locale()), render))


def title_head(title_id: int) -> tuple[Markup, Markup]:
    """A title page's head (poster, facts, genres, synopsis, links) as HTML, in two parts: before and
    after our score, which changes with every rating and is rendered live between them.

    Kept under the catalog's generation token, which every change of catalog data bumps (a sync of
    this title included), so a rating, which bumps the title's own scope, renders only the score.
    """

    def render() -> tuple[str, str]:
        title = catalog.get_title_summary(title_id)
        if title is None:
            return "", ""
        html = render_block("catalog/detail.html", "title_head", title=title, our_score_mark=Markup(OUR_SCORE))
        before, _, after = html.partition(OUR_SCORE)
        return before, after

    before, after = cache_keys.cached("title-head", (cache_keys.CATALOG,), (title_id, localization.user_locale()), render)
    return Markup(before), Markup(after)


def browse_results(block: str, show_adult: bool, render: Callable[[str], str]) -> Markup:
    """A browse page's titles and pagination (its `block`), the same for every viewer of that URL with
    the same adult setting: rendered once per catalog change, for members too (visitors' whole pages
    are kept by page_cache). A rating changes nothing on it (the cards show no rating)."""
    args = (request.full_path, block, show_adult)
    return Markup(cache_keys.cached("browse-results", (cache_keys.CATALOG,), args, lambda: render(block)))
