"""Hard and random negatives.

Hard negatives are the items most similar to a query (or to its known positives) that are neither
known positives nor already in the pool: the confusable cases that teach a model and test an
annotator. Random negatives are drawn uniformly from the rest of the corpus with a generator seeded
per ``(seed, query_id)``, so a query's negatives do not change when other queries are added.
"""

from __future__ import annotations

import hashlib
from typing import Literal

import numpy as np
import pandas as pd

from ._knn import Metric, exact_knn

__all__ = ["hard_negatives", "query_rng", "random_negatives"]


def query_rng(seed: int, query_id: str) -> np.random.Generator:
    """A numpy Generator seeded by ``seed`` and a SHA-256 digest of ``query_id``."""
    digest = hashlib.sha256(str(query_id).encode("utf-8")).digest()
    return np.random.default_rng([int(seed), int.from_bytes(digest[:8], "little")])


def _frame(q: list[int], i: list[int], rank: list[int], score: list[float]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "q": np.asarray(q, dtype=np.int64),
            "i": np.asarray(i, dtype=np.int64),
            "rank": np.asarray(rank, dtype=np.int64),
            "score": np.asarray(score, dtype=np.float64),
        }
    )


def hard_negatives(
    n: int,
    excluded: list[np.ndarray],
    positives: list[np.ndarray],
    query_matrix: np.ndarray,
    item_matrix: np.ndarray,
    *,
    near: Literal["query", "positives"] = "query",
    metric: Metric = "cosine",
    backend: Literal["numpy", "faiss"] = "numpy",
    neighbours: tuple[np.ndarray, np.ndarray] | None = None,
) -> pd.DataFrame:
    """The ``n`` nearest items per query that are not in ``excluded[q]``.

    ``excluded[q]`` holds the item rows to skip for query row ``q`` (known positives and items
    already pooled). With ``near="positives"`` similarity is to the closest known positive of the
    query (``positives[q]``); queries without known positives fall back to the query vector.
    ``neighbours`` may pass a precomputed ``exact_knn`` of all queries that is deep enough.

    Returns a frame ``q, i, rank, score`` where ``rank`` is the item's similarity rank (1 = nearest,
    counting the skipped items) and ``score`` its similarity.
    """
    n_queries, n_items = query_matrix.shape[0], item_matrix.shape[0]
    out_q: list[int] = []
    out_i: list[int] = []
    out_rank: list[int] = []
    out_score: list[float] = []
    if n <= 0 or n_items == 0:
        return _frame(out_q, out_i, out_rank, out_score)
    depth = min(n_items, n + max((len(e) for e in excluded), default=0))
    from_positives = [near == "positives" and len(positives[q]) > 0 for q in range(n_queries)]
    if neighbours is None or neighbours[0].shape[1] < depth:
        neighbours = exact_knn(query_matrix, item_matrix, depth, metric=metric, backend=backend)
    by_positive: dict[int, tuple[np.ndarray, np.ndarray]] = {}
    if any(from_positives):
        rows = np.unique(
            np.concatenate([positives[q] for q in range(n_queries) if from_positives[q]])
        )
        idx, sim = exact_knn(item_matrix[rows], item_matrix, depth, metric=metric, backend=backend)
        by_positive = {int(r): (idx[j], sim[j]) for j, r in enumerate(rows)}
    for q in range(n_queries):
        if from_positives[q]:
            # similarity to the closest known positive: the max over the positives' neighbour lists
            idx = np.concatenate([by_positive[int(p)][0] for p in positives[q]])
            sim = np.concatenate([by_positive[int(p)][1] for p in positives[q]])
            order = np.lexsort((idx, -sim))
            idx, sim = idx[order], sim[order]
            first = pd.Series(idx).duplicated().to_numpy()
            idx, sim = idx[~first], sim[~first]
        else:
            idx, sim = neighbours[0][q, :depth], neighbours[1][q, :depth]
        ranks = np.arange(1, idx.size + 1)
        keep = ~np.isin(idx, excluded[q])
        idx, sim, ranks = idx[keep][:n], sim[keep][:n], ranks[keep][:n]
        out_q.extend([q] * idx.size)
        out_i.extend(idx.tolist())
        out_rank.extend(ranks.tolist())
        out_score.extend(sim.tolist())
    return _frame(out_q, out_i, out_rank, out_score)


def random_negatives(
    n: int, excluded: list[np.ndarray], query_ids: np.ndarray, n_items: int, seed: int
) -> pd.DataFrame:
    """``n`` items per query drawn uniformly, without replacement, from items not in
    ``excluded[q]``.

    Fewer are returned for a query when fewer are left. ``rank`` of the result is the draw order.
    """
    out_q: list[int] = []
    out_i: list[int] = []
    out_rank: list[int] = []
    if n <= 0 or n_items == 0:
        return _frame(out_q, out_i, out_rank, [])
    for q, query_id in enumerate(query_ids):
        rng = query_rng(seed, str(query_id))
        # drawing n + |excluded| distinct items guarantees n that are not excluded (if there are n)
        size = min(n_items, n + len(excluded[q]))
        drawn = rng.choice(n_items, size=size, replace=False)
        drawn = drawn[~np.isin(drawn, excluded[q])][:n]
        out_q.extend([q] * drawn.size)
        out_i.extend(drawn.tolist())
        out_rank.extend(range(1, drawn.size + 1))
    frame = _frame(out_q, out_i, out_rank, [np.nan] * len(out_q))
    return frame
