"""Per-row numeric inputs given beside a table (exposure, weights, responses), checked once.

Models, evaluation and explanations all take arrays such as an exposure per row
of ``X``. These helpers turn them into float arrays and refuse, with the rows
named, what a rate cannot be computed from.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from autorisk.errors import DataError, DataIssue

__all__ = ["exposure_column", "numeric_column"]


def numeric_column(values: Any, index: pd.Index, name: str) -> np.ndarray:
    """``values`` (one per row of a table, or one scalar for all) as finite floats.

    Parameters
    ----------
    values : scalar or array-like
        One number per row of the table whose index is ``index``, or one
        number for every row. Nullable pandas values (``pd.NA``) count as missing.
    index : Index
        The table's index, to name failing rows.
    name : str
        The input's name in error messages.

    Returns
    -------
    ndarray of float
        One value per row.

    Raises
    ------
    DataError
        Not numbers, the wrong length, or missing or infinite values (rows named).

    Examples
    --------
    >>> import pandas as pd
    >>> numeric_column([1, 2.5], pd.RangeIndex(2), "y")
    array([1. , 2.5])
    >>> numeric_column(float("nan"), pd.Index(["a", "b"]), "y")
    Traceback (most recent call last):
    ...
    autorisk.errors.DataError: column 'y': missing or infinite in 2 rows (expected finite numbers); ...
    """
    n = len(index)
    try:
        if np.isscalar(values):
            array = np.full(n, float(values))
        elif isinstance(values, (pd.Series, pd.Index)):
            array = values.to_numpy(dtype=float, na_value=np.nan).reshape(-1)
        else:
            array = np.asarray(values, dtype=float).reshape(-1)
    except (TypeError, ValueError):
        raise DataError(DataIssue(name, "not numeric", "numbers")) from None
    if len(array) != n:
        raise DataError(DataIssue(name, "wrong length", f"{n} values (one per row)", len(array)))
    bad = ~np.isfinite(array)
    if bad.any():
        raise DataError(DataIssue.from_mask(name, "missing or infinite", "finite numbers", bad, index, array))
    return array


def exposure_column(
    exposure: Any, index: pd.Index, *, positive: bool = False, name: str = "exposure"
) -> np.ndarray:
    """Exposure per row as floats: ones when ``exposure`` is None, else finite and ``>= 0`` (or ``> 0``).

    Parameters
    ----------
    exposure : scalar, array-like or None
        Earned exposure per row (years), one number for all rows, or None for 1 per row.
    index : Index
        The table's index, to name failing rows.
    positive : bool, default False
        Refuse zero exposure too (a rate per unit of exposure needs one).
    name : str, default "exposure"
        The input's name in error messages.

    Returns
    -------
    ndarray of float

    Raises
    ------
    DataError
        As :func:`numeric_column`; negative (or, with ``positive``, zero) exposure.

    Examples
    --------
    >>> import pandas as pd
    >>> exposure_column([0.5, 0.0, 1.0], pd.RangeIndex(3))
    array([0.5, 0. , 1. ])
    >>> exposure_column([0.5, -1.0], pd.Index(["p1", "p2"]))
    Traceback (most recent call last):
    ...
    autorisk.errors.DataError: column 'exposure': negative in 1 row (expected exposure >= 0); values: -1.0; rows: 'p2'
    """
    if exposure is None:
        return np.ones(len(index))
    array = numeric_column(exposure, index, name)
    bad = array <= 0 if positive else array < 0
    if bad.any():
        rule, expected = ("not positive", f"{name} > 0 (drop zero-exposure rows)") if positive else ("negative", f"{name} >= 0")
        raise DataError(DataIssue.from_mask(name, rule, expected, bad, index, array))
    return array
