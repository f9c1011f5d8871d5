"""Models as JSON: the shapes openapi.py documents. Scores are the stored 0-100 integers."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from flask import request, url_for

from mymovielist.models import ListEntry, Title
from mymovielist.services.catalog import Page

# Kind-specific facts, by kind: the columns of the joined subclass tables.
DETAIL_FIELDS = {
    "movie": ("runtime_minutes", "tagline", "collection", "budget", "revenue"),
    "series": ("networks", "season_count", "episode_count", "episode_minutes"),
    "anime": ("format", "episode_count", "episode_minutes", "studios", "source", "season", "season_year"),
    "comic": ("format", "publisher", "volume_count", "issue_count"),
}


def _iso(value: date | datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _round(value: float | None) -> float | None:
    return round(value, 2) if value is not None else None


def title_summary(title: Title) -> dict[str, Any]:
    """What a list of titles shows of each: facts, genres, our and the provider's scores."""
    return {
        "id": title.id,
        "kind": title.kind,
        "title": title.title,
        "original_title": title.original_title,
        "year": title.year,
        "release_date": _iso(title.release_date),
        "status": title.status,
        "adult": title.adult,
        "poster_url": title.poster_url,
        "genres": [{"slug": g.slug, "name": g.name} for g in title.genres],
        "scores": {
            "mean": _round(title.mean_score),
            "rating_count": title.rating_count,
            "weighted": _round(title.weighted_score),
            "provider": title.provider_score,
            "provider_votes": title.provider_votes,
        },
        "popularity": title.popularity,
        "links": {
            "self": url_for("api.title_detail", title_id=title.id),
            "html": url_for("catalog.detail", title_id=title.id),
        },
    }


def title_detail(title: Title) -> dict[str, Any]:
    """Everything about one title: the summary plus synopsis, kind facts, ids, credits, characters."""
    body = title_summary(title)
    body.update({
        "alt_titles": list(title.alt_titles or []),
        "synopsis": title.synopsis,
        "end_date": _iso(title.end_date),
        "language": title.language,
        "age_rating": title.age_rating,
        "backdrop_url": title.backdrop_url,
        "details": {name: getattr(title, name, None) for name in DETAIL_FIELDS[title.kind]},
        "external_ids": [
            {"provider": e.provider, "kind": e.kind, "value": e.value, "url": e.url} for e in title.external_ids
        ],
        "credits": [
            {"person": {"id": c.person.id, "name": c.person.name}, "role": c.role, "character": c.character,
             "job": c.job, "department": c.department, "order": c.order}
            for c in title.credits
        ],
        "characters": [
            {"id": tc.character.id, "name": tc.character.name, "role": tc.role, "image_url": tc.character.image_url,
             "voices": [{"person": {"id": v.person.id, "name": v.person.name}, "language": v.language}
                        for v in tc.voices]}
            for tc in title.characters
        ],
    })
    return body


def entry(item: ListEntry, *, private: bool = False) -> dict[str, Any]:
    """A list entry; notes are the owner's own and only shown to them (`private`)."""
    body: dict[str, Any] = {
        "title": {"id": item.title.id, "kind": item.title.kind, "title": item.title.title, "year": item.title.year,
                  "poster_url": item.title.poster_url,
                  "links": {"self": url_for("api.title_detail", title_id=item.title.id)}},
        "status": item.status,
        "progress": item.progress,
        "score": item.score,
        "started_on": _iso(item.started_on),
        "finished_on": _iso(item.finished_on),
        "rewatch_count": item.rewatch_count,
        "is_favourite": item.is_favourite,
        "tags": list(item.tags or []),
        "priority": item.priority,
        "updated_at": _iso(item.updated_at),
    }
    if private:
        body["notes"] = item.notes
    return body


def _page_link(page: int) -> str:
    args = {k: v for k, v in request.args.items() if k != "page"}
    return url_for(request.endpoint or "", **(request.view_args or {}), **args, page=page)


def paginated(items: list[dict[str, Any]], page: int, per_page: int, *, has_next: bool,
              total: int | None = None) -> dict[str, Any]:
    """The page envelope: items, page numbers, links to the neighbours, and the total when counted."""
    body: dict[str, Any] = {
        "items": items,
        "page": page,
        "per_page": per_page,
        "links": {
            "self": _page_link(page),
            "next": _page_link(page + 1) if has_next else None,
            "prev": _page_link(page - 1) if page > 1 else None,
        },
    }
    if total is not None:
        body["total"] = total
    return body


def from_page(page: Page, serialize, **kwargs) -> dict[str, Any]:
    return paginated([serialize(item, **kwargs) for item in page.items], page.page, page.per_page,
                     has_next=page.has_next, total=page.total)
