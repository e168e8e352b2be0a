"""How many positives are still missing: a sample of unjudged pairs with known inclusion
probabilities, and the Horvitz–Thompson estimate from its judgements.

The design is stratified sampling without replacement, as TREC's statAP/infAP sample judged pools
(Aslam, Pavlu & Yilmaz 2006; Yilmaz, Kanoulas & Aslam 2008): per query, the unjudged pairs are cut
into strata by the rank of a priority score (e.g. the retriever's score or
:func:`~xmwidgets.discover`'s): ranks 1–10, 11–50, 51 and beyond by default, sampled at rates
that fall with the rank, because positives gather at the top. Each pair of stratum *h* is drawn
with probability ``π = n_h / N_h``, which the sample frame carries.

Estimate (:func:`estimate_missing`): the positives among the pairs unjudged at sampling time are
``Σ_h N_h · k_h / n_h`` (Horvitz–Thompson: every judged-relevant sampled pair counts ``1 / π``).
Its variance is the stratified one, ``Σ_h N_h² (1 - n_h / N_h) s_h² / n_h``. For the total over all
queries (many strata, so the normal approximation holds) ``s_h²`` is the unbiased
``n_h/(n_h-1)·p̂(1-p̂)``. A query has few strata and few positives in its sample, and a stratum
with none would claim to know its count exactly (variance 0): per query, ``s_h² = p̃(1-p̃)`` with
``p̃ = (k_h + ½) / (n_h + 1)`` (a Jeffreys prior), which is never 0. While the whole sample holds
fewer than 10 positives the total smooths once per *band* of ranks instead (``p̃`` from the
positives and draws of all strata of that name, e.g. every query's ranks 51+): half a positive per
stratum, summed over a hundred strata, claimed dozens of positives no draw had shown (a sample of
340 pairs finding none gave 0–178; by band 0–36; ``benchmarks/bench_recall.py``, 0–60 positives
left, 10 pairs per query, 50 seeds: covered in every draw, 36–85 wide). Measured on the demo
(``benchmarks/bench_recall.py``, 50 seeds, 20 pairs per query): the total's 95 % interval covered
the truth in 92 % of draws, the queries' in 99 %; with the plain variance per query, about 81 %.
The interval is ``estimate ± z·sd``, clipped to ``[found_since, unjudged]`` (the positives known
among those pairs, and all of them).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ._frames import (
    _order,
    _text,
    grade_labels,
    rank_run,
    require_columns,
    require_ids,
    runs_dict,
)

__all__ = ["MissingEstimate", "estimate_missing", "estimated_recall", "sample_unjudged"]

_KEY = ["query_id", "item_id"]
# the total's interval uses the plain variance once the sample holds this many positives (the
# usual "n·p ≥ 10" condition for the normal approximation); below, the smoothed one
_PLAIN_FROM = 10


def _str(column: pd.Series) -> np.ndarray:
    return column.astype(str).to_numpy(dtype=object)


@dataclass
class _Unjudged:
    """Unjudged pairs: ids, integer codes in string order, and the score when given."""

    query: Any
    item: Any
    q: np.ndarray
    i: np.ndarray
    score: np.ndarray | None


def _unjudged_pairs(labels: pd.DataFrame, pairs: pd.DataFrame) -> _Unjudged:
    """The pairs (first row of each) that have no grade in the labels."""
    require_columns(pairs, _KEY, "pairs")
    require_ids(pairs, _KEY, "pairs")
    graded = grade_labels(labels, annotator="annotator" in labels.columns)
    n = len(pairs)
    pq, pi = _text(pairs["query_id"]), _text(pairs["item_id"])
    # integer pair codes in string order: hashing ints beats MultiIndex lookups over 1M pairs
    q_codes, _ = pd.factorize(pd.concat([pq, _text(graded.query_id)], ignore_index=True), sort=True)
    i_codes, i_uniques = pd.factorize(
        pd.concat([pi, _text(graded.item_id)], ignore_index=True), sort=True
    )
    code = q_codes.astype(np.int64) * max(len(i_uniques), 1) + i_codes
    keep = pd.Index(code[n:]).get_indexer(code[:n]) < 0
    keep &= ~pd.Index(code[:n]).duplicated()
    rows = np.flatnonzero(keep)
    score = None
    if "score" in pairs.columns:
        score = pd.to_numeric(pairs["score"], errors="coerce").to_numpy(dtype=float)
        if np.isnan(score).any():
            bad = pairs.iloc[int(np.flatnonzero(np.isnan(score))[0])]
            raise ValueError(
                f"pairs has a missing or non-numeric score for {bad.query_id}/{bad.item_id}: "
                "give every pair a number, or drop the score column"
            )
        score = score[rows]
    return _Unjudged(pq.array.take(rows), pi.array.take(rows), q_codes[rows], i_codes[rows], score)


def sample_unjudged(
    labels: pd.DataFrame,
    pairs: pd.DataFrame,
    per_query: int = 20,
    *,
    bands: Sequence[int] = (10, 50),
    weights: Sequence[float] = (4.0, 2.0, 1.0),
    seed: int = 0,
) -> pd.DataFrame:
    """Draw unjudged pairs to judge, with known inclusion probabilities (stratified, per query).

    Parameters
    ----------
    labels : DataFrame
        The judgements so far (``query_id, item_id, relevance``); pairs with a grade are not drawn.
    pairs : DataFrame
        ``query_id, item_id`` (+ ``score``): every pair that could be relevant — e.g. every query ×
        every item, or a large pool. With ``score`` the strata follow its per-query rank (higher
        first, ties by item_id); without it each query is one stratum.
    per_query : int
        Pairs to draw per query (fewer when it has fewer unjudged pairs).
    bands : sequence of int
        Rank cut-offs of the strata: ``(10, 50)`` gives ranks 1–10, 11–50 and 51+.
    weights : sequence of float
        Relative sampling rate per stratum (one more than ``bands``): the sample is allocated
        proportionally to ``N_h · weight_h``, at least two per stratum (so that each has a
        variance), at most ``N_h``.
    seed : int
        Seed of the draw.

    Returns
    -------
    DataFrame
        A candidates frame ``query_id, item_id, source, stratum, stratum_size, inclusion``:
        ``inclusion`` is the probability π with which the pair was drawn, ``source``
        ``"sample:<stratum>"``. Judge these pairs, then pass the labels and this frame to
        :func:`estimate_missing`.
    """
    if int(per_query) < 1:
        raise ValueError(f"per_query must be at least 1, got {per_query!r}")
    cuts = [int(b) for b in bands]
    if cuts != sorted(set(cuts)) or (cuts and cuts[0] < 1):
        raise ValueError(f"bands must be increasing positive ranks, got {list(bands)!r}")
    if len(weights) != len(cuts) + 1 or min(weights) <= 0:
        raise ValueError(
            f"weights needs {len(cuts) + 1} positive numbers (one per stratum of bands "
            f"{cuts}), got {list(weights)!r}"
        )
    pairs_left = _unjudged_pairs(labels, pairs)
    columns = ["query_id", "item_id", "source", "stratum", "stratum_size", "inclusion"]
    if len(pairs_left.q) == 0:
        return pd.DataFrame(
            {c: pd.Series(dtype=float if c == "inclusion" else object) for c in columns}
        )
    q = pairs_left.q.astype(np.int64)
    scored = pairs_left.score is not None
    stratum = np.zeros(len(q), dtype=np.int64)
    if pairs_left.score is not None:
        # per query: score descending, ties by item_id (as runs are ranked everywhere)
        order = _order(q, -pairs_left.score, pairs_left.i)
        sorted_q = q[order]
        starts = np.flatnonzero(np.r_[True, sorted_q[1:] != sorted_q[:-1]])
        rank = np.arange(len(order)) - np.repeat(starts, np.diff(np.r_[starts, len(order)])) + 1
        stratum[order] = np.searchsorted(np.asarray(cuts), rank, side="left")
    names = np.asarray(_stratum_names(cuts) if scored else ["all"], dtype=object)
    n_strata = len(names)
    group = q * n_strata + stratum
    sizes = np.bincount(group, minlength=(int(q.max()) + 1) * n_strata).reshape(-1, n_strata)
    w = np.asarray(weights, dtype=float)[:n_strata]
    per_stratum = np.zeros(sizes.shape, dtype=np.int64)
    for row in np.flatnonzero(sizes.sum(axis=1)):
        per_stratum[row] = _allocate(sizes[row], w, int(per_query))
    take = per_stratum.ravel()
    # a seeded random key per pair; in each stratum the pairs with the smallest keys are drawn
    rng = np.random.default_rng(seed)
    # keys are distinct (a random fraction per pair), so no stable sort is needed: ~3x faster
    order = np.argsort(group + rng.random(len(group)))
    starts = np.searchsorted(group[order], np.arange(len(take)))
    position = np.arange(len(order)) - starts[group[order]]
    chosen = order[position < take[group[order]]]
    # output sorted by query, then item (codes are in string order)
    chosen = chosen[np.lexsort((pairs_left.i[chosen], q[chosen]))]
    g = group[chosen]
    size = sizes.ravel()[g]
    stratum_name = names[g % n_strata]
    return pd.DataFrame(
        {
            "query_id": pairs_left.query.take(chosen),
            "item_id": pairs_left.item.take(chosen),
            "source": "sample:" + stratum_name.astype(str),
            "stratum": stratum_name,
            "stratum_size": size.astype(np.int64),
            "inclusion": take[g] / size,
        },
        columns=columns,
    )


def _stratum_names(cuts: list[int]) -> list[str]:
    starts = [1, *(c + 1 for c in cuts)]
    ends = [*cuts, None]
    return [f"{s}-{e}" if e is not None else f"{s}+" for s, e in zip(starts, ends, strict=True)]


def _allocate(sizes: np.ndarray, weights: np.ndarray, total: int) -> np.ndarray:
    """Sample sizes per stratum: ∝ N_h · w_h, ≥ 2 each (when the budget allows), ≤ N_h."""
    present = sizes > 0
    take = np.minimum(sizes, 2 if total >= 2 * int(present.sum()) else 0)
    while take.sum() < min(total, sizes.sum()):
        room = take < sizes
        # the stratum furthest below its share of the budget gets the next draw
        share = sizes * weights / (sizes * weights)[room].sum() * total
        gap = np.where(room, share - take, -np.inf)
        take[int(np.argmax(gap))] += 1
    return take


@dataclass
class MissingEstimate:
    """Positives among the pairs that were unjudged when the sample was drawn.

    Attributes
    ----------
    per_query : DataFrame
        ``query_id, unjudged, sampled, judged_in_sample, found_in_sample, found_since, estimate,
        low, high, remaining, remaining_low, remaining_high`` — ``estimate`` (low/high: the
        interval) counts the positives among the pairs unjudged at sampling time, the sample's
        included; ``remaining`` those still missing (estimate − ``found_since``: the positives
        judged among those pairs since, i.e. the sample's, or all since ``labels_at_sampling``);
        ``spent``: more were found since than the interval's upper end allowed, so the interval
        (clipped to 0–0) says nothing any more and a new sample must be drawn.
    total : dict
        The same for all queries together (``estimate, low, high, remaining, remaining_low,
        remaining_high, found_in_sample, found_since, unjudged, spent``).
    level : float
        Confidence level of the intervals.
    """

    per_query: pd.DataFrame
    total: dict[str, float]
    level: float

    def __repr__(self) -> str:
        t = self.total
        return (
            f"MissingEstimate(about {t['remaining']:.0f} positives still missing "
            f"({self.level:.0%} interval {t['remaining_low']:.0f}–{t['remaining_high']:.0f}) "
            f"among {t['unjudged']:.0f} pairs unjudged at sampling, after {t['found_since']:.0f} "
            f"found there since ({t['found_in_sample']:.0f} in the sample); "
            f"{len(self.per_query)} queries"
            + (
                "; the sample is spent: more positives were found since than its interval "
                "allowed, draw a new one with sample_unjudged)"
                if t.get("spent")
                else ")"
            )
        )


def estimate_missing(
    labels: pd.DataFrame,
    sample: pd.DataFrame,
    *,
    labels_at_sampling: pd.DataFrame | None = None,
    rel: int = 1,
    level: float = 0.95,
) -> MissingEstimate:
    """Estimate the positives no one has judged yet, from the judged sample of
    :func:`sample_unjudged` (Horvitz–Thompson; see the module docstring).

    Parameters
    ----------
    labels : DataFrame
        Judgements including those of the sample (``query_id, item_id, relevance``). Several
        judgements of a pair: relevant when their mean rounds to a grade ≥ ``rel``. Sampled pairs
        left unjudged are treated as missing at random within their stratum (the stratum's
        judged pairs stand for them); ``judged_in_sample`` says how many were judged.
    sample : DataFrame
        The frame returned by :func:`sample_unjudged`.
    labels_at_sampling : DataFrame, optional
        The labels as they were when the sample was drawn. With them, one sample serves many
        rounds of judging: every positive judged since (by :func:`~xmwidgets.discover` or
        anyone, the sample's included) was unjudged at sampling time, so ``remaining`` is the
        estimate minus all of them (``found_since``; the interval shifts with it, since they
        are known, not estimated). Without them only the sample's positives are subtracted.
    rel : int
        Lowest relevant grade.
    level : float
        Confidence level of the normal intervals (0.95: ``z = 1.96``).

    Returns
    -------
    MissingEstimate

    Examples
    --------
    >>> sample = xm.sample_unjudged(labels, pairs, 10)            # doctest: +SKIP
    >>> before = labels                                           # doctest: +SKIP
    >>> # ... judge the sample, then rounds of xm.discover ...
    >>> xm.estimate_missing(labels, sample, labels_at_sampling=before)  # doctest: +SKIP
    """
    from scipy.stats import norm

    require_columns(sample, [*_KEY, "stratum", "stratum_size", "inclusion"], "sample")
    if not 0 < level < 1:
        raise ValueError(f"level must be between 0 and 1, got {level!r}")
    z = float(norm.ppf(0.5 + level / 2))
    has_annotator = "annotator" in labels.columns
    graded = grade_labels(labels, annotator=has_annotator)
    grade = graded.groupby([graded.query_id.astype(str), graded.item_id.astype(str)])[
        "relevance"
    ].mean()
    frame = pd.DataFrame(
        {
            "query_id": _str(sample.query_id),
            "item_id": _str(sample.item_id),
            "stratum": _str(sample.stratum),
            "N": sample.stratum_size.to_numpy(dtype=float),
        }
    )
    key = pd.MultiIndex.from_frame(frame[_KEY])
    mean = grade.reindex(key).to_numpy(dtype=float)
    frame["judged"] = ~np.isnan(mean)
    frame["relevant"] = np.floor(np.nan_to_num(mean, nan=-1.0) + 0.5) >= rel
    strata = frame.groupby(["query_id", "stratum"], sort=True).agg(
        N=("N", "first"),
        sampled=("item_id", "size"),
        n=("judged", "sum"),
        k=("relevant", "sum"),
    )
    n, k, N = (strata[c].to_numpy(dtype=float) for c in ("n", "k", "N"))
    with np.errstate(invalid="ignore", divide="ignore"):
        est = np.where(n > 0, N * k / n, np.nan)
        fpc = N * N * (1 - n / N)
        # unbiased: s² = n/(n-1)·p(1-p)
        p = k / n
        var_plain = np.where(n > 1, fpc * p * (1 - p) / (n - 1), np.nan)
        # smoothed (Jeffreys prior, half a positive and half a negative): never 0
        p = (k + 0.5) / (n + 1)
        var = np.where(n > 0, fpc * p * (1 - p) / n, np.nan)
    # a stratum with no judged sampled pair: nothing is known, from 0 to all of it
    unknown = n == 0
    strata["estimate"] = np.where(unknown, N / 2, est)
    strata["var"] = np.where(unknown, (N / 2 / z) ** 2, var)
    strata["var_plain"] = np.where(unknown | (n < 2), strata["var"], var_plain)
    # for the total with few positives in the sample: one Jeffreys prior per band of ranks
    # (the strata of one name across queries), not one per stratum, which summed over a hundred
    # strata claimed dozens of positives no draw had shown
    band = strata.index.get_level_values("stratum")
    pooled = strata.groupby(band)[["n", "k"]].transform("sum")
    p = (pooled["k"].to_numpy(dtype=float) + 0.5) / (pooled["n"].to_numpy(dtype=float) + 1)
    with np.errstate(invalid="ignore", divide="ignore"):
        var_band = np.where(n > 0, fpc * p * (1 - p) / n, np.nan)
    strata["var_band"] = np.where(unknown, strata["var"], var_band)
    per_query = strata.groupby(level="query_id").agg(
        unjudged=("N", "sum"),
        sampled=("sampled", "sum"),
        judged_in_sample=("n", "sum"),
        found_in_sample=("k", "sum"),
        estimate=("estimate", "sum"),
        var=("var", "sum"),
        var_plain=("var_plain", "sum"),
        var_band=("var_band", "sum"),
    )
    per_query["found_since"] = per_query["found_in_sample"]
    if labels_at_sampling is not None:
        since = _positives_since(graded, labels_at_sampling, rel)
        per_query["found_since"] = since.reindex(per_query.index, fill_value=0).to_numpy()
    per_query = _intervals(per_query, z)
    totals = per_query[
        ["unjudged", "sampled", "judged_in_sample", "found_in_sample", "found_since"]
    ].sum()
    plain = totals["found_in_sample"] >= _PLAIN_FROM
    total_row = pd.DataFrame(
        {
            **totals.to_dict(),
            "estimate": per_query.estimate.sum(),
            "var": per_query["var_plain" if plain else "var_band"].sum(),
        },
        index=["(all)"],
    )
    total = _intervals(total_row, z).iloc[0].drop(["sampled", "judged_in_sample"]).to_dict()
    per_query = per_query.drop(columns=["var", "var_plain", "var_band"]).reset_index()
    for c in ("unjudged", "sampled", "judged_in_sample", "found_in_sample", "found_since"):
        per_query[c] = per_query[c].astype(np.int64)
    return MissingEstimate(
        per_query=per_query,
        total={c: float(v) for c, v in total.items() if c not in ("var", "spent")}
        | {"spent": bool(total["spent"])},
        level=level,
    )


def _positives_since(graded: pd.DataFrame, before: pd.DataFrame, rel: int) -> pd.Series:
    """Per query: pairs relevant in ``graded`` that had no grade in ``before``."""
    old = grade_labels(before, annotator="annotator" in before.columns)
    old_key = pd.MultiIndex.from_arrays([_str(old.query_id), _str(old.item_id)]).unique()
    grade = graded.groupby([_str(graded.query_id), _str(graded.item_id)])["relevance"].mean()
    new = grade[~grade.index.isin(old_key) & (np.floor(grade.to_numpy() + 0.5) >= rel)]
    return new.groupby(level=0).size()


def _intervals(frame: pd.DataFrame, z: float) -> pd.DataFrame:
    sd = np.sqrt(frame["var"].to_numpy(dtype=float))
    est = frame["estimate"].to_numpy(dtype=float)
    # the positives known among the pairs unjudged at sampling time: a floor of the estimate
    found = frame["found_since"].to_numpy(dtype=float)
    upper = frame["unjudged"].to_numpy(dtype=float)
    frame = frame.copy()
    frame["low"] = np.clip(est - z * sd, found, upper)
    frame["high"] = np.clip(est + z * sd, found, upper)
    frame["remaining"] = np.maximum(est, found) - found
    # never below 0, even when more were found since than the sampled strata held (pairs
    # judged outside the sampled pairs, e.g. new items, are counted in found_since too)
    frame["remaining_low"] = np.maximum(frame["low"] - found, 0.0)
    frame["remaining_high"] = np.maximum(frame["high"] - found, 0.0)
    # more positives found since than the interval's upper end allowed: the sample has nothing
    # left to say (its 0–0 is no evidence that nothing is missing); a new one must be drawn
    frame["spent"] = est + z * sd < found
    return frame


def estimated_recall(
    labels: pd.DataFrame,
    runs: pd.DataFrame | dict[str, pd.DataFrame],
    missing: MissingEstimate,
    depths: Sequence[int] = (10, 100),
    *,
    rel: int = 1,
) -> pd.DataFrame:
    """Recall of runs that counts the positives no one has judged yet (from :func:`estimate_missing`).

    ``R@k`` of :func:`~xmwidgets.evaluate` divides by the *judged* positives of a query, so a pool
    that missed half the positives doubles every run's recall. Here the denominator is the judged
    positives plus the estimated remaining ones; its interval gives the recall's interval
    (``high`` uses the low end of the remaining estimate). The numerator counts the judged
    relevant items in the top ``k`` (unjudged retrieved items count as non-relevant, as in
    trec_eval), so the value is conservative.

    Parameters
    ----------
    labels : DataFrame
        Judgements, including those of the sample.
    runs : DataFrame or dict of str -> DataFrame
        ``query_id, item_id, score`` (or ``rank``); ties by item_id as in ``evaluate``.
    missing : MissingEstimate
        From :func:`estimate_missing` (queries it does not cover count no missing positive).
    depths : sequence of int
        The cut-offs k.
    rel : int
        Lowest relevant grade.

    Returns
    -------
    DataFrame
        ``run, measure, value, low, high, judged_value``: ``measure`` ``"R@k"``, the mean over the
        queries with at least one judged or estimated positive; ``judged_value`` is the ordinary
        recall over judged positives only, for comparison.
    """
    from .metrics import to_qrels

    qrels = to_qrels(labels)
    relevant = qrels[qrels.relevance >= rel]
    judged_pos = relevant.groupby("query_id").size()
    remaining = missing.per_query.set_index("query_id")[
        ["remaining", "remaining_low", "remaining_high"]
    ]
    queries = judged_pos.index.union(remaining.index[remaining["remaining"] > 0])
    rem = remaining.reindex(queries, fill_value=0.0)
    base = judged_pos.reindex(queries, fill_value=0).to_numpy(dtype=float)
    rel_key = pd.MultiIndex.from_frame(relevant[["query_id", "doc_id"]])
    rows = []
    for name, run in runs_dict(runs).items():
        ranked = rank_run(run, name)
        hit = pd.MultiIndex.from_frame(ranked[_KEY]).isin(rel_key)
        for k in depths:
            top = ranked[(ranked["rank"].to_numpy() <= int(k)) & hit]
            found = top.groupby("query_id").size().reindex(queries, fill_value=0)
            f = found.to_numpy(dtype=float)
            with np.errstate(invalid="ignore", divide="ignore"):
                value = f / (base + rem["remaining"].to_numpy())
                low = f / (base + rem["remaining_high"].to_numpy())
                high = f / (base + rem["remaining_low"].to_numpy())
                judged_value = np.where(base > 0, f / base, 0.0)
            rows.append(
                {
                    "run": name,
                    "measure": f"R@{int(k)}",
                    "value": float(np.nanmean(value)),
                    "low": float(np.nanmean(low)),
                    "high": float(np.nanmean(high)),
                    "judged_value": float(judged_value.mean()),
                }
            )
    return pd.DataFrame(rows)
