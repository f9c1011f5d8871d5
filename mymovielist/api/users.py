"""Users' lists, read-only: public lists for anyone, private ones for their owner's tokens."""

from __future__ import annotations

from flask import current_app

from mymovielist.api import bp
from mymovielist.api import serializers as out
from mymovielist.api.auth import api_user
from mymovielist.api.problems import ApiProblem
from mymovielist.api.schemas import Args
from mymovielist.models import KINDS
from mymovielist.models.tracking import ENTRY_STATUSES
from mymovielist.services import accounts, tracking, visibility


def list_query(args: Args) -> tuple[tracking.ListQuery, int, int]:
    """The list filters every list endpoint takes: status, kind, sort and the page."""
    query = tracking.ListQuery(
        status=args.text("status", choices=ENTRY_STATUSES), kind=args.text("kind", choices=KINDS),
        sort=args.text("sort", choices=tuple(tracking.LIST_SORTS)) or "updated",
    )
    page, per_page = args.page(current_app.config["TRACKING_LIST_PAGE_SIZE"])
    args.done()
    return query, page, per_page


@bp.get("/users/<username>/list")
def user_list(username: str):
    """List a user's entries; a hidden list (`visibility.can_see`) is not found."""
    owner = accounts.get_user_by_username(username)
    viewer = api_user()
    if owner is None or not visibility.can_see(viewer, owner):
        raise ApiProblem(404, f"There is no public list for “{username}”.", kind="not-found")
    query, page, per_page = list_query(Args())
    result = tracking.list_entries(owner.id, query, page=page, per_page=per_page)
    return out.from_page(result, out.entry, private=viewer is not None and viewer.id == owner.id)
