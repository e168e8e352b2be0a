"""Exact nearest neighbours: chunked numpy (default) or faiss ``IndexFlatIP`` (optional extra).

Exact on purpose: approximate indexes (HNSW, IVF) miss precisely the close neighbours a pool exists
to catch, and at 100k x 512 float32 exact search answers 1,000 queries in about a second
(EVALUATION.md).
"""

from __future__ import annotations

from typing import Literal

import numpy as np

__all__ = ["as_matrix", "exact_knn"]

Metric = Literal["cosine", "dot"]

# extra memory the numpy backend may use for one chunk of scores, as a fraction of the item matrix
# (float32 bytes); with the row norms and the outputs the peak stays below 1.5x the item matrix
_CHUNK_BUDGET = 0.5
# but never fewer than this many bytes, so that tiny corpora are not scored one query at a time
_MIN_CHUNK_BYTES = 8 * 2**20
# rows normalised and added to a faiss index at a time
_FAISS_ADD_ROWS = 65_536


def as_matrix(vectors: object, what: str, ids: object = None) -> np.ndarray:
    """Return ``vectors`` as a 2-d float32 C-contiguous array, rejecting NaN / inf rows by name.

    ``ids`` (optional, aligned to the rows) is used to name the offending row in the error.
    """
    try:
        matrix = np.asarray(vectors)
    except ValueError as exc:  # ragged lists of vectors
        raise ValueError(f"{what}: vectors must all have the same length ({exc})") from None
    if matrix.dtype == object:
        try:
            matrix = np.stack([np.asarray(v, dtype=np.float32) for v in matrix])
        except ValueError as exc:
            raise ValueError(f"{what}: vectors must all have the same length ({exc})") from None
    if matrix.ndim != 2:
        raise ValueError(f"{what} must be a 2-d array (one row per id), got shape {matrix.shape}")
    if not np.issubdtype(matrix.dtype, np.number) or np.issubdtype(
        matrix.dtype, np.complexfloating
    ):
        raise ValueError(f"{what} must hold real numbers, got dtype {matrix.dtype}")
    matrix = np.ascontiguousarray(matrix, dtype=np.float32)
    # a row with NaN or inf has a non-finite squared norm; this avoids a full-size boolean temporary
    squares = np.einsum("ij,ij->i", matrix, matrix)
    bad = np.flatnonzero(~np.isfinite(squares))
    if bad.size:
        row = int(bad[0])
        name = f" (id {np.asarray(ids)[row]!r})" if ids is not None else ""
        raise ValueError(
            f"{what} row {row}{name} contains NaN or infinite values "
            f"({bad.size} such rows in all); "
            "drop those ids or fix their embeddings"
        )
    return matrix


def _row_norms(matrix: np.ndarray) -> np.ndarray:
    norms = np.sqrt(np.einsum("ij,ij->i", matrix, matrix))
    # a zero vector has no direction: score it 0 against everything instead of dividing by zero
    norms[norms == 0] = 1.0
    return norms.astype(np.float32, copy=False)


def _top_k_block(block: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Top-k of each row of ``block``, best first, ties broken by the lower item index.

    Exact, in three steps per row: a lower bound of the k-th best score, the items at or above it,
    then a sort of only those. The bound is the smallest of the maxima of k disjoint column blocks
    (k distinct scores are all at least that large, so the k-th best is too); it comes from one
    vectorised pass over the chunk and typically leaves a few hundred candidates out of 100k, which
    is ~10x cheaper than partitioning every row.
    """
    n_rows, n = block.shape
    indices = np.empty((n_rows, k), dtype=np.int64)
    scores = np.empty((n_rows, k), dtype=np.float32)
    width = n // k
    if width >= 4:
        bound = block[:, : k * width].reshape(n_rows, k, width).max(axis=2).min(axis=1)
    else:  # too few items per block for the bound to help: take every item as a candidate
        bound = np.full(n_rows, -np.inf, dtype=np.float32)
    for row in range(n_rows):
        values = block[row]
        candidates = np.flatnonzero(values >= bound[row])
        if candidates.size > 4 * k + 256:
            # a skewed row left many candidates: partition them to the exact k-th best score
            found = values[candidates]
            kth = np.partition(found, found.size - k)[found.size - k]
            candidates = candidates[found >= kth]
        order = np.lexsort((candidates, -values[candidates]))[:k]
        indices[row] = candidates[order]
        scores[row] = values[indices[row]]
    return indices, scores


def _knn_numpy(
    queries: np.ndarray, items: np.ndarray, k: int, metric: Metric, chunk_size: int | None
) -> tuple[np.ndarray, np.ndarray]:
    n_queries, n_items = queries.shape[0], items.shape[0]
    if chunk_size is None:
        budget = max(_CHUNK_BUDGET * items.nbytes, _MIN_CHUNK_BYTES)
        chunk_size = max(1, int(budget // (4 * max(n_items, 1))))
    chunk_size = max(1, min(int(chunk_size), max(n_queries, 1)))
    indices = np.empty((n_queries, k), dtype=np.int64)
    scores = np.empty((n_queries, k), dtype=np.float32)
    # cosine = dot of unit vectors; dividing the score columns by the item norms avoids a normalised
    # copy of the whole item matrix (which alone would cost 1x its memory)
    item_norms = _row_norms(items) if metric == "cosine" else None
    for start in range(0, n_queries, chunk_size):
        chunk = queries[start : start + chunk_size]
        if metric == "cosine":
            chunk = chunk / _row_norms(chunk)[:, None]
        block = chunk @ items.T
        if item_norms is not None:
            block /= item_norms
        indices[start : start + len(block)], scores[start : start + len(block)] = _top_k_block(
            block, k
        )
        del block
    return indices, scores


def _knn_faiss(
    queries: np.ndarray, items: np.ndarray, k: int, metric: Metric
) -> tuple[np.ndarray, np.ndarray]:
    try:
        import faiss
    except ImportError:
        raise ImportError(
            'backend="faiss" needs the faiss package: pip install "xmwidgets[faiss]" '
            '(or use backend="numpy", which is exact too)'
        ) from None
    index = faiss.IndexFlatIP(items.shape[1])
    if metric == "cosine":
        queries = queries.copy()
        faiss.normalize_L2(queries)
        # the index keeps its own copy of the vectors: normalise slice by slice so that no second
        # full-size normalised copy exists next to it
        for start in range(0, items.shape[0], _FAISS_ADD_ROWS):
            part = items[start : start + _FAISS_ADD_ROWS].copy()
            faiss.normalize_L2(part)
            index.add(part)
    else:
        index.add(items)
    scores, indices = index.search(queries, k)
    return indices.astype(np.int64, copy=False), scores.astype(np.float32, copy=False)


def exact_knn(
    query_vecs: object,
    item_vecs: object,
    k: int,
    metric: Metric = "cosine",
    chunk_size: int | None = None,
    backend: Literal["numpy", "faiss"] = "numpy",
) -> tuple[np.ndarray, np.ndarray]:
    """Exact k nearest items for every query, by cosine similarity or dot product.

    The numpy backend scores a chunk of queries against all items at once (one float32 matrix
    product), then keeps the top k of each row: a cheap lower bound of the k-th best score (the
    smallest of k block maxima) selects a few candidates, and only those are sorted. Chunks are sized so that the extra
    memory stays below half the item matrix (at least 8 MB), so the peak stays below 1.5x the item
    matrix beyond the inputs (about 0.5x measured). Ties are ordered by item index, lowest first.

    Parameters
    ----------
    query_vecs, item_vecs
        Arrays of shape ``(n_queries, d)`` and ``(n_items, d)``; converted to float32.
    k
        Neighbours per query; capped at the number of items.
    metric
        ``"cosine"`` (vectors are normalised; zero vectors score 0) or ``"dot"`` (inner product).
    chunk_size
        Queries scored per matrix product; default from the memory budget above.
    backend
        ``"numpy"`` (default) or ``"faiss"`` (``IndexFlatIP``, also exact; needs
        ``pip install "xmwidgets[faiss]"``; its tie order is faiss's).

    Returns
    -------
    indices : numpy.ndarray of int64, shape ``(n_queries, k)``
        Row positions in ``item_vecs``, best first.
    scores : numpy.ndarray of float32, shape ``(n_queries, k)``
        The similarity of each neighbour.

    Examples
    --------
    >>> import numpy as np
    >>> items = np.eye(3, dtype=np.float32)
    >>> idx, sim = exact_knn(np.array([[0.1, 1.0, 0.0]]), items, k=2)
    >>> idx.tolist()
    [[1, 0]]
    """
    if metric not in ("cosine", "dot"):
        raise ValueError(f'unknown metric {metric!r}: use "cosine" or "dot"')
    if backend not in ("numpy", "faiss"):
        raise ValueError(f'unknown backend {backend!r}: use "numpy" or "faiss"')
    queries = as_matrix(query_vecs, "query vectors")
    items = as_matrix(item_vecs, "item vectors")
    if queries.shape[1] != items.shape[1]:
        raise ValueError(
            f"query vectors have dimension {queries.shape[1]} but item vectors have dimension "
            f"{items.shape[1]}: embed queries and items into the same space"
        )
    k = int(k)
    if k < 1:
        raise ValueError(f"k must be at least 1, got {k}")
    k = min(k, items.shape[0])
    if k == 0 or queries.shape[0] == 0:
        return (
            np.empty((queries.shape[0], 0), dtype=np.int64),
            np.empty((queries.shape[0], 0), dtype=np.float32),
        )
    if backend == "faiss":
        return _knn_faiss(queries, items, k, metric)
    return _knn_numpy(queries, items, k, metric, chunk_size)
