"""Continuous active learning: which pairs to judge next, from what has been judged so far.

:func:`discover` follows the baseline model implementation (BMI) of the TREC Total Recall track
(Cormack & Grossman 2015, "Autonomy and reliability of continuous active learning"), per query:

1. **Model.** A logistic regression per query (scikit-learn's objective, fitted by
   :func:`fit_logistic`) on the item embeddings, trained on the judged items of that query, the
   *query itself* as one synthetic relevant item (BMI's "topic as seed document": query and items
   share the embedding space, as CLIP-style models give), and the unjudged items as weak
   non-relevant ones (BMI samples 100 random documents; here every unjudged item, or a seeded
   sample of at most ``pseudo_negatives``, with a total weight of ``pseudo_weight`` judged items,
   so the result is deterministic and not swayed by one draw).
2. **Features beyond the vector.** Two per-query signals join the embedding:
   - *neighbours of confirmed positives*: the highest cosine similarity of the item to an item
     already judged relevant for this query;
   - *label transfer between queries*: queries that share positives among the items both have
     judged (captions of one image, queries naming the same concept) lend each other their
     positives and negatives; the item's score is the agreement-weighted mean of the other queries' labels of it.
   And, when runs are given, the reciprocal rank of the item in each run.
3. **Growing batches.** A query's next batch holds its ``b`` best-scored unjudged items, ``b``
   following BMI's schedule 1, 2, 3, …, ``b + ceil(b / 10)``: the schedule is replayed against the
   number of judged items of the query, so no state is kept between calls.
4. **Stopping rule.** The knee method (Cormack & Grossman 2016, "Engineering quality and
   reliability in technology-assisted review"): in the gain curve of the query (relevant found
   against judged, in judging order), find the knee (the point farthest above the chord); the query
   is done when the slope before the knee is at least ``knee_ratio`` times the slope after it
   (``(relevant_after + 1) / judged_after``: the +1 keeps one lucky streak from stopping it) and at
   least ``min_judged`` items were judged; with ``r`` relevant items up to the knee the bar is
   ``knee_ratio · (1 + 1/r)`` (a knee on one or two hits is weak evidence: a first retriever's top
   10 holding one positive stopped such queries before the model had proposed anything, 88 % recall
   on the demo; with the raised bar 98.6 %). Stopping a query early is also how effort moves to the
   queries that still yield. It is a rule about yield, not a guarantee (``benchmarks/
   bench_recall.py``: it stopped the demo at 99.7 % recall and a generated corpus at 96 %; an
   earlier model stopped the latter at 90 %): check with :func:`~xmwidgets.estimate_missing`, and
   go on with ``stop=False``. A query with no relevant item stops at ``2 * min_judged``. The
   original's 150-document minimum is for collections of documents in the hundreds of thousands; a
   query's pool here holds hundreds.

Judging order is the order of the labels' rows (``grid.labels`` and ``store.labels()`` list
judgements in the order they were made), or ``created_at`` when that column exists.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ._frames import grade_labels, rank_run, require_columns, runs_dict

__all__ = ["batch_size", "discover", "discovery_status", "knee_stop"]

SOURCE = "discover:cal"


def batch_size(judged: int) -> int:
    """BMI's next batch size after ``judged`` judgements: 1, 2, 3, …, then ``b + ceil(b / 10)``.

    Examples
    --------
    >>> [batch_size(n) for n in (0, 1, 3, 6, 55)]
    [1, 2, 3, 4, 11]
    """
    b, done = 1, 0
    while done + b <= judged:
        done += b
        b += math.ceil(b / 10)
    return b


def knee_stop(
    gains: np.ndarray | list[int], knee_ratio: float = 6.0, min_judged: int = 10
) -> tuple[bool, int, float]:
    """The knee stopping rule on one query's gain curve.

    Parameters
    ----------
    gains : array of 0/1
        Relevant (1) or not (0) for each judgement, in judging order.
    knee_ratio : float
        Stop when the slope before the knee is at least this many times the slope after it
        (``knee_ratio · (1 + 1/r)`` when ``r`` relevant items precede the knee).
    min_judged : int
        Never stop before this many judgements (``2 * min_judged`` when none was relevant).

    Returns
    -------
    (stop, knee, ratio)
        ``knee`` is the number of judgements up to the knee, ``ratio`` the slope ratio (0 when
        undefined).

    Examples
    --------
    >>> knee_stop([1, 1, 0, 1] + [0] * 12)[0]
    True
    >>> knee_stop([1, 1, 0, 1, 0, 1, 1, 0, 1, 0, 0, 1])[0]
    False
    """
    g = np.concatenate([[0], np.cumsum(np.asarray(gains, dtype=np.int64))])
    n, found = len(g) - 1, int(g[-1])
    if found == 0:
        return n >= 2 * min_judged, 0, 0.0
    # distance above the chord from (0, 0) to (n, found), up to a constant factor
    k = int(np.argmax(g * n - np.arange(n + 1) * found))
    if k == 0 or k == n:
        return False, k, 0.0
    ratio = (g[k] / k) / ((found - g[k] + 1) / (n - k))
    # a knee resting on r relevant items needs knee_ratio · (1 + 1/r): one early hit (a run's
    # rank 1, then nine misses: ratio 9) is no evidence the query is exhausted — Cormack &
    # Grossman's "156 − min(relret, 150)" raises the bar for few relevant in the same spirit
    return bool(n >= min_judged and ratio >= knee_ratio * (1 + 1 / g[k])), k, float(ratio)


@dataclass
class _Judged:
    """Judged pairs as integer codes, in judging order, one row per pair."""

    q: np.ndarray
    i: np.ndarray
    y: np.ndarray  # 1 relevant, 0 not


def _judged(labels: pd.DataFrame, rel: int, q_index: pd.Index, i_index: pd.Index) -> _Judged:
    has_annotator = "annotator" in labels.columns
    frame = labels
    if "created_at" in frame.columns:
        frame = frame.sort_values("created_at", kind="stable")
    graded = grade_labels(frame, annotator=has_annotator)
    # several judgements of a pair: relevant when their mean rounds to a relevant grade (the
    # default aggregate of xm.evaluate), placed where the pair was first judged
    q = q_index.get_indexer(graded["query_id"])
    i = i_index.get_indexer(graded["item_id"])
    keep = (q >= 0) & (i >= 0)
    q, i, r = q[keep], i[keep], graded["relevance"].to_numpy()[keep]
    if len(q) == 0:
        return _Judged(q, i, np.zeros(0, dtype=np.int64))
    pair = q.astype(np.int64) * len(i_index) + i
    first_pos = pd.Index(pair).drop_duplicates()
    mean = pd.Series(r.astype(float)).groupby(pair, sort=False).mean()
    grade = np.floor(mean.reindex(first_pos).to_numpy() + 0.5)
    codes = first_pos.to_numpy()
    return _Judged(codes // len(i_index), codes % len(i_index), (grade >= rel).astype(np.int64))


def _run_features(
    runs: Any, q_index: pd.Index, i_index: pd.Index
) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Per run: (query code, item code, reciprocal rank) of its rows inside the universe."""
    out = []
    for name, run in runs_dict(runs).items():
        ranked = rank_run(run, name)
        q = q_index.get_indexer(ranked["query_id"])
        i = i_index.get_indexer(ranked["item_id"])
        keep = (q >= 0) & (i >= 0)
        out.append((q[keep], i[keep], 1.0 / ranked["rank"].to_numpy(dtype=float)[keep]))
    return out


def _agreement_weights(judged: _Judged, n_queries: int, n_items: int) -> Any:
    """Query × query weights: how far two queries share positives on the items both judged.

    ``(both relevant - one relevant, one not) / (co-judged + 2)``, clipped at 0, 0 on the
    diagonal. Agreeing negatives do not count: with few positives every two queries agree on
    most negatives, and counting them made unrelated queries lend each other their positives
    (on a generated corpus of 10,000 items per query, 18,515 judgements to 95 % instead of 9,627
    without transfer).
    """
    from scipy import sparse

    signed = sparse.csr_matrix(
        (2.0 * judged.y - 1.0, (judged.q, judged.i)), shape=(n_queries, n_items)
    )
    present = abs(signed)
    positive = (signed > 0).astype(float)
    negative = (signed < 0).astype(float)
    both = (positive @ positive.T).toarray()
    split = (positive @ negative.T).toarray()
    co = (present @ present.T).toarray()
    weights = np.clip((both - split - split.T) / (co + 2.0), 0.0, None)
    np.fill_diagonal(weights, 0.0)
    return weights, signed, present


def discover(
    labels: pd.DataFrame,
    queries: pd.DataFrame,
    items: pd.DataFrame,
    embeddings: Any,
    *,
    runs: pd.DataFrame | Mapping[str, pd.DataFrame] | None = None,
    pairs: pd.DataFrame | None = None,
    rel: int = 1,
    knee_ratio: float = 6.0,
    min_judged: int = 10,
    pseudo_negatives: int = 2000,
    pseudo_weight: float = 100.0,
    C: float = 1.0,
    seed: int = 0,
    stop: bool = True,
) -> pd.DataFrame:
    """The next pairs to judge: continuous active learning (TREC Total Recall's BMI), per query.

    See the module docstring for the model, the batch schedule and the stopping rule.

    Parameters
    ----------
    labels : DataFrame
        The judgements so far: ``query_id, item_id, relevance`` (``grid.labels``,
        ``store.labels()``); rows with no grade (<NA>, e.g. broken media) are ignored. Their order
        is the judging order (``created_at`` is used when present).
    queries, items : DataFrame
        With ``query_id`` / ``item_id`` columns: the queries to work on and the items to search.
    embeddings : pair or callable
        As in :func:`xmwidgets.pool`: ``(query_vectors, item_vectors)`` aligned to the frames'
        rows (arrays, mappings id -> vector or column names), or one ``encode`` callable for both
        sides. Queries and items must share the space (a CLIP-style model).
    runs : DataFrame or dict of str -> DataFrame, optional
        Retrieval runs; each adds the item's reciprocal rank in the run as a feature.
    pairs : DataFrame, optional
        ``query_id, item_id``: restrict the proposals to these pairs (e.g. a large pool); default
        every query × every item.
    rel : int
        Lowest grade that counts as relevant.
    knee_ratio, min_judged : float, int
        The stopping rule (:func:`knee_stop`).
    pseudo_negatives, pseudo_weight : int, float
        At most this many unjudged items per query serve as weak negatives (a seeded sample when
        there are more), with this total weight in judged items.
    C : float
        Inverse regularisation strength of the logistic regressions.
    seed : int
        Seed of the pseudo-negative sample.
    stop : bool
        Apply the stopping rule (default). ``False`` keeps proposing for every query with
        unjudged pairs: the rule says when the yield has dropped, not that nothing is left —
        :func:`~xmwidgets.estimate_missing` says how much is.

    Returns
    -------
    DataFrame
        A candidates frame ``query_id, item_id, source, score, rank, batch``: for each query that
        is not done, its next batch, best first (``rank`` 1-based within the batch, ``score`` the
        model's log-odds, ``source`` ``"discover:cal"``). Sorted by query, then rank. Empty when
        every query is done: then :func:`discovery_status` says why per query.

    Examples
    --------
    >>> d = xm.datasets.demo()                                           # doctest: +SKIP
    >>> batch = xm.discover(grid.labels, d.queries, d.items,
    ...                     (d.query_vectors, d.item_vectors), runs=d.runs)  # doctest: +SKIP
    """
    # SciPy's own OpenBLAS is loaded (by the optimiser's import) before the limit is set: a
    # library loaded inside the with block escapes it, and the first round's fits then ran
    # multi-threaded (6.6 s in L-BFGS-B on a shared machine instead of 0.03 s)
    import scipy.optimize
    import scipy.special  # noqa: F401
    from threadpoolctl import threadpool_limits

    state = _prepare(labels, queries, items, embeddings, runs, pairs, rel)
    status = _status(state, knee_ratio, min_judged)
    proposals = []
    done = status["done"].to_numpy() if stop else (status["unjudged"].to_numpy() == 0)
    # one BLAS thread: the problems are small (a few hundred rows × ~70 columns), and threads
    # on a shared machine made each fit 20x slower (0.3 s instead of 14 ms, measured)
    with threadpool_limits(limits=1):
        for qc in np.flatnonzero(~done):
            proposal = _propose(state, int(qc), pseudo_negatives, pseudo_weight, C, seed)
            if proposal is not None:
                proposals.append(proposal)
    # one frame at the end: a frame per query cost as much as the models (0.27 s per 100)
    q = np.concatenate([p[0] for p in proposals]) if proposals else np.zeros(0, np.int64)
    i = np.concatenate([p[1] for p in proposals]) if proposals else np.zeros(0, np.int64)
    score = np.concatenate([p[2] for p in proposals]) if proposals else np.zeros(0)
    size = np.repeat([len(p[1]) for p in proposals], [len(p[1]) for p in proposals])
    rank = np.concatenate([np.arange(1, len(p[1]) + 1) for p in proposals]) if proposals else q
    return pd.DataFrame(
        {
            "query_id": pd.array(state.q_index.to_numpy(dtype=object)[q], dtype="str"),
            "item_id": pd.array(state.item_ids[i], dtype="str"),
            "source": pd.array(np.full(len(q), SOURCE, dtype=object), dtype="str"),
            "score": score.astype(float),
            "rank": rank.astype(np.int64),
            "batch": size.astype(np.int64),
        }
    )


def discovery_status(
    labels: pd.DataFrame,
    queries: pd.DataFrame,
    items: pd.DataFrame | None = None,
    *,
    pairs: pd.DataFrame | None = None,
    rel: int = 1,
    knee_ratio: float = 6.0,
    min_judged: int = 10,
) -> pd.DataFrame:
    """Per query: judged, relevant found, the knee and whether the stopping rule says done.

    Parameters are those of :func:`discover` (no embeddings needed). ``items`` defaults to the
    items of ``pairs`` or of the labels.

    Returns
    -------
    DataFrame
        ``query_id, judged, relevant, unjudged, knee, ratio, next_batch, done, reason``.
    """
    if items is None:
        source = pairs if pairs is not None else labels
        items = pd.DataFrame({"item_id": pd.unique(source["item_id"].astype(str))})
    state = _prepare(labels, queries, items, None, None, pairs, rel)
    return _status(state, knee_ratio, min_judged)


@dataclass
class _State:
    q_index: pd.Index
    i_index: pd.Index
    query_vectors: np.ndarray | None
    item_vectors: np.ndarray | None
    judged: _Judged
    universe: list[np.ndarray] | None  # per query, allowed item codes (None: all)
    run_features: list[tuple[np.ndarray, np.ndarray, np.ndarray]]
    weights: Any = None
    signed: Any = None
    present: Any = None
    item_ids: Any = None  # i_index as a numpy array, converted once
    item_vectors64: Any = None  # float64 copy: scoring and design rows without a cast per query


def _ids(frame: pd.DataFrame, column: str, what: str) -> pd.Index:
    require_columns(frame, (column,), what)
    index = pd.Index(frame[column].astype(str).to_numpy(dtype=object))
    if index.has_duplicates:
        dup = index[index.duplicated()][0]
        raise ValueError(f"{what} lists {column} {dup!r} more than once: keep one row per id")
    return index


def _prepare(
    labels: pd.DataFrame,
    queries: pd.DataFrame,
    items: pd.DataFrame,
    embeddings: Any,
    runs: Any,
    pairs: pd.DataFrame | None,
    rel: int,
) -> _State:
    require_columns(labels, ("query_id", "item_id", "relevance"), "labels")
    q_index = _ids(queries, "query_id", "queries")
    i_index = _ids(items, "item_id", "items")
    query_vectors = item_vectors = None
    if embeddings is not None:
        from ..pools._embeddings import resolve_embeddings

        qv, iv = resolve_embeddings(embeddings, queries, items)
        query_vectors, item_vectors = _unit(qv), _unit(iv)
    universe = None
    if pairs is not None:
        require_columns(pairs, ("query_id", "item_id"), "pairs")
        pq = q_index.get_indexer(pairs["query_id"].astype(str))
        pi = i_index.get_indexer(pairs["item_id"].astype(str))
        if (pi < 0).any():
            bad = pairs["item_id"].astype(str).to_numpy()[np.flatnonzero(pi < 0)[0]]
            raise ValueError(f"pairs name item_id {bad!r}, which is not in items: add it to items")
        keep = pq >= 0
        pq, pi = pq[keep], pi[keep]
        order = np.argsort(pq, kind="stable")
        bounds = np.searchsorted(pq[order], np.arange(len(q_index) + 1))
        universe = [np.unique(pi[order[a:b]]) for a, b in itertools.pairwise(bounds)]
    judged = _judged(labels, rel, q_index, i_index)
    feats = _run_features(runs, q_index, i_index) if runs is not None else []
    state = _State(q_index, i_index, query_vectors, item_vectors, judged, universe, feats)
    state.item_ids = i_index.to_numpy(dtype=object)
    if item_vectors is not None:
        state.item_vectors64 = item_vectors.astype(np.float64)
    state.weights, state.signed, state.present = _agreement_weights(
        judged, len(q_index), len(i_index)
    )
    return state


def _unit(matrix: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return (matrix / np.where(norms > 0, norms, 1.0)).astype(np.float32)


def _status(state: _State, knee_ratio: float, min_judged: int) -> pd.DataFrame:
    j = state.judged
    order = np.argsort(j.q, kind="stable")  # judging order kept within each query
    bounds = np.searchsorted(j.q[order], np.arange(len(state.q_index) + 1))
    rows = []
    for qc, (a, b) in enumerate(itertools.pairwise(bounds)):
        gains = j.y[order[a:b]]
        n_universe = len(state.i_index) if state.universe is None else len(state.universe[qc])
        stop, knee, ratio = knee_stop(gains, knee_ratio, min_judged)
        unjudged = n_universe - len(gains)
        if unjudged <= 0:
            reason = "every pair judged"
        elif stop:
            reason = (
                f"knee after {knee} judgements: slope ratio {ratio:.1f} >= {knee_ratio:g}"
                if gains.sum()
                else f"{len(gains)} judgements, none relevant"
            )
        else:
            reason = ""
        rows.append(
            (
                state.q_index[qc],
                len(gains),
                int(gains.sum()),
                max(unjudged, 0),
                knee,
                ratio,
                batch_size(len(gains)),
                bool(stop or unjudged <= 0),
                reason,
            )
        )
    return pd.DataFrame(
        rows,
        columns=[
            "query_id",
            "judged",
            "relevant",
            "unjudged",
            "knee",
            "ratio",
            "next_batch",
            "done",
            "reason",
        ],
    )


def _propose(
    state: _State, qc: int, pseudo_negatives: int, pseudo_weight: float, C: float, seed: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """This query's next batch: (query codes, item codes, scores), best first; None if none."""
    if state.item_vectors is None or state.query_vectors is None:
        raise ValueError("discover needs embeddings: pass embeddings=(query_vectors, item_vectors)")
    n_items = len(state.i_index)
    j = state.judged
    mine = j.q == qc
    judged_items, y = j.i[mine], j.y[mine]
    allowed = np.arange(n_items) if state.universe is None else state.universe[qc]
    is_judged = np.zeros(n_items, dtype=bool)
    is_judged[judged_items] = True
    candidates = allowed[~is_judged[allowed]]
    if len(candidates) == 0:
        return None
    features = _features(state, qc, judged_items[y == 1])
    X = state.item_vectors64
    rng = np.random.default_rng([seed, qc])
    pseudo = candidates
    if len(pseudo) > pseudo_negatives:
        pseudo = np.sort(rng.choice(candidates, size=pseudo_negatives, replace=False))
    # the query as a synthetic relevant item: its own vector, and the strongest value of every
    # other feature (it is its own nearest positive, first in every run, agreed by every query)
    best = np.ones(features.shape[1])
    best[1] = _TRANSFER_SCALE
    seed_row = np.concatenate([state.query_vectors[qc], best])
    design = np.vstack(
        [
            np.hstack([X[judged_items], features[judged_items]]),
            seed_row[None, :],
            np.hstack([X[pseudo], features[pseudo]]),
        ]
    )
    target = np.concatenate([y, [1], np.zeros(len(pseudo), dtype=np.int64)]).astype(float)
    weight = np.concatenate(
        [np.ones(len(y) + 1), np.full(len(pseudo), min(pseudo_weight, len(pseudo)) / len(pseudo))]
    )
    coef, intercept = fit_logistic(design, target, weight, C)
    d = X.shape[1]
    # every item scored (no candidates × features copy), then the candidates picked
    scores = (X @ coef[:d] + features @ coef[d:] + intercept)[candidates]
    size = min(batch_size(len(y)), len(candidates))
    # best score first; ties by item code, i.e. the order of the items frame
    if size < len(scores):
        cut = scores[np.argpartition(-scores, size - 1)[:size]].min()
    else:
        cut = scores.min()
    pool = np.flatnonzero(scores >= cut)  # all tied with the last one, so ties break by code
    top = pool[np.lexsort((candidates[pool], -scores[pool]))][:size]
    return np.full(size, qc, dtype=np.int64), candidates[top], scores[top]


def fit_logistic(
    X: np.ndarray,
    y: np.ndarray,
    sample_weight: np.ndarray,
    C: float = 1.0,
    max_iter: int = 300,
    tol: float = 1e-4,
) -> tuple[np.ndarray, float]:
    """L2-regularised logistic regression with an unpenalised intercept: ``(coef, intercept)``.

    The objective, solver and stopping criteria of scikit-learn's ``LogisticRegression(C=C,
    solver="lbfgs")`` — ``Σ sw·logloss / Σ sw + ||w||² / (2·C·Σ sw)`` minimised by SciPy's
    L-BFGS-B from zero with ``gtol=tol``, ``ftol=64·eps``, ``maxls=50`` — so it reaches the same
    optimum (tests compare the two), without scikit-learn's per-call input validation, which
    over 100 queries of ~2,000 rows cost more than the optimisation (12 ms against ~3 ms a fit).
    """
    from scipy.optimize import minimize
    from scipy.special import expit

    total = float(sample_weight.sum())
    sw = sample_weight / total
    l2 = 1.0 / (C * total)
    n = X.shape[1]

    def loss_grad(w: np.ndarray) -> tuple[float, np.ndarray]:
        z = X @ w[:n] + w[n]
        loss = float(sw @ (np.logaddexp(0.0, z) - y * z)) + 0.5 * l2 * float(w[:n] @ w[:n])
        g = sw * (expit(z) - y)
        grad = np.empty(n + 1)
        grad[:n] = X.T @ g + l2 * w[:n]
        grad[n] = g.sum()
        return loss, grad

    result = minimize(
        loss_grad,
        np.zeros(n + 1),
        jac=True,
        method="L-BFGS-B",
        options={"maxiter": max_iter, "maxls": 50, "gtol": tol, "ftol": 64 * np.finfo(float).eps},
    )
    return result.x[:n], float(result.x[n])


_TRANSFER_SCALE = 3.0  # label transfer in [-3, 3]: on the scale of the vectors' logit weights


def _features(state: _State, qc: int, positives: np.ndarray) -> np.ndarray:
    """Per item of this query: nearest-positive similarity, label transfer, runs' 1/rank."""
    X = state.item_vectors
    assert X is not None
    n_items = len(X)
    columns = []
    if len(positives):
        columns.append((X @ X[positives].T).max(axis=1))
    else:
        columns.append(np.zeros(n_items, dtype=np.float32))
    w = state.weights[qc]
    if w.any():
        votes = state.signed.T @ w  # sum over other queries of weight × (+1 / -1)
        mass = state.present.T @ w
        columns.append(_TRANSFER_SCALE * votes / (mass + 1.0))
    else:
        columns.append(np.zeros(n_items))
    for q, i, rr in state.run_features:
        column = np.zeros(n_items)
        mine = q == qc
        column[i[mine]] = rr[mine]
        columns.append(column)
    return np.column_stack(columns).astype(np.float64)
