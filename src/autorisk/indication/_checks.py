"""Input checks shared by the indication modules; every failure names its field."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from autorisk.errors import DataError, DataIssue, ParameterError


def ratio(
    name: str, value: float, *, low: float = 0.0, high: float = 1.0, high_open: bool = True
) -> float:
    """``value`` as a float in ``[low, high)`` (or ``[low, high]``), else :class:`ParameterError`."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ParameterError(f"{name} must be a number, got {value!r}") from None
    above = number >= high if high_open else number > high
    if not np.isfinite(number) or number < low or above:
        bracket = ")" if high_open else "]"
        raise ParameterError(f"{name} must be in [{low}, {high}{bracket}, got {value!r}")
    return number


def per_year(name: str, values: Any, years: pd.Index, *, positive: bool = False) -> np.ndarray:
    """One finite, non-negative (or positive) float per experience year, else :class:`DataError`."""
    array = np.asarray(values, dtype=float).reshape(-1)
    if array.size != len(years):
        raise DataError(
            DataIssue(name, "length", f"one value per experience year ({len(years)})", array.size),
            table="indication",
        )
    bad = ~np.isfinite(array) | ((array <= 0) if positive else (array < 0))
    if bad.any():
        expected = "finite and > 0" if positive else "finite and >= 0"
        rule = "positive" if positive else "nonnegative"
        raise DataError(
            DataIssue.from_mask(name, rule, expected, bad, years, array), table="indication"
        )
    return array
