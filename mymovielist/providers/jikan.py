"""Jikan API v4 client (MyAnimeList, read-only, no key): anime and manga, their people, lists."""

from __future__ import annotations

from typing import Any

from mymovielist.providers.base import ProviderClient, Response, Window, search_query
from mymovielist.providers.errors import ProviderError
from mymovielist.providers.payload import Payload

MAX_LIMIT = 25  # Jikan refuses larger pages with a 400
MEDIA = ("anime", "manga")


class JikanClient(ProviderClient):
    provider = "jikan"
    # Jikan v4: "60 requests/minute, 3 requests/second".
    default_windows = (Window(3, 1.0), Window(60, 60.0))

    def check(self, response: Response) -> Any:
        payload = Payload(response.data, provider=self.provider)
        if "data" not in payload.data:
            raise ProviderError("data: missing", provider=self.provider, field="data")
        return response.data

    def _object(self, path: str) -> dict:
        data = self.get(path)
        item = Payload(data, provider=self.provider).obj("data", required=True)
        item.id("mal_id")
        return item.data

    def _list(self, path: str, params: dict[str, Any] | None = None) -> dict:
        data = self.get(path, params)
        payload = Payload(data, provider=self.provider)
        for _ in payload.objects("data"):
            pass
        if not isinstance(data["data"], list):
            raise ProviderError("data: expected list", provider=self.provider, field="data")
        return data

    # -- details -----------------------------------------------------------------------------

    def anime_full(self, mal_id: int | str) -> dict:
        return self._object(f"/anime/{self.path_id(mal_id)}/full")

    def manga_full(self, mal_id: int | str) -> dict:
        return self._object(f"/manga/{self.path_id(mal_id)}/full")

    def characters(self, media: str, mal_id: int | str) -> list[dict]:
        return self._list(f"/{_media(media)}/{self.path_id(mal_id)}/characters")["data"]

    def anime_staff(self, mal_id: int | str) -> list[dict]:
        return self._list(f"/anime/{self.path_id(mal_id)}/staff")["data"]

    def anime_episodes(self, mal_id: int | str, *, page: int = 1) -> dict:
        """One page of episodes (100 a page) with its `pagination`."""
        return self._list(f"/anime/{self.path_id(mal_id)}/episodes", {"page": _page(page)})

    def relations(self, media: str, mal_id: int | str) -> list[dict]:
        return self._list(f"/{_media(media)}/{self.path_id(mal_id)}/relations")["data"]

    # -- lists -------------------------------------------------------------------------------

    def search(self, media: str, query: str, *, page: int = 1, limit: int = MAX_LIMIT) -> dict:
        query = search_query(query)
        return self._list(f"/{_media(media)}", {"q": query, "page": _page(page), "limit": _limit(limit), "sfw": "true"})

    def top(self, media: str, *, page: int = 1, limit: int = MAX_LIMIT, filter: str | None = None) -> dict:
        return self._list(f"/top/{_media(media)}", {"page": _page(page), "limit": _limit(limit), "filter": filter})

    def season_now(self, *, page: int = 1, limit: int = MAX_LIMIT) -> dict:
        return self._list("/seasons/now", {"page": _page(page), "limit": _limit(limit)})

    def genres(self, media: str) -> list[dict]:
        return self._list(f"/genres/{_media(media)}")["data"]


def has_next_page(page_data: dict, page: int) -> bool:
    """Whether another page follows. Jikan can say has_next_page with last_visible_page 1 (recorded
    in anime 457's episodes): trust the last visible page when it is there, and stop on empty data."""
    pagination = Payload(page_data, provider="jikan").obj("pagination")
    if pagination is None or not page_data.get("data"):
        return False
    last = pagination.int("last_visible_page")
    if last is not None and page >= last:
        return False
    return pagination.bool("has_next_page")


def _media(media: str) -> str:
    if media not in MEDIA:
        raise ValueError(f"jikan: media must be anime or manga, got {media!r}")
    return media



def _page(page: int) -> int:
    if page < 1:
        raise ValueError("pages start at 1")
    return page


def _limit(limit: int) -> int:
    if not 1 <= limit <= MAX_LIMIT:
        raise ValueError(f"jikan: limit must be 1..{MAX_LIMIT}")
    return limit
