"""``pool``: the candidates frame (DESIGN.md §3) from runs, embeddings, negatives and gold."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

import numpy as np
import pandas as pd

from ..analysis._frames import check_count, runs_dict
from ._embeddings import resolve_embeddings
from ._knn import Metric, exact_knn
from ._negatives import hard_negatives as _hard_negatives
from ._negatives import random_negatives as _random_negatives
from ._runs import IdIndex, ids_to_rows, run_top
from ._sources import combine

__all__ = ["pool"]


def _unique_ids(frame: pd.DataFrame, column: str, what: str) -> np.ndarray:
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(f"{what} must be a pandas DataFrame, got {type(frame).__name__}")
    if column not in frame.columns:
        raise ValueError(f"{what} needs a {column!r} column; columns are {list(frame.columns)}")
    ids = frame[column].astype(str)
    dupes = ids[ids.duplicated()]
    if len(dupes):
        raise ValueError(
            f"{what} has duplicate {column} values: {list(pd.unique(dupes)[:5])} "
            f"({len(dupes)} extra rows in all); every {column} must be unique"
        )
    return ids.to_numpy(dtype=object)


def _group(q: np.ndarray, i: np.ndarray, n_queries: int) -> list[np.ndarray]:
    """Item rows per query row, as sorted unique arrays."""
    order = np.lexsort((i, q))
    q, i = q[order], i[order]
    bounds = np.searchsorted(q, np.arange(n_queries + 1))
    return [np.unique(i[bounds[r] : bounds[r + 1]]) for r in range(n_queries)]


def _labelled(
    frame: pd.DataFrame | None, what: str, qidx: IdIndex, iidx: IdIndex, need_relevance: bool
) -> pd.DataFrame:
    """Rows of a qrels-like frame as ``q, i, positive``; unknown ids warned about and dropped."""
    if frame is None:
        return pd.DataFrame({"q": [], "i": [], "positive": []}).astype(
            {"q": np.int64, "i": np.int64, "positive": bool}
        )
    if need_relevance and "relevance" not in frame.columns:
        raise ValueError(
            f"{what} needs a relevance column (its known labels); columns are {list(frame.columns)}"
        )
    q, i, keep = ids_to_rows(frame, what, qidx, iidx, stacklevel=3)
    if "relevance" in frame.columns:
        positive = pd.to_numeric(frame["relevance"]).to_numpy(dtype=float, na_value=0) > 0
    else:
        positive = np.ones(len(frame), dtype=bool)
    out = pd.DataFrame({"q": q[keep], "i": i[keep], "positive": positive[keep]})
    return out.drop_duplicates(["q", "i"]).astype({"q": np.int64, "i": np.int64})


def _require_a_source(
    runs: dict[str, pd.DataFrame],
    gold: pd.DataFrame | None,
    embeddings: Any,
    k: int,
    hard_negatives: int,
    random_negatives: int,
) -> None:
    """Raise when no source could propose a single candidate (the pool would be empty)."""
    knn = embeddings is not None and int(k) > 0
    if runs or gold is not None or knn or hard_negatives or random_negatives:
        return
    given = (
        f"embeddings were given but k={k} and hard_negatives=0"
        if embeddings is not None
        else "no runs, embeddings, gold or negatives were given"
    )
    raise ValueError(
        f"pool() has no source of candidates ({given}). Sources: runs={{name: run}} (the top "
        "`depth` items of each run), embeddings=(query_vectors, item_vectors) with k > 0 "
        "(nearest neighbours), hard_negatives=n (needs embeddings), random_negatives=n, "
        "gold=labels (known pairs); pass at least one"
    )


def pool(
    queries: pd.DataFrame,
    items: pd.DataFrame,
    *,
    runs: Mapping[str, pd.DataFrame] | pd.DataFrame | None = None,
    depth: int | None = 20,
    embeddings: Any = None,
    k: int = 20,
    metric: Metric = "cosine",
    hard_negatives: int = 0,
    random_negatives: int = 0,
    positives: pd.DataFrame | None = None,
    gold: pd.DataFrame | None = None,
    seed: int = 0,
    max_per_query: int | None = None,
    backend: Literal["numpy", "faiss"] = "numpy",
    hard_negatives_near: Literal["query", "positives"] = "query",
) -> pd.DataFrame:
    """Build the candidates frame: what annotators will judge for each query.

    Sources, each optional:

    - ``run:<name>`` -- TREC-style depth pooling: the top ``depth`` items of each run per query;
    - ``knn`` -- the ``k`` exact nearest items of each query under ``embeddings``;
    - ``hard-negative`` -- the ``hard_negatives`` items nearest to the query (or, with
      ``hard_negatives_near="positives"``, to its closest known positive) that are neither known
      positives nor already proposed by gold, a run or knn;
    - ``random`` -- ``random_negatives`` items drawn uniformly (seeded per ``seed`` and query)
      from the items that are neither known positives nor proposed by another source;
    - ``gold`` -- the pairs of ``gold`` (known labels), mixed in for quality control.

    Known positives are the rows of ``positives`` and ``gold`` with ``relevance > 0`` (every row of
    ``positives`` if it has no relevance column); filter the frame first for a stricter threshold.

    Parameters
    ----------
    queries, items
        Frames with unique ``query_id`` / ``item_id`` (cast to ``str``). Only these ids are pooled.
    runs
        ``{name: frame}`` with ``query_id, item_id`` and ``score`` and/or ``rank`` (one frame
        alone is named ``"run"``, as in :func:`~xmwidgets.evaluate`). Each run is
        ranked exactly as :func:`~xmwidgets.evaluate` and :func:`~xmwidgets.unjudged` rank it:
        by ``score``, high first, ties by ``item_id`` ascending; a run with no ``score`` by
        ``rank``; the ``rank`` of a scored run is ignored (as by trec_eval). So judging the whole
        pool leaves nothing unjudged in any run's top ``depth`` (``Judged@depth`` is 1). Rows
        naming ids not in ``queries`` / ``items`` are dropped, after ranking, with a warning that
        gives counts and examples.
    depth
        Items taken from each run per query (its top ``depth``, an integer of at least 1);
        ``None`` takes the whole run.
    embeddings
        ``(query_vectors, item_vectors)``: each an array aligned to the frame's rows, a mapping
        id -> vector, a column name, or a callable ``encode(contents) -> array`` (see
        :mod:`xmwidgets.pools._embeddings`); or one column name / callable for both sides.
    k
        Nearest neighbours per query (source ``knn``); 0 for none.
    metric
        ``"cosine"`` or ``"dot"``.
    hard_negatives, random_negatives
        How many of each to add per query.
    positives
        Known positives (``query_id, item_id[, relevance]``): never proposed as negatives.
    gold
        Known labels (``query_id, item_id, relevance``) to mix in for quality control.
    seed
        Seed of the random negatives; the same seed gives the same pool.
    max_per_query
        Keep at most this many candidates per query, in this priority: gold first; then items from
        runs or knn by best rank over those sources (ties: more sources first, then item id
        ascending); then hard negatives by similarity; then random negatives in
        draw order.
    backend
        Nearest-neighbour backend: ``"numpy"`` or ``"faiss"`` (both exact).
    hard_negatives_near
        ``"query"`` (default) or ``"positives"``.

    Raises
    ------
    ValueError
        When no source is asked for (no runs, no gold, no embeddings with ``k > 0``, no
        negatives): the pool would be empty; also for malformed inputs, naming the value.

    Returns
    -------
    pandas.DataFrame
        One row per ``(query_id, item_id)``, queries in the order of ``queries`` and candidates in
        cap-priority order, with columns

        - ``query_id``, ``item_id`` (str);
        - ``source`` (str): every source that proposed the pair, comma-separated in the order gold,
          runs (as given), knn, hard-negative, random -- e.g. ``"run:bm25,knn"``. Filter with
          ``cands.source.str.contains("knn")`` or :func:`xmwidgets.pools.source_flags`;
        - ``rank`` (Int64): best rank over the ranked sources (runs, knn, hard-negative); null for
          pairs only from gold or random;
        - ``score`` (float): the score given by the source of that best rank;
        - ``rank_<source>`` / ``score_<source>`` for each ranked source, e.g. ``rank_run:bm25``.

    Examples
    --------
    >>> import xmwidgets as xm
    >>> demo = xm.datasets.demo()  # doctest: +SKIP
    >>> cands = xm.pool(demo.queries, demo.items, runs=demo.runs, depth=20,
    ...                 embeddings=(demo.query_vectors, demo.item_vectors), k=20,
    ...                 hard_negatives=5, random_negatives=5, max_per_query=50)  # doctest: +SKIP
    """
    query_ids = _unique_ids(queries, "query_id", "queries")
    item_ids = _unique_ids(items, "item_id", "items")
    qidx, iidx = IdIndex(query_ids), IdIndex(item_ids)
    n_queries, n_items = len(query_ids), len(item_ids)
    # checked as integers: int(2.5) would quietly take 2, and a depth of 0 an empty pool
    depth = check_count(depth, "depth", minimum=1, none_means="the whole run")
    k = check_count(k, "k", minimum=0)
    hard_negatives = check_count(hard_negatives, "hard_negatives", minimum=0)
    random_negatives = check_count(random_negatives, "random_negatives", minimum=0)
    max_per_query = check_count(max_per_query, "max_per_query", minimum=1, none_means="no cap")
    if hard_negatives and embeddings is None:
        raise ValueError(
            f"hard_negatives={hard_negatives} needs embeddings=(query_vectors, item_vectors) to "
            "find the items nearest each query"
        )
    if hard_negatives_near not in ("query", "positives"):
        raise ValueError(
            f'hard_negatives_near must be "query" or "positives", got {hard_negatives_near!r}'
        )
    runs = {} if runs is None or (isinstance(runs, Mapping) and not runs) else runs_dict(runs)
    _require_a_source(runs, gold, embeddings, k, hard_negatives, random_negatives)
    if len(runs) > 58:  # sources are combined as bits of an int64
        raise ValueError(f"at most 58 runs can be pooled at once, got {len(runs)}")

    # remaining ties go by item id ascending, the rule of rank_run (evaluate, unjudged)
    tiebreak = np.empty(n_items, dtype=np.int64)
    tiebreak[np.argsort(item_ids.astype(str), kind="stable")] = np.arange(n_items)

    sources: list[str] = []
    parts: list[pd.DataFrame] = []

    def add(source: str, frame: pd.DataFrame) -> None:
        sources.append(source)
        parts.append(frame.assign(s=len(sources) - 1))

    gold_rows = _labelled(gold, "gold", qidx, iidx, need_relevance=True)
    known = pd.concat(
        [gold_rows, _labelled(positives, "positives", qidx, iidx, need_relevance=False)]
    )
    known = known[known["positive"]]
    add("gold", gold_rows.assign(rank=np.nan, score=np.nan)[["q", "i", "rank", "score"]])
    for name, run in runs.items():
        add(f"run:{name}", run_top(run, str(name), depth, qidx, iidx))

    neighbours = None
    if embeddings is not None and (k > 0 or hard_negatives > 0):
        query_matrix, item_matrix = resolve_embeddings(embeddings, queries, items)
        # one search deep enough for knn and for hard negatives after skipping everything pooled
        pooled_per_query = np.bincount(
            np.concatenate([p["q"].to_numpy() for p in parts] + [known["q"].to_numpy()]),
            minlength=n_queries,
        )
        needed = int(k)
        if hard_negatives:
            needed = max(needed, hard_negatives + int(k) + int(pooled_per_query.max(initial=0)))
        neighbours = exact_knn(
            query_matrix, item_matrix, max(1, min(needed, n_items)), metric=metric, backend=backend
        )
        if k > 0:
            kk = min(int(k), neighbours[0].shape[1])
            add(
                "knn",
                pd.DataFrame(
                    {
                        "q": np.repeat(np.arange(n_queries, dtype=np.int64), kk),
                        "i": neighbours[0][:, :kk].ravel(),
                        "rank": np.tile(np.arange(1, kk + 1, dtype=np.int64), n_queries),
                        "score": neighbours[1][:, :kk].ravel().astype(np.float64),
                    }
                ),
            )

    def excluded() -> list[np.ndarray]:
        q = np.concatenate([known["q"].to_numpy()] + [p["q"].to_numpy() for p in parts])
        i = np.concatenate([known["i"].to_numpy()] + [p["i"].to_numpy() for p in parts])
        return _group(q.astype(np.int64), i.astype(np.int64), n_queries)

    if hard_negatives:
        positives_by_query = _group(
            known["q"].to_numpy(np.int64), known["i"].to_numpy(np.int64), n_queries
        )
        add(
            "hard-negative",
            _hard_negatives(
                int(hard_negatives),
                excluded(),
                positives_by_query,
                query_matrix,
                item_matrix,
                near=hard_negatives_near,
                metric=metric,
                backend=backend,
                neighbours=neighbours,
            ),
        )
    if random_negatives:
        add(
            "random", _random_negatives(int(random_negatives), excluded(), query_ids, n_items, seed)
        )
    return combine(parts, sources, query_ids, item_ids, tiebreak, max_per_query)
