"""Vectorised Krippendorff's α from coincidence matrices, for the bootstrap interval.

The point estimate goes through the ``krippendorff`` package; the bootstrap needs α thousands of
times, so it is computed here from per-unit coincidence matrices: a bootstrap sample is a vector of
how often each unit was drawn, and its coincidence matrix is that vector times the stacked per-unit
matrices (one matrix product for a whole block of samples).
"""

from __future__ import annotations

import numpy as np

__all__ = ["alpha_from_coincidences", "bootstrap_alpha", "unit_coincidences"]


def unit_coincidences(counts: np.ndarray) -> np.ndarray:
    """Per-unit coincidence matrices, shape (units, k, k), from units × levels counts (m_u ≥ 2)."""
    counts = counts.astype(float)
    m = counts.sum(axis=1)
    outer = counts[:, :, None] * counts[:, None, :]
    idx = np.arange(counts.shape[1])
    outer[:, idx, idx] -= counts
    return outer / (m - 1)[:, None, None]


def _delta(o: np.ndarray, level: str, values: np.ndarray | None) -> np.ndarray:
    """Squared distance between levels, shape (..., k, k); ``o`` is (..., k, k)."""
    k = o.shape[-1]
    if level == "nominal":
        return np.broadcast_to(1.0 - np.eye(k), o.shape)
    if level == "ordinal":
        n_c = o.sum(axis=-1)
        cum = np.cumsum(n_c, axis=-1)
        # sum of n_g for g between c and k inclusive, minus half of the two end points
        lo = np.minimum.outer(np.arange(k), np.arange(k))
        hi = np.maximum.outer(np.arange(k), np.arange(k))
        between = cum[..., hi] - cum[..., lo] + n_c[..., lo]
        d = between - (n_c[..., :, None] + n_c[..., None, :]) / 2
        return d**2
    assert values is not None
    diff = values[:, None] - values[None, :]
    if level == "interval":
        return np.broadcast_to(diff**2, o.shape)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.nan_to_num((diff / (values[:, None] + values[None, :])) ** 2)
    return np.broadcast_to(ratio, o.shape)


def alpha_from_coincidences(
    o: np.ndarray, level: str = "ordinal", values: np.ndarray | None = None
) -> np.ndarray:
    """α from coincidence matrices ``o`` of shape (..., k, k); NaN where it is undefined."""
    delta = _delta(o, level, values)
    n_c = o.sum(axis=-1)
    n = n_c.sum(axis=-1)
    observed = (o * delta).sum(axis=(-2, -1))
    expected = (n_c[..., :, None] * n_c[..., None, :] * delta).sum(axis=(-2, -1))
    with np.errstate(divide="ignore", invalid="ignore"):
        return 1.0 - (n - 1) * observed / expected


def bootstrap_alpha(
    coincidences: np.ndarray,
    level: str = "ordinal",
    *,
    values: np.ndarray | None = None,
    n_boot: int = 1000,
    seed: int = 0,
    ci_level: float = 0.95,
    block: int = 200,
) -> tuple[float, float]:
    """Percentile interval of α over bootstrap samples of units (drawn with replacement).

    Parameters
    ----------
    coincidences : ndarray (units, k, k)
        From :func:`unit_coincidences`, pairable units only.
    n_boot, seed, ci_level
        Number of samples, seed of ``numpy.random.default_rng``, coverage.
    block : int
        Samples per matrix product, to bound memory on many units.
    """
    if n_boot < 1:
        return (float("nan"), float("nan"))
    n_units, k, _ = coincidences.shape
    flat = coincidences.reshape(n_units, k * k)
    rng = np.random.default_rng(seed)
    alphas = np.empty(n_boot)
    for start in range(0, n_boot, block):
        size = min(block, n_boot - start)
        # how often each unit is drawn in each sample (faster than rng.multinomial on many units)
        picks = rng.integers(0, n_units, size=(size, n_units)) + np.arange(size)[:, None] * n_units
        draws = np.bincount(picks.ravel(), minlength=size * n_units).reshape(size, n_units)
        o = (draws @ flat).reshape(size, k, k)
        alphas[start : start + size] = alpha_from_coincidences(o, level, values)
    alphas = alphas[np.isfinite(alphas)]
    if alphas.size == 0:
        return (float("nan"), float("nan"))
    tail = (1 - ci_level) / 2 * 100
    low, high = np.percentile(alphas, [tail, 100 - tail])
    return (float(low), float(high))
