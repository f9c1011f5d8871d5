"""A user's activity as an RSS feed: the same lines their activity page shows, newest first."""

from __future__ import annotations

from flask import Response, url_for

from mymovielist.models import Activity, User
from mymovielist.services import activity, scores
from mymovielist.sharing import rss
from mymovielist.sharing.meta import SITE_NAME, absolute_url
from mymovielist.sharing.responses import conditional
from mymovielist.templating import title_url

FEED_SIZE = 50
MIMETYPE = "application/rss+xml"


def display_name(user: User) -> str:
    return user.profile.display_name if user.profile and user.profile.display_name else user.username


def describe(item: Activity, name: str, scale: str) -> tuple[str, str]:
    """The sentence of one activity row and the address it points to (as its page's line does)."""
    data = item.data or {}
    if item.verb == "followed" and data.get("username"):
        return f"{name} followed {data['username']}", url_for("users.profile", username=data["username"])
    if item.title is None:
        return f"{name} {activity.describe(item)}", url_for("users.profile", username=item.user.username)
    title = item.title.title
    link = title_url(item.title)
    if item.verb == "status" and data.get("status"):
        return f"{name} marked {title} as {data['status'].replace('_', ' ')}", link
    sentence = f"{name} {activity.describe(item)} {title}"
    if item.verb == "reviewed" and data.get("review_id"):
        link = url_for("reviews.show", review_id=data["review_id"])
    elif item.verb == "added" and data.get("status"):
        sentence += f" ({data['status'].replace('_', ' ')})"
    elif item.verb == "rated" and data.get("score") is not None:
        sentence += f" {scores.format_score(data['score'], scale)}"
    elif item.verb == "progress" and data.get("progress"):
        sentence += f" ({data['progress']})"
    elif item.verb == "listed" and data.get("list_name"):
        sentence += f" to {data['list_name']}"
    return sentence, link


def activity_feed(user: User) -> Response:
    """The user's latest FEED_SIZE activities as RSS 2.0 (callers check who may read it)."""
    rows = activity.list_for_user(user, per_page=FEED_SIZE).items
    name = display_name(user)
    scale = scores.user_scale(user)
    page = absolute_url(url_for("social.user_activity", username=user.username))
    items = []
    for row in rows:
        sentence, link = describe(row, name, scale)
        items.append(rss.FeedItem(title=sentence, link=absolute_url(link) or page, description=sentence,
                                  guid=f"{page}#activity-{row.id}", published=row.created_at))
    built = max((row.created_at for row in rows), default=user.created_at)
    body = rss.render(title=f"Activity of {name} on {SITE_NAME}", link=page or "",
                      self_link=absolute_url(url_for("social.activity_feed", username=user.username)) or "",
                      description=f"What {name} watched, read, rated and reviewed on {SITE_NAME}.",
                      built=built, items=items)
    return conditional(body, MIMETYPE, built)
