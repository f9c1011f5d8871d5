"""On-demand sync for the search page: offer provider results when the catalog has few, import one."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import partial

from flask import current_app

from mymovielist.extensions import db
from mymovielist.models import Title
from mymovielist.providers.errors import ProviderError
from mymovielist.services import cache_keys
from mymovielist.sync import service
from mymovielist.sync.clients import get_clients
from mymovielist.sync.records import TitleRecord
from mymovielist.sync.service import SyncError, Target

log = logging.getLogger(__name__)
MIN_QUERY = 2


@dataclass
class ProviderHit:
    target: Target
    record: TitleRecord
    local_id: int | None  # already in the catalog: link to it instead of importing


def offers_providers(query: str, local_count: int) -> bool:
    """Whether the search page should offer provider results for this query."""
    return (
        len(query.strip()) >= MIN_QUERY
        and local_count < current_app.config["SYNC_ONDEMAND_BELOW"]
        and bool(get_clients().configured())
    )


def search_providers(query: str, *, limit: int = 8) -> tuple[list[ProviderHit], list[str]]:
    """What each configured provider finds; a provider that fails is reported, the others still show."""
    hits: list[ProviderHit] = []
    errors: list[str] = []
    clients = get_clients()
    for provider in clients.configured():
        try:
            # A provider's answer to a search is kept for a while (a failure is not): the same words
            # typed again, or by someone else, cost no request against the provider's rate limit.
            found = cache_keys.cached(
                "provider-search", (), (provider, query.strip().casefold(), limit),
                partial(service.search_provider, clients, provider, query, limit=limit),
                timeout=current_app.config["PROVIDER_SEARCH_CACHE_SECONDS"],
            )
        except (ProviderError, ValueError) as exc:
            log.warning("provider search failed: %s", exc)
            errors.append(f"{provider} did not answer ({exc.__class__.__name__})")
            continue
        hits += [ProviderHit(target, record, service.find_local(target)) for target, record in found]
    return hits, errors


def import_on_demand(provider: str, kind: str, external_id: str) -> Title:
    """Fetch one title a user chose and store it (flushes); SyncError or ProviderError when it cannot."""
    target = Target.parse(provider, kind, external_id)
    # A POST began its transaction IMMEDIATE (loading the user): end it, so no SQLite write lock
    # is held while the provider answers. Nothing has been written yet.
    db.session.rollback()
    record = service.fetch_record(get_clients(), target)
    return service.store_record(record).title


__all__ = ["ProviderHit", "SyncError", "import_on_demand", "offers_providers", "search_providers"]
