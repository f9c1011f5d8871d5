"""Comic Vine API client: search, volumes and their issues, issues, characters.

Comic Vine answers errors inside its envelope (`status_code` 1 is OK; 100 invalid key, 101 not
found, 107 rate limit, the last with HTTP 420) and limits each resource (`/volume`, `/issues`...)
to 200 requests an hour, so each resource gets its own limiter.
"""

from __future__ import annotations

from typing import Any

from mymovielist.providers.base import ProviderClient, Response, Window, search_query
from mymovielist.providers.errors import NotFound, ProviderError
from mymovielist.providers.payload import Payload

PAGE_SIZE = 100  # Comic Vine's maximum `limit`
CHARACTER_FIELDS = "id,name,real_name,aliases,deck,description,image,publisher,site_detail_url,first_appeared_in_issue"
SEARCH_RESOURCES = ("volume", "issue", "character")
ERRORS = {100: (401, "invalid API key"), 101: (404, "object not found"), 102: (400, "error in URL format"),
          103: (400, "jsonp format requires a json_callback"), 104: (400, "filter error"),
          105: (400, "subscriber only video"), 107: (429, "rate limit exceeded")}


class ComicVineClient(ProviderClient):
    provider = "comicvine"
    default_windows = (Window(200, 3600.0),)

    def __init__(self, base_url: str, api_key: str, **kwargs: Any) -> None:
        # Comic Vine's Cloudflare front rejects empty and library-default User-Agents with 403.
        kwargs.setdefault("user_agent", "MyMovieList/0.1 (self-hosted media tracker)")
        super().__init__(base_url, **kwargs)
        if not api_key:
            raise ValueError("comicvine: an API key is required")
        self.api_key = api_key.strip()

    def limit_key(self, path: str) -> str:
        return path.strip("/").split("/", 1)[0]

    def auth(self, params: dict[str, Any], headers: dict[str, str]) -> None:
        params["api_key"] = self.api_key
        params["format"] = "json"

    def check(self, response: Response) -> Any:
        payload = Payload(response.data, provider=self.provider)
        code = payload.int("status_code", required=True)
        if code != 1:
            status, meaning = ERRORS.get(code, (response.status, "error"))
            message = f"status {code}: {payload.text('error') or meaning}"
            if code == 101:
                raise NotFound(message, provider=self.provider, status=404)
            raise ProviderError(message, provider=self.provider, status=status)
        return response.data

    def _detail(self, path: str, params: dict[str, Any] | None = None) -> dict:
        data = self.get(path, params)
        results = Payload(data, provider=self.provider).obj("results")
        if results is None:  # Comic Vine answers an unknown id with an empty list, not 101
            raise NotFound(f"{path} not found", provider=self.provider, status=404)
        results.id("id")
        return results.data

    def _list(self, path: str, params: dict[str, Any]) -> dict:
        data = self.get(path, params)
        payload = Payload(data, provider=self.provider)
        for _ in payload.objects("results"):
            pass
        if not isinstance(data.get("results"), list):
            raise ProviderError("results: expected list", provider=self.provider, field="results")
        payload.int("number_of_total_results", required=True)
        return data

    def volume(self, volume_id: int | str) -> dict:
        return self._detail(f"/volume/4050-{self.path_id(volume_id)}/")

    def issue(self, issue_id: int | str) -> dict:
        return self._detail(f"/issue/4000-{self.path_id(issue_id)}/")

    def character(self, character_id: int | str) -> dict:
        return self._detail(f"/character/4005-{self.path_id(character_id)}/", {"field_list": CHARACTER_FIELDS})

    def volume_issues(self, volume_id: int | str, *, offset: int = 0) -> dict:
        """One page (up to 100) of a volume's issues, in a stable order for paging."""
        if offset < 0:
            raise ValueError("offset must be 0 or more")
        return self._list(
            "/issues/",
            {"filter": f"volume:{self.path_id(volume_id)}", "sort": "id:asc", "limit": PAGE_SIZE, "offset": offset},
        )

    def search(self, query: str, *, resources: str = "volume", page: int = 1, limit: int = 10) -> dict:
        query = search_query(query)
        if resources not in SEARCH_RESOURCES or page < 1 or not 1 <= limit <= PAGE_SIZE:
            raise ValueError("comicvine: bad search arguments")
        return self._list("/search/", {"query": query, "resources": resources, "page": page, "limit": limit})

