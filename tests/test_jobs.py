"""Scheduled jobs: defined as data, run once from the CLI, single jobs process, never in the web app."""

from __future__ import annotations

import json
import threading
from datetime import timedelta
from pathlib import Path

import pytest
from emulator import load
from sqlalchemy import func, select, update

from mymovielist import create_app
from mymovielist.extensions import db
from mymovielist.jobs import JOBS, tasks
from mymovielist.jobs.runner import JobError, build_scheduler, single_instance
from mymovielist.models import ExternalId, ListEntry, SyncRun, Title, utcnow
from mymovielist.sync import service
from mymovielist.sync.clients import get_clients


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_every_job_is_scheduled_with_its_trigger(app):
    scheduler = build_scheduler(app)
    jobs = {job.id: job for job in scheduler.get_jobs()}
    assert set(jobs) == {job.id for job in JOBS} == {
        "refresh-stale", "tmdb-changes", "trending", "tracked-updates", "nightly-backup",
        "trending-scores", "title-neighbours", "heartbeat"}
    assert str(jobs["nightly-backup"].trigger) == "cron[hour='2', minute='0']"
    assert str(jobs["refresh-stale"].trigger) == "interval[1:00:00]"
    assert not scheduler.running


def test_create_app_never_starts_a_scheduler(tmp_path):
    before = {t.name for t in threading.enumerate()}
    create_app({"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.db'}"})
    started = {t.name for t in threading.enumerate()} - before
    assert not [name for name in started if "APScheduler" in name or "job" in name.lower()]


def test_only_one_jobs_process_per_instance(tmp_path):
    lock = tmp_path / "jobs.lock"
    with single_instance(lock):
        with pytest.raises(JobError, match="another jobs process"):
            with single_instance(lock):
                pass
        assert lock.read_text().strip().isdigit()
    with single_instance(lock):  # released with the first holder
        pass


def test_run_once_rejects_unknown_jobs(runner):
    result = runner.invoke(args=["jobs", "run-once", "nope"])
    assert result.exit_code == 2 and "nope" in result.output


def test_jobs_without_providers_do_nothing(runner):
    for job_id in ("refresh-stale", "tmdb-changes", "trending", "tracked-updates"):
        result = runner.invoke(args=["jobs", "run-once", job_id])
        assert result.exit_code == 0 and "nothing to do" in result.output


@pytest.mark.sqlite_only  # the online backup API is SQLite's; PostgreSQL backs up with pg_dump
def test_nightly_backup_writes_and_prunes(app, runner):
    app.config["BACKUP_KEEP"] = 2
    folder = Path(app.instance_path) / "backups"
    for i in range(3):  # an old backup of each of three days
        folder.mkdir(exist_ok=True)
        (folder / f"mymovielist-2026010{i}T020000Z.sqlite3").write_bytes(b"old")
    result = runner.invoke(args=["jobs", "run-once", "nightly-backup"])
    assert result.exit_code == 0, result.output
    written = Path(result.output.split(": ", 1)[1].strip())
    assert written.parent == folder and written.stat().st_size > 0
    assert sorted(folder.glob("mymovielist-*.sqlite3")) == [folder / "mymovielist-20260102T020000Z.sqlite3", written]


def test_nightly_backup_skips_a_database_it_cannot_copy(app, runner, monkeypatch):
    from mymovielist.jobs import backup

    with app.app_context():
        on_sqlite = backup.is_file_database()
    if on_sqlite:  # SQLite: as PostgreSQL would be (the scale-out run is the real one)
        monkeypatch.setattr(backup, "sqlite_file", lambda url: None)
    result = runner.invoke(args=["jobs", "run-once", "nightly-backup"])
    assert result.exit_code == 0, result.output
    assert "skipped" in result.output and "pg_dump" in result.output
    assert not (Path(app.instance_path) / "backups").exists()


def test_refresh_stale_by_age_and_popularity(sync_app):
    runner = sync_app.test_cli_runner()
    for args in (["tmdb", "movie", "76"], ["comicvine", "volume", "153158"]):
        assert runner.invoke(args=["sync", "import", *args]).exit_code == 0
    with sync_app.app_context():
        movie = db.session.scalar(select(ExternalId.title_id).where(ExternalId.value == "76"))
        comic = db.session.scalar(select(ExternalId.title_id).where(ExternalId.value == "153158"))
        # Both synced two days ago; only the popular one is due (24 h for popular, a week for the rest).
        db.session.execute(update(Title).values(synced_at=utcnow() - timedelta(days=2)))
        db.session.execute(update(Title).where(Title.id == movie).values(popularity=500.0))
        db.session.execute(update(Title).where(Title.id == comic).values(popularity=1.0))
        db.session.commit()
        result = tasks.refresh_stale()
        run = db.session.get(SyncRun, result.run_id)
        # "updated": the provider puts back the popularity changed above.
        assert (run.job, run.total, run.updated, run.status) == ("refresh-stale", 1, 1, "succeeded")
        assert result.title_ids == [movie]


def test_tmdb_changes_refetches_only_our_changed_titles(sync_app, emulator):
    runner = sync_app.test_cli_runner()
    assert runner.invoke(args=["sync", "import", "tmdb", "movie", "76"]).exit_code == 0
    changes = json.loads(load("tmdb", "changes_movie.json"))
    changes["results"].append({"id": 76, "adult": False})
    emulator.serve_json("tmdb", "/movie/changes", changes)
    with sync_app.app_context():
        result = tasks.tmdb_changes()
        run = db.session.get(SyncRun, result.run_id)
        assert (run.total, run.unchanged, run.failed, run.status) == (1, 1, 0, "succeeded")
    hit = [h for h in emulator.hits if h.path == "/movie/changes"][0]
    assert hit.query["start_date"] <= hit.query["end_date"]


def test_trending_stores_list_pages_and_leaves_details_for_the_refresh(sync_app, emulator):
    with sync_app.app_context():
        result = tasks.trending()
        run = db.session.get(SyncRun, result.run_id)
        assert run.job == "trending" and run.failed == 0 and run.created == count(Title) > 40
        # One request per list page, not one per title.
        assert emulator.count() == 4
        assert db.session.scalar(select(func.count()).select_from(Title).where(Title.synced_at.is_(None))) == count(Title)
        due = service.stale_targets(get_clients(), older_than_hours=24)
        assert len(due) == count(Title)


def test_tracked_updates_refresh_what_people_follow(sync_app, make_user):
    runner = sync_app.test_cli_runner()
    assert runner.invoke(args=["sync", "import", "jikan", "manga", "1"]).exit_code == 0
    assert runner.invoke(args=["sync", "import", "tmdb", "movie", "76"]).exit_code == 0
    user_id = make_user("reader")
    with sync_app.app_context():
        monster = db.session.scalar(select(ExternalId.title_id).where(ExternalId.provider == "jikan"))
        movie = db.session.scalar(select(ExternalId.title_id).where(ExternalId.value == "76"))
        db.session.execute(update(Title).where(Title.id == monster).values(status="airing"))
        db.session.add_all([ListEntry(user_id=user_id, title_id=monster, status="watching"),
                            ListEntry(user_id=user_id, title_id=movie, status="watching")])  # finished: skipped
        db.session.commit()
        result = tasks.tracked_updates()
        assert result.title_ids == [monster]
        assert db.session.get(Title, monster).status == "finished"  # what Jikan says now


def test_interrupted_runs_are_marked(app):
    with app.app_context():
        run_id = service.start_run("tmdb", "refresh")
        assert tasks.mark_interrupted() == 1
        run = db.session.get(SyncRun, run_id)
        assert run.status == "failed" and "interrupted" in run.error

