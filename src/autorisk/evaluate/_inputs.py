"""Checked model-evaluation inputs: actual, predicted, exposure and weights as aligned arrays.

Every public function of :mod:`autorisk.evaluate` goes through
:func:`observations`, so the rules live in one place:

- all arrays are one-dimensional, numeric and of the same length;
- ``predicted`` is finite and positive on every row (log-link models);
- ``exposure`` is finite and positive (a rate needs a denominator);
- ``weights`` are finite and non-negative, with a positive total;
- ``actual`` is finite and non-negative (positive when ``positive_actual``),
  checked only on rows with a positive weight: a row of weight zero carries
  no information and is dropped, so the average severity of a policy without
  claims may be missing.

Bad values raise :class:`~autorisk.errors.DataError` naming the column, the
rule, the first offending rows and values.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from autorisk.errors import DataError, DataIssue

ArrayLike = Any


@dataclass(frozen=True)
class Observations:
    """Aligned, checked arrays of the rows with a positive weight.

    ``actual`` and ``predicted`` are on the model's target scale: a claim
    count or amount per row (frequency, Tweedie), or an average claim
    (severity, with the claim count as weight).
    """

    actual: np.ndarray
    predicted: np.ndarray
    exposure: np.ndarray
    weights: np.ndarray
    #: Row labels of the kept rows (the Series index, else positions).
    index: pd.Index
    #: Boolean mask of the kept rows among the rows given.
    kept: np.ndarray

    @property
    def size(self) -> np.ndarray:
        """Weight times exposure: how much of the book each row is (years, or claims for severity)."""
        return self.weights * self.exposure

    @property
    def actual_total(self) -> np.ndarray:
        """Weight times actual: the row's claims (count or amount)."""
        return self.weights * self.actual

    @property
    def predicted_total(self) -> np.ndarray:
        return self.weights * self.predicted

    @property
    def rate(self) -> np.ndarray:
        """Predicted value per unit of exposure, the key by which rows are ranked."""
        return self.predicted / self.exposure


def observations(
    actual: ArrayLike,
    predicted: ArrayLike,
    exposure: ArrayLike | None = None,
    weights: ArrayLike | None = None,
    *,
    positive_actual: bool = False,
    labels: Mapping[str, str] | None = None,
    index: pd.Index | None = None,
) -> Observations:
    """Check and align the inputs of a metric; see the module docstring for the rules.

    ``labels`` renames the arguments in error messages (e.g. to the user's
    column names); ``index`` labels the rows (default: the index of
    ``actual`` if it is a Series, else positions).
    """
    labels = {"actual": "actual", "predicted": "predicted", "exposure": "exposure", "weights": "weights"} | dict(
        labels or {}
    )
    if index is None:
        index = actual.index if isinstance(actual, pd.Series) else None
    y = as_array(actual, labels["actual"])
    n = len(y)
    if index is None:
        index = pd.RangeIndex(n)
    if n == 0:
        raise DataError(DataIssue(labels["actual"], "empty", "at least one row"))
    mu = as_array(predicted, labels["predicted"], n)
    e = np.ones(n) if exposure is None else as_array(exposure, labels["exposure"], n)
    w = np.ones(n) if weights is None else as_array(weights, labels["weights"], n)

    issues = [
        *_finite(mu, labels["predicted"], index),
        *_rule(mu <= 0, labels["predicted"], "not positive", "predictions > 0", index, mu),
        *_finite(e, labels["exposure"], index),
        *_rule(e <= 0, labels["exposure"], "not positive", "exposure > 0 (drop zero-exposure rows)", index, e),
        *_finite(w, labels["weights"], index),
        *_rule(w < 0, labels["weights"], "negative", "weights >= 0", index, w),
    ]
    kept = w > 0
    y_kept = np.where(kept, y, 1.0)
    issues += _finite(y_kept, labels["actual"], index, y)
    if positive_actual:
        issues += _rule(y_kept <= 0, labels["actual"], "not positive", "values > 0 for this family", index, y)
    else:
        issues += _rule(y_kept < 0, labels["actual"], "negative", "values >= 0", index, y)
    if issues:
        raise DataError(issues)
    if not kept.any():
        raise DataError(DataIssue(labels["weights"], "no weight", "at least one row with a positive weight"))
    if kept.all():
        return Observations(y, mu, e, w, index, kept)
    return Observations(y[kept], mu[kept], e[kept], w[kept], index[kept], kept)


def as_array(values: ArrayLike, name: str, n: int | None = None) -> np.ndarray:
    """``values`` as a 1-d float array of length ``n`` (when given), or a DataError naming ``name``."""
    try:
        if isinstance(values, (pd.Series, pd.Index)):  # nullable dtypes: pd.NA becomes NaN
            array = values.to_numpy(dtype=float, na_value=np.nan)
        else:
            array = np.asarray(values, dtype=float)
    except (TypeError, ValueError):
        raise DataError(DataIssue(name, "not numeric", "numbers")) from None
    if array.ndim != 1:
        raise DataError(DataIssue(name, "not one-dimensional", f"one value per row, got shape {array.shape}"))
    if n is not None and len(array) != n:
        raise DataError(DataIssue(name, "wrong length", f"{n} values, one per row of the actual values; got {len(array)}"))
    return array


def labels_of(values: ArrayLike, name: str, kept: np.ndarray) -> pd.Series:
    """Segment labels of the kept rows (dtype kept, so categories keep their order), positionally indexed."""
    series = values.reset_index(drop=True) if isinstance(values, pd.Series) else pd.Series(list(values), dtype=None)
    if len(series) != len(kept):
        raise DataError(DataIssue(name, "wrong length", f"{len(kept)} values, one per row; got {len(series)}"))
    return series[kept].reset_index(drop=True).rename(name)


def _finite(checked: np.ndarray, name: str, index: pd.Index, shown: np.ndarray | None = None) -> list[DataIssue]:
    """Issue for non-finite ``checked`` values; messages show ``shown`` (default ``checked``)."""
    return _rule(~np.isfinite(checked), name, "missing or infinite", "finite numbers", index,
                 checked if shown is None else shown)


def _rule(mask: np.ndarray, name: str, rule: str, expected: str, index: pd.Index, values: np.ndarray) -> list[DataIssue]:
    if not mask.any():
        return []
    return [DataIssue.from_mask(name, rule, expected, mask, index, values)]
