"""The caller's own list: read with any token, change entries and ratings with a read-write token.

Scores in the API are the stored 0-100 integers, whatever scale the user's pages show.
"""

from __future__ import annotations

from flask import url_for

from mymovielist.api import bp
from mymovielist.api import serializers as out
from mymovielist.api.auth import api_user, token_required
from mymovielist.api.problems import ApiProblem, problem_response
from mymovielist.api.schemas import ENTRY_FIELDS, RATING_FIELDS, Args, json_object, parse_fields
from mymovielist.api.users import list_query
from mymovielist.extensions import db
from mymovielist.models import Title
from mymovielist.services import tracking
from mymovielist.services.tracking import TrackingError


@bp.errorhandler(TrackingError)
def _refused(error: TrackingError):
    """A change the tracking rules refuse, as a problem naming the field."""
    errors = {error.field: [error.message]} if error.field else None
    kind = "not-found" if error.status == 404 else "validation-error" if error.status == 422 else None
    return problem_response(error.status, error.message, kind=kind, errors=errors)


def _title(title_id: int) -> Title:
    title = db.session.get(Title, title_id)
    if title is None:
        raise ApiProblem(404, f"There is no title {title_id}.", kind="not-found")
    return title


def _entry_response(title: Title, status: int = 200):
    entry = tracking.get_entry(api_user().id, title.id)
    headers = {"Location": url_for("api.get_entry", title_id=title.id)} if status == 201 else {}
    return out.entry(entry, private=True), status, headers


@bp.get("/me/entries")
@token_required("read")
def list_entries():
    """List the caller's entries, with notes, filtered and a page at a time."""
    query, page, per_page = list_query(Args())
    result = tracking.list_entries(api_user().id, query, page=page, per_page=per_page)
    return out.from_page(result, out.entry, private=True)


@bp.get("/me/entries/<int(max=2147483647):title_id>")
@token_required("read")
def get_entry(title_id: int):
    """Show the caller's entry for one title."""
    title = _title(title_id)
    if tracking.get_entry(api_user().id, title.id) is None:
        raise ApiProblem(404, "This title is not on your list.", kind="not-found")
    return _entry_response(title)


@bp.put("/me/entries/<int(max=2147483647):title_id>")
@token_required("read-write")
def put_entry(title_id: int):
    """Add the title to the list or set its fields (status required; fields left out are kept)."""
    title = _title(title_id)
    fields = parse_fields(json_object(), ENTRY_FIELDS, required=("status",))
    created = tracking.get_entry(api_user().id, title.id) is None
    tracking.update_entry(api_user(), title, **fields)
    db.session.commit()
    return _entry_response(title, 201 if created else 200)


@bp.patch("/me/entries/<int(max=2147483647):title_id>")
@token_required("read-write")
def patch_entry(title_id: int):
    """Change some fields of an entry already on the list."""
    title = _title(title_id)
    fields = parse_fields(json_object(), ENTRY_FIELDS)
    if tracking.get_entry(api_user().id, title.id) is None:
        raise ApiProblem(404, "This title is not on your list: PUT the entry to add it.", kind="not-found")
    tracking.update_entry(api_user(), title, **fields)
    db.session.commit()
    return _entry_response(title)


@bp.delete("/me/entries/<int(max=2147483647):title_id>")
@token_required("read-write")
def delete_entry(title_id: int):
    """Take the title off the list (its watch log stays)."""
    tracking.remove_entry(api_user(), _title(title_id))
    db.session.commit()
    return "", 204


@bp.put("/me/ratings/<int(max=2147483647):title_id>")
@token_required("read-write")
def put_rating(title_id: int):
    """Rate the title from 0 to 100, adding it to the list when it is not there."""
    title = _title(title_id)
    fields = parse_fields(json_object(), RATING_FIELDS, required=("score",))
    tracking.set_rating(api_user(), title, fields["score"])
    db.session.commit()
    return _entry_response(title)


@bp.delete("/me/ratings/<int(max=2147483647):title_id>")
@token_required("read-write")
def delete_rating(title_id: int):
    """Clear the caller's score for the title (nothing to clear is fine too)."""
    tracking.set_rating(api_user(), _title(title_id), None)
    db.session.commit()
    return "", 204
