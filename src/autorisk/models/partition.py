"""Exact weighted 1-D k-means: the optimal partition of sorted values into contiguous groups."""

from __future__ import annotations

from typing import Any

import numpy as np

from autorisk.errors import DataError, ParameterError


def optimal_partition(values: Any, weights: Any, n_groups: int) -> np.ndarray:
    """Group labels minimising the weighted within-group sum of squares (exact 1-D k-means).

    In one dimension an optimal k-means clustering consists of intervals of
    the sorted values, so dynamic programming over the sorted values (as in
    Jenks natural breaks, here weighted) finds the exact optimum in
    ``O(n_groups * n**2)``.

    Parameters
    ----------
    values : array-like
        The values to group (finite).
    weights : array-like
        A weight per value (finite, > 0), e.g. exposure.
    n_groups : int
        Number of groups, ``1 <= n_groups <= len(values)``.

    Returns
    -------
    ndarray of int
        Group of each value, ``0 .. n_groups - 1`` in increasing order of the
        values (ties in value share a group).

    Raises
    ------
    ParameterError
        ``n_groups`` out of range.
    DataError
        Non-finite values or weights not > 0.

    Examples
    --------
    >>> optimal_partition([0.1, 0.0, 1.0, 1.1, 5.0], [1, 1, 1, 1, 1], 3).tolist()
    [0, 0, 1, 1, 2]
    """
    x = np.asarray(values, dtype=float).ravel()
    w = np.asarray(weights, dtype=float).ravel()
    if x.shape != w.shape:
        raise DataError(f"weights must have one value per value ({x.size}), got {w.size}")
    if not np.all(np.isfinite(x)):
        raise DataError("values must be finite")
    if not np.all(np.isfinite(w)) or np.any(w <= 0):
        raise DataError("weights must be finite and > 0")
    if isinstance(n_groups, bool) or not isinstance(n_groups, (int, np.integer)) or not 1 <= n_groups <= x.size:
        raise ParameterError(f"n_groups must be an integer in [1, {x.size}] (the number of values), got {n_groups!r}")
    # Equal values go together: collapse them first, so no optimum splits a tie.
    distinct, inverse = np.unique(x, return_inverse=True)
    dw = np.bincount(inverse, weights=w)
    n, k = distinct.size, min(int(n_groups), distinct.size)
    s0 = np.concatenate([[0.0], np.cumsum(dw)])
    s1 = np.concatenate([[0.0], np.cumsum(dw * distinct)])
    s2 = np.concatenate([[0.0], np.cumsum(dw * distinct**2)])

    def cost(i: np.ndarray, j: int) -> np.ndarray:  # within SS of distinct[i:j]
        total = s0[j] - s0[i]
        mean_part = (s1[j] - s1[i]) ** 2 / total
        return np.maximum(s2[j] - s2[i] - mean_part, 0.0)

    best = np.full((k + 1, n + 1), np.inf)
    cut = np.zeros((k + 1, n + 1), dtype=np.int64)
    best[0, 0] = 0.0
    for g in range(1, k + 1):
        for j in range(g, n + 1):
            i = np.arange(g - 1, j)
            candidates = best[g - 1, i] + cost(i, j)
            at = int(np.argmin(candidates))
            best[g, j], cut[g, j] = candidates[at], i[at]
    labels = np.empty(n, dtype=np.int64)
    j = n
    for g in range(k, 0, -1):
        i = cut[g, j]
        labels[i:j] = g - 1
        j = i
    return labels[inverse]


__all__ = ["optimal_partition"]
