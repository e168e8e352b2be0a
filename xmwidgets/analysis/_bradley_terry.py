"""Bradley-Terry scores of items from preference pairs (:func:`~xmwidgets.preferences`).

The model: P(i preferred over j) = sigmoid(score_i - score_j), ``score`` a log-strength. The fit is
the maximum a posteriori estimate under a Gaussian prior: it maximises ``log-likelihood - alpha *
sum(score**2)`` (the objective of ``choix.opt_pairwise``, with the same meaning of ``alpha``). The
small penalty keeps the scores finite when an item never lost (or never won), where the plain
maximum-likelihood score is infinite, and it centres the scores: they sum to 0 over each connected
part of the comparison graph.

Why not ``choix`` itself (checked: 0.4.1, 2025, numpy 2 and Python 3.11 fine; it is the reference
the tests compare with): its ``opt_pairwise`` evaluates the likelihood, gradient and a dense
Hessian in Python loops over the comparisons: 13x slower than this per query (100 queries of
291 pick pairs), 13x on 20k pairs of 500 items and 1000x on 291k pairs of 50 items
(``benchmarks/bench_preferences.py``), with memory growing as the square of the items; its fast dense ILSR solver regularises the Markov chain instead of the likelihood, which
moves scores by up to 0.7 from the penalised fit and leaves no curvature for standard errors.
Here the same objective is written in numpy over the distinct (winner, loser) pairs with their
counts and minimised by SciPy's Newton-CG with a matrix-free Hessian product.

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
from scipy.optimize import minimize
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from scipy.special import expit

from ._frames import require_columns

__all__ = ["bradley_terry"]

# the standard errors invert a dense matrix of the items of a component: skipped above this size
_MAX_SE_ITEMS = 3000


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
        Items to list even when never compared (score and se NaN, component <NA>, 0
        comparisons): a
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
    The fit's memory grows with the comparisons; the standard errors invert a dense matrix of the
    items of a component and are left NaN for components of more than 3,000 items. Each row is
    taken as an independent comparison: the pairs derived from one ranking or one pick are not
    (see :func:`~xmwidgets.preferences`), so their standard errors are optimistic.
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
        at = int(np.flatnonzero(null | same)[0])  # by position: the index may repeat labels
        label = frame.index[at : at + 1].tolist()[0]  # a Python value: repr without np.int64
        raise ValueError(
            f"preference row {label!r} has chosen={chosen.iloc[at]!r}, "
            f"rejected={rejected.iloc[at]!r}: each row needs two different items"
        )
    m = len(frame)
    # items as integer codes once; each group fits on its slice of codes
    item_codes, item_ids = pd.factorize(pd.concat([chosen, rejected], ignore_index=True))
    winners, losers = item_codes[:m], item_codes[m:]
    if by_cols:
        keys = pd.DataFrame({c: frame[c].astype("string").to_numpy() for c in by_cols})
        groups = keys.groupby(by_cols, sort=True, dropna=False).indices
    else:
        groups = {(): np.arange(m)}
    fitted = [
        (key if isinstance(key, tuple) else (key,), _fit_group(winners[rows], losers[rows], alpha))
        for key, rows in groups.items()
    ]
    columns: dict[str, Any] = {
        col: pd.array(
            [key[k] for key, fit in fitted for _ in range(len(fit["item"]))], dtype="string"
        )
        for k, col in enumerate(by_cols)
    }
    columns["item_id"] = pd.array(item_ids, dtype="string").take(
        np.concatenate([fit["item"] for _, fit in fitted] or [np.zeros(0, np.intp)])
    )
    for col, dtype in (
        ("score", float),
        ("se", float),
        ("n_comparisons", np.int64),
        ("wins", np.int64),
        ("component", np.int64),
    ):
        columns[col] = np.concatenate([fit[col] for _, fit in fitted] or [np.zeros(0, dtype)])
    columns["component"] = pd.array(columns["component"], dtype="Int64")
    scores = pd.DataFrame(columns)
    if items is not None:
        scores = _add_uncompared(scores, items, by_cols)
    order = [*by_cols, "score", "item_id"]
    scores = scores.sort_values(
        order, ascending=[*(True for _ in by_cols), False, True], na_position="last", kind="stable"
    )
    return scores.reset_index(drop=True)


def _fit_group(winners: np.ndarray, losers: np.ndarray, alpha: float) -> dict[str, np.ndarray]:
    """Scores of the items of one group of comparisons (item codes), component by component."""
    m = len(winners)
    item, local_codes = np.unique(np.concatenate([winners, losers]), return_inverse=True)
    w_codes, l_codes = local_codes[:m], local_codes[m:]
    n = len(item)
    graph = coo_matrix((np.ones(m), (w_codes, l_codes)), shape=(n, n))
    _, component = connected_components(graph, directed=False)
    # one term per distinct (winner, loser) with its count: repeated comparisons cost nothing
    pair_codes, counts = np.unique(w_codes.astype(np.int64) * n + l_codes, return_counts=True)
    w_all, l_all = pair_codes // n, pair_codes % n
    score = np.zeros(n)
    se = np.full(n, np.nan)
    for c in range(component.max() + 1):
        members = np.flatnonzero(component == c)
        local = np.full(n, -1)
        local[members] = np.arange(len(members))
        edges = component[w_all] == c
        w, lo, k = local[w_all[edges]], local[l_all[edges]], counts[edges].astype(float)
        theta = _fit(len(members), w, lo, k, alpha)
        score[members] = theta
        if len(members) <= _MAX_SE_ITEMS:
            se[members] = _standard_errors(theta, w, lo, k, alpha)
    return {
        "item": item,
        "score": score,
        "se": se,
        "n_comparisons": np.bincount(local_codes, minlength=n).astype(np.int64),
        "wins": np.bincount(w_codes, minlength=n).astype(np.int64),
        "component": component.astype(np.int64),
    }


def _fit(n: int, w: np.ndarray, lo: np.ndarray, k: np.ndarray, alpha: float) -> np.ndarray:
    """Maximise sum k * log sigmoid(s_w - s_l) - alpha * sum(s**2): Newton-CG, matrix-free.

    The objective is strictly convex (alpha > 0), so Newton's method converges from 0 in a few
    steps; the Hessian is applied as a product (``hessp``), so memory grows with the comparisons,
    not with the square of the items.
    """

    def fun(s: np.ndarray) -> float:
        return float(k @ np.logaddexp(0.0, s[lo] - s[w]) + alpha * (s @ s))

    def jac(s: np.ndarray) -> np.ndarray:
        r = k * expit(s[lo] - s[w])  # the probability of each observed outcome being reversed
        return 2 * alpha * s - np.bincount(w, r, n) + np.bincount(lo, r, n)

    def hessp(s: np.ndarray, p: np.ndarray) -> np.ndarray:
        d = s[w] - s[lo]
        v = k * expit(d) * expit(-d) * (p[w] - p[lo])
        return 2 * alpha * p + np.bincount(w, v, n) - np.bincount(lo, v, n)

    result = minimize(
        fun, np.zeros(n), jac=jac, hessp=hessp, method="Newton-CG", options={"xtol": 1e-10}
    )
    theta = np.asarray(result.x, dtype=float)
    gradient = np.abs(jac(theta)).max()
    if not np.isfinite(theta).all() or gradient > 1e-5 * max(1.0, float(k.sum())):
        raise RuntimeError(  # pragma: no cover - a strictly convex problem; kept as a guard
            f"Bradley-Terry fit of {n} items did not converge ({result.message}; largest "
            f"gradient {gradient:.3g}): try a larger alpha"
        )
    return theta


def _standard_errors(
    theta: np.ndarray, w: np.ndarray, lo: np.ndarray, k: np.ndarray, alpha: float
) -> np.ndarray:
    """Laplace standard errors of centred scores: the inverse curvature on sum(score) = 0."""
    n = len(theta)
    d = theta[w] - theta[lo]
    v = k * expit(d) * expit(-d)
    # the Fisher information of the comparisons: a graph Laplacian weighted by p(1 - p) ...
    flat = np.concatenate([w * n + w, lo * n + lo, w * n + lo, lo * n + w])
    weights = np.concatenate([v, v, -v, -v])
    info = np.bincount(flat, weights, n * n).reshape(n, n)
    # ... plus the prior's curvature (2 alpha) on the centred directions. The common shift of all
    # scores is not identified by comparisons: the covariance wanted is the pseudo-inverse of
    # info + 2 alpha (I - J/n) (J = all ones), which is inv(that + J/n) - J/n, a plain inverse of
    # a well-conditioned matrix (cheaper than the eigendecomposition of a pseudo-inverse)
    inverse = np.linalg.inv(info + 2 * alpha * np.eye(n) + (1 - 2 * alpha) / n)
    return np.sqrt(np.clip(np.diag(inverse) - 1.0 / n, 0, None))


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
