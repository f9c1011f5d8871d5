"""Follow and unfollow, activity on profiles and in the feed, notifications and the nav bell."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from jinja2_fragments.flask import render_block

from mymovielist.auth.access import login_required, safe_next, visible_user_or_404
from mymovielist.errors import render_error
from mymovielist.extensions import db
from mymovielist.htmx import htmx_response, is_htmx, toast, wants_fragment
from mymovielist.models import User
from mymovielist.reviews.views import page_arg
from mymovielist.services import accounts, activity, social, tracking, visibility
from mymovielist.sharing import feeds
from mymovielist.social import bp


def _viewer() -> User | None:
    return current_user._get_current_object() if current_user.is_authenticated else None


def _user_or_404(username: str) -> User:
    return accounts.get_user_by_username(username) or abort(404)


@bp.app_context_processor
def _helpers() -> dict:
    def follow_state(user: User) -> dict:
        viewer = _viewer()
        status = social.follow_status(viewer, user) if viewer is not None and viewer.id != user.id else None
        requests = social.count_requests(user) if viewer is not None and viewer.id == user.id else 0
        return {"following": status == visibility.APPROVED, "requested": status == visibility.PENDING,
                "requests": requests, "counts": social.count_follows(user)}

    def unread_notifications() -> int:
        return social.unread_count(current_user) if current_user.is_authenticated else 0

    def activity_page(user: User, page: int = 1):
        return activity.list_for_user(user, page=page) if visibility.can_see(_viewer(), user) else None

    def activity_feed(page: int = 1):
        return activity.feed_for(current_user, page=page) if current_user.is_authenticated else None

    return {"follow_state": follow_state, "unread_notifications": unread_notifications,
            "activity_page": activity_page, "activity_feed": activity_feed, "describe_activity": activity.describe,
            "status_label": tracking.status_label}  # "reading" for a manga, "watching" for a series


@bp.post("/users/<username>/follow")
@login_required
def toggle_follow(username: str):
    """Follow a user (ask to, when their profile is private), or stop following them (withdraw the request)."""
    user = _user_or_404(username)
    try:
        status = social.toggle_follow(current_user._get_current_object(), user)
    except social.SocialError as error:
        return render_error(400, str(error))
    db.session.commit()
    message = {visibility.APPROVED: f"You follow {user.username}.",
               visibility.PENDING: f"You asked to follow {user.username}; they will see your request.",
               None: f"You no longer follow {user.username}."}[status]
    if is_htmx():
        html = render_template("social/_follow_button.html", user=user)
        return htmx_response(html, trigger=toast(message, "success"))
    flash(message, "success")
    return redirect(safe_next(request.form.get("next"), url_for("users.profile", username=user.username)))


@bp.get("/users/<username>/activity")
def user_activity(username: str):
    """Show what a user has done, newest first, to whoever may see it (`visibility.can_see`)."""
    user = visible_user_or_404(username)
    page = activity.list_for_user(user, page=page_arg())
    if wants_fragment("activity-list"):
        return render_block("social/activity.html", "activity_list", user=user, page=page)
    return render_template("social/activity.html", user=user, page=page)


@bp.get("/follow-requests")
@login_required
def follow_requests():
    """Show the people who asked to follow you, with Approve and Decline buttons."""
    return render_template("social/requests.html", requests=social.list_requests(current_user))


@bp.post("/follow-requests/<username>/<any(approve, decline):answer>")
@login_required
def answer_request(username: str, answer: str):
    """Approve or decline someone's request to follow you."""
    follower = _user_or_404(username)
    if not social.answer_request(current_user._get_current_object(), follower, approve=answer == "approve"):
        abort(404)
    db.session.commit()
    message = (f"{follower.username} now follows you." if answer == "approve"
               else f"You declined {follower.username}'s request.")
    if is_htmx():
        html = render_block("social/requests.html", "request_list", requests=social.list_requests(current_user))
        return htmx_response(html, trigger=toast(message, "success"))
    flash(message, "success")
    return redirect(url_for("social.follow_requests"))


@bp.get("/users/<username>/activity.rss")
def activity_feed(username: str):
    """Serve a user's latest activity as RSS; a private profile's feed is 404 to everyone but its owner."""
    return feeds.activity_feed(visible_user_or_404(username))


@bp.get("/feed")
@login_required
def feed():
    """Show what the users you follow have done, newest first."""
    page = activity.feed_for(current_user, page=page_arg())
    if wants_fragment("feed-list"):
        return render_block("social/feed.html", "feed_list", feed=page)
    return render_template("social/feed.html", feed=page)


@bp.get("/notifications")
@login_required
def notifications():
    """Show your notifications, newest first."""
    page = social.list_notifications(current_user, page=page_arg())
    if wants_fragment("notification-list"):
        return render_block("social/notifications.html", "notification_list", page=page)
    return render_template("social/notifications.html", page=page)


@bp.get("/notifications/count")
def notification_count():
    """Render the nav bell with the unread count (polled by htmx; empty for visitors)."""
    if not current_user.is_authenticated:
        return ""
    return render_template("social/_bell.html")


@bp.post("/notifications/<int:notification_id>/read")
@login_required
def mark_read(notification_id: int):
    """Mark one of your notifications read."""
    if not social.mark_read(current_user, notification_id):
        abort(404)
    db.session.commit()
    return _after_read("Marked as read.")


@bp.post("/notifications/read-all")
@login_required
def mark_all_read():
    """Mark all your notifications read."""
    count = social.mark_all_read(current_user)
    db.session.commit()
    return _after_read(f"Marked {count} notification{'' if count == 1 else 's'} as read.")


def _after_read(message: str):
    if is_htmx():
        page = social.list_notifications(current_user, page=1)
        html = render_block("social/notifications.html", "notification_list", page=page)
        html += render_template("social/_bell.html", oob=True)
        return htmx_response(html, trigger=toast(message, "success"))
    flash(message, "success")
    return redirect(url_for("social.notifications"))
