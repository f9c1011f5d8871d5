"""Personal recommendations: item-item collaborative filtering blended with content similarity.

`rebuild_neighbours()` (run by a job, and by bench/recommend.py) computes each title's top-k
neighbours into `title_neighbours`: adjusted-cosine similarity between titles over users' signals
(engagement plus the mean-centred rating), shrunk when few users share both titles, blended with
content similarity (genres, people, studios/publishers/networks, relations, provider
recommendations) for titles few people have rated. `recommend_for()` reads only that table and
the user's own list: a handful of indexed queries per request.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import sparse
from sqlalchemy import case, delete, func, insert, select

from mymovielist.extensions import db
from mymovielist.models import (
    KINDS,
    AnimatedShow,
    Comic,
    Credit,
    Genre,
    ListEntry,
    Series,
    Title,
    TitleNeighbour,
    TitleRelation,
    User,
    title_genres,
)
from mymovielist.services import scores as score_scales
from mymovielist.services import trending

K_NEIGHBOURS = 50  # neighbours kept per title
BLOCK = 256  # titles per block of the similarity computation (memory: BLOCK x titles floats, a few times)
IMPLICIT = {"completed": 1.0, "watching": 1.0, "planned": 0.5, "on_hold": 0.5, "dropped": -1.0}
SCORE_SPREAD = 20.0  # a score this far above the user's own mean adds 1 to the signal
CO_RATER_SHRINK = 10.0  # similarity from few shared users is shrunk towards zero
CONTENT_SHRINK = 20.0  # a title with this many raters trusts ratings and content equally
CONTENT_FLOOR = 0.1  # content always counts a little, so sequels stay near their originals
RELATION_BONUS = 0.3  # a sequel, adaptation or provider recommendation
MIN_SIMILARITY = 1e-3
SEEDS = 200  # a user's strongest entries that seed their recommendations
CANDIDATES = 400  # best candidates checked against the kind filter
CAST_DEPTH = 10  # billed cast members counted as content features


@dataclass
class Recommendation:
    title: Title
    score: float
    reason: str


def signals(user_index: np.ndarray, scores: np.ndarray, implicit: np.ndarray) -> np.ndarray:
    """Each entry's signal: 1 plus the mean-centred score when scored, else the status's implicit value.

    `scores` holds -1 where an entry has no score; means are per user over scored entries only.
    """
    scored = scores >= 0
    n_users = int(user_index.max()) + 1 if len(user_index) else 0
    sums = np.bincount(user_index, weights=np.where(scored, scores, 0.0), minlength=n_users)
    counts = np.bincount(user_index, weights=scored.astype(float), minlength=n_users)
    means = sums / np.maximum(counts, 1)
    centred = np.clip(1.0 + (scores - means[user_index]) / SCORE_SPREAD, -2.0, 3.0)
    return np.where(scored, centred, implicit)


def _implicit_case():
    return case({status: value for status, value in IMPLICIT.items()}, value=ListEntry.status, else_=0.5)


# -- rebuild ------------------------------------------------------------------------------------


def _rating_matrix(title_index: dict[int, int]) -> sparse.csr_matrix:
    """Users x titles, holding each list entry's signal."""
    rows = db.session.execute(
        select(ListEntry.user_id, ListEntry.title_id, func.coalesce(ListEntry.score, -1), _implicit_case())
    ).all()
    if not rows:
        return sparse.csr_matrix((0, len(title_index)), dtype=np.float32)
    data = np.array(rows, dtype=np.float64)
    users, user_index = np.unique(data[:, 0].astype(np.int64), return_inverse=True)
    cols = np.fromiter((title_index[int(t)] for t in data[:, 1]), dtype=np.int64, count=len(data))
    values = signals(user_index, data[:, 2], data[:, 3]).astype(np.float32)
    matrix = sparse.csr_matrix((values, (user_index, cols)), shape=(len(users), len(title_index)))
    matrix.eliminate_zeros()
    return matrix


def _content_features(title_ids: np.ndarray, title_index: dict[int, int]) -> tuple[np.ndarray, sparse.csr_matrix]:
    """TF-IDF content vectors, L2-normalised: genres as a dense block, people and studios sparse."""
    n = len(title_ids)
    genre_pairs = db.session.execute(select(title_genres.c.title_id, title_genres.c.genre_id)).all()
    people = db.session.execute(
        select(Credit.title_id, Credit.person_id).where((Credit.role == "crew") | (Credit.order < CAST_DEPTH))
    ).all()
    named = [
        *(("studio", *row) for row in db.session.execute(select(AnimatedShow.id, AnimatedShow.studios))),
        *(("publisher", *row) for row in db.session.execute(select(Comic.id, Comic.publisher))),
        *(("network", *row) for row in db.session.execute(select(Series.id, Series.networks))),
    ]
    keys: dict[tuple, int] = {}
    pairs: list[tuple[int, int]] = []
    for title_id, person_id in people:
        pairs.append((title_index[title_id], keys.setdefault(("person", person_id), len(keys))))
    for label, title_id, text in named:
        for name in {part.strip().lower() for part in (text or "").split(",") if part.strip()}:
            pairs.append((title_index[title_id], keys.setdefault((label, name), len(keys))))
    genre_keys: dict[int, int] = {}
    gpairs = [(title_index[t], genre_keys.setdefault(g, len(genre_keys))) for t, g in genre_pairs]

    def tfidf(pair_list, width):
        if not pair_list:
            return sparse.csr_matrix((n, max(width, 1)), dtype=np.float32)
        r, c = np.array(pair_list, dtype=np.int64).T
        m = sparse.csr_matrix((np.ones(len(r), dtype=np.float32), (r, c)), shape=(n, max(width, 1)))
        m.data[:] = 1.0  # duplicates (a person in cast and crew) count once
        df = np.bincount(m.indices, minlength=m.shape[1])
        idf = np.log((n + 1) / (df + 1)).astype(np.float32) + np.float32(1e-3)
        return m.multiply(idf[None, :]).tocsr()

    genres = tfidf(gpairs, len(genre_keys))
    others = tfidf(pairs, len(keys))
    norms = np.sqrt(np.asarray(genres.multiply(genres).sum(axis=1)).ravel()
                    + np.asarray(others.multiply(others).sum(axis=1)).ravel())
    scale = sparse.diags((1.0 / np.where(norms > 0, norms, 1.0)).astype(np.float32))
    return (scale @ genres).toarray().astype(np.float32), (scale @ others).tocsr().astype(np.float32)


def _relations(title_index: dict[int, int]) -> tuple[sparse.csr_matrix, sparse.csr_matrix]:
    """Symmetric title x title links: provider recommendations, and every other relation."""
    n = len(title_index)
    rows = db.session.execute(
        select(TitleRelation.title_id, TitleRelation.related_title_id, TitleRelation.relation).where(
            TitleRelation.related_title_id.is_not(None)
        )
    ).all()
    out = []
    for wanted in (True, False):
        pairs = [(title_index[a], title_index[b]) for a, b, rel in rows if (rel == "recommendation") == wanted and a != b]
        if pairs:
            r, c = np.array(pairs, dtype=np.int64).T
            m = sparse.csr_matrix((np.ones(len(r) * 2, dtype=np.float32), (np.r_[r, c], np.r_[c, r])), shape=(n, n))
            m.data[:] = 1.0
        else:
            m = sparse.csr_matrix((n, n), dtype=np.float32)
        out.append(m)
    return out[0], out[1]


def compute_neighbours(
    ratings: sparse.csr_matrix, genres: np.ndarray, others: sparse.csr_matrix,
    provider: sparse.csr_matrix, related: sparse.csr_matrix, k: int = K_NEIGHBOURS,
):
    """Top-k neighbours of every title: yields (row, neighbour columns, scores, sources) per title."""
    n = ratings.shape[1]
    binary = ratings.copy()
    binary.data[:] = 1.0
    by_title, binary_by_title = ratings.T.tocsr(), binary.T.tocsr()
    norms = np.sqrt(np.asarray(ratings.multiply(ratings).sum(axis=0)).ravel()).astype(np.float32)
    raters = np.diff(ratings.tocsc().indptr).astype(np.float32)
    k = min(k, n - 1)
    if k <= 0:
        return
    for start in range(0, n, BLOCK):
        stop = min(start + BLOCK, n)
        rows = np.arange(start, stop)
        dot = (by_title[start:stop] @ ratings).toarray()
        shared = (binary_by_title[start:stop] @ binary).toarray()
        denom = norms[start:stop, None] * norms[None, :]
        cf = np.divide(dot, denom, out=np.zeros_like(dot), where=denom > 0) * (shared / (shared + CO_RATER_SHRINK))
        content = genres[start:stop] @ genres.T + (others[start:stop] @ others.T).toarray()
        alpha = (raters[start:stop] / (raters[start:stop] + CONTENT_SHRINK))[:, None]
        cf_term = alpha * cf
        content_term = np.maximum(1.0 - alpha, CONTENT_FLOOR) * content
        prov = provider[start:stop].toarray()
        score = cf_term + content_term + RELATION_BONUS * (prov + related[start:stop].toarray())
        score[rows - start, rows] = -np.inf
        top = np.argpartition(-score, k - 1, axis=1)[:, :k]
        top_scores = np.take_along_axis(score, top, axis=1)
        from_cf = np.take_along_axis(cf_term, top, axis=1) >= np.take_along_axis(content_term, top, axis=1)
        from_prov = np.take_along_axis(prov, top, axis=1) > 0
        for i in range(stop - start):
            keep = top_scores[i] > MIN_SIMILARITY
            sources = np.where(from_prov[i], "provider", np.where(from_cf[i], "ratings", "content"))
            yield start + i, top[i][keep], top_scores[i][keep], sources[keep]


def rebuild_neighbours(k: int = K_NEIGHBOURS) -> int:
    """Recompute every title's top-k neighbours into title_neighbours; returns the rows written."""
    title_ids = np.array(db.session.scalars(select(Title.id).order_by(Title.id)).all(), dtype=np.int64)
    title_index = {int(t): i for i, t in enumerate(title_ids)}
    ratings = _rating_matrix(title_index)
    genres, others = _content_features(title_ids, title_index)
    provider, related = _relations(title_index)
    db.session.execute(delete(TitleNeighbour))
    written, batch = 0, []
    for row, cols, values, sources in compute_neighbours(ratings, genres, others, provider, related, k):
        title_id = int(title_ids[row])
        batch += [
            {"title_id": title_id, "neighbour_id": int(title_ids[c]), "score": float(v), "source": str(s)}
            for c, v, s in zip(cols, values, sources)
        ]
        if len(batch) >= 50_000:
            db.session.execute(insert(TitleNeighbour), batch)
            written, batch = written + len(batch), []
    if batch:
        db.session.execute(insert(TitleNeighbour), batch)
        written += len(batch)
    db.session.flush()
    return written


# -- recommending -------------------------------------------------------------------------------


def score_phrase(score: int, scale: str) -> str:
    """A stored score as a user reads it: "9/10", "90/100", "4.5 ★", "☺"."""
    text = score_scales.format_score(score, scale)
    return f"{text}/{scale}" if scale in ("10", "100") else text


def _because(title: str, score: int | None, status: str, scale: str) -> str:
    if score is not None:
        return f"Because you rated {title} {score_phrase(score, scale)}"
    return {
        "watching": f"Because you are watching {title}",
        "completed": f"Because you finished {title}",
        "planned": f"Because {title} is on your plan-to-watch list",
        "on_hold": f"Because you have {title} on hold",
    }.get(status, f"Because of {title}")


def _load_titles(ids: list[int], kind: str | None, show_adult: bool) -> dict[int, Title]:
    if not ids:
        return {}
    stmt = select(Title).where(Title.id.in_(ids))
    if kind:
        stmt = stmt.where(Title.kind == kind)
    if not show_adult:
        stmt = stmt.where(Title.adult.is_(False))
    return {t.id: t for t in db.session.scalars(stmt)}


def _collaborative(entries, scale: str, kind: str | None, show_adult: bool, limit: int) -> list[Recommendation]:
    """Candidates from the neighbours of the user's strongest entries, each credited to its best seed."""
    ids = np.array([e.title_id for e in entries], dtype=np.int64)
    raw = np.array([-1 if e.score is None else e.score for e in entries], dtype=np.float64)
    implicit = np.array([IMPLICIT.get(e.status, 0.5) for e in entries], dtype=np.float64)
    weight = signals(np.zeros(len(entries), dtype=np.int64), raw, implicit)
    order = np.lexsort((-np.array([e.updated_at.timestamp() for e in entries]), -np.abs(weight)))[:SEEDS]
    seed_weight = {int(ids[i]): float(weight[i]) for i in order}
    rows = db.session.execute(
        select(TitleNeighbour.title_id, TitleNeighbour.neighbour_id, TitleNeighbour.score).where(
            TitleNeighbour.title_id.in_(list(seed_weight))
        )
    ).all()
    tracked = set(ids.tolist())
    total: dict[int, float] = {}
    best: dict[int, tuple[float, int]] = {}
    for seed, neighbour, similarity in rows:
        if neighbour in tracked:
            continue
        contribution = seed_weight[seed] * similarity
        total[neighbour] = total.get(neighbour, 0.0) + contribution
        if contribution > best.get(neighbour, (0.0, 0))[0]:
            best[neighbour] = (contribution, seed)
    ranked = sorted((t for t, s in total.items() if s > 0 and t in best), key=lambda t: (-total[t], t))
    titles = _load_titles(ranked[:CANDIDATES], kind, show_adult)
    picked = [t for t in ranked[:CANDIDATES] if t in titles][:limit]
    by_id = {e.title_id: e for e in entries}
    seed_names = dict(db.session.execute(select(Title.id, Title.title).where(
        Title.id.in_({best[t][1] for t in picked}))).all()) if picked else {}
    return [
        Recommendation(titles[t], total[t], _because(seed_names[best[t][1]], by_id[best[t][1]].score,
                                                     by_id[best[t][1]].status, scale))
        for t in picked
    ]


def _favourite_genres(user_id: int, limit: int = 2) -> list[Genre]:
    """The genres the user's liked titles share most (a liked title: scored 60+ or not dropped)."""
    liked = select(ListEntry.title_id).where(
        ListEntry.user_id == user_id, ListEntry.status != "dropped",
        (ListEntry.score.is_(None)) | (ListEntry.score >= 60),
    )
    stmt = (
        select(Genre)
        .join(title_genres, title_genres.c.genre_id == Genre.id)
        .where(title_genres.c.title_id.in_(liked))
        .group_by(Genre.id)
        .order_by(func.count().desc(), Genre.name)
        .limit(limit)
    )
    return list(db.session.scalars(stmt))


def _cold_start(user: User, kind: str | None, show_adult: bool, exclude: set[int], limit: int) -> list[Recommendation]:
    """Popular titles in the user's favourite genres, then popular titles: for new users and thin lists."""
    tracked = select(ListEntry.title_id).where(ListEntry.user_id == user.id)
    picks: list[Recommendation] = []
    genres = _favourite_genres(user.id)
    if genres:
        reason = "Because you like " + " and ".join(g.name for g in genres)
        stmt = (
            select(Title)
            .join(title_genres, title_genres.c.title_id == Title.id)
            .where(title_genres.c.genre_id.in_([g.id for g in genres]), Title.id.not_in(tracked))
            .group_by(Title.id)
            .order_by(func.count().desc(), Title.popularity.desc(), Title.id)
            .limit(limit + len(exclude))
        )
        if kind:
            stmt = stmt.where(Title.kind == kind)
        if not show_adult:
            stmt = stmt.where(Title.adult.is_(False))
        for title in db.session.scalars(stmt):
            if title.id not in exclude and len(picks) < limit:
                picks.append(Recommendation(title, 0.0, reason))
                exclude.add(title.id)
    if len(picks) < limit:
        tracked_ids = set(db.session.scalars(tracked))
        page = trending.list_trending(kind, "week", per_page=limit + len(exclude) + len(tracked_ids))
        reason = "Popular on MyMovieList this week" if page.computed_at else "Popular right now"
        for item in page.items:
            title = item.title
            if title.id in exclude or title.id in tracked_ids or (title.adult and not show_adult):
                continue
            if len(picks) < limit:
                picks.append(Recommendation(title, 0.0, reason))
                exclude.add(title.id)
    return picks


def recommend_for(user: User, *, kind: str | None = None, limit: int = 24) -> list[Recommendation]:
    """The titles the user is most likely to enjoy next, best first, none already on their list."""
    if kind is not None and kind not in KINDS:
        raise ValueError(f"unknown kind {kind!r}")
    prefs = user.preferences
    scale = prefs.score_scale if prefs else score_scales.DEFAULT_SCALE
    show_adult = bool(prefs and prefs.show_adult)
    entries = db.session.execute(
        select(ListEntry.title_id, ListEntry.score, ListEntry.status, ListEntry.updated_at).where(
            ListEntry.user_id == user.id
        )
    ).all()
    picks = _collaborative(entries, scale, kind, show_adult, limit) if entries else []
    if len(picks) < limit:
        picks += _cold_start(user, kind, show_adult, {p.title.id for p in picks}, limit - len(picks))
    return picks

