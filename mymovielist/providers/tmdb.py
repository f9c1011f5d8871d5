"""TMDB API v3 client: search, details with appended credits and friends, seasons, trending, changes."""

from __future__ import annotations

from datetime import date
from typing import Any

from mymovielist.providers.base import ProviderClient, Response, Window, search_query
from mymovielist.providers.errors import NotFound, ProviderError
from mymovielist.providers.payload import Payload

DETAIL_APPENDS = "credits,recommendations,external_ids,keywords"
MAX_PAGE = 500  # TMDB refuses pages past 500 (error 22) even when total_pages says more
MEDIA_TYPES = ("movie", "tv")


class TMDBClient(ProviderClient):
    provider = "tmdb"
    # TMDB's documented ceiling is "somewhere in the 40 requests per second range".
    default_windows = (Window(40, 1.0),)

    def __init__(self, base_url: str, api_key: str, **kwargs: Any) -> None:
        super().__init__(base_url, **kwargs)
        if not api_key:
            raise ValueError("tmdb: an API key or read access token is required")
        self.api_key = api_key.strip()

    def auth(self, params: dict[str, Any], headers: dict[str, str]) -> None:
        # A v4 read access token is a JWT ("eyJ..." with dots); a v3 key is 32 hex digits.
        if self.api_key.count(".") == 2:
            headers["Authorization"] = f"Bearer {self.api_key}"
        else:
            params["api_key"] = self.api_key

    def check(self, response: Response) -> Any:
        data = response.data
        payload = Payload(data, provider=self.provider)
        if payload.data.get("success") is False:
            code = payload.int("status_code")
            message = payload.text("status_message") or "unknown error"
            if code in (6, 34):
                raise NotFound(message, provider=self.provider, status=404)
            raise ProviderError(f"error {code}: {message}", provider=self.provider, status=response.status)
        return data

    # -- lists -------------------------------------------------------------------------------

    def _page(self, path: str, params: dict[str, Any], page: int) -> dict:
        if not 1 <= page <= MAX_PAGE:
            raise ValueError(f"tmdb: page must be 1..{MAX_PAGE}, got {page}")
        data = self.get(path, {**params, "page": page})
        payload = Payload(data, provider=self.provider)
        for _ in payload.objects("results"):  # every result an object, or a clear error naming it
            pass
        if not isinstance(data.get("results"), list):
            raise ProviderError("results: missing", provider=self.provider, field="results")
        return data

    def search_movie(self, query: str, *, page: int = 1, year: int | None = None) -> dict:
        return self._page("/search/movie", {"query": search_query(query), "year": year, "include_adult": "false"}, page)

    def search_tv(self, query: str, *, page: int = 1, year: int | None = None) -> dict:
        return self._page(
            "/search/tv", {"query": search_query(query), "first_air_date_year": year, "include_adult": "false"}, page
        )

    def search_multi(self, query: str, *, page: int = 1) -> dict:
        return self._page("/search/multi", {"query": search_query(query), "include_adult": "false"}, page)

    def trending(self, media_type: str = "all", window: str = "week", *, page: int = 1) -> dict:
        if media_type not in ("all", "movie", "tv", "person") or window not in ("day", "week"):
            raise ValueError(f"tmdb: no trending list for {media_type}/{window}")
        return self._page(f"/trending/{media_type}/{window}", {}, page)

    def popular(self, media_type: str, *, page: int = 1) -> dict:
        return self._page(f"/{_media(media_type)}/popular", {}, page)

    def changes(
        self, media_type: str, *, start_date: date | None = None, end_date: date | None = None, page: int = 1
    ) -> dict:
        """Ids changed in a window of at most 14 days (TMDB's limit; error 20 past it)."""
        if start_date and end_date and (end_date - start_date).days > 14:
            raise ValueError("tmdb: a changes window is at most 14 days")
        params = {
            "start_date": start_date.isoformat() if start_date else None,
            "end_date": end_date.isoformat() if end_date else None,
        }
        return self._page(f"/{_media(media_type)}/changes", params, page)

    # -- details -----------------------------------------------------------------------------

    def _detail(self, path: str, params: dict[str, Any] | None = None) -> dict:
        data = self.get(path, params)
        Payload(data, provider=self.provider).id("id")
        return data

    def movie(self, movie_id: int | str) -> dict:
        return self._detail(f"/movie/{self.path_id(movie_id)}", {"append_to_response": DETAIL_APPENDS})

    def tv(self, tv_id: int | str) -> dict:
        return self._detail(f"/tv/{self.path_id(tv_id)}", {"append_to_response": DETAIL_APPENDS})

    def tv_season(self, tv_id: int | str, season_number: int) -> dict:
        if season_number < 0:
            raise ValueError("tmdb: season numbers start at 0 (specials)")
        data = self._detail(f"/tv/{self.path_id(tv_id)}/season/{int(season_number)}")
        Payload(data, provider=self.provider).list("episodes")
        return data

    def genres(self, media_type: str) -> list[dict]:
        data = self.get(f"/genre/{_media(media_type)}/list")
        return [g.data for g in Payload(data, provider=self.provider).objects("genres") if g.id() and g.str("name", required=True)]

    def configuration(self) -> dict:
        data = self.get("/configuration")
        images = Payload(data, provider=self.provider).obj("images", required=True)
        images.str("secure_base_url", required=True)
        return data


def _media(media_type: str) -> str:
    if media_type not in MEDIA_TYPES:
        raise ValueError(f"tmdb: media type must be movie or tv, got {media_type!r}")
    return media_type


