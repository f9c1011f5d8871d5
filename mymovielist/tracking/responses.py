"""What tracking routes answer: the entry panel (or a list row) for htmx with out-of-band updates
and a toast, a redirect with a flash message without JavaScript, a clear refusal on bad input."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from jinja2_fragments.flask import render_block

from mymovielist.auth.access import safe_next
from mymovielist.database import transaction_mode
from mymovielist.errors import render_error
from mymovielist.extensions import db
from mymovielist.htmx import htmx_response, toast, wants_fragment
from mymovielist.localization import date_formatter
from mymovielist.models import ListEntry, Title
from mymovielist.services import scores, tracking, watchlog
from mymovielist.templating import PosterLinks, title_url, url_pattern
from mymovielist.tracking.forms import EntryForm, WatchForm


def score_scale() -> str:
    prefs = current_user.preferences if current_user.is_authenticated else None
    return prefs.score_scale if prefs else scores.DEFAULT_SCALE


def panel_context(title: Title, errors: dict[str, str] | None = None, watch_form: WatchForm | None = None) -> dict:
    """Everything `_entry_panel.html` shows: one query for the entry, one for the watch log.

    A refused change passes `errors` (panel field key: message) and the refused watch form, kept as typed.
    """
    if not current_user.is_authenticated:
        return {"signed_in": False}
    entry = tracking.get_entry(current_user.id, title.id)
    total = tracking.total_units(title)
    scale = score_scale()
    return {
        "signed_in": True, "entry": entry, "total": total, "scale": scale,
        "unit": tracking.unit_label(title), "unit_one": tracking.unit_label(title, plural=False),
        "statuses": tracking.status_choices(title.kind),
        "score_choices": scores.display_choices(scale) if scale != "100" else [],
        "select_choices": scores.display_choices(scale),
        "display_score": scores.to_display(entry.score, scale) if entry else None,
        "at_total": bool(entry and total and entry.progress >= total and entry.status != "completed"),
        "events": watchlog.list_events(current_user.id, title.id, limit=20) if entry else [],
        "watch_form": watch_form or WatchForm(formdata=None, scale=scale),
        "errors": errors or {},
    }


def episodes_context(title: Title) -> dict:
    """The episode list under a title: each episode's absolute number, and what the user has seen."""
    signed_in = current_user.is_authenticated
    entry = tracking.get_entry(current_user.id, title.id) if signed_in else None
    return {"episodes": watchlog.numbered_episodes(title.id), "signed_in": signed_in,
            "progress": entry.progress if entry else 0,
            "watched": watchlog.watched_units(current_user.id, title.id) if signed_in else set()}


UNIT_SHORT = {"episode": "Ep", "chapter": "Ch", "issue": "Issue"}


def card_context(title: Title, entry: ListEntry | None) -> dict:
    """A Continue watching card: the title, the user's entry, the total and the words for one unit."""
    unit_one = tracking.unit_label(title, plural=False)
    return {"title": title, "entry": entry, "total": tracking.total_units(title), "unit_one": unit_one,
            "unit_short": UNIT_SHORT[unit_one]}


def row_names(show_status: bool) -> dict:
    """What the list page's rows use beside their entry, for the page and for a row alone alike."""
    return {"status_label": tracking.status_label, "total_units": tracking.total_units,
            "unit_label": tracking.unit_label, "show_status": show_status, "day": date_formatter()}


def _list_page() -> tuple[str, bool]:
    """The owner's list page a row is on (htmx names it) with its filters, and whether it shows every status."""
    page = url_for("tracking.user_list", username=current_user.username)
    current = urlsplit(request.headers.get("HX-Current-URL", ""))
    if current.path != page:
        return page, True
    return (f"{page}?{current.query}" if current.query else page), not parse_qs(current.query).get("status")


def row_context(entry: ListEntry, editing: bool) -> dict:
    """A row of the user's list page alone (shown, or with its editor open): the entry and the owner's scale."""
    scale = score_scale()
    list_url, show_status = _list_page()
    return {"entry": entry, "scale": scale, "is_owner": True, "editing": editing,
            "score_choices": scores.display_choices(scale), "list_url": list_url, **row_names(show_status),
            "title_href": url_pattern("catalog.detail", "title_id", "slug"),
            "entry_href": url_pattern("tracking.entry", "title_id"),
            "plus_href": url_pattern("tracking.increment_progress", "title_id"), "covers": PosterLinks(40)}


def list_row(title: Title, editing: bool):
    """The user's list row for a title, with its editor open or not (htmx), or 404 off the list."""
    entry = tracking.get_entry(current_user.id, title.id)
    if entry is None:
        abort(404, description="This title is not on your list.")
    html = render_block("tracking/user_list.html", "entry_row", **row_context(entry, editing))
    return htmx_response(html)


def respond(title: Title, result: tracking.EntryResult):
    """The committed change as a fragment (panel or list row) with out-of-band updates, or a redirect."""
    trigger = toast(result.message, "success")
    with transaction_mode(immediate=False):  # the change is committed: reading it back needs no write lock
        _reload_user()
        return _answer(title, result, trigger)


def _reload_user() -> None:
    # The commit or rollback expired the user, whom after_request handlers (security headers) read
    # again; load it here, in the read transaction, rather than queue for the write lock a second time.
    if current_user.is_authenticated:
        _ = current_user.is_blocked


def _answer(title: Title, result: tracking.EntryResult, trigger: dict):
    if wants_fragment(f"entry-row-{title.id}"):
        html = render_block("tracking/user_list.html", "entry_row", **row_context(result.entry, False)) if result.entry else ""
        html += render_template("tracking/_watchlist_count.html", oob=True) if result.watchlist_changed else ""
        return htmx_response(html, trigger=trigger)
    if wants_fragment("episodes"):  # an episode marked watched: the list, and the panel out of band
        html = render_template("catalog/_episodes.html", title=title, eps=episodes_context(title))
        html += render_template("_entry_panel.html", title=title, panel=panel_context(title), oob=True)
        return htmx_response(html, trigger=trigger)
    if wants_fragment(f"progress-card-{title.id}"):
        html = render_template("tracking/_progress_card.html", card=card_context(title, result.entry))
        return htmx_response(html, trigger=trigger)
    if wants_fragment():
        html = render_template("tracking/_panel_response.html", title=title, panel=panel_context(title),
                               watchlist_changed=result.watchlist_changed)
        return htmx_response(html, trigger=trigger)
    flash(result.message, "success")
    return redirect(safe_next(request.form.get("next"), default=title_url(title)))


def refused(problem: tracking.TrackingError | FlaskForm | Exception):
    """Nothing changed: the status and message of a refused change (a toast for htmx)."""
    db.session.rollback()
    with transaction_mode(immediate=False):
        _reload_user()
        return _refusal(problem)


# The panel's fields that can show a refusal beside them, per route: the form field's name -> panel key.
PANEL_FIELDS = {
    "tracking.log_watch": {"watched_on": "watch.watched_on", "number": "watch.number", "score": "watch.score",
                           "note": "watch.note"},
    "tracking.rate": {"score": "score"},
    "tracking.update_entry": {"status": "status"},
}


def _panel_errors(problem: tracking.TrackingError | FlaskForm | Exception) -> dict[str, str]:
    """The refusal's messages keyed by the panel field they belong beside; empty if none of them has a place."""
    if request.endpoint == "tracking.rate" and score_scale() != "100":
        return {}  # only the 100-point input can be marked invalid; a radio group's refusal stays a toast
    fields = PANEL_FIELDS.get(request.endpoint or "", {})
    if isinstance(problem, FlaskForm):
        if "csrf_token" in problem.errors:  # an expired form: the 400 and its toast say so
            return {}
        pairs = [(name, errors[0]) for name, errors in problem.errors.items() if errors]
    else:
        pairs = [(getattr(problem, "field", None), getattr(problem, "message", str(problem)))]
    return {fields[name]: str(message) for name, message in pairs if name in fields}


def _refusal(problem: tracking.TrackingError | FlaskForm | Exception):
    errors = _panel_errors(problem) if wants_fragment("entry-panel") and current_user.is_authenticated else {}
    if errors and request.view_args and (title := db.session.get(Title, request.view_args.get("title_id"))):
        # The panel again with each message beside its field (app.js swaps a 422 that has a body and
        # focuses the first invalid field); the watch form keeps what was typed.
        watch_form = problem if isinstance(problem, WatchForm) else None
        if watch_form is None and request.endpoint == "tracking.log_watch":
            watch_form = WatchForm(scale=score_scale())
        html = render_template("_entry_panel.html", title=title, panel=panel_context(title, errors, watch_form))
        return htmx_response(html, 422)
    if isinstance(problem, FlaskForm):
        message = next((errors[0] for errors in problem.errors.values() if errors), "Check what you entered.")
        status = 400 if "csrf_token" in problem.errors else 422
    else:
        message, status = getattr(problem, "message", str(problem)), getattr(problem, "status", 422)
    return render_error(status, message)


def entry_page(title: Title, form: EntryForm | None = None, status: int = 200,
               error: tracking.TrackingError | None = None):
    """The full edit page of the user's entry; a refused form comes back with its errors."""
    if status == 200:
        return _entry_page(title, form, status, error)
    db.session.rollback()  # a refused change leaves nothing half-applied to autoflush
    with transaction_mode(immediate=False):
        return _entry_page(title, form, status, error)


def _entry_page(title: Title, form: EntryForm | None, status: int, error: tracking.TrackingError | None):
    panel = panel_context(title)
    entry = panel["entry"]
    if form is None:
        form = EntryForm(formdata=None, obj=entry, scale=panel["scale"])
        if entry is not None:
            form.score.data = scores.format_display(panel["display_score"], "100") if entry.score is not None else ""
            form.tags.data = ", ".join(entry.tags or [])
            form.priority.data = str(entry.priority)
    if error is not None and error.field in form:
        form[error.field].errors = [*form[error.field].errors, error.message]
    elif error is not None:
        form.form_errors.append(error.message)
    return render_template("tracking/entry.html", title=title, form=form, panel=panel), status
