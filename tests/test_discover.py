"""Continuous active learning (xm.discover): batches, stopping rule, and that it finds positives."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import xmwidgets as xm
from xmwidgets.analysis._discover import batch_size, knee_stop


def planted(n_queries: int = 6, n_items: int = 300, dim: int = 16, seed: int = 0):
    """Queries and items around a few cluster centres; an item is relevant to the queries of its
    cluster. Returns queries, items, vectors and the truth (query_id, item_id, relevance)."""
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((3, dim))
    q_cluster = np.arange(n_queries) % 3
    i_cluster = rng.integers(0, 3, n_items)
    i_cluster[rng.random(n_items) < 0.7] = 3  # 70 % of items belong to no query's cluster
    background = rng.standard_normal((n_items, dim))
    item_vectors = np.where(
        (i_cluster < 3)[:, None], centres[np.minimum(i_cluster, 2)], background
    ) + 0.9 * rng.standard_normal((n_items, dim))
    query_vectors = centres[q_cluster] + 0.9 * rng.standard_normal((n_queries, dim))
    queries = pd.DataFrame({"query_id": [f"q{k}" for k in range(n_queries)]})
    items = pd.DataFrame({"item_id": [f"i{k:03d}" for k in range(n_items)]})
    rel = (q_cluster[:, None] == i_cluster[None, :]).astype(int)
    truth = pd.DataFrame(
        {
            "query_id": np.repeat(queries.query_id, n_items),
            "item_id": np.tile(items.item_id, n_queries),
            "relevance": rel.ravel(),
        }
    )
    return queries, items, (query_vectors, item_vectors), truth


def test_batch_schedule_is_bmi_growth() -> None:
    sizes, judged = [], 0
    for _ in range(12):
        b = batch_size(judged)
        sizes.append(b)
        judged += b
    assert sizes == [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 13]


def test_knee_rule_stops_after_a_dry_run_only() -> None:
    assert knee_stop([1, 1, 1, 0, 1] + [0] * 20) == (True, 5, pytest.approx((4 / 5) / (1 / 20)))
    assert not knee_stop([1, 1, 1, 0, 1] + [0] * 2)[0]  # ratio (4/5)/(1/2) = 1.6
    assert not knee_stop([1, 0, 1, 1, 0, 1, 1, 0, 1, 1, 0, 1])[0]  # still finding
    assert not knee_stop([0] * 19)[0] and knee_stop([0] * 20)[0]  # none relevant: 2 × min_judged
    assert not knee_stop([1, 0, 0, 0, 0], min_judged=10)[0]
    # knee after 4: ratio (4/4)/(2/31) = 15.5 even with a late find
    assert knee_stop([1] * 4 + [0] * 30 + [1]) == (True, 4, pytest.approx(15.5))
    assert knee_stop([1] * 4 + [0] * 30, knee_ratio=40)[0] is False  # ratio 30
    # one hit at rank 1 then nine misses (a first retriever's top 10): ratio 9, but a knee on one
    # relevant item needs 6 · (1 + 1/1) = 12; this stopped demo queries before any proposal
    assert knee_stop([1] + [0] * 9) == (False, 1, pytest.approx(9.0))
    assert knee_stop([1] + [0] * 13)[0]  # ratio 13


def test_first_round_takes_one_pair_per_query_best_by_the_query_vector() -> None:
    queries, items, emb, truth = planted()
    empty = truth.iloc[:0]
    batch = xm.discover(empty, queries, items, emb)
    assert list(batch.columns) == ["query_id", "item_id", "source", "score", "rank", "batch"]
    assert batch.query_id.tolist() == queries.query_id.tolist()
    assert (batch.source == "discover:cal").all() and (batch.batch == 1).all()
    # the query's nearest item by cosine (the synthetic positive dominates an empty model)
    qv, iv = emb
    cos = (qv / np.linalg.norm(qv, axis=1, keepdims=True)) @ (
        iv / np.linalg.norm(iv, axis=1, keepdims=True)
    ).T
    assert batch.item_id.tolist() == items.item_id.to_numpy()[cos.argmax(axis=1)].tolist()


def simulate(queries, items, emb, truth, budget: int, **kwargs) -> tuple[int, pd.DataFrame]:
    """Judge discover's batches with the truth until ``budget`` judgements; return positives."""
    rel = truth.set_index(["query_id", "item_id"])["relevance"]
    labels = truth.iloc[:0][["query_id", "item_id", "relevance"]]
    while len(labels) < budget:
        batch = xm.discover(labels, queries, items, emb, **kwargs)
        if batch.empty:
            break
        judged = batch[["query_id", "item_id"]].copy()
        judged["relevance"] = rel.loc[list(zip(batch.query_id, batch.item_id, strict=True))].values
        assert not judged.merge(labels, on=["query_id", "item_id"]).shape[0]  # never twice
        labels = pd.concat([labels, judged], ignore_index=True)
    return int(labels.relevance.sum()), labels


def test_loop_finds_planted_positives_far_faster_than_random() -> None:
    queries, items, emb, truth = planted()
    positives = int(truth.relevance.sum())
    budget = positives  # as many judgements as there are positives
    found, _ = simulate(queries, items, emb, truth, budget, min_judged=10**6)
    rate = positives / len(truth)  # random sampling finds this share of each judgement
    assert found >= 0.6 * positives > 3 * rate * budget


def test_stopped_queries_get_no_pairs_and_status_says_why() -> None:
    queries, items, emb, truth = planted(n_queries=3)
    # q0: 4 positives early then 30 negatives: the knee rule stops it; q1 untouched
    q0 = truth[truth.query_id == "q0"]
    labels = pd.concat(
        [q0[q0.relevance == 1].head(4), q0[q0.relevance == 0].head(30)], ignore_index=True
    )
    status = xm.discovery_status(labels, queries, items)
    row = status.set_index("query_id").loc["q0"]
    assert row.done and row.judged == 34 and row.relevant == 4 and "knee after 4" in row.reason
    batch = xm.discover(labels, queries, items, emb)
    assert "q0" not in set(batch.query_id) and {"q1", "q2"} <= set(batch.query_id)
    # stop=False: the rule is advice; q0 gets its next batch (34 judged -> 8)
    go_on = xm.discover(labels, queries, items, emb, stop=False)
    assert (go_on[go_on.query_id == "q0"].batch == 8).all() and len(
        go_on[go_on.query_id == "q0"]
    ) == 8


def test_ungraded_rows_are_ignored_and_pairs_restrict_the_proposals() -> None:
    queries, items, emb, _truth = planted(n_queries=2)
    labels = pd.DataFrame(
        {
            "query_id": ["q0", "q0"],
            "item_id": ["i000", "i001"],
            "relevance": pd.array([None, 0], dtype="Int8"),  # i000: broken media, no grade
        }
    )
    status = xm.discovery_status(labels, queries, items).set_index("query_id")
    assert status.loc["q0", "judged"] == 1
    pairs = pd.DataFrame({"query_id": ["q0"] * 3, "item_id": ["i000", "i001", "i002"]})
    batch = xm.discover(labels, queries, items, emb, pairs=pairs)
    # q0 may only get i000 (ungraded) or i002; q1 has no allowed pair
    assert set(batch.item_id) <= {"i000", "i002"} and set(batch.query_id) == {"q0"}
    assert batch.batch.iloc[0] == 2  # one judgement so far -> second batch of two
    assert len(batch) == 2


def test_bad_input_names_the_value() -> None:
    queries, items, emb, truth = planted(n_queries=2)
    with pytest.raises(ValueError, match="'nope'"):
        xm.discover(
            truth.iloc[:0], queries, items, emb,
            pairs=pd.DataFrame({"query_id": ["q0"], "item_id": ["nope"]}),
        )  # fmt: skip
    with pytest.raises(ValueError, match="labels is missing column"):
        xm.discover(truth[["query_id", "item_id"]], queries, items, emb)


def test_the_logistic_fit_reaches_scikit_learns_optimum() -> None:
    """fit_logistic replaces LogisticRegression(C, lbfgs) for speed: same objective, same optimum
    (weighted rows, unpenalised intercept)."""
    from sklearn.linear_model import LogisticRegression

    from xmwidgets.analysis._discover import fit_logistic

    rng = np.random.default_rng(3)
    X = rng.standard_normal((400, 12))
    y = (X[:, 0] + 0.5 * rng.standard_normal(400) > 0.8).astype(float)
    w = np.where(y == 1, 1.0, 0.05)
    for C in (0.1, 1.0, 10.0):
        coef, intercept = fit_logistic(X, y, w, C)
        ref = LogisticRegression(C=C, max_iter=300).fit(X, y, sample_weight=w)
        assert coef == pytest.approx(ref.coef_[0], abs=1e-3)
        assert intercept == pytest.approx(ref.intercept_[0], abs=1e-3)
        order = np.argsort(-(X @ coef + intercept), kind="stable")
        assert (order == np.argsort(-ref.decision_function(X), kind="stable")).mean() > 0.99


def test_models_are_fitted_on_one_blas_thread(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each query's small fit runs on one BLAS thread: a loop left outside the thread limit made
    a 100-query round 5x slower on a shared machine (11 s instead of 2)."""
    from threadpoolctl import threadpool_info

    import xmwidgets.analysis._discover as discover_module

    seen: list[int] = []
    real = discover_module._propose

    def spy(*args, **kwargs):
        seen.extend(p["num_threads"] for p in threadpool_info() if p["user_api"] == "blas")
        return real(*args, **kwargs)

    monkeypatch.setattr(discover_module, "_propose", spy)
    queries, items, emb, truth = planted()
    xm.discover(truth.iloc[:0], queries, items, emb)
    assert seen and set(seen) == {1}


def test_the_first_round_in_a_fresh_process_fits_on_one_blas_thread() -> None:
    """SciPy's OpenBLAS, loaded by the first fit, is under the thread limit too (it escaped the
    limit when loaded inside it: the first round of a session was 20x slower)."""
    import subprocess
    import sys

    script = """
import sys
import numpy as np, pandas as pd
from threadpoolctl import threadpool_info
import xmwidgets as xm
import xmwidgets.analysis._discover as discover_module
assert "scipy.optimize" not in sys.modules, "scipy.optimize already loaded: the test tests nothing"
seen = []
real = discover_module.fit_logistic
def spy(*args, **kwargs):
    out = real(*args, **kwargs)
    seen.extend(p["num_threads"] for p in threadpool_info() if p["user_api"] == "blas")
    return out
discover_module.fit_logistic = spy
rng = np.random.default_rng(0)
queries = pd.DataFrame({"query_id": ["a", "b"]})
items = pd.DataFrame({"item_id": [f"i{k}" for k in range(50)]})
labels = pd.DataFrame({"query_id": [], "item_id": [], "relevance": []})
xm.discover(labels, queries, items, (rng.random((2, 8)), rng.random((50, 8))))
print(sorted(set(seen)))
"""
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=120
    )
    assert out.stdout.strip() == "[1]", out.stdout + out.stderr
