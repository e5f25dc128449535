"""SHAP effects: a tree model's per-row contributions averaged by level or band, with exposure weights."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from autorisk.errors import ParameterError
from autorisk.explain._common import check_frame, exposure_weights, is_numeric
from autorisk.models.banding import assign_bands, cut_points

#: Numeric features with at most this many distinct values are shown value by value.
MAX_VALUES_AS_LEVELS = 20
#: Bands of a numeric feature with more values when no cut points are given (equal exposure).
DEFAULT_BANDS = 10
BIAS = "bias"


def contributions(model: Any, X: pd.DataFrame) -> pd.DataFrame:
    """``model.contributions(X)`` checked: one column per feature plus ``"bias"``, one row per row of ``X``."""
    if not hasattr(model, "contributions"):
        raise ParameterError(
            f"{type(model).__name__} has no contributions(X) (SHAP values); use partial_dependence instead"
        )
    table = model.contributions(X)
    if not isinstance(table, pd.DataFrame) or BIAS not in table.columns or len(table) != len(X):
        raise ParameterError("model.contributions(X) must return a DataFrame with a 'bias' column and one row per row")
    return table


def feature_levels(values: pd.Series, weights: np.ndarray, cuts: Sequence[float] | None = None) -> pd.Series:
    """The level of each row for grouping: the value, or its band for a numeric feature with many values."""
    if cuts is not None:
        points = cut_points(values.to_numpy(dtype=float), list(cuts))
    elif is_numeric(values) and values.nunique() > MAX_VALUES_AS_LEVELS:
        points = cut_points(values.to_numpy(dtype=float), "exposure", DEFAULT_BANDS, exposure=weights)
    else:
        return values
    return pd.Series(assign_bands(values.to_numpy(dtype=float), points), index=values.index)


def shap_effects(
    model: Any,
    X: pd.DataFrame,
    exposure: Any = None,
    *,
    bands: Mapping[str, Sequence[float]] | None = None,
) -> pd.DataFrame:
    """Exposure-weighted SHAP effects of every feature, by level or band.

    ``model.contributions(X)`` splits each row's log rate into one additive
    term per feature plus a constant (LightGBM's ``pred_contrib``, TreeSHAP).
    Averaging a feature's term over the rows of each of its levels, weighted
    by exposure, gives an effect curve on the same log scale as a GLM
    coefficient, with the other features at their observed values (so, unlike
    partial dependence, correlated features are not pushed off the data).

    Parameters
    ----------
    model : object
        A model with ``contributions(X)`` (e.g. ``FrequencyGBM``).
    X : DataFrame
        Rows to explain.
    exposure : array-like, optional
        Exposure per row (weights); default 1 per row.
    bands : dict, optional
        ``{feature: inner cut points}`` for numeric features. Numeric
        features not listed are shown value by value when they have at most
        20 distinct values, else in 10 equal-exposure bands.

    Returns
    -------
    DataFrame
        Tidy: ``feature``, ``level`` (value, level or band label),
        ``exposure``, ``contribution`` (exposure-weighted mean SHAP value)
        and ``relativity = exp(contribution - c)``, where ``c`` is the
        feature's exposure-weighted mean contribution over all rows, so the
        relativities of a feature average 1 over the portfolio (TreeSHAP
        centres contributions on the training rows, not on ``X``'s exposure).
        Terms that are not columns of ``X`` (a GLM's interaction terms such
        as ``"a:b"``) have no one-way curve and are left out; see
        :func:`interaction_strength`.

    Examples
    --------
    >>> import pandas as pd
    >>> class Additive:
    ...     def contributions(self, X):
    ...         use = X["use"].map({"private": 0.0, "business": 0.3}).astype(float)
    ...         return pd.DataFrame({"use": use, "bias": -2.0})
    >>> X = pd.DataFrame({"use": ["private", "private", "business"]})
    >>> shap_effects(Additive(), X, exposure=[1.0, 1.0, 2.0])
      feature     level  exposure  contribution  relativity
    0     use  business       2.0           0.3    1.161834
    1     use   private       2.0           0.0    0.860708
    """
    X = check_frame(X)
    weights = exposure_weights(exposure, X)
    table = contributions(model, X)
    bands = dict(bands or {})
    stray = set(bands) - set(table.columns)
    if stray:
        raise ParameterError(f"bands names features the model does not use: {sorted(stray)}")
    frames = []
    # A GLM's interaction terms ("a:b") are not columns of X: they have no one-way curve.
    for feature in (c for c in table.columns if c != BIAS and c in X.columns):
        contribution = table[feature].to_numpy(dtype=float)
        levels = feature_levels(X[feature], weights, bands.get(feature))
        # Grouping by the Series keeps a categorical's (or band's) own order of levels.
        grouped = pd.DataFrame({"exposure": weights, "weighted": weights * contribution}, index=X.index)
        summary = grouped.groupby(levels.rename("level"), observed=True, sort=True, dropna=False).sum()
        summary = summary[summary["exposure"] > 0]
        mean = summary["weighted"] / summary["exposure"]
        centre = np.average(contribution, weights=weights)
        frames.append(
            pd.DataFrame({
                "feature": feature,
                "level": summary.index.to_numpy(dtype=object),
                "exposure": summary["exposure"].to_numpy(),
                "contribution": mean.to_numpy(),
                "relativity": np.exp(mean.to_numpy() - centre),
            })
        )
    return pd.concat(frames, ignore_index=True)
