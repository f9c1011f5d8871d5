"""/users/<username>/stats and /users/<username>/stats/<year>: numbers, charts and a year in review."""

from __future__ import annotations

from datetime import datetime

from flask import abort, render_template
from jinja2_fragments.flask import render_block

from mymovielist.auth.access import visible_user_or_404
from mymovielist.htmx import wants_fragment
from mymovielist.models import KIND_LABELS, User, utcnow
from mymovielist.models.tracking import ENTRY_STATUSES
from mymovielist.services import charts, tracking
from mymovielist.services import stats as stats_service
from mymovielist.services.stats import UserStats, YearReview, hours
from mymovielist.stats import bp
from mymovielist.tracking.responses import score_scale

FIRST_YEAR = 1900


def _name(owner: User) -> str:
    return owner.profile.display_name if owner.profile and owner.profile.display_name else owner.username


def _hours(value: float) -> str:
    return hours(round(value * 60))


def _overview_charts(stats: UserStats, scale: str) -> dict[str, charts.Chart]:
    """The overview's charts: status, scores, hours by month, activity calendar, genres, studios, people."""
    status_items = [(tracking.status_label(s, "movie"), stats.by_status[s]) for s in ENTRY_STATUSES]
    buckets = stats_service.score_buckets(stats.score_counts, scale)
    months = [
        (datetime.strptime(key, "%Y-%m").strftime("%b %Y"), minutes / 60)
        for key, minutes in stats.minutes_by_month
    ]
    return {
        "status": charts.bar_chart(
            "status-chart",
            "Entries by status",
            f"{stats.total} entries on the list, by status.",
            status_items,
            value_label="Entries",
        ),
        "scores": charts.histogram(
            "score-chart",
            "Score distribution",
            f"How {stats.scored} scored entries spread over the score scale.",
            buckets,
        ),
        "time": charts.area_chart(
            "time-chart",
            "Hours watched by month",
            f"Hours watched in each of the last {len(months)} months, from the watch log.",
            months,
            fmt=_hours,
            width=960,
        ),
        "heatmap": charts.heatmap(
            "activity-chart",
            "Activity in the last year",
            f"Watches and other activity per day; active on {stats.active_days} days.",
            stats.heatmap,
        ),
        "genres": charts.bar_chart(
            "genre-chart",
            "Top genres",
            "Genres of the titles watched, by number of titles.",
            stats.top_genres,
            value_label="Titles",
        ),
        "studios": charts.bar_chart(
            "studio-chart",
            "Top studios",
            "Animation studios of the anime watched.",
            stats.top_studios,
            value_label="Titles",
        ),
        "people": charts.bar_chart(
            "people-chart",
            "Top people",
            "Cast and crew of the titles watched.",
            [(name, n) for _, name, n in stats.top_people],
            value_label="Titles",
        ),
    }


@bp.get("/users/<username>/stats")
def overview(username: str):
    """Show a user's statistics: counts, scores, time watched, activity, genres, studios and people."""
    owner = visible_user_or_404(username)
    stats = stats_service.get_user_stats(owner.id)
    scale = score_scale()
    return render_template(
        "stats/overview.html",
        owner=owner,
        name=_name(owner),
        stats=stats,
        scale=scale,
        charts=_overview_charts(stats, scale),
        mean=stats_service.mean_display(stats.mean_score, scale),
        statuses=ENTRY_STATUSES,
        status_label=tracking.status_label,
        kind_labels=KIND_LABELS,
        hours=hours,
    )


def _year_charts(review: YearReview) -> dict[str, charts.Chart]:
    months = [(label, minutes / 60) for label, minutes, _ in review.months]
    watches = [(label, count) for label, _, count in review.months]
    return {
        "hours": charts.area_chart(
            "year-hours-chart",
            f"Hours watched in {review.year}",
            f"Hours watched in each month of {review.year}.",
            months,
            fmt=_hours,
            width=520,
        ),
        "watches": charts.histogram(
            "year-watches-chart",
            f"Watches in {review.year}",
            f"Episodes, films and chapters logged in each month of {review.year}.",
            watches,
            value_label="Watches",
            bucket_label="Month",
        ),
    }


@bp.get("/users/<username>/stats/<int:year>")
def year_review(username: str, year: int):
    """Show a user's year in review: completions, hours, top-rated, months, genre, first and last watch."""
    owner = visible_user_or_404(username)
    if not FIRST_YEAR <= year <= utcnow().year:
        abort(404)
    review = stats_service.get_year_review(owner.id, year)
    years = stats_service.get_user_stats(owner.id).years
    context = {
        "owner": owner,
        "name": _name(owner),
        "review": review,
        "years": years,
        "scale": score_scale(),
        "charts": _year_charts(review),
        "hours": hours,
    }
    if wants_fragment("year-review"):
        return render_block("stats/year.html", "year_review", **context)
    return render_template("stats/year.html", **context)
