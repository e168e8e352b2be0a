"""Bradley-Terry scores of items from preference pairs (:func:`~xmwidgets.preferences`).

The model: P(i preferred over j) = sigmoid(score_i - score_j), ``score`` a log-strength. The fit is
``choix.opt_pairwise`` (Newton-CG on the penalised log-likelihood), the maximum a posteriori
estimate under a Gaussian prior: it maximises ``log-likelihood - alpha * sum(score**2)``. The
small penalty keeps the scores finite when an item never lost (or never won), where the plain
maximum-likelihood score is infinite, and it centres the scores: they sum to 0 over each connected
part of the comparison graph.

A comparison graph that falls apart (no chain of comparisons links two groups of items) has no
common scale: each connected part (``component``) is fitted on its own and centred at 0, so only
scores of the same component may be compared. Items that were never compared (listed in
``items``) get no score.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from scipy.special import expit

from ._frames import require_columns

__all__ = ["bradley_terry"]

_SCORE_COLUMNS = ("item_id", "score", "se", "n_comparisons", "wins", "component")


def bradley_terry(
    preferences: pd.DataFrame,
    *,
    by: str | Sequence[str] | None = "query_id",
    alpha: float = 0.01,
    items: pd.DataFrame | Sequence[str] | None = None,
) -> pd.DataFrame:
    """Bradley-Terry score per item (per query by default) from preference pairs.

    Parameters
    ----------
    preferences : DataFrame
        ``chosen, rejected`` (+ the ``by`` columns), e.g. ``xm.preferences(store.events())``. A
        row is one comparison won by ``chosen``; rows with an ``outcome`` other than "win" (ties,
        see ``preferences(ties=True)``) are left out.
    by : str or list of str or None
        Fit one model per value of these columns. The default, ``"query_id"``, scores the items
        as answers to each query; ``None`` pools every pair into one model (an item's strength
        whatever the query).
    alpha : float
        Strength of the Gaussian prior (> 0): the fit maximises ``log-likelihood - alpha *
        sum(score**2)``. Small values barely move well-determined scores and keep the
        scores of undefeated items finite; larger values shrink all scores towards 0 more.
    items : DataFrame or list of str, optional
        Items to list even when never compared (score, se and component <NA>, 0 comparisons): a
        frame with ``item_id`` and the ``by`` columns (e.g. the candidates frame), or, with
        ``by=None``, a list of item ids.

    Returns
    -------
    DataFrame
        The ``by`` columns, ``item_id``, ``score`` (log-strength, centred at 0 within each
        component), ``se`` (its standard error from the curvature of the penalised likelihood at
        the fit, Laplace approximation, for the centred scores), ``n_comparisons``, ``wins``,
        ``component`` (0, 1, ... per group: scores are comparable within one component only).
        Ordered by the ``by`` columns, then best score first.

    Raises
    ------
    ValueError
        A missing column (named), a null or self-comparison (chosen == rejected), ``alpha <= 0``.

    Notes
    -----
    ``choix`` fits with dense matrices of the items of one component, and loops over the
    comparisons in Python: per query (hundreds of items) it is quick; pooling tens of thousands of
    items into one component (``by=None``) takes a lot of memory.
    """
    by_cols = [] if by is None else [by] if isinstance(by, str) else list(by)
    frame = require_columns(preferences, ["chosen", "rejected", *by_cols], "preferences")
    if not (np.isfinite(alpha) and alpha > 0):
        raise ValueError(
            f"alpha={alpha!r}: the prior strength must be a positive number (e.g. 0.01); "
            "without it an item that never lost has an infinite score"
        )
    if "outcome" in frame.columns:
        frame = frame[(frame["outcome"].astype("string") == "win").fillna(False)]
    chosen = frame["chosen"].astype("string")
    rejected = frame["rejected"].astype("string")
    null = (chosen.isna() | rejected.isna()).to_numpy(dtype=bool)
    same = (chosen == rejected).fillna(False).to_numpy(dtype=bool)
    if null.any() or same.any():
        where = frame.index[null | same][0]
        raise ValueError(
            f"preference row {where!r} has chosen={chosen[where]!r}, rejected={rejected[where]!r}: "
            "each row needs two different items"
        )
    pairs = pd.DataFrame({c: frame[c].astype("string") for c in by_cols})
    pairs["chosen"], pairs["rejected"] = chosen, rejected
    parts = (
        [group for _, group in pairs.groupby(by_cols, sort=True, dropna=False)]
        if by_cols
        else [pairs]
    )
    out = [_fit_group(group, by_cols, alpha) for group in parts if len(group)]
    scores = pd.concat(out, ignore_index=True) if out else _empty(by_cols)
    if items is not None:
        scores = _add_uncompared(scores, items, by_cols)
    order = [*by_cols, "score", "item_id"]
    scores = scores.sort_values(
        order, ascending=[*(True for _ in by_cols), False, True], na_position="last", kind="stable"
    )
    return scores.reset_index(drop=True)


def _fit_group(group: pd.DataFrame, by_cols: list[str], alpha: float) -> pd.DataFrame:
    """Scores of the items of one group of comparisons, component by component."""
    import choix  # a light import, only when fitting

    m = len(group)
    codes, ids = pd.factorize(pd.concat([group["chosen"], group["rejected"]], ignore_index=True))
    winners, losers = codes[:m], codes[m:]
    n = len(ids)
    graph = coo_matrix((np.ones(m), (winners, losers)), shape=(n, n))
    _, component = connected_components(graph, directed=False)
    score = np.zeros(n)
    se = np.zeros(n)
    for c in range(component.max() + 1):
        members = np.flatnonzero(component == c)
        local = np.full(n, -1)
        local[members] = np.arange(len(members))
        edges = component[winners] == c
        w, lo = local[winners[edges]], local[losers[edges]]
        data = list(zip(w.tolist(), lo.tolist(), strict=True))
        theta = np.asarray(choix.opt_pairwise(len(members), data, alpha=alpha), dtype=float)
        score[members] = theta
        se[members] = _standard_errors(theta, w, lo, alpha)
    out = pd.DataFrame(
        {
            "item_id": pd.array(ids, dtype="string"),
            "score": score,
            "se": se,
            "n_comparisons": np.bincount(codes, minlength=n).astype(np.int64),
            "wins": np.bincount(winners, minlength=n).astype(np.int64),
            "component": pd.array(component, dtype="Int64"),
        }
    )
    for col in reversed(by_cols):
        out.insert(0, col, pd.array([group[col].iloc[0]] * n, dtype="string"))
    return out


def _standard_errors(
    theta: np.ndarray, winners: np.ndarray, losers: np.ndarray, alpha: float
) -> np.ndarray:
    """Laplace standard errors of centred scores: the inverse curvature on sum(score) = 0."""
    k = len(theta)
    p = expit(theta[winners] - theta[losers])
    v = p * (1 - p)
    # the Fisher information of the comparisons (a weighted graph Laplacian) ...
    info = np.zeros((k, k))
    np.add.at(info, (winners, winners), v)
    np.add.at(info, (losers, losers), v)
    np.add.at(info, (winners, losers), -v)
    np.add.at(info, (losers, winners), -v)
    # ... plus the prior's curvature (2 alpha) on the centred directions; the common shift of all
    # scores is not identified by comparisons, so it is projected out (pseudo-inverse)
    centre = np.eye(k) - 1.0 / k
    cov = np.linalg.pinv(info + 2 * alpha * centre, hermitian=True)
    return np.sqrt(np.clip(np.diag(cov), 0, None))


def _empty(by_cols: list[str]) -> pd.DataFrame:
    frame = pd.DataFrame({c: pd.array([], dtype="string") for c in [*by_cols, "item_id"]})
    frame["score"] = np.array([], dtype=float)
    frame["se"] = np.array([], dtype=float)
    frame["n_comparisons"] = np.array([], dtype=np.int64)
    frame["wins"] = np.array([], dtype=np.int64)
    frame["component"] = pd.array([], dtype="Int64")
    return frame


def _add_uncompared(scores: pd.DataFrame, items: Any, by_cols: list[str]) -> pd.DataFrame:
    """``scores`` with a row (no score, 0 comparisons) for each listed item that has none."""
    if isinstance(items, pd.DataFrame):
        listed = require_columns(items, [*by_cols, "item_id"], "items")[[*by_cols, "item_id"]]
    elif by_cols:
        raise ValueError(
            f"items is a list but scores are per {', '.join(by_cols)}: pass a frame with "
            f"columns {', '.join([*by_cols, 'item_id'])} (e.g. the candidates frame), or by=None"
        )
    elif isinstance(items, str):
        raise TypeError(f"items={items!r} is one string: pass a list of item ids")
    else:
        listed = pd.DataFrame({"item_id": list(items)})
    listed = listed.astype("string").drop_duplicates()
    key = [*by_cols, "item_id"]
    known = listed.merge(scores[key], on=key, how="left", indicator=True)
    new = known.loc[known["_merge"] == "left_only", key].reset_index(drop=True)
    if not len(new):
        return scores
    new["score"] = np.nan
    new["se"] = np.nan
    new["n_comparisons"] = np.int64(0)
    new["wins"] = np.int64(0)
    new["component"] = pd.array([pd.NA] * len(new), dtype="Int64")
    return pd.concat([scores, new], ignore_index=True)
