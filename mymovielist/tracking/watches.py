"""The watch log of a title: log a watch (an episode, a chapter, a rewatch), delete one's own."""

from __future__ import annotations

from flask import abort
from flask_login import current_user

from mymovielist.auth.access import login_required
from mymovielist.extensions import db
from mymovielist.models import Title
from mymovielist.services import tracking, watchlog
from mymovielist.tracking import bp
from mymovielist.tracking.forms import WatchForm
from mymovielist.tracking.responses import refused, respond, score_scale


@bp.post("/titles/<int:title_id>/watches")
@login_required
def log_watch(title_id: int):
    """Log one watch of the title or of one episode, chapter or issue, with an optional score and note."""
    title = db.get_or_404(Title, title_id)
    form = WatchForm(scale=score_scale())
    if not form.validate():
        return refused(form)
    result = tracking.log_watch(current_user._get_current_object(), title,
                                watched_on=form.watched_on.data or tracking.today(), number=form.number.data,
                                score=form.score.stored, note=form.note.data or "")
    db.session.commit()
    return respond(title, result)


@bp.post("/watches/<int:event_id>/delete")
@login_required
def delete_watch(event_id: int):
    """Delete one of your own watches (another user's is not found)."""
    try:
        event = watchlog.delete_event(current_user._get_current_object(), event_id)
    except watchlog.WatchLogError:
        abort(404)
    title = db.session.get(Title, event.title_id)
    db.session.commit()
    return respond(title, tracking.EntryResult(tracking.get_entry(current_user.id, title.id), "Watch deleted."))
