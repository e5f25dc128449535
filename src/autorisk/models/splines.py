"""Natural cubic spline basis with knots fixed at fit time."""

from __future__ import annotations

import numpy as np

from autorisk.errors import ParameterError


def spline_knots(values: np.ndarray, df: int, weights: np.ndarray | None = None) -> np.ndarray:
    """Knots of a natural cubic spline with ``df`` basis columns.

    ``df + 1`` knots at (weighted) quantiles of ``values``, the outer two at
    the 2.5% and 97.5% points so a few extreme values do not stretch the fit.
    """
    if df < 1:
        raise ParameterError(f"a natural spline needs df >= 1, got {df}")
    probabilities = np.linspace(0.025, 0.975, df + 1)
    if weights is None:
        knots = np.quantile(values, probabilities)
    else:
        order = np.argsort(values, kind="stable")
        cumulative = np.cumsum(weights[order])
        cumulative /= cumulative[-1]
        knots = values[order][np.searchsorted(cumulative, probabilities).clip(0, len(values) - 1)]
    return np.unique(knots.astype(float))


def natural_spline_basis(values: np.ndarray, knots: np.ndarray) -> np.ndarray:
    """Natural cubic spline basis without the constant (``len(knots) - 1`` columns).

    The truncated-power construction of Hastie, Tibshirani & Friedman (2009),
    eq. 5.4-5.5: ``N_1 = x`` and ``N_{k+1} = d_k - d_{K-1}`` with
    ``d_k = ((x - xi_k)_+^3 - (x - xi_K)_+^3) / (xi_K - xi_k)``. It is linear
    beyond the boundary knots, so extrapolation stays tame. Columns are
    scaled by the knot range to keep the design well conditioned.
    """
    x = np.asarray(values, dtype=float)
    k = len(knots)
    scale = knots[-1] - knots[0] if k > 1 else 1.0
    columns = [x / scale]
    if k > 2:

        def d(j: int) -> np.ndarray:
            return (
                np.clip(x - knots[j], 0, None) ** 3 - np.clip(x - knots[-1], 0, None) ** 3
            ) / (knots[-1] - knots[j])

        last = d(k - 2)
        columns += [(d(j) - last) / scale**2 for j in range(k - 2)]
    return np.column_stack(columns)
