"""The off-balance of a change of rating relativities, from the book's distribution."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from autorisk.errors import DataError, DataIssue


def off_balance_factor(current_relativity: Any, proposed_relativity: Any, exposure: Any = None) -> float:
    """Factor on the base rate that offsets a change of relativities.

    ``(exposure-weighted average current relativity) / (exposure-weighted
    average proposed relativity)`` over the book (Werner & Modlin, *Basic
    Ratemaking*, ch. 14): new relativities alone would move the average premium
    by ``average proposed / average current``, so the base rate is multiplied by
    this factor for base rate and relativities together to deliver the overall
    change. Give one row per policy, or one per level with its exposure.

    Parameters
    ----------
    current_relativity, proposed_relativity : array-like
        Each policy's (or level's) total relativity now and as proposed, > 0
        (with several rating factors: the product of the policy's relativities).
    exposure : array-like, optional
        Earned (or in-force) exposure per row, >= 0 and not all 0; default 1 each.

    Returns
    -------
    float
        The off-balance factor; below 1 when the proposed relativities average higher.

    Raises
    ------
    DataError
        On arrays of different lengths or values out of range (naming the field).

    Examples
    --------
    Three levels with exposure 50, 30, 20: current relativities 1.0, 1.2, 0.8
    (average 1.02), proposed 1.0, 1.3, 0.7 (average 1.03).

    >>> round(off_balance_factor([1.0, 1.2, 0.8], [1.0, 1.3, 0.7], exposure=[50, 30, 20]), 6)  # 1.02 / 1.03
    0.990291
    """
    current = np.asarray(current_relativity, dtype=float).reshape(-1)
    proposed = np.asarray(proposed_relativity, dtype=float).reshape(-1)
    weights = np.ones_like(current) if exposure is None else np.asarray(exposure, dtype=float).reshape(-1)
    if not (current.size == proposed.size == weights.size) or current.size == 0:
        raise DataError(DataIssue("current_relativity, proposed_relativity, exposure", "length",
                                  "non-empty arrays of equal length", current.size), table="relativities")  # fmt: skip
    index = pd.RangeIndex(current.size)
    issues = [DataIssue.from_mask(name, rule, expected, bad, index, values)
              for name, rule, expected, bad, values in (
                  ("current_relativity", "positive", "finite and > 0", ~np.isfinite(current) | (current <= 0), current),
                  ("proposed_relativity", "positive", "finite and > 0",
                   ~np.isfinite(proposed) | (proposed <= 0), proposed),
                  ("exposure", "nonnegative", "finite and >= 0", ~np.isfinite(weights) | (weights < 0), weights))
              if bad.any()]  # fmt: skip
    if not issues and weights.sum() <= 0:
        issues = [DataIssue("exposure", "all zero", "some exposure > 0", weights.size)]
    if issues:
        raise DataError(issues, table="relativities")
    return float((weights @ current) / (weights @ proposed))


__all__ = ["off_balance_factor"]
