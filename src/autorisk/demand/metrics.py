"""How well a demand model separates and calibrates: AUC, Gini, log loss, calibration and lift.

Calibration and lift are :mod:`autorisk.evaluate`'s tables with the 0/1
outcome as the actual and the predicted probability as the expected value
(each row one unit of exposure, or its weight).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score

from autorisk.data.arrays import numeric_column
from autorisk.evaluate import calibration, gini, lift_table


def _inputs(model: Any, X: pd.DataFrame, y: Any, sample_weight: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    actual = numeric_column(y, X.index, "y")
    weights = np.ones(len(X)) if sample_weight is None else numeric_column(sample_weight, X.index, "sample_weight")
    return actual, np.asarray(model.predict_retention(X), dtype=float), weights


def demand_scores(model: Any, X: pd.DataFrame, y: Any, sample_weight: Any = None) -> dict[str, float]:
    """AUC, Gini (``2 AUC - 1``), the Lorenz Gini of :func:`autorisk.evaluate.gini`, log loss, D^2, means.

    Parameters
    ----------
    model : fitted demand model
    X : DataFrame
        Rows to score (a hold-out, ideally).
    y : array-like
        1 / 0 outcome per row.
    sample_weight : array-like, optional

    Returns
    -------
    dict
        ``auc``, ``gini``, ``lorenz_gini``, ``log_loss``, ``d2``, ``actual``
        (weighted mean outcome) and ``predicted`` (weighted mean probability).

    Examples
    --------
    >>> import pandas as pd
    >>> from autorisk.demand import RetentionGLM
    >>> X = pd.DataFrame({"last": [100.0] * 6, "offered": [90.0, 95, 100, 105, 110, 120]})
    >>> model = RetentionGLM([]).fit(X, [1, 1, 0, 1, 0, 0])
    >>> scores = demand_scores(model, X, [1, 1, 0, 1, 0, 0])
    >>> round(scores["auc"], 4), round(scores["gini"], 4)
    (0.8889, 0.7778)
    """
    actual, predicted, weights = _inputs(model, X, y, sample_weight)
    auc = float(roc_auc_score(actual, predicted, sample_weight=weights))
    p = np.clip(predicted, 1e-15, 1 - 1e-15)
    return {
        "auc": auc,
        "gini": 2.0 * auc - 1.0,
        "lorenz_gini": gini(actual, predicted, weights=weights),
        "log_loss": float(-np.average(actual * np.log(p) + (1 - actual) * np.log1p(-p), weights=weights)),
        "d2": float(model.score(X, actual, sample_weight=weights)),
        "actual": float(np.average(actual, weights=weights)),
        "predicted": float(np.average(predicted, weights=weights)),
    }


def demand_calibration(model: Any, X: pd.DataFrame, y: Any, *, by: str | None = None, sample_weight: Any = None) -> pd.DataFrame:
    """Actual against predicted outcome rates, for the whole book and by a segment column.

    Parameters
    ----------
    model : fitted demand model
    X : DataFrame
    y : array-like
        1 / 0 outcome per row.
    by : str, optional
        A column of ``X`` to split by.
    sample_weight : array-like, optional

    Returns
    -------
    DataFrame
        :func:`autorisk.evaluate.calibration`'s table: ``actual_rate`` is the
        observed retention, ``expected_rate`` the predicted one, ``ae`` their ratio.

    Examples
    --------
    >>> import pandas as pd
    >>> from autorisk.demand import RetentionGLM
    >>> X = pd.DataFrame({"last": [100.0] * 6, "offered": [90.0, 95, 100, 105, 110, 120]})
    >>> model = RetentionGLM([]).fit(X, [1, 1, 0, 1, 0, 0])
    >>> round(float(demand_calibration(model, X, [1, 1, 0, 1, 0, 0]).loc["(all)", "ae"]), 6)
    1.0
    """
    actual, predicted, weights = _inputs(model, X, y, sample_weight)
    return calibration(actual, predicted, weights=weights, segment=None if by is None else X[by].to_numpy())


def demand_lift(model: Any, X: pd.DataFrame, y: Any, *, n_bins: int = 10, sample_weight: Any = None) -> pd.DataFrame:
    """Actual against predicted outcome by equal-weight bins of the predicted probability.

    Parameters
    ----------
    model : fitted demand model
    X : DataFrame
    y : array-like
        1 / 0 outcome per row.
    n_bins : int, default 10
    sample_weight : array-like, optional

    Returns
    -------
    DataFrame
        :func:`autorisk.evaluate.lift_table`'s table.

    Examples
    --------
    >>> import pandas as pd
    >>> from autorisk.demand import RetentionGLM
    >>> X = pd.DataFrame({"last": [100.0] * 6, "offered": [90.0, 95, 100, 105, 110, 120]})
    >>> model = RetentionGLM([]).fit(X, [1, 1, 0, 1, 0, 0])
    >>> demand_lift(model, X, [1, 1, 0, 1, 0, 0], n_bins=2)["actual"].tolist()
    [1.0, 2.0]
    """
    actual, predicted, weights = _inputs(model, X, y, sample_weight)
    return lift_table(actual, predicted, weights=weights, n_bins=n_bins)


__all__ = ["demand_calibration", "demand_lift", "demand_scores"]
