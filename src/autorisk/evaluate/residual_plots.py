"""Residual charts: residuals against fitted values, and their mean by level of a factor.

They take arrays, so they serve any model's residuals; a fitted GLM's
:class:`~autorisk.models.diagnostics.GLMDiagnostics` draws them with its own
residuals. As the other charts of :mod:`autorisk.evaluate.plots`, each draws
on ``ax`` when given, else on a new figure, returns the Axes and never calls
``plt.show()``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from scipy import stats

from autorisk.errors import DataError, DataIssue, ParameterError
from autorisk.evaluate.plots import _axes, _level_ticks

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["plot_residuals", "plot_residuals_by_level", "residual_means"]

#: Equal-count bins of the fitted values over which the running mean of the residuals is drawn.
TREND_BINS = 20


def plot_residuals(
    fitted: np.ndarray | pd.Series,
    residuals: np.ndarray | pd.Series,
    *,
    label: str = "residual",
    log_fitted: bool = True,
    ax: Axes | None = None,
) -> Axes:
    """Residuals against fitted values: one point per row, a zero line and the residuals' mean by bin.

    Under a well-specified model the points scatter evenly around zero at
    every fitted value; a trend in the mean line (drawn over
    :data:`TREND_BINS` equal-count bins of the fitted values) shows a wrong
    link or a missing factor, a funnel a wrong variance function.

    Parameters
    ----------
    fitted : array-like
        Fitted means, ``> 0`` when ``log_fitted``.
    residuals : array-like
        One residual per row (NaN rows are left out).
    label : str, default "residual"
        Name of the residuals on the y axis.
    log_fitted : bool, default True
        Fitted values on a log axis (they are ``exp`` of the linear predictor).
    ax : Axes, optional
        Axes to draw on; default a new figure.

    Returns
    -------
    Axes
        Its first collection holds the points, its first line the bin means.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> ax = plot_residuals(rng.uniform(1, 2, 100), rng.normal(size=100))
    >>> len(ax.collections[0].get_offsets())
    100
    """
    x, r = _paired(fitted, residuals, "fitted")
    if log_fitted and np.any(x <= 0):
        raise DataError(DataIssue.from_mask("fitted", "not positive", "fitted > 0 on a log axis", x <= 0, pd.RangeIndex(len(x)), x))
    ax = _axes(ax)
    ax.scatter(x, r, s=6, alpha=0.35, color="tab:blue", linewidths=0, label="rows")
    if len(x) >= 2 * TREND_BINS:
        bins = pd.qcut(pd.Series(x).rank(method="first"), TREND_BINS, labels=False)
        trend = pd.DataFrame({"x": x, "r": r}).groupby(bins.to_numpy()).mean()
        ax.plot(trend["x"].to_numpy(), trend["r"].to_numpy(), color="black", marker="o", markersize=3, label="mean by bin")
    ax.axhline(0.0, color="0.4", linewidth=1, linestyle="--")
    if log_fitted:
        ax.set_xscale("log")
    ax.set_xlabel("fitted value")
    ax.set_ylabel(label)
    ax.set_title(f"{label} against fitted values")
    ax.legend(loc="best")
    return ax


def residual_means(
    levels: np.ndarray | pd.Series, residuals: np.ndarray | pd.Series, *, level: float = 0.95
) -> pd.DataFrame:
    """Mean residual by level with a normal-theory interval ``mean +- z sd / sqrt(n)``.

    Parameters
    ----------
    levels : array-like
        The level of each row (categorical order is kept; otherwise sorted).
    residuals : array-like
        One residual per row (NaN rows are left out).
    level : float, default 0.95
        Coverage of the interval, in (0, 1).

    Returns
    -------
    DataFrame
        Indexed by level: ``n``, ``mean``, ``sd``, ``lower``, ``upper``
        (the interval is NaN for a level with one row).

    Examples
    --------
    >>> residual_means(["a", "a", "b", "b"], [1.0, 3.0, -1.0, -1.0])[["n", "mean", "sd"]]
       n  mean       sd
    a  2   2.0  1.41421
    b  2  -1.0  0.00000
    """
    if not 0 < level < 1:
        raise ParameterError(f"level must be in (0, 1), got {level!r}")
    values = levels if isinstance(levels, pd.Series) else pd.Series(levels)
    r = np.asarray(residuals, dtype=float)
    if len(r) != len(values):
        raise DataError(DataIssue("residuals", "wrong length", f"{len(values)} values, one per level, got {len(r)}"))
    frame = pd.DataFrame({"level": values.to_numpy(), "r": r}).dropna(subset=["r"])
    grouped = frame.groupby("level", observed=True, sort=True)["r"]
    table = pd.DataFrame({"n": grouped.size(), "mean": grouped.mean(), "sd": grouped.std(ddof=1)})
    half = stats.norm.ppf(0.5 + level / 2) * table["sd"] / np.sqrt(table["n"])
    table["lower"], table["upper"] = table["mean"] - half, table["mean"] + half
    table.index.name = None
    return table


def plot_residuals_by_level(
    levels: np.ndarray | pd.Series,
    residuals: np.ndarray | pd.Series,
    *,
    name: str = "factor",
    label: str = "residual",
    level: float = 0.95,
    ax: Axes | None = None,
) -> Axes:
    """Mean residual and its interval per level of a factor (:func:`residual_means`), with a zero line.

    A level whose interval misses zero is fitted systematically too high or
    too low: a factor missing from the model, or levels grouped that differ.

    Parameters
    ----------
    levels : array-like
        The level of each row (band a numeric factor first).
    residuals : array-like
        One residual per row.
    name : str, default "factor"
        The factor's name on the x axis.
    label : str, default "residual"
        Name of the residuals on the y axis.
    level : float, default 0.95
        Coverage of the intervals.
    ax : Axes, optional
        Axes to draw on; default a new figure.

    Returns
    -------
    Axes
        One error-bar point per level (``ax.lines[0]`` holds the means).

    Examples
    --------
    >>> ax = plot_residuals_by_level(["a", "a", "b", "b", "c"], [1.0, 0.0, -1.0, 0.5, 0.2], name="area")
    >>> len(ax.lines[0].get_xdata()), [tick.get_text() for tick in ax.get_xticklabels()]
    (3, ['a', 'b', 'c'])
    """
    table = residual_means(levels, residuals, level=level)
    x = np.arange(len(table))
    ax = _axes(ax)
    error = np.vstack([table["mean"] - table["lower"], table["upper"] - table["mean"]]).clip(min=0)
    ax.errorbar(x, table["mean"].to_numpy(), yerr=np.nan_to_num(error), fmt="o", color="black", capsize=3,
                label=f"mean, {level:.0%} interval")  # fmt: skip
    ax.axhline(0.0, color="0.4", linewidth=1, linestyle="--")
    _level_ticks(ax, x, table.index)
    ax.set_xlabel(name)
    ax.set_ylabel(f"mean {label}")
    ax.set_title(f"{label} by {name}")
    return ax


def _paired(x, r, name: str) -> tuple[np.ndarray, np.ndarray]:
    x, r = np.asarray(x, dtype=float), np.asarray(r, dtype=float)
    if x.shape != r.shape or x.ndim != 1:
        raise DataError(DataIssue("residuals", "wrong shape", f"one residual per {name} value ({x.shape}), got {r.shape}"))
    keep = np.isfinite(r)
    return x[keep], r[keep]
