"""False-negative hunting: the top-ranked items that no one has judged yet.

Benchmarks of cross-modal retrieval miss most true positives (ECCV Caption: COCO's labels hold
12.8–20 % of them), so a retriever that finds an unlabelled positive is punished for it. Judging the
unjudged top of every run closes that gap; :func:`unjudged` lists them as the next batch.
"""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import pandas as pd

from ._frames import check_count, flagged_pairs, grade_labels, rank_run, runs_dict

__all__ = ["unjudged"]


def unjudged(
    labels: pd.DataFrame,
    runs: pd.DataFrame | dict[str, Any],
    depth: int | None = 10,
    *,
    judged_queries_only: bool = True,
    include_flagged: bool = False,
) -> pd.DataFrame:
    """Candidates for the next round: items in the top ``depth`` of some run that no one judged.

    Parameters
    ----------
    labels : DataFrame
        ``query_id, item_id, relevance`` (+ ``annotator``, ``flags``...). A pair counts as judged
        when any annotator gave it a grade (``task == "grade"`` if a task column exists, non-null
        relevance).
    runs : DataFrame or dict of str -> DataFrame
        ``query_id, item_id, score`` (or ``rank``); one frame is named ``"run"``. Ties are broken by
        item_id ascending, as in :func:`~xmwidgets.analysis.metrics.evaluate`.
    depth : int or None
        How far down each run to look, at least 1 (10 matches nDCG@10 / R@10); ``None`` looks at
        the whole run, as ``pool(depth=None)`` pools it.
    judged_queries_only : bool
        Look only at queries that have at least one judgement (the ones the metrics score).
    include_flagged : bool
        A pair flagged without a grade (``relevance`` <NA> with ``flags``, e.g. broken-media) is
        no judgement, but it was handled: by default it is left out, so judging the batch closes
        the loop; ``True`` lists it again (e.g. once the media file is fixed). Such rows never
        make a query judged.

    Returns
    -------
    DataFrame
        The candidates frame ``query_id, item_id, source, rank, score, n_runs``, one row per
        pair: ``rank`` is the best (smallest, 1-based) rank over runs, ``score`` that run's score,
        ``source`` the runs that retrieved it as ``"run:<name>"`` joined by commas (best rank
        first), ``n_runs`` their number. **Order**: best rank ascending, then number of runs
        descending, then query_id and item_id — the items most likely to change the metrics come
        first.

    Examples
    --------
    >>> batch = unjudged(grid.labels, {"clip": clip, "bm25": bm25})  # doctest: +SKIP
    >>> xm.RelevanceGrid(queries, items, batch)                     # doctest: +SKIP
    """
    depth = check_count(depth, "depth", minimum=1, none_means="the whole run")
    has_annotator = "annotator" in labels.columns if isinstance(labels, pd.DataFrame) else False
    judged = grade_labels(labels, annotator=has_annotator)[["query_id", "item_id"]]
    names, parts = [], []
    for name, run in runs_dict(runs).items():
        ranked = rank_run(run, name)
        top = ranked["rank"].to_numpy() <= (len(ranked) if depth is None else depth)
        names.append(f"run:{name}")
        parts.append(ranked if top.all() else ranked[top])  # no copy of a run within depth
    top = parts[0] if len(parts) == 1 else pd.concat(parts, ignore_index=True)
    run_of = np.repeat(np.arange(len(parts)), [len(p) for p in parts])
    # integer codes of the retrieved pairs, in string order (hashing and sorting ints is ~10x
    # faster than MultiIndex lookups and string group-bys over a million rows); judged and
    # flagged pairs are looked up among the retrieved ids only (a few thousand distinct), and
    # a pair outside them cannot hide a retrieved one
    flagged = flagged_pairs(labels) if not include_flagged else None
    q_codes, q_uniques = pd.factorize(top["query_id"], sort=True)
    i_codes, i_uniques = pd.factorize(top["item_id"], sort=True)
    n_q, n_i = max(len(q_uniques), 1), max(len(i_uniques), 1)
    q_lookup, i_lookup = pd.Index(q_uniques), pd.Index(i_uniques)
    top_pair = q_codes.astype(np.int64) * n_i + i_codes

    def codes_of(queries: Any, items: Any) -> tuple[np.ndarray, np.ndarray]:
        q = q_lookup.get_indexer(pd.Index(queries).astype(str))
        i = i_lookup.get_indexer(pd.Index(items).astype(str))
        return q, i

    jq, ji = codes_of(judged["query_id"], judged["item_id"])
    hidden = [(jq, ji)]
    if flagged is not None and len(flagged):
        hidden.append(codes_of(flagged.get_level_values(0), flagged.get_level_values(1)))
    keep = np.ones(len(top_pair), dtype=bool)
    for hq, hi in hidden:
        known = (hq >= 0) & (hi >= 0)
        keep &= ~_member(top_pair, hq[known].astype(np.int64) * n_i + hi[known], n_q * n_i)
    if judged_queries_only:
        seen = np.zeros(n_q, dtype=bool)
        seen[jq[jq >= 0]] = True
        keep &= seen[q_codes]
    columns = ["query_id", "item_id", "source", "rank", "score", "n_runs"]
    if not keep.any():
        return pd.DataFrame(
            {c: pd.Series(dtype=object if c in columns[:3] else float) for c in columns}
        )
    rows = np.flatnonzero(keep)
    rank = top["rank"].to_numpy()[rows]
    name_order = np.argsort(np.argsort(names, kind="stable"))  # runs by name, as before
    # per pair: best rank first, ties by run name; one int64 key sorts ~4x faster than lexsort
    n_ranks = int(rank.max()) + 1
    key = (top_pair[rows] * n_ranks + rank) * len(names) + name_order[run_of[rows]]
    # the keys are distinct (a pair appears once per run), so no stable sort is needed
    order = rows[np.argsort(key)] if len(parts) > 1 else rows
    sorted_pair = top_pair[order]
    starts = np.flatnonzero(np.r_[True, sorted_pair[1:] != sorted_pair[:-1]])
    first = order[starts]
    n_runs = np.diff(np.r_[starts, len(order)]).astype(np.int64)
    distinct, source_codes = _sources(names, run_of[order], starts, n_runs)
    # the few distinct source strings become text once, each pair takes its own
    source_names = pd.array(distinct, dtype=top["query_id"].dtype)
    out_rank = top["rank"].to_numpy()[first].astype(np.int64)
    q_out, i_out = q_codes[first], i_codes[first]
    # rank, then more runs first, then query_id and item_id (codes are in string order)
    final_key = ((out_rank * (len(names) + 1) + (len(names) - n_runs)) * n_q + q_out) * n_i + i_out
    if int(out_rank.max()) * (len(names) + 1) * n_q * n_i < 2**62:
        final = np.argsort(final_key)  # distinct keys: one per pair
    else:
        final = np.lexsort((i_out, q_out, -n_runs, out_rank))
    first = first[final]
    return pd.DataFrame(
        {
            "query_id": top["query_id"].array.take(first),
            "item_id": top["item_id"].array.take(first),
            "source": source_names.take(source_codes[final]),
            "rank": out_rank[final],
            "score": top["raw_score"].to_numpy()[first],
            "n_runs": n_runs[final],
        }
    )


def _member(codes: np.ndarray, members: np.ndarray, size: int) -> np.ndarray:
    """``np.isin(codes, members)`` for codes in ``[0, size)``: a bit table when it is small
    enough (a million pairs: one lookup each), else a hash of the members."""
    if size <= 50_000_000:
        table = np.zeros(size, dtype=bool)
        table[members] = True
        return table[codes]
    return pd.Index(np.unique(members)).get_indexer(codes) >= 0


def _sources(
    names: list[str], runs: np.ndarray, starts: np.ndarray, n_runs: np.ndarray
) -> tuple[list[str], np.ndarray]:
    """``"run:a,run:b"`` per pair, from the runs of each pair's rows (best first), as the
    distinct strings and each pair's index into them.

    Each pair's sequence of runs is encoded as one integer, and only the distinct sequences
    (a handful) are joined as strings.
    """
    base = len(names) + 1
    if base ** len(names) >= 2**62:  # too many runs to encode: join per pair
        bounds = [*starts.tolist(), len(runs)]
        joined = [",".join(names[r] for r in runs[a:b]) for a, b in itertools.pairwise(bounds)]
        distinct, inverse = pd.factorize(pd.Series(joined, dtype=object))
        return [str(x) for x in distinct], np.asarray(inverse)
    position = np.arange(len(runs)) - np.repeat(starts, n_runs)
    key = np.add.reduceat((runs.astype(np.int64) + 1) * base**position, starts)
    uniques, inverse = np.unique(key, return_inverse=True)
    labels = []
    for k in uniques.tolist():
        parts = []
        while k:
            k, digit = divmod(k, base)
            parts.append(names[digit - 1])
        labels.append(",".join(parts))
    return labels, inverse
