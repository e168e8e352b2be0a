"""Where judgements matter most: order queries and candidates for annotation.

Three signals, each scaled to 0..1 and averaged with weights (equal by default):

``disagreement``
    How much the ranked sources (runs, knn) disagree on the query. Per candidate the rank spread is
    ``(worst - best) / (depth + 1)`` over the ranked sources, where a source that did not retrieve
    the candidate counts as rank ``depth + 1`` (``depth`` = the deepest rank any source reached for
    the query); the query's value is the mean over its candidates. 0 when only one ranked source
    exists.
``unjudged``
    The share of the query's candidates that nobody has judged yet (1 = none judged).
``top_unjudged``
    High score but unjudged: the mean of ``1 / rank`` over unjudged candidates divided by the mean
    of ``1 / rank`` over all candidates (best rank over sources; unranked candidates contribute 0).
    1 when the top of the ranking is still open.

A candidate's own priority is ``unjudged x (spread + 1 / rank) / 2``: open pairs where retrievers
disagree or that sit at the top of a ranking come first.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

__all__ = ["SIGNALS", "prioritize"]

SIGNALS = ("disagreement", "unjudged", "top_unjudged")


def _judged(candidates: pd.DataFrame, labels: pd.DataFrame | None) -> np.ndarray:
    if labels is None or len(labels) == 0:
        return np.zeros(len(candidates), dtype=bool)
    missing = [c for c in ("query_id", "item_id") if c not in labels.columns]
    if missing:
        raise ValueError(f"labels need columns query_id and item_id; missing {missing}")
    labels = labels[labels["item_id"].notna()]
    done = pd.MultiIndex.from_arrays(
        [labels["query_id"].astype(str), labels["item_id"].astype(str)]
    )
    pairs = pd.MultiIndex.from_arrays(
        [candidates["query_id"].astype(str), candidates["item_id"].astype(str)]
    )
    return np.asarray(pairs.isin(done))


def _spread(candidates: pd.DataFrame) -> np.ndarray:
    rank_columns = [c for c in candidates.columns if c.startswith("rank_")]
    rank_columns = [c for c in rank_columns if c != "rank_hard-negative"]
    if len(rank_columns) < 2:
        return np.zeros(len(candidates))
    ranks = candidates[rank_columns].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    deepest = pd.Series(np.nanmax(np.where(np.isnan(ranks), -np.inf, ranks), axis=1))
    depth = deepest.groupby(candidates["query_id"].to_numpy()).transform("max").to_numpy()
    depth = np.where(np.isfinite(depth), depth, 0.0)
    filled = np.where(np.isnan(ranks), depth[:, None] + 1, ranks)
    return (filled.max(axis=1) - filled.min(axis=1)) / (depth + 1)


def _check_ranks(candidates: pd.DataFrame) -> None:
    """Ranks are 1-based positions: a rank of 0 would give an infinite priority (1 / rank), a
    negative one a negative priority, a fraction or ``inf`` none that means anything."""
    if not isinstance(candidates, pd.DataFrame):
        raise TypeError(
            f"candidates must be a pandas DataFrame, got {type(candidates).__name__}: pass a "
            "candidates frame (query_id, item_id[, rank]), e.g. from xm.pool(...)"
        )
    missing = [c for c in ("query_id", "item_id") if c not in candidates.columns]
    if missing:
        raise ValueError(
            f"candidates need columns query_id and item_id; missing {missing} "
            f"(columns are {list(candidates.columns)})"
        )
    columns = [c for c in candidates.columns if c == "rank" or str(c).startswith("rank_")]
    for column in columns:
        values = candidates[column]
        as_number = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        bad = (values.notna().to_numpy(dtype=bool) & np.isnan(as_number)) | (
            ~np.isnan(as_number) & ~((as_number >= 1) & (as_number == np.floor(as_number)))
        )
        bad |= np.isinf(as_number)
        if values.dtype == bool:
            bad[:] = True
        if bad.any():
            at = int(np.flatnonzero(bad)[0])
            raise ValueError(
                f"candidates.{column} must hold whole ranks of at least 1 (1 = best) or nulls, "
                f"but row {at} (query {candidates['query_id'].iloc[at]!r}, item "
                f"{candidates['item_id'].iloc[at]!r}) has {values.iloc[at : at + 1].tolist()[0]!r} "
                f"({int(bad.sum())} "
                "such row(s)): rank the candidates from 1, e.g. "
                "cands.groupby('query_id')['score'].rank(ascending=False, method='first')"
            )


def prioritize(
    candidates: pd.DataFrame,
    labels: pd.DataFrame | None = None,
    *,
    weights: Mapping[str, float] | None = None,
) -> pd.DataFrame:
    """Order candidates so that the queries (and pairs) where a judgement matters most come first.

    Parameters
    ----------
    candidates
        A candidates frame, typically from :func:`xmwidgets.pool` (uses ``rank`` and the
        ``rank_<source>`` columns when present).
    labels
        Judgements so far (``query_id, item_id``, e.g. ``store.labels()`` or ``grid.labels``); a
        pair counts as judged once anyone has a row for it, including a candidate flagged
        broken-media without a grade (it was handled: showing it again gains nothing). ``None`` =
        nothing judged.
    weights
        Weights of the query signals ``disagreement``, ``unjudged``, ``top_unjudged`` (default 1
        each); see the module docstring for their definitions.

    Returns
    -------
    pandas.DataFrame
        A copy of ``candidates`` sorted by ``query_priority`` (high first), then ``priority`` (high
        first), with columns ``judged``, ``priority`` (the candidate's, 0..1), the three signals and
        ``query_priority`` (their weighted mean, 0..1) added.

    Examples
    --------
    >>> ordered = prioritize(cands, store.labels())  # doctest: +SKIP
    >>> ordered.drop_duplicates("query_id").query_id.head()  # the next queries to judge  # doctest:
    +SKIP
    """
    weights = {name: 1.0 for name in SIGNALS} | dict(weights or {})
    unknown = set(weights) - set(SIGNALS)
    if unknown:
        raise ValueError(f"unknown priority signals {sorted(unknown)}: use {list(SIGNALS)}")
    total = sum(weights.values())
    if total <= 0:
        raise ValueError(f"priority weights must add up to more than 0, got {weights}")
    _check_ranks(candidates)
    out = candidates.copy()
    judged = _judged(out, labels)
    spread = _spread(out)
    if "rank" in out.columns:
        reciprocal = 1.0 / out["rank"].astype("Float64").to_numpy(dtype=float, na_value=np.inf)
    else:
        reciprocal = np.zeros(len(out))
    open_reciprocal = np.where(judged, 0.0, reciprocal)
    by_query = pd.DataFrame(
        {"spread": spread, "open": ~judged, "rr": reciprocal, "open_rr": open_reciprocal}
    ).groupby(out["query_id"].astype(str).to_numpy(), sort=False)
    signals = pd.DataFrame(
        {
            "disagreement": by_query["spread"].mean(),
            "unjudged": by_query["open"].mean(),
            "top_unjudged": (by_query["open_rr"].sum() / by_query["rr"].sum()).fillna(0.0),
        }
    )
    signals["query_priority"] = sum(signals[s] * weights[s] for s in SIGNALS) / total
    out["judged"] = judged
    out["priority"] = np.where(judged, 0.0, (spread + reciprocal) / 2)
    query_keys = out["query_id"].astype(str)
    for column in signals.columns:
        out[column] = query_keys.map(signals[column]).to_numpy(dtype=float)
    return out.sort_values(
        ["query_priority", "query_id", "priority"], ascending=[False, True, False], kind="stable"
    )
