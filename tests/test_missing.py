"""How much is missing: stratified sample of unjudged pairs, Horvitz–Thompson estimate, recall."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import xmwidgets as xm


def grid_pairs(n_queries: int, n_items: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "query_id": np.repeat([f"q{k}" for k in range(n_queries)], n_items),
            "item_id": np.tile([f"i{k:03d}" for k in range(n_items)], n_queries),
            "score": rng.random(n_queries * n_items),
        }
    )


def test_sample_strata_inclusion_and_no_judged_pair() -> None:
    pairs = grid_pairs(2, 100)
    labels = pairs.head(5).assign(relevance=1)[["query_id", "item_id", "relevance"]]
    sample = xm.sample_unjudged(labels, pairs, per_query=20, seed=1)
    assert list(sample.columns) == [
        "query_id", "item_id", "source", "stratum", "stratum_size", "inclusion",
    ]  # fmt: skip
    assert not sample.merge(labels, on=["query_id", "item_id"]).shape[0]
    q0 = sample[sample.query_id == "q0"]
    # q0 has 95 unjudged pairs: strata 1-10 (10), 11-50 (40), 51+ (45); 20 drawn ∝ N·(4, 2, 1)
    # = 40 : 80 : 45, i.e. shares 4.85, 9.70, 5.45 -> 5, 10, 5
    sizes = q0.groupby("stratum").agg(n=("item_id", "size"), N=("stratum_size", "first"))
    assert sizes.to_dict("index") == {
        "1-10": {"n": 5, "N": 10}, "11-50": {"n": 10, "N": 40}, "51+": {"n": 5, "N": 45},
    }  # fmt: skip
    assert np.allclose(
        q0.inclusion, q0.groupby("stratum").item_id.transform("size") / q0.stratum_size
    )
    assert (q0.source == "sample:" + q0.stratum).all()
    # the top stratum holds the 10 best-scored unjudged pairs of q0
    unjudged = pairs.iloc[5:100].sort_values("score", ascending=False)
    assert set(q0[q0.stratum == "1-10"].item_id) <= set(unjudged.item_id.head(10))
    again = xm.sample_unjudged(labels, pairs, per_query=20, seed=1)
    pd.testing.assert_frame_equal(sample, again)


def test_estimate_is_horvitz_thompson_by_hand() -> None:
    sample = pd.DataFrame(
        {
            "query_id": "q",
            "item_id": ["a", "b", "c", "d", "e", "f"],
            "stratum": ["1-10"] * 2 + ["11+"] * 4,
            "stratum_size": [10, 10, 100, 100, 100, 100],
            "inclusion": [0.2, 0.2, 0.04, 0.04, 0.04, 0.04],
        }
    )
    labels = pd.DataFrame(
        {"query_id": "q", "item_id": list("abcdef"), "relevance": [2, 0, 1, 0, 0, 0]}
    )
    m = xm.estimate_missing(labels, sample)
    row = m.per_query.iloc[0]
    # 1/0.2 + 1/0.04 = 5 + 25
    assert row.estimate == pytest.approx(30.0)
    assert row.found_in_sample == 2 and row.remaining == pytest.approx(28.0)
    # smoothed variance: 10²(1-0.2)·p(1-p)/2 with p=1.5/3, and 100²(1-0.04)·p(1-p)/4, p=1.5/5
    var = 100 * 0.8 * 0.25 / 2 + 10000 * 0.96 * 0.21 / 4
    assert row.high == pytest.approx(30 + 1.959964 * np.sqrt(var), rel=1e-5)
    assert row.low == pytest.approx(max(2.0, 30 - 1.959964 * np.sqrt(var)), rel=1e-5)
    assert m.total["estimate"] == pytest.approx(30.0)
    assert "28 positives still missing" in repr(m)


def test_one_sample_serves_later_rounds_with_labels_at_sampling() -> None:
    """Positives judged after the sample was drawn are known, so they leave the remaining count."""
    sample = pd.DataFrame(
        {
            "query_id": "q",
            "item_id": ["a", "b", "c", "d", "e", "f"],
            "stratum": ["1-10"] * 2 + ["11+"] * 4,
            "stratum_size": [10, 10, 100, 100, 100, 100],
            "inclusion": [0.2, 0.2, 0.04, 0.04, 0.04, 0.04],
        }
    )
    before = pd.DataFrame({"query_id": "q", "item_id": ["z"], "relevance": [3]})
    graded = pd.DataFrame(
        {"query_id": "q", "item_id": list("abcdef"), "relevance": [2, 0, 1, 0, 0, 0]}
    )
    # a later round finds 5 more positives (and a negative) among the then-unjudged pairs
    later = pd.DataFrame(
        {"query_id": "q", "item_id": ["g", "h", "i", "j", "k", "l"], "relevance": [1] * 5 + [0]}
    )
    labels = pd.concat([before, graded, later], ignore_index=True)
    plain = xm.estimate_missing(labels, sample).per_query.iloc[0]
    assert plain.remaining == pytest.approx(28.0) and plain.found_since == 2
    m = xm.estimate_missing(labels, sample, labels_at_sampling=before)
    row = m.per_query.iloc[0]
    # z was judged before the sample: not counted; a, c (sample) and g..k (later) are
    assert row.found_in_sample == 2 and row.found_since == 7
    assert row.estimate == pytest.approx(30.0) and row.remaining == pytest.approx(23.0)
    assert row.remaining_high == pytest.approx(plain.remaining_high - 5)
    assert row.low >= 7 and m.total["found_since"] == 7
    assert "23 positives still missing" in repr(m)
    assert not m.total["spent"] and not row.spent and "spent" not in repr(m)
    # 80 more found (87 in all) than the upper end (76) allowed: spent, and its 0-0 says so
    many = pd.DataFrame({"query_id": "q", "item_id": [f"n{k}" for k in range(80)], "relevance": 1})
    m = xm.estimate_missing(pd.concat([labels, many]), sample, labels_at_sampling=before)
    assert m.total["spent"] and m.per_query.iloc[0].spent
    assert (m.total["remaining_low"], m.total["remaining_high"]) == (0.0, 0.0)
    assert "the sample is spent" in repr(m)
    # more than the sampled strata held (110 pairs): still never a negative count
    more = pd.DataFrame({"query_id": "q", "item_id": [f"n{k}" for k in range(200)], "relevance": 1})
    m = xm.estimate_missing(pd.concat([labels, more]), sample, labels_at_sampling=before)
    assert m.total["remaining_low"] == m.total["remaining_high"] == m.total["remaining"] == 0.0


def test_few_positives_in_the_sample_smooth_the_total_once_per_band() -> None:
    """No positive in 2 queries × 2 strata: the total's variance takes p̃ = ½ / (draws of the
    band + 1) per band, not ½ / (n_h + 1) per stratum."""
    sample = pd.DataFrame(
        {
            "query_id": ["q1"] * 6 + ["q2"] * 6,
            "item_id": [f"i{k}" for k in range(12)],
            "stratum": (["1-10"] * 2 + ["11+"] * 4) * 2,
            "stratum_size": ([10] * 2 + [100] * 4) * 2,
            "inclusion": ([0.2] * 2 + [0.04] * 4) * 2,
        }
    )
    labels = sample[["query_id", "item_id"]].assign(relevance=0)
    m = xm.estimate_missing(labels, sample)
    top, rest = 0.5 / 5, 0.5 / 9  # band 1-10: 4 draws, band 11+: 8 draws, no positive
    var = 2 * (100 * 0.8 * top * (1 - top) / 2 + 10000 * 0.96 * rest * (1 - rest) / 4)
    assert m.total["estimate"] == 0.0 and m.total["low"] == 0.0
    assert m.total["high"] == pytest.approx(1.959964 * np.sqrt(var), rel=1e-5)
    # each query keeps its own prior (wider): ½ / (n_h + 1)
    q1 = m.per_query.iloc[0]
    p1, p2 = 0.5 / 3, 0.5 / 5
    var_q = 100 * 0.8 * p1 * (1 - p1) / 2 + 10000 * 0.96 * p2 * (1 - p2) / 4
    assert q1.high == pytest.approx(1.959964 * np.sqrt(var_q), rel=1e-5)
    assert m.total["high"] < 2 * q1.high


def test_a_fully_sampled_stratum_is_known_exactly() -> None:
    sample = pd.DataFrame(
        {
            "query_id": "q",
            "item_id": ["a", "b"],
            "stratum": "all",
            "stratum_size": 2,
            "inclusion": 1.0,
        }
    )
    labels = pd.DataFrame({"query_id": "q", "item_id": ["a", "b"], "relevance": [1, 0]})
    row = xm.estimate_missing(labels, sample).per_query.iloc[0]
    assert (row.estimate, row.low, row.high, row.remaining) == (1.0, 1.0, 1.0, 0.0)


def test_interval_covers_planted_truth_in_most_seeded_draws() -> None:
    rng = np.random.default_rng(7)
    pairs = grid_pairs(8, 150, seed=7)
    # positives gather at high scores, a few hide low down
    p = np.where(pairs.score > 0.8, 0.5, 0.04)
    truth = pairs.assign(relevance=(rng.random(len(pairs)) < p).astype(int))
    labels = truth.groupby("query_id").head(5)[["query_id", "item_id", "relevance"]]
    unjudged = truth.merge(labels[["query_id", "item_id"]], how="left", indicator=True)
    true_missing = int(unjudged[unjudged._merge == "left_only"].relevance.sum())
    covered, estimates = 0, []
    for seed in range(40):
        sample = xm.sample_unjudged(labels, pairs, per_query=25, seed=seed)
        judged = sample[["query_id", "item_id"]].merge(truth, on=["query_id", "item_id"])
        m = xm.estimate_missing(pd.concat([labels, judged]), sample)
        covered += m.total["low"] <= true_missing <= m.total["high"]
        estimates.append(m.total["estimate"])
    assert covered >= 36  # ≥ 90 % of 40 draws
    assert abs(np.mean(estimates) - true_missing) < 0.1 * true_missing  # unbiased


def test_unjudged_sampled_pairs_and_bad_input() -> None:
    sample = pd.DataFrame(
        {
            "query_id": "q",
            "item_id": ["a", "b"],
            "stratum": "all",
            "stratum_size": 10,
            "inclusion": 0.2,
        }
    )
    labels = pd.DataFrame({"query_id": "q", "item_id": ["a"], "relevance": [1]})
    row = xm.estimate_missing(labels, sample).per_query.iloc[0]
    assert row.sampled == 2 and row.judged_in_sample == 1 and row.estimate == pytest.approx(10.0)
    with pytest.raises(ValueError, match="weights needs 3"):
        xm.sample_unjudged(labels, grid_pairs(1, 5), weights=(1.0,))
    with pytest.raises(ValueError, match="sample is missing column"):
        xm.estimate_missing(labels, sample.drop(columns="stratum_size"))


def test_estimated_recall_divides_by_judged_plus_remaining() -> None:
    labels = pd.DataFrame({"query_id": "q", "item_id": ["a", "b", "c"], "relevance": [1, 1, 0]})
    missing = xm.MissingEstimate(
        per_query=pd.DataFrame(
            {"query_id": ["q"], "remaining": [2.0], "remaining_low": [1.0], "remaining_high": [6.0]}
        ),
        total={},
        level=0.95,
    )
    run = pd.DataFrame({"query_id": "q", "item_id": ["a", "c", "x", "b"], "score": [4, 3, 2, 1]})
    out = xm.estimated_recall(labels, run, missing, depths=[2]).iloc[0]
    assert out.measure == "R@2" and out.judged_value == pytest.approx(0.5)  # a of {a, b}
    assert (out.value, out.low, out.high) == pytest.approx((1 / 4, 1 / 8, 1 / 3))
