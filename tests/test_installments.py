"""New episodes and issues of followed titles: the tracked-updates job tells the people following them."""

from sqlalchemy import select, update

from mymovielist.extensions import db
from mymovielist.jobs import tasks
from mymovielist.models import Comic, ExternalId, ListEntry, Title
from mymovielist.models.social import Notification
from mymovielist.services import installments


def test_tracked_updates_notify_followers_of_new_chapters(sync_app, make_user, client):
    runner = sync_app.test_cli_runner()
    assert runner.invoke(args=["sync", "import", "jikan", "manga", "1"]).exit_code == 0  # Monster: 162 chapters
    reader, done, other = make_user("reader"), make_user("finished"), make_user("bystander")
    with sync_app.app_context():
        monster = db.session.scalar(select(ExternalId.title_id).where(ExternalId.provider == "jikan"))
        # As if our copy were older: 150 chapters, still publishing.
        db.session.execute(update(Title).where(Title.id == monster).values(status="airing"))
        db.session.execute(update(Comic).where(Comic.id == monster).values(issue_count=150))
        db.session.add_all([ListEntry(user_id=reader, title_id=monster, status="watching"),
                            ListEntry(user_id=done, title_id=monster, status="completed")])
        db.session.commit()
        tasks.tracked_updates()
        notes = db.session.scalars(select(Notification).where(Notification.kind == "new_installments")).all()
        assert [(n.user_id, n.title_id, n.data) for n in notes] == [(reader, monster, {"count": 12, "noun": "issues"})]
        # Nothing new the next time: no second notification.
        tasks.tracked_updates()
        assert len(db.session.scalars(select(Notification).where(Notification.kind == "new_installments")).all()) == 1
    assert other not in (reader, done)


def test_counts_take_the_larger_of_announced_and_listed(app, make_title):
    from mymovielist.sync.records import EpisodeRecord

    series = make_title("series", "Show", details={"episode_count": 3},
                        episodes=[EpisodeRecord(number=n, season_number=1) for n in range(1, 6)])
    comic = make_title("comic", "Volume", details={"issue_count": 7})
    with app.app_context():
        assert installments.count_installments([series, comic]) == {series: 5, comic: 7}
        assert installments.notify_new_installments({series: 5, comic: 7}) == 0


def test_the_notification_reads_well(app, client, auth, make_user, make_title):
    user_id = make_user("fan")
    title_id = make_title("anime", "Long Runner", details={"episode_count": 10})
    with app.app_context():
        db.session.add(ListEntry(user_id=user_id, title_id=title_id, status="watching"))
        db.session.commit()
        db.session.execute(update(Title).where(Title.id == title_id).values(title="Long Runner"))
        before = installments.count_installments([title_id])
        from mymovielist.models import AnimatedShow
        db.session.execute(update(AnimatedShow).where(AnimatedShow.id == title_id).values(episode_count=13))
        assert installments.notify_new_installments(before) == 1
        db.session.commit()
    auth.login("fan")
    page = client.get("/notifications").get_data(as_text=True)
    assert "3 new episodes of" in page and "Long Runner</a>" in page and "Someone" not in page
