"""Partial dependence: a model's average rate as one feature moves over its grid."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from autorisk.explain._common import (
    check_frame,
    exposure_weights,
    feature_grid,
    grid_codes,
    grid_frame,
    log_rate,
    sample_rows,
)


def partial_dependence(
    model: Any,
    X: pd.DataFrame,
    feature: str,
    *,
    grid: Any = None,
    n_points: int = 20,
    exposure: Any = None,
    sample: int | None = 2000,
    seed: int = 0,
) -> pd.DataFrame:
    """Partial dependence of a frequency model's rate on one feature.

    For each grid value ``g`` the feature is set to ``g`` on every row of a
    seeded sample of ``X`` and the model's rates are averaged, weighted by
    exposure: ``rate(g) = sum_i e_i * predict(x_i with feature = g) / sum_i e_i``.
    Only ``model.predict(X)`` (rate per unit of exposure) is used.

    Parameters
    ----------
    model : object
        Anything with ``predict(X, exposure=None)`` returning positive rates.
    X : DataFrame
        Rating factors, as the model was fitted on.
    feature : str
        Column of ``X`` to vary.
    grid : sequence, optional
        Values to evaluate. Default: the levels present (categorical, string
        or bool columns) or the observed values at ``n_points`` exposure
        quantiles (numeric columns; all distinct values if there are fewer).
    n_points : int, default 20
        Grid size for a numeric feature (>= 2).
    exposure : array-like, optional
        Exposure per row of ``X``: weights of the averages and of the grid
        points' shares. Default: every row weighs 1.
    sample : int or None, default 2000
        Rows averaged over (uniform, seeded); None uses every row. The cost
        is ``len(grid) * sample`` predictions.
    seed : int, default 0
        Seed of the sample.

    Returns
    -------
    DataFrame
        One row per grid value: ``feature``, ``value``, ``exposure`` (of the
        rows of ``X`` nearest that grid value, or at that level), ``rate``
        and ``relativity`` (``rate`` over its exposure-weighted mean across
        the grid, so the portfolio averages 1).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> class Doubling:
    ...     def predict(self, X, exposure=None):
    ...         return 0.1 * 2.0 ** X["x"].to_numpy()
    >>> X = pd.DataFrame({"x": [0.0, 1.0, 1.0, 2.0]})
    >>> pd_x = partial_dependence(Doubling(), X, "x")
    >>> pd_x[["value", "exposure", "rate"]]
       value  exposure  rate
    0    0.0       1.0   0.1
    1    1.0       2.0   0.2
    2    2.0       1.0   0.4
    >>> round(float(pd_x["relativity"].iloc[2] / pd_x["relativity"].iloc[0]), 6)
    4.0
    """
    X = check_frame(X, [feature])
    weights = exposure_weights(exposure, X)
    values = feature_grid(X[feature], weights, n_points, grid)
    rows, row_weights = sample_rows(X, weights, sample, seed)
    frame = grid_frame(rows, {feature: values}, X)
    rate = np.exp(log_rate(model, frame)).reshape(len(values), len(rows)) @ row_weights / row_weights.sum()
    codes = grid_codes(X[feature], values)
    share = np.bincount(codes[codes >= 0], weights=weights[codes >= 0], minlength=len(values))
    mean = np.average(rate, weights=share) if share.sum() > 0 else rate.mean()
    return pd.DataFrame(
        {
            "feature": feature,
            "value": values.tolist() if values.dtype == object else values,
            "exposure": share,
            "rate": rate,
            "relativity": rate / mean,
        }
    )
