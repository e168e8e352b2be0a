"""False-negative hunting: the top-ranked items that no one has judged yet.

Benchmarks of cross-modal retrieval miss most true positives (ECCV Caption: COCO's labels hold
12.8–20 % of them), so a retriever that finds an unlabelled positive is punished for it. Judging the
unjudged top of every run closes that gap; :func:`unjudged` lists them as the next batch.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ._frames import flagged_pairs, grade_labels, rank_run, runs_dict

__all__ = ["unjudged"]


def unjudged(
    labels: pd.DataFrame,
    runs: pd.DataFrame | dict[str, Any],
    depth: int = 10,
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
    depth : int
        How far down each run to look (10 matches nDCG@10 / R@10).
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
    if int(depth) < 1:
        raise ValueError(f"depth must be at least 1, got {depth!r}")
    has_annotator = "annotator" in labels.columns if isinstance(labels, pd.DataFrame) else False
    judged = grade_labels(labels, annotator=has_annotator)[["query_id", "item_id"]]
    judged_key = pd.MultiIndex.from_frame(judged.drop_duplicates())
    tops = []
    for name, run in runs_dict(runs).items():
        ranked = rank_run(run, name)
        ranked = ranked[ranked["rank"] <= int(depth)]
        tops.append(
            ranked.assign(source=f"run:{name}")[
                ["query_id", "item_id", "source", "rank", "raw_score"]
            ]
        )
    top = pd.concat(tops, ignore_index=True)
    if judged_queries_only:
        top = top[top["query_id"].isin(judged["query_id"].unique())]
    pairs = pd.MultiIndex.from_frame(top[["query_id", "item_id"]])
    keep = ~pairs.isin(judged_key)
    if not include_flagged:
        keep &= ~pairs.isin(flagged_pairs(labels))
    top = top[keep]
    columns = ["query_id", "item_id", "source", "rank", "score", "n_runs"]
    if top.empty:
        return pd.DataFrame(
            {c: pd.Series(dtype=object if c in columns[:3] else float) for c in columns}
        )
    top = top.sort_values(["query_id", "item_id", "rank", "source"], ignore_index=True)
    grouped = top.groupby(["query_id", "item_id"], sort=False)
    out = grouped.agg(
        source=("source", ",".join),
        rank=("rank", "first"),
        score=("raw_score", "first"),
        n_runs=("source", "size"),
    ).reset_index()
    out["rank"] = out["rank"].astype(np.int64)
    out["n_runs"] = out["n_runs"].astype(np.int64)
    out = out.sort_values(
        ["rank", "n_runs", "query_id", "item_id"],
        ascending=[True, False, True, True],
        ignore_index=True,
    )
    return out[columns]
