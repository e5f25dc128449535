"""Exposure-weighted Lorenz (concentration) curve and Gini index of a model's ranking.

Policies are sorted by predicted rate (prediction per unit of exposure)
ascending. The Lorenz curve plots the cumulative share of exposure (x)
against the cumulative share of actual claims or losses (y), from (0, 0) to
(1, 1). A model that ranks risk well puts the policies with few claims
first, so its curve sags below the diagonal; the Gini index is
``1 - 2 * area under the curve`` (trapezoid rule), positive for a useful
ranking, 0 for a constant prediction, negative for a reversed one.

Ties: policies with the same predicted rate (equal up to a relative
``1e-12``, so round-off in ``rate * exposure / exposure`` does not split a
rating cell) form one point of the curve, so the result does not depend on
the row order.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from autorisk.errors import DataError, DataIssue
from autorisk.evaluate._inputs import ArrayLike, Observations, observations

__all__ = ["gini", "lorenz_curve"]

#: Predicted rates closer than this (relative) are one tie group.
TIE_TOLERANCE = 1e-12


def lorenz_curve(
    actual: ArrayLike,
    predicted: ArrayLike,
    exposure: ArrayLike | None = None,
    weights: ArrayLike | None = None,
) -> pd.DataFrame:
    """Points of the exposure-weighted Lorenz curve of ``actual`` ordered by predicted rate.

    Parameters
    ----------
    actual : array-like
        Observed claims per row (count or amount; average claim for a
        severity model, with the claim count as ``weights``), ``>= 0``.
    predicted : array-like
        Prediction per row on the same scale, ``> 0``; rows are ranked by
        ``predicted / exposure``.
    exposure : array-like, optional
        Exposure per row, ``> 0``; default 1.
    weights : array-like, optional
        Prior weights, ``>= 0``; a row counts ``weights * exposure`` on the x
        axis and ``weights * actual`` on the y axis. Default 1.

    Returns
    -------
    DataFrame
        One row per tie group plus the origin, columns ``rate`` (predicted
        rate of the group; NaN at the origin), ``exposure_share`` and
        ``actual_share`` (cumulative, ending at 1).

    Raises
    ------
    DataError
        Bad inputs, or no claims at all (the curve is undefined).

    Examples
    --------
    >>> lorenz_curve([0, 1, 1, 2], [1, 2, 3, 4])
       rate  exposure_share  actual_share
    0   NaN            0.00          0.00
    1   1.0            0.25          0.00
    2   2.0            0.50          0.25
    3   3.0            0.75          0.50
    4   4.0            1.00          1.00
    """
    return _curve(observations(actual, predicted, exposure, weights))


def gini(
    actual: ArrayLike,
    predicted: ArrayLike,
    exposure: ArrayLike | None = None,
    weights: ArrayLike | None = None,
    *,
    normalize: bool = False,
) -> float:
    """Gini index of the exposure-weighted Lorenz curve: ``1 - 2 * area`` under it.

    Parameters
    ----------
    actual, predicted, exposure, weights
        As :func:`lorenz_curve`.
    normalize : bool, default False
        Divide by the Gini of the perfect ranking (by actual rate), so that
        1 means the best ordering the data allow; NaN when every policy has
        the same actual rate.

    Returns
    -------
    float
        In (-1, 1); invariant to rescaling the predictions; changes sign when
        the ranking is reversed; 0 for a constant predicted rate.

    Examples
    --------
    Four policies of one year each, ranked 1 < 2 < 3 < 4 with 0, 1, 1 and 2
    claims: the curve passes through (.25, 0), (.5, .25), (.75, .5), (1, 1),
    its area is ``0.25 * (0 + .125 + .375 + .75) = 0.3125``, so

    >>> gini([0, 1, 1, 2], [1, 2, 3, 4])
    0.375
    """
    obs = observations(actual, predicted, exposure, weights)
    value = area_gini(_curve(obs))
    if not normalize:
        return value
    best = area_gini(_curve(_perfect(obs)))
    return value / best if best > 0 else float("nan")


def area_gini(curve: pd.DataFrame) -> float:
    """``1 - 2 * trapezoid area`` under a curve from :func:`lorenz_curve`."""
    x = curve["exposure_share"].to_numpy()
    y = curve["actual_share"].to_numpy()
    area = np.sum(np.diff(x) * (y[1:] + y[:-1]) / 2)
    return float(1.0 - 2.0 * area)


def tie_groups(key: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sort order of ``key`` and the tie-group number of each sorted row (0, 1, ...)."""
    order = np.argsort(key, kind="stable")
    ordered = key[order]
    new = np.r_[True, np.diff(ordered) > TIE_TOLERANCE * np.abs(ordered[1:])]
    return order, np.cumsum(new) - 1


def _curve(obs: Observations) -> pd.DataFrame:
    total = obs.actual_total.sum()
    if total <= 0:
        raise DataError(DataIssue("actual", "no claims", "a positive total; the Lorenz curve is undefined"))
    order, group = tie_groups(obs.rate)
    size = np.bincount(group, weights=obs.size[order])
    claims = np.bincount(group, weights=obs.actual_total[order])
    rate = np.bincount(group, weights=obs.predicted_total[order]) / size
    # The last point is set to 1 exactly: no round-off drift in the cumulative sums.
    x = np.r_[0.0, np.cumsum(size)[:-1] / size.sum(), 1.0]
    y = np.r_[0.0, np.cumsum(claims)[:-1] / total, 1.0]
    return pd.DataFrame({"rate": np.r_[np.nan, rate], "exposure_share": x, "actual_share": y})


def _perfect(obs: Observations) -> Observations:
    """The same rows with the actual rate as prediction: the best possible ranking."""
    return Observations(obs.actual, obs.actual, obs.exposure, obs.weights, obs.index, obs.kept)
