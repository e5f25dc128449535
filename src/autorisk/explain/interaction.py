"""Which pairs of rating factors interact: Friedman's H-statistic on the log-rate scale."""

from __future__ import annotations

from itertools import combinations
from typing import Any

import numpy as np
import pandas as pd

from autorisk.errors import ParameterError
from autorisk.explain._common import (
    check_frame,
    exposure_weights,
    feature_grid,
    grid_codes,
    grid_frame,
    log_rate,
    sample_rows,
)

RANKINGS = ("strength", "h2")
#: Sums of squares (log scale) below this are rounding noise: a flat pair gets H2 = 0, not 0 / 0.
_NOISE = 1e-20


def interaction_strength(
    model: Any,
    X: pd.DataFrame,
    *,
    features: list[str] | None = None,
    exposure: Any = None,
    sample: int | None = 500,
    seed: int = 0,
    grid_points: int = 10,
    rank_by: str = "strength",
) -> pd.DataFrame:
    """Rank pairs of features by how much they interact in a model.

    The estimator is Friedman and Popescu's (2008) H-statistic, computed on
    the log rate ``f = log(model.predict(X))`` (a multiplicative tariff is
    additive there, so H is 0 exactly when a pair could enter a GLM as two
    main effects). With centred partial dependences ``F_j``, ``F_k`` and
    ``F_jk`` evaluated at the rows of a seeded sample (weights ``w``,
    exposure)::

        H2_jk = sum_i w_i (F_jk(i) - F_j(i) - F_k(i))^2 / sum_i w_i F_jk(i)^2

    ``H2`` is the share of the pair's joint effect that is interaction;
    ``strength = sqrt(sum_i w_i (F_jk - F_j - F_k)^2 / sum_i w_i)``, the
    unnormalised H, is its size: the root-mean-square interaction on the log
    scale (0.05 is about a +/-5% relativity). Pairs are ranked by
    ``strength`` by default, as Friedman and Popescu advise for comparing
    pairs: ``H2`` is large for a pair whose joint effect is tiny (a ratio of
    two noise terms), which a GBM's small spurious interactions often are.

    To keep the cost linear in the sample, each feature is discretised: a
    numeric feature to ``grid_points`` exposure quantiles (each sampled row
    takes its nearest grid value), a categorical one to its levels. The
    partial dependences are then computed on the grid over the sample, which
    costs ``sum_j G_j * n + sum_{j<k} G_j * G_k * n`` predictions for ``n``
    sampled rows and grids of ``G_j`` points (about ``p^2 / 2 * G^2 * n``:
    45 pairs x 100 grid cells x 500 rows = 2.25 million predictions for
    10 features; about 2 seconds for 9 rating factors and a LightGBM model
    of 75 trees on one thread). Discretisation keeps the key property: an
    additive pair scores exactly 0 (up to rounding).

    Parameters
    ----------
    model : object
        Anything with ``predict(X, exposure=None)`` returning positive rates.
    X : DataFrame
        Rating factors (rows to sample and to set the grids from).
    features : list of str, optional
        Candidate features; default ``model.features_`` if the model has
        it, else every column of ``X``.
    exposure : array-like, optional
        Exposure per row of ``X``: weights of the grids and sums.
    sample : int or None, default 500
        Rows sampled (uniform, seeded); None uses every row.
    seed : int, default 0
    grid_points : int, default 10
        Grid size of a numeric feature (>= 2).
    rank_by : {"strength", "h2"}, default "strength"
        Column the pairs are sorted by (descending).

    Returns
    -------
    DataFrame
        One row per pair, best first: ``feature_a``, ``feature_b``, ``h2``,
        ``strength``, ``rank`` (1 = strongest).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> class Product:
    ...     def predict(self, X, exposure=None):
    ...         return np.exp(0.2 * X["a"] + 0.3 * X["b"] * X["c"]).to_numpy()
    >>> rng = np.random.default_rng(0)
    >>> X = pd.DataFrame(rng.uniform(-1, 1, size=(200, 3)), columns=["a", "b", "c"])
    >>> ranking = interaction_strength(Product(), X, sample=100)
    >>> ranking[["feature_a", "feature_b"]].iloc[0].tolist()
    ['b', 'c']
    >>> bool(ranking.set_index(["feature_a", "feature_b"]).loc[("a", "b"), "h2"] < 1e-12)
    True
    """
    if rank_by not in RANKINGS:
        raise ParameterError(f"rank_by must be one of {RANKINGS}, got {rank_by!r}")
    if features is None:
        features = list(getattr(model, "features_", None) or X.columns)
    features = list(features)
    if len(features) < 2 or len(set(features)) != len(features):
        raise ParameterError(f"features must hold at least two distinct columns, got {features}")
    X = check_frame(X, features)
    weights = exposure_weights(exposure, X)
    rows, row_weights = sample_rows(X, weights, sample, seed)
    grids = {f: feature_grid(X[f], weights, grid_points) for f in features}
    codes = {f: grid_codes(rows[f], grids[f]) for f in features}
    # Rows whose value is off every grid (a missing level) still serve as background rows,
    # but carry no weight in the H sums.
    on_grid = np.all([c >= 0 for c in codes.values()], axis=0)
    share = np.where(on_grid, row_weights, 0.0)
    share = share / share.sum()
    background = row_weights / row_weights.sum()

    def centred(columns: dict[str, np.ndarray]) -> np.ndarray:
        values = log_rate(model, grid_frame(rows, columns, X)).reshape(-1, len(rows)) @ background
        at_rows = values.reshape([len(v) for v in columns.values()])[tuple(codes[f].clip(0) for f in columns)]
        return at_rows - share @ at_rows

    main = {f: centred({f: grids[f]}) for f in features}
    records = []
    for a, b in combinations(features, 2):
        joint = centred({a: grids[a], b: grids[b]})
        pure = joint - main[a] - main[b]
        numerator = float(share @ pure**2)
        numerator = numerator if numerator > _NOISE else 0.0
        denominator = float(share @ joint**2)
        records.append({
            "feature_a": a,
            "feature_b": b,
            "h2": numerator / denominator if denominator > _NOISE else 0.0,
            "strength": float(np.sqrt(numerator)),
        })
    table = pd.DataFrame(records).sort_values(rank_by, ascending=False, kind="stable", ignore_index=True)
    table["rank"] = np.arange(1, len(table) + 1)
    return table
