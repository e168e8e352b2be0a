"""mAP@R, ECCV Caption's main metric (Chun et al. 2022; Musgrave et al. 2020): in no library."""

from __future__ import annotations

import itertools
import re

import numpy as np
import pandas as pd

__all__ = ["is_map_at_r", "map_at_r_ranked"]

_NAME = re.compile(r"^\s*mAP(?:\(\s*rel\s*=\s*(-?\d+)\s*\))?@R\s*$")


def is_map_at_r(name: str) -> tuple[int | None] | None:
    """``None`` if ``name`` is not mAP@R, else a 1-tuple of its ``rel``: ``(2,)`` for
    ``mAP(rel=2)@R``, ``(None,)`` for plain ``mAP@R`` (so a written ``rel=-1`` is not taken for
    "not given")."""
    match = _NAME.match(name)
    if match is None:
        return None
    return (int(match.group(1)) if match.group(1) is not None else None,)


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
    grades = qrels["relevance"].to_numpy()
    is_rel = grades >= rel
    relevant: dict[str, set[str]] = {}
    for query, doc in zip(
        qrels["query_id"].to_numpy(dtype=object)[is_rel].tolist(),
        qrels["doc_id"].to_numpy(dtype=object)[is_rel].tolist(),
        strict=True,
    ):
        relevant.setdefault(query, set()).add(doc)
    judged = set(qrels["query_id"].to_numpy(dtype=object).tolist())
    queries = ranked["query_id"].to_numpy(dtype=object)
    items = ranked["item_id"].to_numpy(dtype=object).tolist()
    values: dict[str, float] = {}
    if len(queries):
        # a plain loop over the top R of each query: R is small, so this touches few rows
        bounds = [0, *(np.flatnonzero(queries[1:] != queries[:-1]) + 1).tolist(), len(queries)]
        for start, end in itertools.pairwise(bounds):
            query = queries[start]
            if query not in judged:
                continue
            targets = relevant.get(query, set())
            if not targets:
                values[query] = 0.0
                continue
            hits, total = 0, 0.0
            for position, item in enumerate(items[start : min(end, start + len(targets))], 1):
                if item in targets:
                    hits += 1
                    total += hits / position
            values[query] = total / len(targets)
    series = pd.Series(values, dtype=float, name="mAP@R").sort_index()
    series.index.name = "query_id"
    return series
