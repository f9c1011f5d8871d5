"""Catalog sync: fetch a title from its provider, map it, match it, upsert it; batches with a SyncRun.

Network and database never overlap: a title's responses are all fetched before its transaction
begins, so a slow provider never holds SQLite's write lock. Each title is its own transaction: a
failure rolls back that title alone, is written into the run's error log, and the batch goes on.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import SQLAlchemyError

from mymovielist.extensions import db
from mymovielist.models import ExternalId, SyncRun, Title, utcnow
from mymovielist.providers.errors import NotFound, ProviderError
from mymovielist.providers.factory import Clients
from mymovielist.providers.jikan import has_next_page
from mymovielist.redact import redact
from mymovielist.services import cache_keys
from mymovielist.sync import matching
from mymovielist.sync.mapping import comicvine as cv_map
from mymovielist.sync.mapping import jikan as jikan_map
from mymovielist.sync.mapping import tmdb as tmdb_map
from mymovielist.sync.records import TitleRecord
from mymovielist.sync.upsert import DETAIL_FIELDS, TITLE_FIELDS, CatalogWriter, UpsertError, UpsertResult

log = logging.getLogger(__name__)

# What `flask sync import PROVIDER KIND ID` accepts; the kinds are the providers' own words.
IMPORTABLE = {"tmdb": ("movie", "tv"), "jikan": ("anime", "manga"), "comicvine": ("volume",)}
MAX_EPISODE_PAGES = 50  # Jikan pages episodes by 100; a runaway has_next_page stops here
MAX_ISSUE_PAGES = 50  # Comic Vine pages issues by 100
MAX_ERROR_CHARS = 20_000


class SyncError(Exception):
    """A sync request that cannot be carried out (unknown provider or kind, provider not configured)."""


@dataclass(frozen=True)
class Target:
    """A title at a provider, as `flask sync import` names it."""

    provider: str
    kind: str
    external_id: str

    def __str__(self) -> str:
        return f"{self.provider}:{self.kind}:{self.external_id}"

    @classmethod
    def parse(cls, provider: str, kind: str, external_id: str) -> Target:
        provider, kind, external_id = provider.strip().lower(), kind.strip().lower(), str(external_id).strip()
        if provider not in IMPORTABLE:
            raise SyncError(f"unknown provider {provider!r}; choose one of {', '.join(IMPORTABLE)}")
        if kind not in IMPORTABLE[provider]:
            raise SyncError(f"{provider} has no kind {kind!r}; choose one of {', '.join(IMPORTABLE[provider])}")
        if not external_id.isdigit():
            raise SyncError(f"{provider} ids are whole numbers, got {external_id!r}")
        return cls(provider, kind, str(int(external_id)))


# -- fetching: HTTP and mapping, no database ------------------------------------------------------


def _client(clients: Clients, provider: str):
    client = clients.get(provider)
    if client is None:
        raise SyncError(f"{provider} is not configured (set its API key, or JIKAN_ENABLED for Jikan)")
    return client


def fetch_record(clients: Clients, target: Target) -> TitleRecord:
    """Everything the provider knows about one title, mapped to a record (several requests)."""
    client = _client(clients, target.provider)
    if target.provider == "tmdb" and target.kind == "movie":
        return tmdb_map.movie_record(client.movie(target.external_id))
    if target.provider == "tmdb":
        return _tmdb_series(client, target.external_id)
    if target.provider == "jikan" and target.kind == "anime":
        return _jikan_anime(client, target.external_id)
    if target.provider == "jikan":
        record = jikan_map.manga_record(client.manga_full(target.external_id))
        characters = jikan_map.characters(client.characters("manga", target.external_id))
        return dataclasses.replace(record, characters=characters) if characters else record
    return _comicvine_volume(client, target.external_id)


def _tmdb_series(client, tv_id: str) -> TitleRecord:
    data = client.tv(tv_id)
    record = tmdb_map.series_record(data)
    episodes = []
    for season in record.seasons:
        if season.number == 0 or not season.episode_count:
            continue  # specials are a grab bag; TMDB often has no episode list for them
        try:
            episodes += tmdb_map.season_episodes(client.tv_season(tv_id, season.number))
        except NotFound:
            log.info("tmdb tv %s: season %s has no details", tv_id, season.number)
    return dataclasses.replace(record, episodes=episodes)


def _jikan_anime(client, mal_id: str) -> TitleRecord:
    record = jikan_map.anime_record(client.anime_full(mal_id))
    characters = jikan_map.characters(client.characters("anime", mal_id))
    staff = jikan_map.staff(client.anime_staff(mal_id))
    episodes = []
    for page in range(1, MAX_EPISODE_PAGES + 1):
        data = client.anime_episodes(mal_id, page=page)
        episodes += jikan_map.episodes(data["data"])
        if not has_next_page(data, page):
            break
    return dataclasses.replace(record, characters=characters, credits=record.credits + staff, episodes=episodes)


def _comicvine_volume(client, volume_id: str) -> TitleRecord:
    record = cv_map.volume_record(client.volume(volume_id))
    issues = []
    offset = 0
    for _ in range(MAX_ISSUE_PAGES):
        page = client.volume_issues(volume_id, offset=offset)
        # Only this volume's issues, whatever the filter returned.
        results = [r for r in page["results"] if str((r.get("volume") or {}).get("id")) == volume_id]
        issues += cv_map.issue_episodes(results)
        offset += len(page["results"])
        if not page["results"] or offset >= page["number_of_total_results"]:
            break
    return dataclasses.replace(record, episodes=issues) if issues else record


def search_provider(clients: Clients, provider: str, query: str, *, limit: int = 10) -> list[tuple[Target, TitleRecord]]:
    """Titles a provider finds for a query, as importable targets with what the list says of them."""
    client = _client(clients, provider)
    hits: list[tuple[Target, TitleRecord]] = []
    if provider == "tmdb":
        for item in client.search_multi(query)["results"]:
            record = tmdb_map.list_item_record(item)
            if record is not None:
                ref = record.refs[0]
                hits.append((Target("tmdb", ref.kind, ref.value), record))
    elif provider == "jikan":
        for media, mapper in (("anime", jikan_map.anime_record), ("manga", jikan_map.manga_record)):
            for item in client.search(media, query, limit=min(limit, 25))["data"][:limit]:
                record = mapper(item)
                hits.append((Target("jikan", media, record.refs[0].value), record))
    else:
        for item in client.search(query, resources="volume", limit=min(limit, 100))["results"]:
            record = cv_map.volume_record(item)
            hits.append((Target("comicvine", "volume", record.refs[0].value), record))
    return hits if provider == "jikan" else hits[:limit]  # Jikan: up to `limit` anime and `limit` manga


# -- storing: matching and conflict rules, no HTTP ----------------------------------------------------


def find_match(record: TitleRecord) -> Title | None:
    """The one title another provider already gave us for the same work, when we are sure.

    Sure means: no id of this record is known yet, and exactly one title passes
    `matching.same_work` (kinds that fit, a year at most one apart, a name in common, counts
    that agree). Anything less and the record becomes a title of its own.
    """
    work = matching.work_of_record(record)
    kinds = matching.twin_kinds(work)
    if record.year is None or not kinds:
        return None
    lowered = list({(x or "").lower() for x in (record.title, record.original_title, *record.alt_titles) if x})
    stmt = select(Title).where(
        Title.kind.in_(kinds),
        Title.year.between(record.year - 1, record.year + 1),
        or_(func.lower(Title.title).in_(lowered), func.lower(Title.original_title).in_(lowered)),
    )
    with db.session.no_autoflush:
        found = list(db.session.scalars(stmt.order_by(Title.id).limit(20)))
        return matching.sole_match(work, ((title, matching.work_of_title(title)) for title in found))


def _primary_provider(title: Title) -> str | None:
    """The provider that brought the title in owns its fields; others only fill gaps."""
    ids = sorted((e for e in title.external_ids if e.provider != "imdb"), key=lambda e: e.id or 0)
    return ids[0].provider if ids else None


def _gaps_only(record: TitleRecord, title: Title) -> TitleRecord:
    """The record cut down to what the title does not have yet."""
    blank = (None, "", [])
    values: dict[str, Any] = {}
    for name in TITLE_FIELDS:
        if name != "title" and getattr(title, name) not in blank:
            values[name] = [] if name == "alt_titles" else None
    values["adult"] = title.adult
    details = {
        k: v for k, v in record.details.items()
        if k in DETAIL_FIELDS[title.kind] and getattr(title, k, None) in blank
    }
    gaps = dataclasses.replace(
        record,
        kind=title.kind,  # a MAL anime joining TMDB's Japanese series or film takes the title's kind
        title=title.title,
        **values,
        details=details,
        genres=[] if title.genres else record.genres,
        credits=[] if title.credits else record.credits,
        characters=[] if title.characters else record.characters,
        episodes=[] if title.episodes else record.episodes,
        seasons=[] if getattr(title, "seasons", None) else record.seasons,
    )
    if title.year is not None:
        gaps.year = None  # __post_init__ derives it from a release date the title may lack
    return gaps


def store_record(record: TitleRecord, writer: CatalogWriter | None = None) -> UpsertResult:
    """Upsert a record, joining it to the same work from another provider when sure. Flushes."""
    result = _store_record(record, writer)
    if result.outcome != "unchanged" or result.renamed_shared:
        cache_keys.catalog_changed([result.title.id])
    return result


def _store_record(record: TitleRecord, writer: CatalogWriter | None) -> UpsertResult:
    writer = writer or CatalogWriter(provider=record.refs[0].provider)
    provider = record.refs[0].provider
    existing = writer._find_title(record.refs)
    if existing is None:
        match = find_match(record)
        if match is not None:
            log.info("%s joins title %s (%s)", record.refs[0], match.id, match.title)
            return writer.upsert(_gaps_only(record, match), into=match)
        return writer.upsert(record)
    if _primary_provider(existing) not in (None, provider):
        return writer.upsert(_gaps_only(record, existing), into=existing)
    return writer.upsert(record, into=existing)


def import_title(clients: Clients, target: Target) -> UpsertResult:
    """Fetch and store one title (flushes; the caller commits)."""
    return store_record(fetch_record(clients, target))


# -- batches ---------------------------------------------------------------------------------------


@dataclass
class BatchResult:
    run_id: int
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    failed: int = 0
    title_ids: list[int] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def done(self) -> int:
        return self.created + self.updated + self.unchanged + self.failed


def start_run(provider: str, job: str, total: int | None = None) -> int:
    """Record a run as started (commits, so the admin page sees it at once); returns its id."""
    run = SyncRun(provider=provider, job=job, total=total, status="running", error="")
    db.session.add(run)
    db.session.commit()
    return run.id


def _save_progress(run_id: int, result: BatchResult, **extra: Any) -> None:
    error = redact("\n".join(result.errors))  # errors are shown to admins: no key may reach them
    if len(error) > MAX_ERROR_CHARS:
        error = error[:MAX_ERROR_CHARS] + "\n… (more errors cut)"
    db.session.execute(
        update(SyncRun).where(SyncRun.id == run_id).values(
            fetched=result.done, created=result.created, updated=result.updated,
            unchanged=result.unchanged, failed=result.failed, error=error, **extra,
        )
    )


def finish_run(run_id: int, result: BatchResult, *, error: str | None = None) -> None:
    if error:
        result.errors.append(error)
    if error or (result.failed and not (result.created or result.updated or result.unchanged)):
        status = "failed"
    elif result.failed:
        status = "partial"
    else:
        status = "succeeded"
    _save_progress(run_id, result, status=status, finished_at=utcnow())
    db.session.commit()


def run_batch(
    clients: Clients,
    targets: Iterable[Any],
    *,
    run_id: int,
    fetch: Callable[[Clients, Any], TitleRecord] = fetch_record,
    progress: Callable[[BatchResult], None] | None = None,
    details_pending: bool = False,
) -> BatchResult:
    """Import each target in its own transaction, recording progress and failures in the run.

    Targets are `Target`s fetched with `fetch_record`, or anything `fetch` turns into a record
    (list entries already mapped, for bulk imports). With `details_pending`, titles created from
    such partial records are left unsynced, so the next refresh fetches their full details.
    """
    result = BatchResult(run_id=run_id)
    writer = CatalogWriter()
    for target in targets:
        try:
            record = fetch(clients, target)  # network only: no transaction is open here
            writer.provider = record.refs[0].provider
            outcome = store_record(record, writer)
            if details_pending and outcome.outcome == "created":
                outcome.title.synced_at = None
            setattr(result, outcome.outcome, getattr(result, outcome.outcome) + 1)
            result.title_ids.append(outcome.title.id)
            _save_progress(run_id, result)
            db.session.commit()
        except Exception as exc:  # one title's failure, whatever it is, must not end the batch
            db.session.rollback()
            writer = CatalogWriter()  # its caches may hold rows the rollback discarded
            result.failed += 1
            expected = isinstance(exc, (ProviderError, UpsertError, SyncError, ValueError, SQLAlchemyError))
            result.errors.append(f"{_label(target)}: {exc}" if expected else
                                 f"{_label(target)}: unexpected {exc.__class__.__name__}: {exc}")
            if expected:
                log.warning("sync %s failed: %s", _label(target), exc)
            else:
                log.exception("sync %s failed unexpectedly", _label(target))
            _save_progress(run_id, result)
            db.session.commit()
        if progress is not None:
            progress(result)
    return result


def _label(target: Any) -> str:
    if isinstance(target, TitleRecord):
        ref = target.refs[0]
        return f"{ref.provider}:{ref.kind}:{ref.value}"
    return str(target)


def import_records(clients: Clients, records: list[TitleRecord], *, job: str, provider: str = "all") -> BatchResult:
    """A run that stores records mapped from list pages (trending, top): no request per title."""
    run_id = start_run(provider, job, total=len(records))
    result = run_batch(clients, records, run_id=run_id, fetch=lambda _clients, record: record, details_pending=True)
    finish_run(run_id, result)
    return result


def sync_targets(clients: Clients, targets: list[Target], *, job: str, provider: str = "all",
                 progress: Callable[[BatchResult], None] | None = None) -> BatchResult:
    """A whole run: start it, import every target, finish it (also when the batch itself breaks)."""
    run_id = start_run(provider, job, total=len(targets))
    result = BatchResult(run_id=run_id)
    try:
        result = run_batch(clients, targets, run_id=run_id, progress=progress)
    except Exception as exc:
        db.session.rollback()
        finish_run(run_id, result, error=f"the run stopped: {exc.__class__.__name__}: {exc}")
        raise
    finish_run(run_id, result)
    return result


def stale_targets(
    clients: Clients, *, provider: str | None = None, older_than_hours: float | None = None,
    popular_hours: float | None = None, popular_threshold: float = 100.0, limit: int | None = None,
) -> list[Target]:
    """Titles due for a refresh, most popular first: one target per title, at its primary provider.

    A title is due when it was synced longer ago than `older_than_hours`, or, when popular
    (popularity >= threshold), longer ago than `popular_hours`.
    """
    now = utcnow()
    providers = [p for p in clients.configured() if provider in (None, p)]
    if provider is not None and provider not in IMPORTABLE:
        raise SyncError(f"unknown provider {provider!r}")
    due = Title.synced_at.is_(None)
    if older_than_hours is not None:
        due = or_(due, Title.synced_at < now - timedelta(hours=older_than_hours))
    if popular_hours is not None:
        due = or_(due, (Title.popularity >= popular_threshold) & (Title.synced_at < now - timedelta(hours=popular_hours)))
    stmt = (
        select(ExternalId.title_id, ExternalId.provider, ExternalId.kind, ExternalId.value)
        .join(Title, Title.id == ExternalId.title_id)
        .where(due, ExternalId.provider.in_(providers))
        .order_by(Title.popularity.desc(), Title.id, ExternalId.id)
    )
    targets: list[Target] = []
    seen: set[int] = set()
    for title_id, prov, kind, value in db.session.execute(stmt):
        if title_id in seen or kind not in IMPORTABLE.get(prov, ()) or not value.isdigit():
            continue
        seen.add(title_id)
        targets.append(Target(prov, kind, value))
        if limit is not None and len(targets) >= limit:
            break
    db.session.rollback()  # end the read before any network work starts
    return targets


def find_local(target: Target) -> int | None:
    """The local id of a title known at a provider, if we have it."""
    return db.session.scalar(
        select(ExternalId.title_id).where(
            ExternalId.provider == target.provider, ExternalId.kind == target.kind,
            ExternalId.value == target.external_id,
        )
    )
