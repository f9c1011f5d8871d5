"""`flask sync import|search|refresh` and `flask catalog show|revert`."""

from __future__ import annotations

import json
import sys

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from mymovielist.catalog import bp as catalog_bp
from mymovielist.extensions import db
from mymovielist.providers.errors import ProviderError
from mymovielist.sync import catalog_ops, service
from mymovielist.sync.clients import get_clients
from mymovielist.sync.upsert import UpsertError

sync_cli = AppGroup("sync", help="Import and refresh catalog titles from TMDB, Jikan and Comic Vine.")


@sync_cli.command("import")
@click.argument("provider")
@click.argument("kind")
@click.argument("external_id")
def import_command(provider: str, kind: str, external_id: str) -> None:
    """Import one title, e.g. `tmdb movie 76`, `jikan anime 1`, `comicvine volume 153158`; prints its id."""
    try:
        target = service.Target.parse(provider, kind, external_id)
        record = service.fetch_record(get_clients(), target)
        result = service.store_record(record)
        db.session.commit()
    except (service.SyncError, ProviderError, UpsertError, ValueError) as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from None
    click.echo(result.title.id)
    click.echo(f"{result.outcome}: {result.title.title} ({target})", err=True)


@sync_cli.command("search")
@click.argument("provider")
@click.argument("query")
@click.option("--limit", default=10, show_default=True, type=click.IntRange(1, 50))
def search_command(provider: str, query: str, limit: int) -> None:
    """Search a provider; each line is an importable PROVIDER KIND ID and the title."""
    try:
        hits = service.search_provider(get_clients(), provider, query, limit=limit)
    except (service.SyncError, ProviderError, ValueError) as exc:
        raise click.ClickException(str(exc)) from None
    if not hits:
        click.echo("No results.", err=True)
    for target, record in hits:
        year = f" ({record.year})" if record.year else ""
        click.echo(f"{target.provider} {target.kind} {target.external_id}\t{record.kind}\t{record.title}{year}")


@sync_cli.command("refresh")
@click.option("--provider", type=click.Choice(sorted(service.IMPORTABLE)), help="Only titles from this provider.")
@click.option("--older-than", "older_than", type=click.FloatRange(min=0), default=None,
              help="Hours since the last sync (default: SYNC_STALE_HOURS).")
@click.option("--limit", type=click.IntRange(min=1), default=None, help="At most this many titles.")
def refresh_command(provider: str | None, older_than: float | None, limit: int | None) -> None:
    """Refresh titles synced longer ago than --older-than hours, most popular first."""
    clients = get_clients()
    if not clients.configured():
        raise click.ClickException("no provider is configured (set TMDB_API_KEY, COMICVINE_API_KEY or JIKAN_ENABLED)")
    hours = older_than if older_than is not None else current_app.config["SYNC_STALE_HOURS"]
    targets = service.stale_targets(clients, provider=provider, older_than_hours=hours, limit=limit)
    if not targets:
        click.echo("Nothing to refresh.")
        return
    with click.progressbar(length=len(targets), label="Refreshing", file=sys.stderr) as bar:
        last = [0]

        def progress(result: service.BatchResult) -> None:
            bar.update(result.done - last[0])
            last[0] = result.done

        result = service.sync_targets(clients, targets, job="refresh", provider=provider or "all", progress=progress)
    click.echo(
        f"{result.created} created, {result.updated} updated, {result.unchanged} unchanged, "
        f"{result.failed} failed (sync run {result.run_id})"
    )
    for line in result.errors[:20]:
        click.echo(f"  {line}", err=True)


@catalog_bp.cli.command("show")
@click.argument("ref")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def show_command(ref: str, as_json: bool) -> None:
    """Show a title by id or PROVIDER:KIND:EXTERNAL_ID (e.g. tmdb:movie:76)."""
    try:
        title = catalog_ops.find_title(ref)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    if title is None:
        raise click.ClickException(f"no title {ref}")
    data = catalog_ops.title_json(title)
    if as_json:
        click.echo(json.dumps(data, ensure_ascii=False))
        return
    click.echo(f"{data['id']}  {data['title']} ({data['year'] or '?'})  {data['kind']}, {data['status'] or 'status unknown'}")
    click.echo("ids: " + ", ".join(f"{p}:{v}" for p, v in data["external_ids"].items()))
    click.echo("genres: " + ", ".join(data["genres"]))
    for revision in title.revisions[-10:]:
        click.echo(f"revision {revision.id} {revision.changed_at:%Y-%m-%d %H:%M} {revision.source}: "
                   + ", ".join(sorted(revision.changes)))


@catalog_bp.cli.command("revert")
@click.argument("title_id", type=int)
@click.argument("revision_id", type=int)
@click.option("--lock", is_flag=True, help="Lock the reverted fields so syncs leave them alone.")
def revert_command(title_id: int, revision_id: int, lock: bool) -> None:
    """Undo one revision of a title (writes a new revision)."""
    try:
        entry, skipped = catalog_ops.revert_revision(title_id, revision_id, lock=lock)
        db.session.commit()
    except catalog_ops.RevertError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from None
    click.echo(f"Reverted {', '.join(sorted(entry.changes))} (revision {entry.id}).")
    if skipped:
        click.echo("Left alone: " + ", ".join(skipped), err=True)


def register(app: Flask) -> None:
    app.cli.add_command(sync_cli)
