"""exact_knn: equals a brute-force argsort, bounded memory, deterministic ties, clear errors."""

from __future__ import annotations

import sys
import tracemalloc

import numpy as np
import pytest

from xmwidgets.pools import exact_knn


def _brute(queries: np.ndarray, items: np.ndarray, k: int, metric: str) -> tuple:
    queries, items = queries.astype(np.float64), items.astype(np.float64)
    if metric == "cosine":
        queries = queries / np.linalg.norm(queries, axis=1, keepdims=True)
        items = items / np.linalg.norm(items, axis=1, keepdims=True)
    scores = queries @ items.T
    order = np.argsort(-scores, axis=1, kind="stable")[:, :k]
    return order, np.take_along_axis(scores, order, axis=1)


@pytest.mark.parametrize("metric", ["cosine", "dot"])
@pytest.mark.parametrize("chunk_size", [1, 3, None])
def test_equals_brute_force_argsort(metric: str, chunk_size: int | None) -> None:
    rng = np.random.default_rng(7)
    queries = rng.standard_normal((11, 16)).astype(np.float32)
    items = rng.standard_normal((300, 16)).astype(np.float32) * rng.uniform(0.5, 2, (300, 1))
    indices, scores = exact_knn(queries, items, 25, metric=metric, chunk_size=chunk_size)
    expected, expected_scores = _brute(queries, items, 25, metric)
    assert indices.dtype == np.int64 and scores.dtype == np.float32
    assert indices.shape == (11, 25)
    np.testing.assert_array_equal(indices, expected)
    np.testing.assert_allclose(scores, expected_scores, rtol=1e-5, atol=1e-5)


def test_dot_and_cosine_differ_when_norms_differ() -> None:
    items = np.array([[1.0, 0.0], [10.0, 10.0]], dtype=np.float32)
    query = np.array([[1.0, 0.0]], dtype=np.float32)
    assert exact_knn(query, items, 1, metric="cosine")[0][0, 0] == 0
    assert exact_knn(query, items, 1, metric="dot")[0][0, 0] == 1


def test_ties_are_ordered_by_item_index() -> None:
    items = np.tile(np.array([[1.0, 0.0]], dtype=np.float32), (50, 1))
    items[[3, 17]] = [0.0, 1.0]
    indices, _ = exact_knn(np.array([[1.0, 0.0]]), items, 5)
    assert indices[0].tolist() == [0, 1, 2, 4, 5]
    indices, _ = exact_knn(np.array([[0.0, 1.0]]), items, 3)
    assert indices[0].tolist() == [3, 17, 0]


def test_k_larger_than_corpus_is_capped() -> None:
    indices, _ = exact_knn(np.eye(3), np.eye(3), 10)
    assert indices.shape == (3, 3)
    assert indices[:, 0].tolist() == [0, 1, 2]


def test_zero_vector_scores_zero_under_cosine() -> None:
    items = np.array([[0.0, 0.0], [1.0, 0.0]], dtype=np.float32)
    indices, scores = exact_knn(np.array([[-1.0, 0.0]]), items, 2)
    assert indices[0].tolist() == [0, 1]
    assert scores[0].tolist() == [0.0, -1.0]


def test_peak_memory_stays_below_one_and_a_half_item_matrices() -> None:
    rng = np.random.default_rng(0)
    items = rng.standard_normal((40_000, 128), dtype=np.float32)  # 20 MB
    queries = rng.standard_normal((500, 128), dtype=np.float32)
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        exact_knn(queries, items, 50)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak <= 1.5 * items.nbytes, f"peak {peak / items.nbytes:.2f}x the item matrix"


def test_faiss_backend_matches_numpy() -> None:
    pytest.importorskip("faiss")
    rng = np.random.default_rng(3)
    queries = rng.standard_normal((20, 32)).astype(np.float32)
    items = rng.standard_normal((500, 32)).astype(np.float32)
    for metric in ("cosine", "dot"):
        ours = exact_knn(queries, items, 10, metric=metric)
        theirs = exact_knn(queries, items, 10, metric=metric, backend="faiss")
        np.testing.assert_array_equal(ours[0], theirs[0])
        np.testing.assert_allclose(ours[1], theirs[1], rtol=1e-4, atol=1e-4)


def test_missing_faiss_says_how_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "faiss", None)
    with pytest.raises(ImportError, match=r'pip install "xmwidgets\[faiss\]"'):
        exact_knn(np.eye(2), np.eye(2), 1, backend="faiss")


def test_bad_inputs_are_named() -> None:
    with pytest.raises(ValueError, match="dimension 3 but item vectors have dimension 2"):
        exact_knn(np.ones((1, 3)), np.ones((4, 2)), 1)
    items = np.ones((4, 2))
    items[2, 1] = np.nan
    with pytest.raises(ValueError, match="item vectors row 2 contains NaN"):
        exact_knn(np.ones((1, 2)), items, 1)
    with pytest.raises(ValueError, match="unknown metric 'l2'"):
        exact_knn(np.ones((1, 2)), np.ones((4, 2)), 1, metric="l2")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="2-d array"):
        exact_knn(np.ones(2), np.ones((4, 2)), 1)
    with pytest.raises(ValueError, match="k must be at least 1"):
        exact_knn(np.ones((1, 2)), np.ones((4, 2)), 0)


@pytest.mark.parametrize("k", [1, 7, 50, 400])
def test_skewed_and_tied_scores_still_give_the_exact_top_k(k: int) -> None:
    # scores rise with the item index, so the cheap lower bound (smallest block maximum) is far
    # below the k-th best and the fallback partition has to do the work
    rising = np.stack([np.arange(2000, dtype=np.float32), np.zeros(2000, np.float32)], axis=1)
    # many exact ties: only 5 distinct scores
    tied = np.stack([np.arange(2000) % 5, np.zeros(2000)], axis=1).astype(np.float32)
    query = np.array([[1.0, 0.0], [0.5, 0.0]], dtype=np.float32)
    for items in (rising, tied):
        indices, _ = exact_knn(query, items, k, metric="dot", chunk_size=1)
        expected, _ = _brute(query, items, k, "dot")
        np.testing.assert_array_equal(indices, expected)
