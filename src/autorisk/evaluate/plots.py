"""Pricing charts: one-way actual vs expected, lift, double lift, Lorenz, relativities, a penalty path.

Every function draws on ``ax`` when given, else on a new figure, and
returns the matplotlib Axes (the main one when a secondary axis holds
exposure bars; the bars' axis is ``ax.figure.axes[-1]``). Nothing calls
``plt.show()``: in Jupyter the figure displays itself, and
``ax.figure.savefig("chart.png")`` saves it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from numbers import Real
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from autorisk.data.schema import require_columns
from autorisk.errors import ParameterError
from autorisk.evaluate.calibration import actual_vs_expected
from autorisk.evaluate.lorenz import area_gini

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["plot_alpha_path", "plot_double_lift", "plot_lift", "plot_lorenz", "plot_one_way", "plot_relativities"]

ACTUAL_STYLE = {"color": "black", "marker": "o", "linewidth": 2}
BAR_STYLE = {"color": "0.85", "edgecolor": "0.6", "width": 0.7}
FIGSIZE = (8.0, 4.5)


def plot_one_way(
    data: pd.DataFrame,
    factor: str,
    actual: str,
    expected: str | Sequence[str] | Mapping[str, str],
    exposure: str | None = None,
    weights: str | None = None,
    *,
    ylabel: str | None = None,
    ax: Axes | None = None,
) -> Axes:
    """The classic pricing chart: actual and expected rate by level of a factor, with exposure bars.

    Parameters
    ----------
    data : DataFrame
        One row per policy (period).
    factor : str
        Column whose levels form the x axis (band a continuous variable first).
    actual : str
        Column of observed values (claim count or amount; average claim for a
        severity model with claim-count ``weights``).
    expected : str, list of str or mapping of str to str
        Prediction column(s), one line each, labelled by column name; a
        mapping gives ``{label: column}``.
    exposure, weights : str, optional
        As :func:`~autorisk.evaluate.actual_vs_expected`; the bars show
        ``weights * exposure`` per level on a secondary axis.
    ylabel : str, optional
        Label of the rate axis; default ``"<actual> per unit of exposure"``.
    ax : Axes, optional

    Returns
    -------
    Axes
        The axis of the rate lines (``1 + len(expected)`` lines); the bars
        are on ``ax.figure.axes[-1]``.

    Examples
    --------
    >>> import pandas as pd
    >>> book = pd.DataFrame({"region": ["N", "N", "S"], "claims": [1, 0, 2],
    ...                      "glm": [0.6, 0.4, 1.5], "exposure": [1.0, 0.5, 1.0]})
    >>> ax = plot_one_way(book, "region", "claims", "glm", "exposure")
    >>> len(ax.lines), len(ax.figure.axes[-1].patches)
    (2, 2)
    """
    if isinstance(expected, str):
        expected = [expected]
    columns = dict(expected) if isinstance(expected, Mapping) else {column: column for column in expected}
    tables = {label: actual_vs_expected(data, factor, actual, column, exposure, weights) for label, column in columns.items()}
    first = next(iter(tables.values()))
    x = np.arange(len(first))
    ax = _axes(ax)
    bars = ax.twinx()
    bars.bar(x, first["exposure"].to_numpy(), label="exposure" if weights is None else "weight", **BAR_STYLE)
    bars.set_ylim(0, 3 * first["exposure"].max())  # bars in the lower third, under the lines
    bars.set_ylabel("exposure" if weights is None else "weight x exposure")
    ax.set_zorder(bars.get_zorder() + 1)
    ax.patch.set_visible(False)
    ax.plot(x, first["actual_rate"].to_numpy(), label="actual", **ACTUAL_STYLE)
    for label, table in tables.items():
        ax.plot(x, table["expected_rate"].to_numpy(), marker="s", linestyle="--", label=label)
    _level_ticks(ax, x, first.index)
    ax.set_xlabel(factor)
    ax.set_ylabel(ylabel or (f"{actual} per unit of exposure" if exposure is not None else f"mean {actual}"))
    ax.set_title(f"Actual vs expected by {factor}")
    _legend(ax, bars)
    return ax


def plot_lift(table: pd.DataFrame, *, title: str | None = None, ax: Axes | None = None) -> Axes:
    """Lift chart: actual and predicted rate by bin of prediction, from :func:`~autorisk.evaluate.lift_table`.

    Parameters
    ----------
    table : DataFrame
        Output of :func:`~autorisk.evaluate.lift_table` (``actual_rate``
        and ``predicted_rate`` by bin).
    title : str, optional
        Default ``"Lift chart"``.
    ax : Axes, optional
        Axes to draw on; default a new figure.

    Returns
    -------
    Axes
        Two lines: ``actual`` then ``predicted``.

    Examples
    --------
    >>> from autorisk.evaluate import lift_table
    >>> ax = plot_lift(lift_table([0, 0, 1, 0, 2, 3], [0.1, 0.2, 0.4, 0.5, 1.0, 1.5], n_bins=3))
    >>> [line.get_label() for line in ax.lines]
    ['actual', 'predicted']
    """
    require_columns(table, ["actual_rate", "predicted_rate"], "lift table", "(the output of lift_table)")
    ax = _axes(ax)
    ax.plot(table.index, table["actual_rate"], label="actual", **ACTUAL_STYLE)
    ax.plot(table.index, table["predicted_rate"], marker="s", linestyle="--", label="predicted")
    _bin_axis(ax, table.index, "bin of predicted rate (equal exposure)")
    ax.set_ylabel("rate per unit of exposure")
    ax.set_title(title or "Lift chart")
    ax.legend()
    return ax


def plot_double_lift(
    table: pd.DataFrame,
    names: tuple[str, str] = ("model A", "model B"),
    *,
    title: str | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Double lift chart from :func:`~autorisk.evaluate.double_lift`: actual and both models by bin of A / B.

    Parameters
    ----------
    table : DataFrame
        Output of :func:`~autorisk.evaluate.double_lift` (``actual_rate``,
        ``rate_a`` and ``rate_b`` by bin).
    names : (str, str), default ("model A", "model B")
        Labels of the two models, in the order of ``double_lift``'s predictions.
    title : str, optional
        Default ``"Double lift: A vs B"`` with the names.
    ax : Axes, optional
        Axes to draw on; default a new figure.

    Returns
    -------
    Axes
        Three lines: ``actual``, model A, model B.

    Examples
    --------
    >>> from autorisk.evaluate import double_lift
    >>> table = double_lift([0, 1, 0, 2], [0.5, 1.0, 0.5, 1.5], [1.0, 0.5, 0.5, 1.0], n_bins=2)
    >>> ax = plot_double_lift(table, ("glm", "gbm"))
    >>> [line.get_label() for line in ax.lines]
    ['actual', 'glm', 'gbm']
    """
    require_columns(table, ["actual_rate", "rate_a", "rate_b"], "double lift table", "(the output of double_lift)")
    a, b = names
    ax = _axes(ax)
    ax.plot(table.index, table["actual_rate"], label="actual", **ACTUAL_STYLE)
    ax.plot(table.index, table["rate_a"], marker="s", linestyle="--", label=a)
    ax.plot(table.index, table["rate_b"], marker="^", linestyle="--", label=b)
    _bin_axis(ax, table.index, f"bin of predicted ratio {a} / {b} (equal exposure)")
    ax.set_ylabel("rate per unit of exposure")
    ax.set_title(title or f"Double lift: {a} vs {b}")
    ax.legend()
    return ax


def plot_lorenz(curves: Mapping[str, pd.DataFrame] | pd.DataFrame, *, ax: Axes | None = None) -> Axes:
    """Lorenz curves of one or more models on one chart, with the diagonal and each Gini in the legend.

    Parameters
    ----------
    curves : DataFrame or mapping of str to DataFrame
        Output(s) of :func:`~autorisk.evaluate.lorenz_curve`, by model name.
    ax : Axes, optional

    Returns
    -------
    Axes
        One line per model plus the diagonal (the last line).

    Examples
    --------
    >>> from autorisk.evaluate import lorenz_curve
    >>> ax = plot_lorenz({"glm": lorenz_curve([0, 1, 1, 2], [1, 2, 3, 4])})
    >>> [line.get_label() for line in ax.lines]
    ['glm (Gini 0.375)', 'random (Gini 0)']
    """
    if isinstance(curves, pd.DataFrame):
        curves = {"model": curves}
    ax = _axes(ax, figsize=(5.5, 5.0))
    for name, curve in curves.items():
        require_columns(curve, ["exposure_share", "actual_share"], "Lorenz curve", "(the output of lorenz_curve)")
        ax.plot(curve["exposure_share"], curve["actual_share"], label=f"{name} (Gini {area_gini(curve):.3f})")
    ax.plot([0, 1], [0, 1], color="0.5", linestyle=":", label="random (Gini 0)")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_aspect("equal")
    ax.set_xlabel("share of exposure (lowest predicted rate first)")
    ax.set_ylabel("share of actual claims")
    ax.set_title("Lorenz curve")
    ax.legend(loc="upper left")
    return ax


def plot_relativities(
    relativities: pd.DataFrame,
    factor: str,
    *,
    levels: Sequence[object] | None = None,
    exposure: bool = True,
    ax: Axes | None = None,
) -> Axes:
    """Relativities of one factor with their confidence band, from a GLM's ``relativities()``.

    Parameters
    ----------
    relativities : DataFrame
        Columns ``factor``, ``level``, ``relativity`` and optionally
        ``relativity_lower`` / ``relativity_upper`` (drawn as a band) and
        ``exposure`` (drawn as bars), as returned by
        :meth:`FrequencyGLM.relativities() <autorisk.models.FrequencyGLM.relativities>`.
        Unbounded limits (inestimable levels) leave a gap in the band.
    factor : str
        The factor to draw.
    levels : sequence, optional
        Order of the levels on the x axis (levels left out are not drawn).
        Default: ascending when every level is a number, else the table's
        order (a GLM's table lists the base level first).
    exposure : bool, default True
        Draw exposure bars on a secondary axis when the table has an
        ``exposure`` column.
    ax : Axes, optional

    Returns
    -------
    Axes
        Lines: the relativities and the reference line at 1; the band is a
        collection.

    Examples
    --------
    >>> import pandas as pd
    >>> table = pd.DataFrame({"factor": ["use", "use"], "level": ["private", "business"],
    ...                       "relativity": [1.0, 1.4], "relativity_lower": [1.0, 1.1],
    ...                       "relativity_upper": [1.0, 1.8], "exposure": [900.0, 100.0]})
    >>> ax = plot_relativities(table, "use")
    >>> len(ax.lines), len(ax.collections), len(ax.figure.axes[-1].patches)
    (2, 1, 2)
    """
    require_columns(relativities, ["factor", "level", "relativity"], "relativities", "(as from relativities())")
    rows = relativities[relativities["factor"] == factor]
    if rows.empty:
        known = list(dict.fromkeys(relativities["factor"]))
        raise ParameterError(f"factor {factor!r} is not in the relativity table; factors: {known}")
    rows = _ordered(rows, levels)
    x = np.arange(len(rows))
    ax = _axes(ax)
    if exposure and "exposure" in rows.columns:
        bars = ax.twinx()
        bars.bar(x, rows["exposure"].to_numpy(dtype=float), label="exposure", **BAR_STYLE)
        bars.set_ylim(0, 3 * np.nanmax(rows["exposure"].to_numpy(dtype=float)))
        bars.set_ylabel("exposure")
        ax.set_zorder(bars.get_zorder() + 1)
        ax.patch.set_visible(False)
    else:
        bars = None
    if {"relativity_lower", "relativity_upper"} <= set(rows.columns):
        lower = _finite_or_nan(rows["relativity_lower"])
        upper = _finite_or_nan(rows["relativity_upper"])
        ax.fill_between(x, lower, upper, alpha=0.25, label="confidence interval")
    ax.plot(x, rows["relativity"].to_numpy(dtype=float), marker="o", label="relativity")
    ax.axhline(1.0, color="0.5", linestyle=":", linewidth=1)
    _level_ticks(ax, x, rows["level"])
    ax.set_xlabel(factor)
    ax.set_ylabel("relativity")
    ax.set_title(f"Relativities: {factor}")
    _legend(ax, bars)
    return ax


def plot_alpha_path(path: pd.DataFrame, *, alpha: float | None = None, ax: Axes | None = None) -> Axes:
    """A penalised GLM's path: mean held-out deviance by alpha, and each factor's number of distinct levels.

    Parameters
    ----------
    path : DataFrame
        A penalised GLM's ``alpha_path_``: columns ``alpha``, ``cv_deviance``,
        ``cv_deviance_se`` (drawn as a band of one standard error) and one
        column per penalised factor (its distinct levels, drawn as steps on a
        secondary axis).
    alpha : float, optional
        The chosen strength (a model's ``alpha_``), marked by a vertical line.
    ax : Axes, optional

    Returns
    -------
    Axes
        The deviance axis (log-scale alpha, the strongest penalty on the
        left is the largest alpha); the factors' steps are on
        ``ax.figure.axes[-1]``.

    Examples
    --------
    >>> import pandas as pd
    >>> path = pd.DataFrame({"alpha": [0.1, 0.01, 0.001], "cv_deviance": [0.52, 0.50, 0.505],
    ...                      "cv_deviance_se": [0.01, 0.01, 0.01], "age": [1, 3, 8]})
    >>> ax = plot_alpha_path(path, alpha=0.01)
    >>> len(ax.lines), len(ax.figure.axes[-1].lines)
    (2, 1)
    """
    require_columns(path, ["alpha", "cv_deviance", "cv_deviance_se"], "alpha path", "(a model's alpha_path_)")
    factors = [c for c in path.columns if c not in ("alpha", "cv_deviance", "cv_deviance_sd", "cv_deviance_se")]
    x = path["alpha"].to_numpy(dtype=float)
    mean, se = path["cv_deviance"].to_numpy(dtype=float), path["cv_deviance_se"].to_numpy(dtype=float)
    ax = _axes(ax)
    ax.fill_between(x, mean - se, mean + se, alpha=0.25, label="one standard error")
    ax.plot(x, mean, marker="o", label="mean held-out deviance")
    if alpha is not None:
        ax.axvline(alpha, color="0.5", linestyle=":", linewidth=1, label=f"alpha = {alpha:.3g}")
    ax.set_xscale("log")
    ax.invert_xaxis()
    ax.set_xlabel("alpha (penalty strength)")
    ax.set_ylabel("deviance per unit of weight")
    ax.set_title("Penalty path")
    levels = ax.twinx()
    for factor in factors:
        levels.step(x, path[factor].to_numpy(dtype=float), where="mid", linestyle="--", label=f"{factor}: levels")
    levels.set_ylabel("distinct levels")
    _legend(ax, levels)
    return ax


# ---------------------------------------------------------------- helpers
def _axes(ax: Axes | None, figsize: tuple[float, float] = FIGSIZE) -> Axes:
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt  # late: importing autorisk.evaluate does not pick a backend

    _, ax = plt.subplots(figsize=figsize, layout="constrained")
    return ax


def _ordered(rows: pd.DataFrame, levels: Sequence[object] | None) -> pd.DataFrame:
    """Rows of one factor in the order of ``levels``, or ascending if every level is a number."""
    if levels is not None:
        position = {level: i for i, level in enumerate(levels)}
        rows = rows[rows["level"].isin(list(position))]
        return rows.iloc[np.argsort([position[level] for level in rows["level"]], kind="stable")]
    if all(isinstance(level, Real) and not isinstance(level, bool) for level in rows["level"]):
        return rows.sort_values("level", kind="stable")
    return rows


def _level_ticks(ax: Axes, x: np.ndarray, levels: Sequence[object]) -> None:
    labels = ["(missing)" if pd.isna(level) else str(level) for level in levels]
    rotation = 45 if sum(map(len, labels)) > 60 or len(labels) > 15 else 0
    ax.set_xticks(x, labels, rotation=rotation, ha="right" if rotation else "center")


def _bin_axis(ax: Axes, bins: pd.Index, label: str) -> None:
    ax.set_xticks(bins)
    ax.set_xlabel(label)


def _legend(ax: Axes, bars: Axes | None) -> None:
    """One legend for the lines and, when present, the bars of the secondary axis."""
    handles, labels = ax.get_legend_handles_labels()
    if bars is not None:
        more_handles, more_labels = bars.get_legend_handles_labels()
        handles, labels = handles + more_handles, labels + more_labels
    ax.legend(handles, labels)


def _finite_or_nan(values: pd.Series) -> np.ndarray:
    array = values.to_numpy(dtype=float)
    return np.where(np.isfinite(array), array, np.nan)
