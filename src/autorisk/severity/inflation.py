"""Claims inflation: bring amounts and a large-loss threshold to a common money level by an index.

Fit severities and cap large losses on amounts in one year's money: either
index every amount to the target year (:func:`index_amounts`) and cap at a
fixed threshold, or cap each claim at the threshold expressed in its own
year's money (:func:`indexed_threshold`) — the two give the same capped
share of every claim.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from autorisk.errors import DataError, DataIssue, ParameterError

__all__ = ["index_amounts", "indexed_threshold"]


def index_amounts(amounts: Any, years: Any, index: pd.Series, *, to: Any) -> np.ndarray:
    """Amounts in the money of year ``to``: ``amount * index[to] / index[year]``.

    Parameters
    ----------
    amounts : array-like of float
        Claim amounts.
    years : array-like of int
        The year of each claim's money (e.g. its occurrence or payment year).
    index : pandas.Series
        Index level (``> 0``) by year, e.g. a claims-inflation index.
    to : int
        The target year; must be in ``index``.

    Returns
    -------
    ndarray
        The indexed amounts.

    Raises
    ------
    DataError
        A claim's year is not in the index (naming the years and rows).
    ParameterError
        ``to`` not in the index, or index levels that are not positive.

    Examples
    --------
    >>> index = pd.Series([100.0, 105.0, 110.25], index=[2022, 2023, 2024])
    >>> index_amounts([1000.0, 1000.0], [2022, 2024], index, to=2024).round(2).tolist()
    [1102.5, 1000.0]
    """
    levels = _levels(years, index, "years")
    target = _target(index, to)
    return np.asarray(amounts, dtype=float) * target / levels


def indexed_threshold(threshold: float, years: Any, index: pd.Series, *, base: Any) -> np.ndarray:
    """A threshold set in year ``base``'s money, expressed in each claim's year: ``threshold * index[year] / index[base]``.

    Pass the result as a per-claim cap, so large losses are capped at the
    same real amount whatever their year.

    Parameters
    ----------
    threshold : float
        The large-loss threshold in ``base`` money, ``> 0``.
    years : array-like of int
        Each claim's year.
    index : pandas.Series
        Index level by year.
    base : int
        The year whose money ``threshold`` is in.

    Returns
    -------
    ndarray
        One threshold per claim.

    Raises
    ------
    DataError, ParameterError
        As :func:`index_amounts`, and a threshold that is not positive.

    Examples
    --------
    >>> index = pd.Series([100.0, 105.0, 110.25], index=[2022, 2023, 2024])
    >>> indexed_threshold(100_000.0, [2022, 2024], index, base=2024).round(0).tolist()
    [90703.0, 100000.0]
    """
    if not (np.isfinite(threshold) and threshold > 0):
        raise ParameterError(f"threshold must be finite and > 0, got {threshold!r}")
    return threshold * _levels(years, index, "years") / _target(index, base)


def _target(index: pd.Series, year: Any) -> float:
    _check_index(index)
    if year not in index.index:
        raise ParameterError(f"year {year!r} is not in the index (years {index.index.tolist()})")
    return float(index[year])


def _levels(years: Any, index: pd.Series, label: str) -> np.ndarray:
    _check_index(index)
    keys = pd.Index(np.asarray(years).ravel())
    positions = index.index.get_indexer(keys)
    missing = positions < 0
    if missing.any():
        raise DataError(DataIssue.from_mask(label, "not in the index", f"years among {index.index.tolist()}",
                                            missing, pd.RangeIndex(keys.size), keys.to_numpy()))  # fmt: skip
    return index.to_numpy(dtype=float)[positions]


def _check_index(index: pd.Series) -> None:
    values = np.asarray(index, dtype=float)
    if not (np.isfinite(values) & (values > 0)).all() or not index.index.is_unique:
        raise ParameterError(f"index must hold finite levels > 0, one per year, got {index.to_dict()}")
