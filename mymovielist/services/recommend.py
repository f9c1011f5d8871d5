"""Personal recommendations: item-item collaborative filtering blended with content similarity.

`rebuild_neighbours()` (run by a job, and by bench/recommend.py) computes each title's top-k
neighbours into `title_neighbours`: an asymmetric cosine between titles over users' signals
(engagement plus the mean-centred rating), shrunk when few users share both titles, blended with
content similarity (genres, people, studios/publishers/networks, relations, provider
recommendations) for titles few people have rated. `recommend_for()` reads only that table and
the user's own list: a handful of indexed queries per request.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
from scipy import sparse
from sqlalchemy import case, delete, func, select

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
    WatchEvent,
    title_genres,
)
from mymovielist.services import cache_keys, trending
from mymovielist.services import scores as score_scales

K_NEIGHBOURS = 30  # neighbours kept per title
BLOCK = 256  # titles per block of the similarity computation (memory: BLOCK x titles floats, a few times)
IMPLICIT = {"completed": 1.0, "watching": 1.0, "planned": 0.5, "on_hold": 0.5, "dropped": -1.0}
SCORE_SPREAD = 20.0  # a score this far above the user's own mean adds 1 to the signal
CO_RATER_SHRINK = 10.0  # similarity from few shared users is shrunk towards zero
CONTENT_SHRINK = 20.0  # a title with this many raters trusts ratings and content equally
CONTENT_WEIGHT = 0.5  # content similarity (0-1) counts half as much as a rating-based one
CONTENT_FLOOR = 0.05  # content always counts a little, breaking ties between rating neighbours
RELATION_BONUS = 0.3  # a sequel, adaptation or provider recommendation
MIN_SIMILARITY = 1e-3
ASYMMETRY = 0.75  # 0.5 is the plain cosine; towards 1, similarity is normalised by the seed title alone
SEEDS = 100  # a user's strongest entries that seed their recommendations
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


def _columns(stmt) -> list[np.ndarray]:
    """A query's columns as float arrays, read straight from the DBAPI cursor.

    A million rows take two seconds this way; as SQLAlchemy rows fed to numpy, over a minute.
    """
    connection = db.session.connection()
    sql = str(stmt.compile(dialect=connection.dialect, compile_kwargs={"literal_binds": True}))
    cursor = connection.connection.cursor()
    try:
        cursor.execute(sql)
        rows = cursor.fetchall()
    finally:
        cursor.close()
    width = len(stmt.selected_columns)
    flat = np.fromiter(itertools.chain.from_iterable(rows), dtype=np.float64, count=len(rows) * width)
    return list(flat.reshape(len(rows), width).T)


def _rating_matrix(title_ids: np.ndarray) -> sparse.csr_matrix:
    """Users x titles, holding each list entry's signal."""
    users, titles, raw, implicit = _columns(
        select(ListEntry.user_id, ListEntry.title_id, func.coalesce(ListEntry.score, -1), _implicit_case())
    )
    if not len(users):
        return sparse.csr_matrix((0, len(title_ids)), dtype=np.float32)
    user_ids, user_index = np.unique(users.astype(np.int64), return_inverse=True)
    cols = np.searchsorted(title_ids, titles.astype(np.int64))
    values = signals(user_index, raw, implicit).astype(np.float32)
    matrix = sparse.csr_matrix((values, (user_index, cols)), shape=(len(user_ids), len(title_ids)))
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


SOURCES = ("ratings", "content", "provider")


def compute_neighbours(
    ratings: sparse.csr_matrix, genres: np.ndarray, others: sparse.csr_matrix,
    provider: sparse.csr_matrix, related: sparse.csr_matrix, k: int = K_NEIGHBOURS,
) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]]:
    """Top-k neighbours of every title, a block of titles at a time: (rows, columns, scores, source codes).

    Rating similarity is an asymmetric cosine (Aiolli 2013): normalised mostly by the seed title's
    norm, so within a row well-liked popular neighbours are not pushed below obscure ones.
    """
    n = ratings.shape[1]
    if n < 2:
        return
    binary = ratings.copy()
    binary.data[:] = 1.0
    by_title, binary_by_title = ratings.T.tocsr(), binary.T.tocsr()
    norms = np.sqrt(np.asarray(ratings.multiply(ratings).sum(axis=0)).ravel()).astype(np.float32)
    positive = norms > 0
    row_scale = np.zeros_like(norms)
    row_scale[positive] = norms[positive] ** (-2 * ASYMMETRY)
    col_scale = np.zeros_like(norms)
    col_scale[positive] = norms[positive] ** (-2 * (1 - ASYMMETRY))
    raters = np.diff(ratings.tocsc().indptr).astype(np.float32)
    alpha = raters / (raters + CONTENT_SHRINK)
    content_weight = (CONTENT_WEIGHT * np.maximum(1.0 - alpha, CONTENT_FLOOR)).astype(np.float32)
    for start in range(0, n, BLOCK):
        stop = min(start + BLOCK, n)
        size = stop - start
        shared = binary_by_title[start:stop] @ binary
        shared.data /= shared.data + CO_RATER_SHRINK
        cf = (by_title[start:stop] @ ratings).multiply(shared).tocsr()
        cf.data *= (row_scale[start:stop] * alpha[start:stop])[np.repeat(np.arange(size), np.diff(cf.indptr))]
        cf.data *= col_scale[cf.indices]
        cf = cf.toarray()
        content = genres[start:stop] @ genres.T
        extra = (others[start:stop] @ others.T).tocoo()
        content[extra.row, extra.col] += extra.data
        content *= content_weight[start:stop, None]
        score = cf + content
        links = (provider[start:stop] + related[start:stop]).tocoo()
        score[links.row, links.col] += RELATION_BONUS
        score[np.arange(size), np.arange(start, stop)] = 0.0
        rows, cols = [], []
        for i in range(size):
            # Top-k among the row's few positive scores: ten times faster than a partition of the full row.
            found = np.flatnonzero(score[i] > MIN_SIMILARITY)
            if len(found) > k:
                found = found[np.argpartition(score[i, found], len(found) - k)[len(found) - k:]]
            rows.append(np.full(len(found), i))
            cols.append(found)
        r, c = np.concatenate(rows), np.concatenate(cols)
        in_order = np.lexsort((c, r))  # primary-key order: the insert appends to the table's B-tree
        r, c = r[in_order], c[in_order]
        codes = np.where(cf[r, c] >= content[r, c], 0, 1)
        if provider[start:stop].nnz:
            codes = np.where(provider[start:stop].toarray()[r, c] > 0, 2, codes)
        yield r + start, c, score[r, c], codes


def _insert_neighbours(rows: list[tuple[int, int, float, str]]) -> None:
    # Straight to the driver: the ORM's bulk insert spends four times longer building parameters
    # than SQLite spends writing, at a million rows.
    connection = db.session.connection()
    mark = "?" if connection.dialect.paramstyle == "qmark" else "%s"
    connection.exec_driver_sql(
        f"INSERT INTO {TitleNeighbour.__tablename__} (title_id, neighbour_id, score, source) "
        f"VALUES ({', '.join([mark] * 4)})", rows,
    )


def rebuild_neighbours(k: int = K_NEIGHBOURS) -> int:
    """Recompute every title's top-k neighbours into title_neighbours; returns the rows written."""
    title_ids = np.array(db.session.scalars(select(Title.id).order_by(Title.id)).all(), dtype=np.int64)
    title_index = {int(t): i for i, t in enumerate(title_ids)}
    ratings = _rating_matrix(title_ids)
    genres, others = _content_features(title_ids, title_index)
    provider, related = _relations(title_index)
    connection = db.session.connection()
    # On SQLite a million random inserts into the neighbour_id index take longer than everything else
    # together; rebuilding it after the load is one sort, and WAL readers keep the old snapshot meanwhile.
    # (On PostgreSQL dropping it would lock readers out for the whole rebuild, so it stays.)
    by_neighbour = next(ix for ix in TitleNeighbour.__table__.indexes if list(ix.columns.keys()) == ["neighbour_id"])
    rebuild_index = connection.dialect.name == "sqlite"
    if rebuild_index:
        by_neighbour.drop(connection)
    db.session.execute(delete(TitleNeighbour))
    written = 0
    for rows, cols, values, codes in compute_neighbours(ratings, genres, others, provider, related, k):
        batch = list(zip(title_ids[rows].tolist(), title_ids[cols].tolist(), values.astype(float).tolist(),
                         [SOURCES[c] for c in codes.tolist()]))
        if batch:
            _insert_neighbours(batch)
        written += len(batch)
    if rebuild_index:
        by_neighbour.create(connection)
    db.session.flush()
    cache_keys.neighbours_changed()
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


def _allowed(ids: list[int], kind: str | None, show_adult: bool) -> set[int]:
    """Those of `ids` that pass the kind and adult filters (one indexed query)."""
    if not ids:
        return set()
    stmt = select(Title.id).where(Title.id.in_(ids))
    if kind:
        stmt = stmt.where(Title.kind == kind)
    if not show_adult:
        stmt = stmt.where(Title.adult.is_(False))
    return set(db.session.scalars(stmt))


def _collaborative(entries, scale: str, kind: str | None, show_adult: bool, limit: int) -> list[Recommendation]:
    """Candidates from the neighbours of the user's strongest entries, each credited to its best seed."""
    ids = np.array([e.title_id for e in entries], dtype=np.int64)
    raw = np.array([-1 if e.score is None else e.score for e in entries], dtype=np.float64)
    implicit = np.array([IMPLICIT.get(e.status, 0.5) for e in entries], dtype=np.float64)
    weight = signals(np.zeros(len(entries), dtype=np.int64), raw, implicit)
    order = np.lexsort((-np.array([e.updated_at.timestamp() for e in entries]), -np.abs(weight)))[:SEEDS]
    seed_ids, seed_weights = ids[order], weight[order]
    seeds, neighbours, similarity = _columns(
        select(TitleNeighbour.title_id, TitleNeighbour.neighbour_id, TitleNeighbour.score).where(
            TitleNeighbour.title_id.in_(seed_ids.tolist())
        )
    )
    seeds, neighbours = seeds.astype(np.int64), neighbours.astype(np.int64)
    by_seed = np.argsort(seed_ids)
    contribution = seed_weights[by_seed][np.searchsorted(seed_ids[by_seed], seeds)] * similarity
    fresh = ~np.isin(neighbours, ids)
    seeds, neighbours, contribution = seeds[fresh], neighbours[fresh], contribution[fresh]
    if not len(neighbours):
        return []
    candidates, group = np.unique(neighbours, return_inverse=True)
    total = np.bincount(group, weights=contribution)
    strongest = np.lexsort((-contribution, group))
    firsts = strongest[np.r_[True, group[strongest][1:] != group[strongest][:-1]]]  # best seed per candidate
    useful = (total > 0) & (contribution[firsts] > 0)
    ranked = np.lexsort((candidates, -total))
    ranked = ranked[useful[ranked]][:CANDIDATES]
    picked: list[int] = []
    step = max(2 * limit, 50)  # most users filter nothing out: check a few candidates, more only if needed
    for start in range(0, len(ranked), step):
        chunk = ranked[start:start + step]
        allowed = _allowed(candidates[chunk].tolist(), kind, show_adult)
        picked += [int(i) for i in chunk if int(candidates[i]) in allowed]
        if len(picked) >= limit:
            break
    picked = picked[:limit]
    if not picked:
        return []
    best = {int(candidates[i]): int(seeds[firsts[i]]) for i in picked}
    titles = {t.id: t for t in db.session.scalars(select(Title).where(Title.id.in_(list(best))))}
    names = dict(db.session.execute(select(Title.id, Title.title).where(Title.id.in_(set(best.values())))).all())
    by_id = {e.title_id: e for e in entries}
    return [
        Recommendation(titles[t], float(total[i]), _because(names[best[t]], by_id[best[t]].score,
                                                            by_id[best[t]].status, scale))
        for i, t in ((i, int(candidates[i])) for i in picked)
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
        for title in page.items:
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

    def compute() -> list[tuple[int, float, str]]:
        entries = db.session.execute(
            select(ListEntry.title_id, ListEntry.score, ListEntry.status, ListEntry.updated_at).where(
                ListEntry.user_id == user.id
            )
        ).all()
        picks = _collaborative(entries, scale, kind, show_adult, limit) if entries else []
        if len(picks) < limit:
            picks += _cold_start(user, kind, show_adult, {p.title.id for p in picks}, limit - len(picks))
        return [(p.title.id, p.score, p.reason) for p in picks]

    # Memoized until the user's list, the neighbour table or the catalog changes (an hour at most:
    # cold-start picks follow popularity, which moves without any of them).
    scopes = (cache_keys.user_scope(user.id), cache_keys.NEIGHBOURS, cache_keys.CATALOG)
    kept = cache_keys.cached("recommend", scopes, (user.id, kind, limit, scale, show_adult), compute, timeout=3600)
    titles = {t.id: t for t in db.session.scalars(select(Title).where(Title.id.in_([t for t, _, _ in kept])))}
    return [Recommendation(titles[t], score, reason) for t, score, reason in kept if t in titles]


def list_in_progress(user: User, *, limit: int = 24) -> list[Title]:
    """What the user is watching or reading now and has started (progress or a watch), latest first."""
    watched = select(WatchEvent.id).where(WatchEvent.user_id == user.id, WatchEvent.title_id == Title.id).exists()
    stmt = (
        select(Title)
        .join(ListEntry, ListEntry.title_id == Title.id)
        .where(ListEntry.user_id == user.id, ListEntry.status == "watching", (ListEntry.progress > 0) | watched)
        .order_by(ListEntry.updated_at.desc(), Title.id)
        .limit(limit)
    )
    return list(db.session.scalars(stmt))
