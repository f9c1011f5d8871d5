"""The scheduled jobs: plain functions run inside an app context, each recording a SyncRun."""

from __future__ import annotations

from datetime import date, timedelta

from flask import current_app
from sqlalchemy import func, select, update

from mymovielist.extensions import db
from mymovielist.jobs import backup as backups
from mymovielist.models import ExternalId, ListEntry, SyncRun, Title, utcnow
from mymovielist.providers.errors import ProviderError
from mymovielist.services import installments
from mymovielist.sync import service
from mymovielist.sync.clients import get_clients
from mymovielist.sync.mapping import jikan as jikan_map
from mymovielist.sync.mapping import tmdb as tmdb_map
from mymovielist.sync.records import TitleRecord
from mymovielist.sync.service import BatchResult, Target

TMDB_CHANGES_DAYS = 14  # TMDB's longest changes window
TRACKED_STATUSES = ("watching", "planned", "on_hold")


def refresh_stale() -> BatchResult | None:
    """Refresh titles by age, popular ones sooner (SYNC_STALE_HOURS, SYNC_POPULAR_STALE_HOURS)."""
    config = current_app.config
    clients = get_clients()
    if not clients.configured():
        return None
    targets = service.stale_targets(
        clients, older_than_hours=config["SYNC_STALE_HOURS"], popular_hours=config["SYNC_POPULAR_STALE_HOURS"],
        limit=config["SYNC_BATCH_SIZE"],
    )
    return service.sync_targets(clients, targets, job="refresh-stale")


def tmdb_changes() -> BatchResult | None:
    """Re-fetch our TMDB titles that TMDB's changes feed lists since the last successful run."""
    clients = get_clients()
    if clients.tmdb is None:
        return None
    last = db.session.scalar(
        select(func.max(SyncRun.started_at)).where(SyncRun.job == "tmdb-changes", SyncRun.status == "succeeded")
    )
    today = date.today()
    start = max((last.date() if last else today - timedelta(days=1)), today - timedelta(days=TMDB_CHANGES_DAYS))
    db.session.rollback()
    changed: dict[str, set[str]] = {"movie": set(), "tv": set()}
    run_id = service.start_run("tmdb", "tmdb-changes")
    try:
        for media in changed:
            page, pages = 1, 1
            while page <= min(pages, 500):
                data = clients.tmdb.changes(media, start_date=start, end_date=today, page=page)
                changed[media].update(str(r["id"]) for r in data["results"] if isinstance(r.get("id"), int))
                pages = data.get("total_pages") or 1
                page += 1
    except ProviderError as exc:
        service.finish_run(run_id, BatchResult(run_id=run_id), error=f"changes feed: {exc}")
        return None
    targets = []
    for media, ids in changed.items():
        for chunk in _chunks(sorted(ids), 500):
            ours = db.session.scalars(
                select(ExternalId.value).where(
                    ExternalId.provider == "tmdb", ExternalId.kind == media, ExternalId.value.in_(chunk)
                )
            )
            targets += [Target("tmdb", media, value) for value in ours]
    db.session.rollback()
    db.session.execute(update(SyncRun).where(SyncRun.id == run_id).values(total=len(targets)))
    db.session.commit()
    result = service.run_batch(clients, targets, run_id=run_id)
    service.finish_run(run_id, result)
    return result


def trending() -> BatchResult | None:
    """Store TMDB's trending titles of the week and MAL's top and current-season anime.

    The list pages carry enough for a catalog entry, so this costs one request per page; titles
    new to us are left unsynced and `refresh-stale` fetches their details on its next run.
    """
    clients = get_clients()
    records: list[TitleRecord] = []
    errors: list[str] = []
    if clients.tmdb is not None:
        for media in ("movie", "tv"):
            try:
                results = clients.tmdb.trending(media, "week")["results"]
                records += [r for item in results if (r := tmdb_map.list_item_record(item, media)) is not None]
            except ProviderError as exc:
                errors.append(f"tmdb trending {media}: {exc}")
    if clients.jikan is not None:
        for name, fetch in (("top", lambda: clients.jikan.top("anime")), ("season", clients.jikan.season_now)):
            try:
                records += [jikan_map.anime_record(item) for item in fetch()["data"]]
            except ProviderError as exc:
                errors.append(f"jikan {name}: {exc}")
    if not records and not errors:
        return None
    unique = {(r.refs[0].provider, r.refs[0].kind, r.refs[0].value): r for r in records}
    result = service.import_records(clients, list(unique.values()), job="trending")
    if errors:
        service.finish_run(result.run_id, result, error="\n".join(errors))
    return result


def tracked_updates() -> BatchResult | None:
    """Refresh airing and upcoming titles people have on their lists; tell them of new episodes and issues."""
    clients = get_clients()
    providers = clients.configured()
    if not providers:
        return None
    followed = select(ListEntry.title_id).where(ListEntry.status.in_(TRACKED_STATUSES))
    stmt = (
        select(ExternalId.title_id, ExternalId.provider, ExternalId.kind, ExternalId.value)
        .join(Title, Title.id == ExternalId.title_id)
        .where(
            Title.id.in_(followed),
            Title.status.in_(("airing", "upcoming")) | Title.status.is_(None),
            ExternalId.provider.in_(providers),
        )
        .order_by(ExternalId.title_id, ExternalId.id)
    )
    targets, seen = [], set()
    for title_id, provider, kind, value in db.session.execute(stmt):
        if title_id not in seen and kind in service.IMPORTABLE.get(provider, ()):
            seen.add(title_id)
            targets.append(Target(provider, kind, value))
    before = installments.count_installments(sorted(seen))
    db.session.rollback()
    result = service.sync_targets(clients, targets, job="tracked-updates")
    installments.notify_new_installments(before)
    db.session.commit()
    return result


def nightly_backup() -> str:
    """Back up the database into BACKUP_DIR and keep the newest BACKUP_KEEP copies (a SQLite file only).

    Another database is backed up with its own tools (pg_dump, README's Operations): the run says it
    skipped, instead of failing every night."""
    if not backups.is_file_database():
        return "skipped: this database is backed up with its own tools (pg_dump; README, Operations)"
    path = backups.backup()
    backups.prune(path.parent, current_app.config["BACKUP_KEEP"])
    return str(path)


def mark_interrupted(older_than_minutes: int = 0) -> int:
    """Runs still 'running' when the jobs process starts were cut off: say so."""
    cutoff = utcnow() - timedelta(minutes=older_than_minutes)
    result = db.session.execute(
        update(SyncRun)
        .where(SyncRun.status == "running", SyncRun.started_at <= cutoff)
        .values(status="failed", finished_at=utcnow(), error=SyncRun.error + "\ninterrupted: the process running it stopped")
    )
    db.session.commit()
    return result.rowcount


def _chunks(items: list[str], size: int):
    for i in range(0, len(items), size):
        yield items[i:i + size]
