"""Lift and double-lift tables: actual against predicted by equal-exposure bins.

Rows are sorted by a key (the predicted rate for a lift table, the ratio of
two models' predictions for a double lift) and cut into ``n_bins`` bins of
about equal exposure: a row goes to bin ``floor(n_bins * m)`` (1-based in the
tables), where ``m`` is the exposure share of the rows before it plus half
its own. Rows with the same key (equal up to a relative ``1e-12``) always
share a bin, so bins can be uneven and a bin with no rows is left out.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from autorisk.errors import ParameterError
from autorisk.evaluate._inputs import ArrayLike, observations
from autorisk.evaluate.lorenz import tie_groups

__all__ = ["double_lift", "exposure_bins", "lift_table"]


def exposure_bins(key: ArrayLike, size: ArrayLike, n_bins: int = 10) -> np.ndarray:
    """Bin (0 to ``n_bins - 1``) of each row: equal-``size`` quantile bins of ``key``.

    Parameters
    ----------
    key : array-like
        Sort key per row.
    size : array-like
        Exposure (or weight) per row, ``> 0``.
    n_bins : int, default 10

    Returns
    -------
    ndarray of int
        In the order of the rows given; ties of ``key`` share a bin.

    Examples
    --------
    >>> exposure_bins([5.0, 1.0, 3.0, 2.0], [1.0, 1.0, 1.0, 1.0], n_bins=2)
    array([1, 0, 1, 0])
    """
    n_bins = checked_bins(n_bins)
    key = np.asarray(key, dtype=float)
    size = np.asarray(size, dtype=float)
    order, group = tie_groups(key)
    group_size = np.bincount(group, weights=size[order])
    middle = (np.cumsum(group_size) - group_size / 2) / group_size.sum()
    group_bin = np.minimum((middle * n_bins).astype(int), n_bins - 1)
    bins = np.empty(len(key), dtype=int)
    bins[order] = group_bin[group]
    return bins


def lift_table(
    actual: ArrayLike,
    predicted: ArrayLike,
    exposure: ArrayLike | None = None,
    weights: ArrayLike | None = None,
    *,
    n_bins: int = 10,
) -> pd.DataFrame:
    """Actual against predicted by equal-exposure bins of the predicted rate (deciles by default).

    Parameters
    ----------
    actual : array-like
        Observed value per row on the target scale (count or amount;
        average claim for a severity model with claim-count ``weights``).
    predicted : array-like
        Prediction per row on the same scale, ``> 0``.
    exposure : array-like, optional
        Exposure per row, ``> 0``; default 1. Rows are binned by
        ``predicted / exposure``.
    weights : array-like, optional
        Prior weights, ``>= 0``; rows of weight 0 are ignored.
    n_bins : int, default 10

    Returns
    -------
    DataFrame
        Indexed by ``bin`` (1 = lowest predicted rate), columns
        ``rate_lower`` and ``rate_upper`` (range of predicted rates in the
        bin), ``exposure``, ``actual`` and ``predicted`` (weighted totals),
        ``actual_rate`` and ``predicted_rate`` (per unit of exposure) and
        ``ae`` (actual / predicted). The totals over bins are the book's totals.

    Examples
    --------
    >>> table = lift_table([0, 0, 1, 0, 2, 3], [0.1, 0.2, 0.4, 0.5, 1.0, 1.5], n_bins=3)
    >>> table[["exposure", "actual", "predicted", "ae"]]
         exposure  actual  predicted   ae
    bin
    1         2.0     0.0        0.3  0.0
    2         2.0     1.0        0.9  1.111111
    3         2.0     5.0        2.5  2.0
    """
    obs = observations(actual, predicted, exposure, weights)
    rate = obs.rate
    bins = exposure_bins(rate, obs.size, n_bins) + 1
    frame = pd.DataFrame(
        {
            "bin": bins,
            "rate_lower": rate,
            "rate_upper": rate,
            "exposure": obs.size,
            "actual": obs.actual_total,
            "predicted": obs.predicted_total,
        }
    )
    table = frame.groupby("bin").agg(
        rate_lower=("rate_lower", "min"),
        rate_upper=("rate_upper", "max"),
        exposure=("exposure", "sum"),
        actual=("actual", "sum"),
        predicted=("predicted", "sum"),
    )
    table["actual_rate"] = table["actual"] / table["exposure"]
    table["predicted_rate"] = table["predicted"] / table["exposure"]
    table["ae"] = table["actual"] / table["predicted"]
    return table


def double_lift(
    actual: ArrayLike,
    pred_a: ArrayLike,
    pred_b: ArrayLike,
    exposure: ArrayLike | None = None,
    weights: ArrayLike | None = None,
    *,
    n_bins: int = 10,
    rebase: bool = True,
) -> pd.DataFrame:
    """Double lift of model A against model B: bins of the ratio ``pred_a / pred_b``.

    In the low bins A predicts less than B, in the high bins more; the model
    whose predicted rate follows the actual rate across bins ranks the
    disputed policies better.

    Parameters
    ----------
    actual, exposure, weights : array-like
        As :func:`lift_table`.
    pred_a, pred_b : array-like
        The two models' predictions on the same scale, ``> 0``.
    n_bins : int, default 10
    rebase : bool, default True
        Scale each model's predictions so their total equals the actual
        total, so the chart compares rankings rather than overall levels.
        The ratio (and so the bins) is unchanged up to a constant.

    Returns
    -------
    DataFrame
        Indexed by ``bin`` (1 = lowest ratio A/B), columns ``ratio_lower``,
        ``ratio_upper``, ``exposure``, ``actual``, ``predicted_a``,
        ``predicted_b`` (weighted totals, rebased if asked), ``actual_rate``,
        ``rate_a``, ``rate_b`` (per unit of exposure), ``ae_a`` and ``ae_b``
        (actual / predicted).

    Examples
    --------
    >>> table = double_lift([0, 1, 0, 2], [0.5, 1.0, 0.5, 1.5], [1.0, 0.5, 0.5, 1.0], n_bins=2)
    >>> table[["ratio_lower", "ratio_upper", "actual", "predicted_a", "predicted_b"]]
         ratio_lower  ratio_upper  actual  predicted_a  predicted_b
    bin
    1            0.5          1.0     0.0     0.857143          1.5
    2            1.5          2.0     3.0     2.142857          1.5
    """
    obs_a = observations(actual, pred_a, exposure, weights, labels={"predicted": "pred_a"})
    obs_b = observations(actual, pred_b, exposure, weights, labels={"predicted": "pred_b"})
    total = obs_a.actual_total.sum()
    scale_a = total / obs_a.predicted_total.sum() if rebase else 1.0
    scale_b = total / obs_b.predicted_total.sum() if rebase else 1.0
    ratio = obs_a.predicted / obs_b.predicted
    frame = pd.DataFrame(
        {
            "bin": exposure_bins(ratio, obs_a.size, n_bins) + 1,
            "ratio": ratio,
            "exposure": obs_a.size,
            "actual": obs_a.actual_total,
            "predicted_a": obs_a.predicted_total * scale_a,
            "predicted_b": obs_b.predicted_total * scale_b,
        }
    )
    table = frame.groupby("bin").agg(
        ratio_lower=("ratio", "min"),
        ratio_upper=("ratio", "max"),
        exposure=("exposure", "sum"),
        actual=("actual", "sum"),
        predicted_a=("predicted_a", "sum"),
        predicted_b=("predicted_b", "sum"),
    )
    table["actual_rate"] = table["actual"] / table["exposure"]
    table["rate_a"] = table["predicted_a"] / table["exposure"]
    table["rate_b"] = table["predicted_b"] / table["exposure"]
    table["ae_a"] = table["actual"] / table["predicted_a"]
    table["ae_b"] = table["actual"] / table["predicted_b"]
    return table


def checked_bins(n_bins: int) -> int:
    """``n_bins`` as an int, or a ParameterError unless it is a positive integer."""
    if isinstance(n_bins, bool) or not isinstance(n_bins, (int, np.integer)) or n_bins < 1:
        raise ParameterError(f"n_bins must be a positive integer, got {n_bins!r}")
    return int(n_bins)
