"""Catalog pages: browse per kind, search, title detail, people, characters, genres."""

from __future__ import annotations

from urllib.parse import urlencode

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from jinja2_fragments.flask import render_block

from mymovielist import member_pages, page_cache
from mymovielist.auth.access import login_required
from mymovielist.catalog import bp, fragments
from mymovielist.catalog.forms import BrowseForm, SearchForm, error_summary
from mymovielist.catalog.placeholder import placeholder_svg
from mymovielist.extensions import db
from mymovielist.htmx import wants_fragment
from mymovielist.models import KINDS, Title
from mymovielist.providers.errors import ProviderError
from mymovielist.services import cache_keys, catalog, search
from mymovielist.services.content import viewer_filter
from mymovielist.sync import ondemand
from mymovielist.sync.upsert import UpsertError
from mymovielist.templating import KIND_PATHS

PATH_KINDS = {path: kind for kind, path in KIND_PATHS.items()}
# A restored infinite scroll shows at most this many pages at once (the rest behind "Show earlier titles").
MAX_RESTORED_PAGES = 10


def _page_or_fragment(template: str, blocks: dict[str, str], **context):
    """The block named for the htmx target that asked for it, or else the whole page."""
    for target, block in blocks.items():
        if wants_fragment(target):
            return render_block(template, block, **context)
    return render_template(template, **context)


def _valid(form):
    if not form.validate():
        abort(400, description=error_summary(form))
    return form


def _without_empty_args():
    """A redirect to the same URL without its empty query parameters (a no-JS filter form sends them all), or None."""
    args = list(request.args.items(multi=True))
    kept = [(name, value) for name, value in args if value]
    if len(kept) == len(args):
        return None
    return redirect(request.path + ("?" + urlencode(kept) if kept else ""), 302)


def _page_number() -> int:
    raw = request.args.get("page", "1")
    if not raw.isdigit() or not 1 <= int(raw) <= 100_000:
        abort(400, description="The page number must be a whole number of 1 or more.")
    return int(raw)


@bp.get("/<any(movies, series, anime, comics):kind_path>")
@page_cache.for_visitors(lambda kind_path: (cache_keys.CATALOG,))  # cards show no rating: a rating keeps it
def browse(kind_path: str):
    """List titles of one kind, filtered and sorted, a page at a time."""
    kind = PATH_KINDS[kind_path]
    if (cleaned := _without_empty_args()) is not None:
        return cleaned
    form = _valid(BrowseForm(request.args))
    block = next((b for target, b in (("results", "results"), ("load-more", "more")) if wants_fragment(target)), None)
    context = {"kind": kind, "kind_path": kind_path, "form": form, "filters": form.filters(), "max_restored": MAX_RESTORED_PAGES}
    asked = form.page.data or 1
    after, before = form.after.data or None, form.before.data or None
    # Next/Previous links and load-more requests name their page by keyset cursor; the URL an infinite
    # scroll writes for Back and reload (`?page=F&through=T`) names pages by number, so `through`
    # counts only without a cursor (a cursor link that still carries an old `through` is one page).
    through = asked if after or before else max(form.through.data or asked, asked)

    def pages_through(last: int):
        first = max(asked, last - MAX_RESTORED_PAGES + 1)
        return first, catalog.list_titles(kind, context["filters"], page=first, through=last,
                                          per_page=current_app.config["PAGE_SIZE"], show_adult=show_adult,
                                          after=after, before=before)

    def results(block_name: str) -> str:
        """The block of titles and pagination; "" past the end, or for a cursor whose rows are gone."""
        try:
            first, page = pages_through(through)
            if first > page.pages >= asked:  # a restored range past the end (titles went away): show up to the end
                first, page = pages_through(page.pages)
        except catalog.BadCursor as exc:
            abort(400, description=str(exc))
        if page.page > 1 and not page.items:
            return ""
        # a list grown by load-more starts where its full page did (`start`), at page 1 unless named
        first_page = min(form.start.data or 1, first) if block_name == "more" else first
        return render_block("catalog/browse.html", block_name, page=page, first_page=first_page, **context)

    show_adult = viewer_filter(current_user).show_adult
    html = fragments.browse_results(block or "results", show_adult, results)
    if not html:
        abort(404)
    if block:
        return html
    return render_template("catalog/browse.html", results_html=html, options=catalog.get_filter_options(kind), **context)


@bp.get("/search", endpoint="search")
def search_page():
    """Search titles of every kind: a results page, or live suggestions for the search box."""
    form = _valid(SearchForm(request.args))
    if wants_fragment("search-suggestions"):
        titles = search.suggest_titles(form.q.data or "", content=viewer_filter(current_user))
        return render_block("catalog/search.html", "suggestions", titles=titles, q=form.q.data or "")
    results = search.search_titles(form.q.data or "", kind=form.kind.data or None, page=form.page.data or 1,
                                   content=viewer_filter(current_user))
    offer = results.page == 1 and ondemand.offers_providers(form.q.data or "", len(results.items))
    return _page_or_fragment("catalog/search.html", {"search-results": "results"}, results=results, form=form,
                             kinds=KINDS, offer_providers=offer)


@bp.get("/search/providers")
def provider_results():
    """Show what the configured providers find for a search, each importable on demand."""
    q = (_valid(SearchForm(request.args)).q.data or "").strip()
    if not ondemand.offers_providers(q, 0):
        abort(404, description="No provider is configured for on-demand search, or the query is too short.")
    hits, errors = ondemand.search_providers(q)
    return _page_or_fragment("catalog/providers.html", {"provider-results": "results"}, hits=hits, errors=errors, q=q)


@bp.post("/search/import")
@login_required
def import_title():
    """Import a title a provider found, then open its page."""
    try:
        title = ondemand.import_on_demand(*(request.form.get(k, "") for k in ("provider", "kind", "external_id")))
        db.session.commit()
    except ondemand.SyncError as exc:
        abort(400, description=str(exc))
    except (ProviderError, UpsertError) as exc:
        db.session.rollback()
        flash(f"The title could not be added: {exc}", "error")
        return redirect(url_for("catalog.search", q=request.form.get("q") or None), 303)
    return redirect(url_for("catalog.detail", title_id=title.id, slug=title.slug), 303)


def _title_scopes(title_id: int, slug: str | None = None) -> tuple[str, ...]:
    """What a title page shows: a rating changes the rated title's score alone (its scope); the
    others' scores move together when the job applies a new mean (weighted)."""
    return (cache_keys.CATALOG, cache_keys.WEIGHTED, cache_keys.title_scope(title_id))


@bp.get("/titles/<int:title_id>")
@bp.get("/titles/<int:title_id>-<slug>")
@page_cache.for_visitors(_title_scopes)
@member_pages.for_members(_title_scopes)
def detail(title_id: int, slug: str | None = None):
    """Show one title with its facts, genres, credits, characters and relations."""
    title = catalog.get_title_row(title_id)
    if title is None:
        abort(404)
    if slug is not None and slug != title.slug:
        return redirect(url_for("catalog.detail", title_id=title.id, slug=title.slug), 301)
    return render_template("catalog/detail.html", title=title, title_head=fragments.title_head(title.id),
                           catalog_sections=fragments.title_sections(title.id))


@bp.app_template_filter("credits_by_person")
def credits_by_person(credits, role: str) -> list[catalog.PersonCredits]:
    """`title.credits | credits_by_person('crew')`: one row per person with all their jobs."""
    return catalog.credits_by_person(credits, role)


@bp.get("/titles/<int:title_id>/poster.svg")
def placeholder(title_id: int):
    """A generated poster for titles whose image is missing or cannot load offline."""
    title = db.get_or_404(Title, title_id)
    response = current_app.response_class(placeholder_svg(title.title, title.kind), mimetype="image/svg+xml")
    response.headers["Cache-Control"] = "public, max-age=86400"
    return response


def _catalog_only(**_view_args) -> tuple[str, ...]:
    """The scopes of a page that shows catalog data alone (no scores)."""
    return (cache_keys.CATALOG,)


@bp.get("/people/<int:person_id>")
@page_cache.for_visitors(_catalog_only)
def person(person_id: int):
    """Show a person's credits and voice roles."""
    found = catalog.get_person(person_id)
    if found is None:
        abort(404)
    return render_template("catalog/person.html", person=found, voices=catalog.list_voice_roles(person_id))


@bp.get("/characters/<int:character_id>")
@page_cache.for_visitors(_catalog_only)
def character(character_id: int):
    """Show a character, the titles they appear in and their voice actors."""
    found = catalog.get_character(character_id)
    if found is None:
        abort(404)
    return render_template("catalog/character.html", character=found)


@bp.get("/genres/<slug>")
@page_cache.for_visitors(_catalog_only)
def genre(slug: str):
    """List the titles of a genre, optionally of one kind."""
    found = catalog.get_genre(slug)
    if found is None:
        abort(404)
    kind = request.args.get("kind") or None
    if kind is not None and kind not in KINDS:
        abort(400, description="Unknown kind. Choose movie, series, anime or comic.")
    page = catalog.list_genre_titles(found, kind=kind, page=_page_number(), per_page=current_app.config["PAGE_SIZE"])
    return render_template("catalog/genre.html", genre=found, kind=kind, page=page)
