"""Custom lists: named, described, public or private, ranked or not, in an order the owner sets.

Item positions are 1..n with no gaps. Every change to them is one UPDATE statement that keeps
that true even if it runs on a stale read (a move swaps whatever two rows hold the neighbouring
positions), and write transactions are serialised (BEGIN IMMEDIATE on SQLite).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from sqlalchemy import case, delete, func, select, update
from sqlalchemy.orm import joinedload, selectinload

from mymovielist.extensions import db
from mymovielist.models import CustomList, CustomListItem, Title, User, utcnow
from mymovielist.services import activity, visibility

MAX_NAME = 100
MAX_DESCRIPTION = 2_000
MAX_NOTE = 500
MAX_ITEMS = 1_000
MAX_LISTS = 200


class ListError(ValueError):
    """A list change that breaks a rule; the message is shown to the user."""


def slugify(name: str) -> str:
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")[:80] or "list"


def _unique_slug(user: User, name: str, exclude_id: int | None = None) -> str:
    base = slugify(name)
    taken = set(db.session.scalars(
        select(CustomList.slug).where(CustomList.user_id == user.id, CustomList.slug.like(f"{base}%"),
                                      CustomList.id != (exclude_id or 0))
    ))
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    return slug


def _clean(name: str | None, description: str | None) -> tuple[str, str]:
    name = " ".join((name or "").split())
    description = (description or "").replace("\r\n", "\n").strip()
    if not name:
        raise ListError("Give the list a name.")
    if len(name) > MAX_NAME:
        raise ListError(f"Keep the name under {MAX_NAME} characters.")
    if len(description) > MAX_DESCRIPTION:
        raise ListError(f"Keep the description under {MAX_DESCRIPTION:,} characters.")
    return name, description


def create_list(user: User, name: str, description: str = "", *, is_public: bool = True,
                is_ranked: bool = False) -> CustomList:
    """Create a list for the user."""
    name, description = _clean(name, description)
    count = db.session.scalar(select(func.count()).where(CustomList.user_id == user.id)) or 0
    if count >= MAX_LISTS:
        raise ListError(f"You have {MAX_LISTS} lists already; delete one first.")
    custom_list = CustomList(user_id=user.id, name=name, slug=_unique_slug(user, name), description=description,
                             is_public=is_public, is_ranked=is_ranked)
    db.session.add(custom_list)
    db.session.flush()
    return custom_list


def update_list(custom_list: CustomList, name: str, description: str, *, is_public: bool, is_ranked: bool) -> None:
    """Rename, describe, and set the privacy and ranking of a list."""
    name, description = _clean(name, description)
    if name != custom_list.name:
        custom_list.slug = _unique_slug(custom_list.user, name, exclude_id=custom_list.id)
    custom_list.name, custom_list.description = name, description
    custom_list.is_public, custom_list.is_ranked = is_public, is_ranked
    db.session.flush()


def delete_list(custom_list: CustomList) -> None:
    """Delete a list and its items."""
    db.session.delete(custom_list)
    db.session.flush()


def get_list(list_id: int) -> CustomList | None:
    """A list with its owner, and its items with their titles, in order."""
    return db.session.scalar(
        select(CustomList).where(CustomList.id == list_id).options(
            joinedload(CustomList.user).joinedload(User.profile),
            selectinload(CustomList.items).joinedload(CustomListItem.title),
        )
    )


@dataclass
class ListSummary:
    custom_list: CustomList
    item_count: int


def list_user_lists(owner: User, viewer: User | None) -> list[ListSummary]:
    """The owner's lists the viewer may see, with item counts (one query), most recently changed first."""
    counts = (select(CustomListItem.list_id, func.count().label("n")).group_by(CustomListItem.list_id).subquery())
    query = (
        select(CustomList, func.coalesce(counts.c.n, 0))
        .outerjoin(counts, counts.c.list_id == CustomList.id)
        .where(CustomList.user_id == owner.id)
        .order_by(CustomList.updated_at.desc(), CustomList.id.desc())
    )
    if not visibility.can_see(viewer, owner):
        return []
    if viewer is None or not (viewer.id == owner.id or viewer.is_admin):
        query = query.where(CustomList.is_public.is_(True))
    return [ListSummary(row[0], row[1]) for row in db.session.execute(query)]


@dataclass
class PickerRow:
    custom_list: CustomList
    item_id: int | None  # the title's item in this list, when it is on it


def lists_for_picker(user: User, title: Title) -> list[PickerRow]:
    """The user's lists, each with the title's item in it if any (one query), for "add to a list"."""
    rows = db.session.execute(
        select(CustomList, CustomListItem.id)
        .outerjoin(CustomListItem, (CustomListItem.list_id == CustomList.id) & (CustomListItem.title_id == title.id))
        .where(CustomList.user_id == user.id)
        .order_by(CustomList.name, CustomList.id)
    )
    return [PickerRow(row[0], row[1]) for row in rows]


def add_item(custom_list: CustomList, title: Title, note: str = "") -> tuple[CustomListItem, bool]:
    """Put the title at the end of the list; True when it was not already on it."""
    note = (note or "").strip()
    if len(note) > MAX_NOTE:
        raise ListError(f"Keep the note under {MAX_NOTE} characters.")
    _lock(custom_list)
    existing = db.session.scalar(select(CustomListItem).where(
        CustomListItem.list_id == custom_list.id, CustomListItem.title_id == title.id))
    if existing is not None:
        return existing, False
    count = db.session.scalar(select(func.count()).where(CustomListItem.list_id == custom_list.id)) or 0
    if count >= MAX_ITEMS:
        raise ListError(f"A list holds at most {MAX_ITEMS:,} titles.")
    last = select(func.coalesce(func.max(CustomListItem.position), 0) + 1).where(
        CustomListItem.list_id == custom_list.id).scalar_subquery()
    item = CustomListItem(list_id=custom_list.id, title_id=title.id, position=last, note=note)
    db.session.add(item)
    _touch(custom_list)
    db.session.flush()
    if custom_list.is_public:  # a private list stays out of feeds
        activity.record(custom_list.user, "listed", title, list_id=custom_list.id, list_name=custom_list.name)
    return item, True


def get_item(custom_list: CustomList, item_id: int) -> CustomListItem | None:
    """The item `item_id` if it belongs to this list."""
    item = db.session.get(CustomListItem, item_id)
    return item if item is not None and item.list_id == custom_list.id else None


def remove_item(custom_list: CustomList, item: CustomListItem) -> None:
    """Take an item off its list and close the gap it leaves."""
    _lock(custom_list)
    position = db.session.scalar(select(CustomListItem.position).where(CustomListItem.id == item.id))
    if position is None:  # someone removed it first
        return
    db.session.execute(delete(CustomListItem).where(CustomListItem.id == item.id))
    db.session.execute(
        update(CustomListItem)
        .where(CustomListItem.list_id == custom_list.id, CustomListItem.position > position)
        .values(position=CustomListItem.position - 1)
        .execution_options(synchronize_session=False)
    )
    _touch(custom_list)
    db.session.flush()
    db.session.expire(custom_list, ["items"])


def move_item(custom_list: CustomList, item: CustomListItem, direction: str) -> bool:
    """Swap an item with its neighbour above or below; False when it is already at that end."""
    if direction not in ("up", "down"):
        raise ListError("Move an item up or down.")
    _lock(custom_list)
    here = db.session.scalar(select(CustomListItem.position).where(CustomListItem.id == item.id))
    if here is None:  # removed meanwhile
        return False
    there = here - 1 if direction == "up" else here + 1
    pair = (CustomListItem.list_id == custom_list.id) & CustomListItem.position.in_((here, there))
    both_there = select(func.count()).select_from(CustomListItem).where(pair).scalar_subquery() == 2
    # One statement swaps the two positions, and only when both exist: positions stay 1..n and
    # unique whatever ran before it.
    result = db.session.execute(
        update(CustomListItem).where(pair, both_there)
        .values(position=case((CustomListItem.position == here, there), else_=here))
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 2:
        return False
    _touch(custom_list)
    db.session.flush()
    db.session.expire_all()
    return True


def _lock(custom_list: CustomList) -> None:
    """Serialize changes to one list's positions. SQLite's write transactions already run one at a
    time (BEGIN IMMEDIATE); PostgreSQL's READ COMMITTED would let two moves read the same positions."""
    db.session.execute(select(CustomList.id).where(CustomList.id == custom_list.id).with_for_update())


def _touch(custom_list: CustomList) -> None:
    custom_list.updated_at = utcnow()


def positions(custom_list: CustomList) -> list[int]:
    """The list's item positions in order (for checks and tests)."""
    return list(db.session.scalars(
        select(CustomListItem.position).where(CustomListItem.list_id == custom_list.id)
        .order_by(CustomListItem.position)))
