"""Build provider clients from the app's configuration (plain values in, no Flask context kept)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from mymovielist.providers.base import ProviderClient
from mymovielist.providers.comicvine import ComicVineClient
from mymovielist.providers.jikan import JikanClient
from mymovielist.providers.tmdb import TMDBClient

PROVIDERS = ("tmdb", "jikan", "comicvine")


@dataclass
class Clients:
    """The configured clients; a provider without a key (or Jikan when disabled) is None."""

    tmdb: TMDBClient | None = None
    jikan: JikanClient | None = None
    comicvine: ComicVineClient | None = None

    def get(self, provider: str) -> ProviderClient | None:
        if provider not in PROVIDERS:
            raise ValueError(f"unknown provider {provider!r}; choose one of {', '.join(PROVIDERS)}")
        return getattr(self, provider)

    def configured(self) -> list[str]:
        return [p for p in PROVIDERS if getattr(self, p) is not None]


def _common(config: Mapping[str, Any], provider: str) -> dict[str, Any]:
    options: dict[str, Any] = {
        "connect_timeout": float(config.get("PROVIDER_CONNECT_TIMEOUT", 5.0)),
        "read_timeout": float(config.get("PROVIDER_READ_TIMEOUT", 20.0)),
        "retries": int(config.get("PROVIDER_RETRIES", 3)),
        "backoff": float(config.get("PROVIDER_BACKOFF", 0.5)),
    }
    windows = config.get(f"{provider.upper()}_RATE_LIMITS")
    if windows:
        options["windows"] = list(windows)
    if config.get("PROVIDER_USER_AGENT"):
        options["user_agent"] = config["PROVIDER_USER_AGENT"]
    return options


def build_clients(config: Mapping[str, Any]) -> Clients:
    """Clients for every provider the configuration enables."""
    clients = Clients()
    if config.get("TMDB_API_KEY"):
        clients.tmdb = TMDBClient(config["TMDB_BASE_URL"], config["TMDB_API_KEY"], **_common(config, "tmdb"))
    if config.get("JIKAN_ENABLED"):
        clients.jikan = JikanClient(config["JIKAN_BASE_URL"], **_common(config, "jikan"))
    if config.get("COMICVINE_API_KEY"):
        clients.comicvine = ComicVineClient(
            config["COMICVINE_BASE_URL"], config["COMICVINE_API_KEY"], **_common(config, "comicvine")
        )
    return clients
