"""Price elasticity by segment, retention curves over a price range, and their charts.

The elasticity of retention is ``d log P / d log price`` (analytic for the
GLMs, a symmetric finite difference for the GBMs: see each model's
``elasticity``); the elasticity of the expected premium ``price x P`` is one
plus it. Charts draw on ``ax`` when given, else on a new figure, and return
the matplotlib Axes; nothing calls ``plt.show()``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from autorisk.data.arrays import numeric_column
from autorisk.demand import _prices
from autorisk.errors import DataError, DataIssue, ParameterError
from autorisk.models.design import _require_columns

if TYPE_CHECKING:
    from matplotlib.axes import Axes

#: Quantiles of the per-policy elasticity that :func:`elasticity_table` reports.
QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)


def elasticity_table(
    model: Any,
    X: pd.DataFrame,
    by: str | Sequence[str] | None = None,
    *,
    weights: Any = None,
    price: Any = None,
) -> pd.DataFrame:
    """Elasticity of retention and of expected premium by segment: weighted means and quantiles.

    Parameters
    ----------
    model : fitted demand model
        Anything with ``elasticity`` and ``predict_retention``.
    X : DataFrame
        The policies (the model's columns, and the ``by`` columns).
    by : str or list of str, optional
        Segment column(s); None for the whole book in one row ``"(all)"``.
    weights : str or array-like, optional
        A column of ``X`` or one weight per row (exposure, say); default
        1 per row (count-weighted).
    price : array-like, optional
        One price per row (default the offered column).

    Returns
    -------
    DataFrame
        Indexed by segment: ``count``, ``weight``, ``retention`` (weighted
        mean), ``elasticity`` (weighted mean), ``premium_elasticity`` (``1 +
        elasticity``, weighted mean) and the quantiles ``q05`` ... ``q95`` of
        the per-policy elasticity (unweighted).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from autorisk.demand import RetentionGLM
    >>> rng = np.random.default_rng(0)
    >>> X = pd.DataFrame({"age": rng.choice(["young", "old"], 2000), "last": 100.0})
    >>> X["offered"] = 100.0 * np.exp(rng.normal(0, 0.1, 2000))
    >>> slope = np.where(X["age"] == "young", -6.0, -2.0)
    >>> y = (rng.random(2000) < 1 / (1 + np.exp(-(1.0 + slope * np.log(X["offered"] / 100))))).astype(int)
    >>> model = RetentionGLM(["age"], price_interactions=["age"]).fit(X, y)
    >>> table = elasticity_table(model, X, by="age")
    >>> bool(table.loc["young", "elasticity"] < table.loc["old", "elasticity"] < 0)
    True
    """
    _require_columns(X, [] if by is None else [by] if isinstance(by, str) else list(by))
    w = _weights(X, weights)
    elasticity = np.asarray(model.elasticity(X, price), dtype=float)
    retention = np.asarray(model.predict_retention(X, price), dtype=float)
    if elasticity.ndim != 1:
        raise ParameterError("elasticity_table takes one price per row; use retention_curve for a grid of prices")
    frame = pd.DataFrame({"w": w, "e": elasticity, "we": w * elasticity, "wr": w * retention}, index=X.index)
    keys = [pd.Series("(all)", index=X.index, name="segment")] if by is None else [X[b] for b in ([by] if isinstance(by, str) else by)]
    groups = frame.groupby(keys, observed=True, sort=True)
    table = pd.DataFrame({"count": groups.size(), "weight": groups["w"].sum()})
    table["retention"] = groups["wr"].sum() / table["weight"]
    table["elasticity"] = groups["we"].sum() / table["weight"]
    table["premium_elasticity"] = 1.0 + table["elasticity"]
    for q in QUANTILES:
        table[f"q{round(q * 100):02d}"] = groups["e"].quantile(q)
    return table


def retention_curve(
    model: Any,
    X: pd.DataFrame,
    *,
    multipliers: Sequence[float] | None = None,
    prices: Sequence[float] | None = None,
    by: str | None = None,
    weights: Any = None,
) -> pd.DataFrame:
    """Retention over a range of prices for one policy or the (weighted) mean over a segment's rows.

    Parameters
    ----------
    model : fitted demand model
        Anything with ``predict_retention(X, price)`` taking an ``(n, k)`` grid.
    X : DataFrame
        One row (a policy) or many (a segment, or several with ``by``).
    multipliers : sequence of float, optional
        Prices as multiples of each row's offered price (default 0.8 to 1.2
        in steps of 0.02).
    prices : sequence of float, optional
        The same absolute prices for every row, instead of ``multipliers``.
    by : str, optional
        A segment column: one curve per level.
    weights : str or array-like, optional
        A column of ``X`` or one weight per row; default 1.

    Returns
    -------
    DataFrame
        One row per price point (and segment): ``multiplier`` or ``price``,
        ``retention`` (weighted mean), ``expected_premium`` (weighted mean of
        ``price x P``); with ``by``, the segment column first.

    Examples
    --------
    >>> import pandas as pd
    >>> from autorisk.demand import RetentionGLM
    >>> X = pd.DataFrame({"last": [100.0] * 6, "offered": [90.0, 95, 100, 105, 110, 120]})
    >>> model = RetentionGLM([]).fit(X, [1, 1, 0, 1, 0, 0])
    >>> curve = retention_curve(model, X.iloc[[2]], multipliers=[0.9, 1.0, 1.1])
    >>> curve["multiplier"].tolist(), bool(curve["retention"].is_monotonic_decreasing)
    ([0.9, 1.0, 1.1], True)
    """
    if multipliers is not None and prices is not None:
        raise ParameterError("give multipliers or prices, not both")
    if by is not None:
        _require_columns(X, [by])
    w = _weights(X, weights)
    offered = _prices.offered_prices(X, model.price_columns_)
    if prices is not None:
        points, label = np.asarray(prices, dtype=float), "price"
        grid = np.broadcast_to(points, (len(X), len(points)))
    else:
        points = np.round(np.arange(0.8, 1.2001, 0.02), 10) if multipliers is None else np.asarray(multipliers, dtype=float)
        label = "multiplier"
        grid = offered[:, None] * points[None, :]
    if points.ndim != 1 or not len(points):
        raise ParameterError(f"the price points must be a non-empty list of numbers, got {points!r}")
    retention = model.predict_retention(X, np.ascontiguousarray(grid))
    premium = retention * grid
    keys = np.zeros(len(X), dtype=int) if by is None else X[by].to_numpy()
    rows = []
    for level in pd.unique(keys) if by is not None else [None]:
        mask = np.ones(len(X), dtype=bool) if by is None else keys == level
        total = w[mask].sum()
        for j, point in enumerate(points):
            row = {label: float(point), "retention": float(w[mask] @ retention[mask, j] / total),
                   "expected_premium": float(w[mask] @ premium[mask, j] / total)}  # fmt: skip
            rows.append(row if by is None else {by: level, **row})
    curve = pd.DataFrame(rows)
    return curve.sort_values([by, label]).reset_index(drop=True) if by is not None else curve


def plot_elasticity(table: pd.DataFrame, *, ax: Axes | None = None) -> Axes:
    """Mean elasticity by segment as bars, with the 25-75% and 5-95% ranges of the policies' elasticities.

    Parameters
    ----------
    table : DataFrame
        From :func:`elasticity_table`.
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib Axes

    Examples
    --------
    >>> import pandas as pd
    >>> table = pd.DataFrame({"elasticity": [-1.0, -0.5], "q05": [-2, -1], "q25": [-1.5, -0.7],
    ...                       "q75": [-0.6, -0.3], "q95": [-0.2, -0.1]}, index=["young", "old"])
    >>> ax = plot_elasticity(table)
    >>> [t.get_text() for t in ax.get_xticklabels()]
    ['young', 'old']
    """
    ax = _axes(ax)
    x = np.arange(len(table))
    ax.bar(x, table["elasticity"], color="0.8", edgecolor="0.5", width=0.6, label="weighted mean")
    ax.vlines(x, table["q05"], table["q95"], color="black", linewidth=1, label="5-95% of policies")
    ax.vlines(x, table["q25"], table["q75"], color="black", linewidth=4, label="25-75%")
    ax.set_xticks(x, [", ".join(map(str, i)) if isinstance(i, tuple) else str(i) for i in table.index])
    ax.axhline(0.0, color="0.4", linewidth=0.8)
    ax.set_ylabel("d log retention / d log price")
    ax.legend(frameon=False)
    return ax


def plot_retention_curve(curve: pd.DataFrame, *, by: str | None = None, ax: Axes | None = None) -> Axes:
    """Retention against price (or price multiplier), one line per segment with ``by``.

    Parameters
    ----------
    curve : DataFrame
        From :func:`retention_curve`.
    by : str, optional
        The segment column of ``curve``.
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib Axes

    Examples
    --------
    >>> import pandas as pd
    >>> curve = pd.DataFrame({"multiplier": [0.9, 1.0, 1.1], "retention": [0.9, 0.85, 0.78]})
    >>> plot_retention_curve(curve).get_xlabel()
    'multiplier'
    """
    ax = _axes(ax)
    x = "price" if "price" in curve.columns else "multiplier"
    groups = [(None, curve)] if by is None else list(curve.groupby(by, sort=False))
    for level, rows in groups:
        ax.plot(rows[x], rows["retention"], marker="o", markersize=3, label=None if level is None else str(level))
    ax.set_xlabel(x)
    ax.set_ylabel("retention")
    if by is not None:
        ax.legend(title=by, frameon=False)
    return ax


def _weights(X: pd.DataFrame, weights: Any) -> np.ndarray:
    if weights is None:
        return np.ones(len(X))
    if isinstance(weights, str):
        _require_columns(X, [weights])
        weights = X[weights]
    w = numeric_column(weights, X.index, "weights")
    if np.any(w < 0):
        raise DataError(DataIssue.from_mask("weights", "negative", "weights >= 0", w < 0, X.index, w))
    if not np.any(w > 0):
        raise DataError(DataIssue("weights", "all zero", "at least one weight > 0", len(w)))
    return w


def _axes(ax: Axes | None) -> Axes:
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    return plt.subplots(figsize=(8.0, 4.5))[1]


__all__ = ["elasticity_table", "plot_elasticity", "plot_retention_curve", "retention_curve"]
