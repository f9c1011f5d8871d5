"""`flask jobs run|run-once|list` and `flask db backup|restore`."""

from __future__ import annotations

import logging
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from flask_migrate.cli import db as db_group

from mymovielist.jobs import JOBS, backup, queue
from mymovielist.jobs.runner import JobError, build_scheduler, run_scheduler, run_through_queue

jobs_cli = AppGroup("jobs", help="Scheduled and queued jobs: catalog refresh, trending lists, backups, imports.")


@jobs_cli.command("run")
def run_command() -> None:
    """Run the scheduler and the job queue's worker in this process until stopped (one per instance)."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    app = current_app._get_current_object()
    for job in build_scheduler(app).get_jobs():
        click.echo(f"{job.id:16} {job.trigger}")
    try:
        run_scheduler(app)
    except JobError as exc:
        raise click.ClickException(str(exc)) from None


@jobs_cli.command("run-once")
@click.argument("job_id", type=click.Choice([job.id for job in JOBS]))
def run_once_command(job_id: str) -> None:
    """Run one job now, in this process, and print its outcome (recorded in the jobs table)."""
    try:
        result = run_through_queue(job_id)
    except JobError as exc:
        raise click.ClickException(str(exc)) from None
    if result is None:
        click.echo(f"{job_id}: nothing to do (no provider configured for it)")
    elif isinstance(result, str):
        click.echo(f"{job_id}: {result}")
    else:
        click.echo(f"{job_id}: {result.created} created, {result.updated} updated, {result.unchanged} unchanged, "
                   f"{result.failed} failed (sync run {result.run_id})")


@jobs_cli.command("list")
def list_command() -> None:
    """List the scheduled jobs."""
    for job in JOBS:
        args = ", ".join(f"{k}={v}" for k, v in job.trigger_args.items())
        click.echo(f"{job.id:16} {job.trigger}({args})  {job.description}")


@jobs_cli.command("queue")
@click.option("--limit", default=20, show_default=True, type=click.IntRange(1, 1000))
def queue_command(limit: int) -> None:
    """List the latest queued, running and finished jobs, newest first."""
    for job in queue.list_jobs(limit):
        progress = f"{job.progress_done}/{job.progress_total}" if job.progress_total else str(job.progress_done)
        detail = job.error.splitlines()[0] if job.error else job.message
        click.echo(f"{job.id:>6} {job.kind:16} {job.status:8} {progress:>11}  attempt {job.attempts}/"
                   f"{job.max_attempts}  {job.label}: {detail}")


@click.command("backup")
@click.argument("path", required=False, type=click.Path(dir_okay=False, path_type=Path))
def backup_command(path: Path | None) -> None:
    """Copy the live SQLite database to PATH (default: instance/backups/), safely while in use."""
    try:
        written = backup.backup(path)
    except backup.BackupError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(written)


@click.command("restore")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def restore_command(path: Path, yes: bool) -> None:
    """Replace the database's contents with the backup at PATH (stop the app and jobs first)."""
    if not yes:
        click.confirm(f"Replace everything in the database with {path}?", abort=True)
    try:
        backup.restore(path)
    except backup.BackupError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Restored from {path}.")


def register(app: Flask) -> None:
    app.cli.add_command(jobs_cli)
    # Flask-Migrate's `flask db` group is one object per process; adding twice is harmless.
    db_group.add_command(backup_command)
    db_group.add_command(restore_command)
