"""mAP@R, ECCV Caption's main metric (Chun et al. 2022; Musgrave et al. 2020): in no library."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

__all__ = ["is_map_at_r", "map_at_r_ranked"]

_NAME = re.compile(r"^\s*mAP(?:\(\s*rel\s*=\s*(-?\d+)\s*\))?@R\s*$")


def is_map_at_r(name: str) -> int | None:
    """``None`` if ``name`` is not mAP@R; its ``rel`` if given as ``mAP(rel=2)@R``, else -1."""
    match = _NAME.match(name)
    if match is None:
        return None
    return int(match.group(1)) if match.group(1) is not None else -1


def map_at_r_ranked(qrels: pd.DataFrame, ranked: pd.DataFrame, rel: int = 1) -> pd.Series:
    """mAP@R per query of ``ranked`` that has judgements.

    Parameters
    ----------
    qrels : DataFrame
        ``query_id, doc_id, relevance`` (one row per pair).
    ranked : DataFrame
        ``query_id, item_id`` sorted by query and rank (as :func:`rank_run` returns it).
    rel : int
        Lowest relevant grade.

    Returns
    -------
    Series indexed by query_id: (1/R) Σ_{i ≤ R} P@i · rel_i, with R the query's relevant count
    (0 when R = 0). Judged queries absent from ``ranked`` are absent here; the caller fills 0.
    """
    relevant = qrels[qrels["relevance"] >= rel]
    r_per_query = relevant.groupby("query_id").size()
    judged = ranked[ranked["query_id"].isin(qrels["query_id"].unique())]
    if judged.empty:
        return pd.Series(dtype=float, name="mAP@R")
    qids = judged["query_id"].to_numpy()
    by_query = pd.Series(np.ones(len(qids))).groupby(qids, sort=False)
    position = by_query.cumcount().to_numpy() + 1  # 1-based, after the caller's filtering
    r = r_per_query.reindex(qids, fill_value=0).to_numpy()
    rel_key = pd.MultiIndex.from_frame(relevant[["query_id", "doc_id"]])
    is_rel = pd.MultiIndex.from_arrays([qids, judged["item_id"].to_numpy()]).isin(rel_key)
    hits = (is_rel & (position <= r)).astype(float)
    hits_so_far = pd.Series(hits).groupby(qids, sort=False).cumsum().to_numpy()
    contrib = np.where(hits > 0, hits_so_far / position, 0.0)
    sums = pd.Series(contrib).groupby(qids, sort=True).sum()
    r_q = r_per_query.reindex(sums.index, fill_value=0).to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        values = np.where(r_q > 0, sums.to_numpy() / np.maximum(r_q, 1), 0.0)
    return pd.Series(values, index=pd.Index(sums.index, name="query_id"), name="mAP@R")
