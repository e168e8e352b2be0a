"""TREC-style depth pooling: the union of each run's top ``depth`` items per query.

Runs arrive as frames ``query_id, item_id, score`` with an optional ``rank``; they are ranked by
the one rule of the metrics (:func:`~xmwidgets.analysis._frames.rank_run`). The top rows are then
worked on as integer row positions in the queries / items frames (not strings), so that combining
1,000 queries x 5 runs x depth 100 takes milliseconds rather than a string sort.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from ..analysis._frames import rank_run

__all__ = ["IdIndex", "ids_to_rows", "run_top", "warn_unknown"]


def warn_unknown(
    what: str, column: str, values: pd.Series, known: np.ndarray, stacklevel: int = 2
) -> None:
    """Warn, with counts and a few examples, about rows whose ``column`` is not a known id."""
    bad = values[known < 0]
    if len(bad):
        examples = list(pd.unique(bad)[:5])
        warnings.warn(
            f"{what}: {len(bad)} rows name {bad.nunique()} {column}s that are not in the "
            f"{'queries' if column == 'query_id' else 'items'} frame (e.g. {examples}); "
            "those rows are dropped",
            UserWarning,
            stacklevel=stacklevel + 1,
        )


class IdIndex:
    """Row position of each id of a frame, looked up in bulk.

    With pyarrow (the engine behind pandas' string dtype) lookups use ``pyarrow.compute.index_in``,
    about 5x faster than hashing Python strings; without it, a pandas object Index.
    """

    def __init__(self, ids: np.ndarray) -> None:
        self.index = pd.Index(ids, dtype=object)
        try:
            import pyarrow as pa
        except ImportError:  # pragma: no cover - pandas without pyarrow
            self._arrow = None
        else:
            self._arrow = pa.array(ids, type=pa.large_string())

    def __len__(self) -> int:
        return len(self.index)

    def rows(self, ids: pd.Series) -> np.ndarray:
        """Row positions of ``ids`` (strings), -1 where an id is unknown."""
        if self._arrow is not None:
            import pyarrow as pa
            import pyarrow.compute as pc

            values = pa.array(ids, type=pa.large_string(), from_pandas=True)
            found = pc.index_in(values, value_set=self._arrow)
            return pc.fill_null(found, -1).to_numpy(zero_copy_only=False).astype(np.intp)
        # runs repeat each query id hundreds of times: hash the distinct ids only
        codes, uniques = pd.factorize(ids)
        rows = self.index.get_indexer(np.asarray(uniques, dtype=object))
        return rows[codes] if len(codes) else np.empty(0, dtype=np.intp)


def ids_to_rows(
    frame: pd.DataFrame,
    what: str,
    query_index: IdIndex,
    item_index: IdIndex,
    stacklevel: int = 2,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Map ``query_id`` / ``item_id`` of ``frame`` to row positions; warn about and mask unknown
    ids.

    Returns ``(query_rows, item_rows, keep)`` where ``keep`` marks rows whose both ids are known.
    """
    missing = [c for c in ("query_id", "item_id") if c not in frame.columns]
    if missing:
        raise ValueError(
            f"{what} needs columns query_id and item_id; missing {missing} "
            f"(columns are {list(frame.columns)})"
        )
    query_ids = frame["query_id"].astype(str)
    item_ids = frame["item_id"].astype(str)
    query_rows = query_index.rows(query_ids)
    item_rows = item_index.rows(item_ids)
    # stacklevel counts from the caller of ids_to_rows, so warnings point at the user's call
    warn_unknown(what, "query_id", query_ids, query_rows, stacklevel + 1)
    warn_unknown(what, "item_id", item_ids, item_rows, stacklevel + 1)
    return query_rows, item_rows, (query_rows >= 0) & (item_rows >= 0)


def run_top(
    run: pd.DataFrame,
    name: str,
    depth: int | None,
    query_index: IdIndex,
    item_index: IdIndex,
) -> pd.DataFrame:
    """The top ``depth`` rows of one run per query, as row positions with 1-based ranks.

    The run is ranked by :func:`~xmwidgets.analysis._frames.rank_run`, the ranking that
    :func:`~xmwidgets.evaluate` and :func:`~xmwidgets.unjudged` use, so that judging the whole
    depth-k pool judges every run's top k: by ``score``, high first, ties by item id ascending; a
    run with only a ``rank`` column by rank (the ``rank`` of a scored run is ignored, as by
    trec_eval). A pair listed twice keeps its best row, with a warning. Ids not in the frames are
    dropped with a warning *after* ranking, so ``rank`` is the rank the metrics see.

    Returns
    -------
    pandas.DataFrame
        Columns ``q`` and ``i`` (int64 row positions), ``rank`` (int64, 1 = best), ``score``
        (float64, NaN when the run has none).
    """
    what = f"run {name!r}"
    if not isinstance(run, pd.DataFrame):
        raise TypeError(f"{what} must be a pandas DataFrame, got {type(run).__name__}")
    if "score" not in run.columns and "rank" not in run.columns:
        raise ValueError(
            f"{what} needs a score or a rank column to order its items; "
            f"columns are {list(run.columns)}"
        )
    ranked = rank_run(_best_row_per_pair(run, what), name)
    if depth is not None:
        ranked = ranked[ranked["rank"].to_numpy() <= depth]
    query_rows, item_rows, keep = ids_to_rows(ranked, what, query_index, item_index, stacklevel=3)
    return pd.DataFrame(
        {
            "q": query_rows[keep].astype(np.int64),
            "i": item_rows[keep].astype(np.int64),
            "rank": ranked["rank"].to_numpy(np.int64)[keep],
            "score": ranked["raw_score"].to_numpy(np.float64)[keep],
        }
    )


def _best_row_per_pair(run: pd.DataFrame, what: str) -> pd.DataFrame:
    """The run with one row per (query_id, item_id): the best-scored (or best-ranked) one."""
    if not {"query_id", "item_id"} <= set(run.columns):
        return run  # rank_run names the missing column
    duplicated = run[["query_id", "item_id"]].astype(str).duplicated(keep=False).to_numpy()
    if not duplicated.any():
        return run
    by = "score" if "score" in run.columns else "rank"
    key = pd.to_numeric(run[by], errors="coerce")
    best = (key if by == "rank" else -key).to_numpy(dtype=float, na_value=np.inf)
    kept = run.iloc[np.argsort(best, kind="stable")].drop_duplicates(["query_id", "item_id"])
    warnings.warn(
        f"{what} lists {len(run) - len(kept)} (query_id, item_id) pairs more than once; "
        "the best-ranked row of each is kept",
        UserWarning,
        stacklevel=4,
    )
    return kept
