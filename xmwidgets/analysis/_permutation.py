"""Paired randomisation (sign-flip) test for per-query differences between two runs."""

from __future__ import annotations

import itertools

import numpy as np

__all__ = ["sign_flip_p"]


def sign_flip_p(diff: np.ndarray, n_permutations: int = 10000, seed: int = 0) -> float:
    """Two-sided p-value of mean(diff) = 0 under random sign flips of the paired differences.

    Exact (all 2**n sign patterns) when that is at most ``n_permutations``; otherwise Monte Carlo
    with ``numpy.random.default_rng(seed)`` and the +1 correction, p = (1 + hits) / (1 + draws), so
    that p is never 0.
    """
    diff = np.asarray(diff, dtype=float)
    n = diff.size
    if n == 0:
        return float("nan")
    observed = abs(diff.mean())
    # a small tolerance so that sign patterns equal to the observed mean count as extreme
    tol = 1e-12 * max(1.0, float(np.abs(diff).max()))
    if n <= 20 and 2**n <= n_permutations:
        signs = np.array(list(itertools.product((1.0, -1.0), repeat=n)))
        return float(np.mean(np.abs(signs @ diff) / n >= observed - tol))
    rng = np.random.default_rng(seed)
    hits = 0
    block = max(1, min(n_permutations, 2_000_000 // max(n, 1)))
    for start in range(0, n_permutations, block):
        size = min(block, n_permutations - start)
        signs = rng.integers(0, 2, size=(size, n), dtype=np.int8) * 2 - 1
        hits += int(np.count_nonzero(np.abs(signs @ diff) / n >= observed - tol))
    return (1 + hits) / (1 + n_permutations)
