"""Parts of catalog pages that are the same for every viewer reading one locale, rendered once per change of their data."""

from __future__ import annotations

from jinja2_fragments.flask import render_block
from markupsafe import Markup

from mymovielist import localization
from mymovielist.services import cache_keys, catalog


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
