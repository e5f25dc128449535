"""Bands for numeric rating factors: cut points chosen by hand or from the data.

A band set is a sorted array of inner cut points ``c_1 < ... < c_k``; the
bands are ``< c_1``, ``[c_1, c_2)``, ..., ``>= c_k``, so every real value
falls in exactly one band.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from sklearn.tree import DecisionTreeRegressor

from autorisk.errors import ParameterError

BAND_METHODS = ("quantile", "exposure", "tree")


def cut_points(
    values: np.ndarray,
    method: str | Sequence[float],
    n_bands: int = 5,
    *,
    exposure: np.ndarray | None = None,
    response: np.ndarray | None = None,
    min_share: float = 0.05,
) -> np.ndarray:
    """Inner cut points for a numeric factor.

    Parameters
    ----------
    values : ndarray
        The factor's values in the training data.
    method : {"quantile", "exposure", "tree"} or sequence of float
        ``"quantile"``: equal numbers of rows; ``"exposure"``: equal exposure;
        ``"tree"``: the splits of an exposure-weighted regression tree on the
        response rate (``response / exposure``), which puts cut points where
        the risk changes. A sequence is taken as the cut points themselves.
    n_bands : int, default 5
        Target number of bands for the automatic methods (ties may give fewer).
    exposure, response : ndarray, optional
        Exposure weights (``"exposure"``, ``"tree"``) and the response
        (``"tree"``).
    min_share : float, default 0.05
        Smallest share of exposure in a tree leaf.

    Examples
    --------
    >>> import numpy as np
    >>> cut_points(np.arange(100.0), "quantile", 4).tolist()
    [25.0, 50.0, 75.0]
    """
    values = np.asarray(values, dtype=float)
    if not isinstance(method, str):
        points = np.asarray(method, dtype=float)
        if points.ndim != 1 or np.any(np.diff(points) <= 0) or not np.isfinite(points).all():
            raise ParameterError(f"band cut points must be finite and strictly increasing, got {list(method)}")
        return points
    if method not in BAND_METHODS:
        raise ParameterError(f"band method must be one of {BAND_METHODS} or a list of cut points, got {method!r}")
    if n_bands < 2:
        raise ParameterError(f"n_bands must be >= 2, got {n_bands}")
    weights = np.ones_like(values) if exposure is None else np.asarray(exposure, dtype=float)
    if method == "tree":
        if response is None:
            raise ParameterError("tree banding needs the response")
        rate = np.divide(response, weights, out=np.zeros_like(values), where=weights > 0)
        tree = DecisionTreeRegressor(
            max_leaf_nodes=n_bands, min_weight_fraction_leaf=min_share, random_state=0
        ).fit(values[:, None], rate, sample_weight=weights)
        inner = tree.tree_.threshold[tree.tree_.feature >= 0]
        # A tree splits at midpoints; snap to the next observed value so bands read naturally.
        observed = np.unique(values)
        inner = observed[np.searchsorted(observed, inner, side="right").clip(0, len(observed) - 1)]
    else:
        if method == "quantile":
            weights = np.ones_like(values)
        order = np.argsort(values, kind="stable")
        cumulative = np.cumsum(weights[order])
        targets = cumulative[-1] * np.arange(1, n_bands) / n_bands
        inner = values[order][np.searchsorted(cumulative, targets, side="right").clip(0, len(values) - 1)]
    inner = np.unique(inner)
    return inner[inner > values.min()]


def band_labels(points: np.ndarray) -> list[str]:
    """Readable labels of the bands defined by inner cut points."""
    text = [f"{p:g}" for p in points]
    if not text:
        return ["all"]
    return [f"<{text[0]}", *(f"[{a}, {b})" for a, b in zip(text[:-1], text[1:], strict=True)), f">={text[-1]}"]


def assign_bands(values: np.ndarray, points: np.ndarray) -> pd.Categorical:
    """Band of each value as a categorical with :func:`band_labels` as categories."""
    codes = np.searchsorted(points, np.asarray(values, dtype=float), side="right")
    return pd.Categorical.from_codes(codes, categories=band_labels(points))
