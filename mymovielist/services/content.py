"""What a viewer wants to see of the catalog: the kinds they follow and whether adult titles show."""

from __future__ import annotations

from dataclasses import dataclass

from mymovielist.models import KINDS


@dataclass(frozen=True)
class ContentFilter:
    kinds: tuple[str, ...] = KINDS
    show_adult: bool = False

    @property
    def all_kinds(self) -> bool:
        return set(self.kinds) >= set(KINDS)


VISITOR = ContentFilter()


def viewer_filter(user) -> ContentFilter:
    """The signed-in user's preferences (Settings > Preferences), or the visitor default: every kind, no adult titles."""
    prefs = getattr(user, "preferences", None) if user is not None and user.is_authenticated else None
    if prefs is None:
        return VISITOR
    kinds = tuple(k for k in KINDS if k in (prefs.kinds_shown or ())) or KINDS
    return ContentFilter(kinds=kinds, show_adult=bool(prefs.show_adult))
