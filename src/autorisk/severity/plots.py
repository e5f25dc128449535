"""Diagnostics of a severity fit: QQ plot and the empirical mean-excess function."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from autorisk.errors import ParameterError
from autorisk.severity.fit import SeverityFit
from autorisk.severity.likelihood import claims_table

__all__ = ["mean_excess", "mean_excess_plot", "qq_plot"]

#: Fewest excesses behind a point of the default mean-excess curve.
MIN_EXCESSES = 10


def mean_excess(amounts: Any, thresholds: Any = None) -> pd.DataFrame:
    """The empirical mean excess ``e(u) = mean(x - u | x > u)`` at each threshold.

    A mean excess rising linearly in ``u`` marks a Pareto-type tail (a GPD
    with shape ``xi > 0`` has ``e(u)`` linear with slope ``xi / (1 - xi)``);
    flat marks an exponential tail, falling a thin one. Where it turns
    linear is a candidate splicing threshold.

    Parameters
    ----------
    amounts : array-like of float
        Claim amounts ``> 0``.
    thresholds : array-like of float, optional
        Thresholds ``u``. By default the sorted amounts, except the top
        :data:`MIN_EXCESSES` (too few excesses above them).

    Returns
    -------
    pandas.DataFrame
        ``threshold``, ``n_excess`` (claims above it), ``mean_excess`` and its
        ``std_err`` (sd of the excesses over ``sqrt(n_excess)``); NaN where no
        claim exceeds the threshold.

    Examples
    --------
    >>> mean_excess([100.0, 200.0, 400.0, 1000.0], [0.0, 150.0, 500.0]).round(1)
       threshold  n_excess  mean_excess  std_err
    0        0.0         4        425.0    201.6
    1      150.0         3        383.3    240.4
    2      500.0         1        500.0      NaN
    """
    x = np.sort(claims_table(amounts).amounts)
    if thresholds is None:
        u = x[: max(x.size - MIN_EXCESSES, 1)]
    else:
        u = np.atleast_1d(np.asarray(thresholds, dtype=float))
        if not np.isfinite(u).all():
            raise ParameterError(f"thresholds must be finite, got {u.tolist()}")
    # Sums over the claims above each threshold, from the sorted amounts' suffix sums.
    above = x.size - np.searchsorted(x, u, side="right")
    suffix = np.concatenate((np.cumsum(x[::-1])[::-1], [0.0]))
    suffix2 = np.concatenate((np.cumsum((x**2)[::-1])[::-1], [0.0]))
    start = x.size - above
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = suffix[start] / above - u
        second = suffix2[start] / above - (suffix[start] / above) ** 2
        sd = np.sqrt(np.maximum(second * above / (above - 1), 0.0))
        std_err = np.where(above > 1, sd / np.sqrt(above), np.nan)
    return pd.DataFrame({"threshold": u, "n_excess": above, "mean_excess": np.where(above > 0, mean, np.nan),
                         "std_err": std_err})  # fmt: skip


def mean_excess_plot(amounts: Any, thresholds: Any = None, *, ax: Any = None) -> Any:
    """Plot the empirical mean excess against the threshold, with a band of two standard errors.

    Parameters
    ----------
    amounts : array-like of float
        Claim amounts ``> 0``.
    thresholds : array-like of float, optional
        As in :func:`mean_excess`.
    ax : matplotlib Axes, optional
        Where to draw; a new figure's axes by default.

    Returns
    -------
    matplotlib Axes

    Examples
    --------
    >>> from scipy import stats
    >>> ax = mean_excess_plot(stats.lomax(3.0, scale=1000.0).rvs(500, random_state=0))
    >>> ax.get_xlabel(), len(ax.lines[0].get_xdata())
    ('threshold', 490)
    """
    import matplotlib.pyplot as plt

    table = mean_excess(amounts, thresholds)
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 4))
    ax.plot(table["threshold"], table["mean_excess"], color="C0", label="mean excess")
    band = table["std_err"].fillna(0.0) * 2
    ax.fill_between(table["threshold"], table["mean_excess"] - band, table["mean_excess"] + band,
                    color="C0", alpha=0.2, label="± 2 standard errors")  # fmt: skip
    ax.set_xlabel("threshold")
    ax.set_ylabel("mean excess over the threshold")
    ax.legend()
    return ax


def qq_plot(fit: SeverityFit, amounts: Any, *, deductible: float = 0.0, ax: Any = None) -> Any:
    """Plot the fitted quantiles against the observed amounts, on log scales.

    Plotting positions ``(i - 0.5) / n`` are the ranks among all ``n``
    claims; censored claims (at a common limit, the largest) take their rank
    but are not drawn. With a deductible the model's quantiles are those of
    the loss given that it exceeds it, ``F^-1(F(d) + p S(d))``; for a GPD fit
    only the amounts above its threshold are used.

    Parameters
    ----------
    fit : SeverityFit
        A fitted severity.
    amounts : array-like of float
        The claim amounts it was fitted to (censored ones at their limit).
    deductible : float, default 0.0
        A deductible common to all the claims.
    ax : matplotlib Axes, optional
        Where to draw; a new figure's axes by default.

    Returns
    -------
    matplotlib Axes
        Points ``(fitted quantile, observed amount)`` and the line ``y = x``.

    Examples
    --------
    >>> from scipy import stats
    >>> amounts = stats.lognorm(1.0, scale=500.0).rvs(400, random_state=0)
    >>> ax = qq_plot(SeverityFit("lognormal").fit(amounts), amounts)
    >>> len(ax.lines[0].get_xdata()), ax.get_xscale()
    (400, 'log')
    """
    import matplotlib.pyplot as plt

    fit._check_fitted()
    x = np.sort(claims_table(amounts).amounts)
    if fit.family_.name == "gpd":
        x = x[x > fit.threshold]
    dist = fit.distribution_
    n = x.size
    p = (np.arange(1, n + 1) - 0.5) / n
    floor = float(dist.cdf(deductible))
    fitted = dist.ppf(floor + p * (1.0 - floor))
    exact = x < np.inf if fit.n_censored_ == 0 else x < x.max()
    if ax is None:
        _, ax = plt.subplots(figsize=(5, 5))
    ax.plot(fitted[exact], x[exact], "o", markersize=3, alpha=0.6, label="claims")
    ends = [min(fitted[exact].min(), x.min()), max(fitted[exact].max(), x[exact].max())]
    ax.plot(ends, ends, color="black", linewidth=1, label="y = x")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel(f"fitted {fit.family_.name} quantile")
    ax.set_ylabel("observed amount")
    ax.legend()
    return ax
