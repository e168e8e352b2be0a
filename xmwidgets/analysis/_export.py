"""Training data out: positives, graded pairs, hard negatives and triplets from the labels.

Tables (one row per pair unless said otherwise; ids are strings):

- ``graded``: every judged pair, ``query_id, item_id, relevance`` (several annotators: the mean
  rounded half up, as :func:`~xmwidgets.to_qrels`), ``source`` (the pool source of the pair from
  ``candidates``, e.g. ``"run:clip,knn"``; <NA> when unknown).
- ``positives``: graded pairs with ``relevance >= rel``.
- ``hard_negatives``: judged non-relevant pairs that a run ranked within its top ``depth`` —
  the confusable ones a contrastive loss learns most from; ``run`` and ``rank`` (best over runs).
- ``triplets``: ``query_id, positive_id, negative_id`` — each positive with up to
  ``negatives_per_positive`` judged negatives of the same query. The query's negatives are
  ordered hard ones first (best rank), then the others in a seeded random order, and dealt out
  in that order, positive after positive (wrapping around), so positives do not all share the
  same few negatives. Ready for a CLIP-style loader (anchor, positive, negative).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ._frames import rank_run, runs_dict

__all__ = ["export"]

TABLES = ("graded", "positives", "hard_negatives", "triplets")


def export(
    labels: pd.DataFrame,
    *,
    runs: pd.DataFrame | dict[str, pd.DataFrame] | None = None,
    candidates: pd.DataFrame | None = None,
    rel: int = 1,
    depth: int = 20,
    negatives_per_positive: int = 3,
    path: str | os.PathLike[str] | None = None,
    as_dataset: bool = False,
    seed: int = 0,
) -> dict[str, pd.DataFrame] | Any:
    """Training-ready tables of the judgements (see the module docstring).

    Parameters
    ----------
    labels : DataFrame
        ``query_id, item_id, relevance`` (+ ``annotator``); rows with no grade are left out.
    runs : DataFrame or dict of str -> DataFrame, optional
        For hard negatives (without runs the table is empty and triplets use random negatives).
    candidates : DataFrame, optional
        The pool (``query_id, item_id, source``) whose ``source`` is kept on each pair.
    rel : int
        Lowest relevant grade.
    depth : int
        A judged non-relevant pair ranked this high by some run is a hard negative.
    negatives_per_positive : int
        Negatives per positive in ``triplets``.
    path : str or path-like, optional
        Write each table to ``<path>/<table>.parquet`` (the folder is created).
    as_dataset : bool
        Return a Hugging Face ``datasets.DatasetDict`` (one split per table) instead of frames.
    seed : int
        Seed of the order of the non-hard negatives in triplets.

    Returns
    -------
    dict of str -> DataFrame, or datasets.DatasetDict
    """
    from .metrics import to_qrels

    qrels = to_qrels(labels).rename(columns={"doc_id": "item_id"})
    graded = qrels[["query_id", "item_id", "relevance"]].copy()
    if candidates is not None and "source" in candidates.columns:
        sources = candidates.assign(
            query_id=candidates["query_id"].astype(str), item_id=candidates["item_id"].astype(str)
        ).drop_duplicates(["query_id", "item_id"])[["query_id", "item_id", "source"]]
        graded = graded.merge(sources, on=["query_id", "item_id"], how="left")
    else:
        graded["source"] = pd.NA
    graded["source"] = graded["source"].astype("string")
    positives = graded[graded["relevance"] >= rel].reset_index(drop=True)
    negatives = graded[graded["relevance"] < rel].reset_index(drop=True)
    hard = _hard(negatives, runs, depth)
    triplets = _triplets(positives, negatives, hard, negatives_per_positive, seed)
    tables = {
        "graded": graded,
        "positives": positives,
        "hard_negatives": hard,
        "triplets": triplets,
    }
    if path is not None:
        folder = Path(path)
        folder.mkdir(parents=True, exist_ok=True)
        for name, table in tables.items():
            table.to_parquet(folder / f"{name}.parquet", index=False)
    if as_dataset:
        try:
            import datasets
        except ImportError as error:
            raise ImportError(
                "as_dataset=True needs the Hugging Face datasets package, which is not installed: "
                'pip install "xmwidgets[hf]" (or datasets), or leave as_dataset off to get '
                "DataFrames (the Parquet files of path= are written either way)"
            ) from error

        return datasets.DatasetDict(
            {
                name: datasets.Dataset.from_pandas(t, preserve_index=False)
                for name, t in tables.items()
            }
        )
    return tables


def _hard(negatives: pd.DataFrame, runs: Any, depth: int) -> pd.DataFrame:
    columns = ["query_id", "item_id", "relevance", "source", "run", "rank"]
    if runs is None or negatives.empty:
        return pd.DataFrame(
            {
                c: pd.Series(dtype=negatives[c].dtype if c in negatives else "object")
                for c in columns
            }
        )
    tops = []
    for name, run in runs_dict(runs).items():
        ranked = rank_run(run, name)
        ranked = ranked[ranked["rank"] <= int(depth)]
        tops.append(ranked[["query_id", "item_id", "rank"]].assign(run=name))
    top = pd.concat(tops, ignore_index=True).astype({"query_id": str, "item_id": str})
    hard = negatives.merge(top, on=["query_id", "item_id"])
    hard = hard.sort_values(["query_id", "item_id", "rank", "run"]).drop_duplicates(
        ["query_id", "item_id"]
    )
    hard["rank"] = hard["rank"].astype(np.int64)
    return hard.sort_values(["query_id", "rank", "item_id"], ignore_index=True)[columns]


def _triplets(
    positives: pd.DataFrame, negatives: pd.DataFrame, hard: pd.DataFrame, k: int, seed: int
) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    hard_rank = dict(
        zip(zip(hard["query_id"], hard["item_id"], strict=True), hard["rank"], strict=True)
    )
    rows = []
    negs_by_query = {q: g["item_id"].tolist() for q, g in negatives.groupby("query_id")}
    for query_id, group in positives.groupby("query_id", sort=True):
        pool = negs_by_query.get(query_id, [])
        if not pool:
            continue
        shuffled = [pool[j] for j in rng.permutation(len(pool))]
        ordered = sorted(shuffled, key=lambda i: hard_rank.get((query_id, i), np.inf))
        for n, positive in enumerate(group["item_id"]):
            # rotate through the negatives so that positives do not all share the same few
            for j in range(min(k, len(ordered))):
                rows.append((query_id, positive, ordered[(n * k + j) % len(ordered)]))
    return pd.DataFrame(rows, columns=["query_id", "positive_id", "negative_id"])
