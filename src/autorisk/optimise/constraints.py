"""Constraints of the renewal optimiser, each a sum over policies that is linear in P, P x price and price.

Every constraint compiles to one or more rows ``g(p) = sum_i (alpha_i P_i + beta_i P_i p_i + gamma_i p_i) >= rhs``
(:class:`Linear`), the form the Lagrangian separates over policies: for fixed
multipliers each policy's share of the Lagrangian is
``P(p) (A + B p) + C p``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from autorisk.errors import DataError, DataIssue, ParameterError, levels_text


@dataclass(frozen=True)
class Linear:
    """One compiled constraint row: ``sum(alpha P + beta P p + gamma p) >= rhs`` (arrays over policies)."""

    name: str
    alpha: np.ndarray
    beta: np.ndarray
    gamma: np.ndarray
    rhs: float
    rows: np.ndarray  # bool mask of the policies it reads

    def value(self, P: np.ndarray, p: np.ndarray) -> float:
        """The left-hand side at retention ``P`` and prices ``p``."""
        return float(np.sum(self.alpha * P + self.beta * P * p + self.gamma * p))

    def subset(self, index: np.ndarray, scale: float) -> Linear:
        """The constraint on the policies ``index`` of the book, its sums scaled by ``scale`` (a sample)."""
        return Linear(self.name, self.alpha[index] * scale, self.beta[index] * scale, self.gamma[index] * scale,
                      self.rhs, self.rows[index])  # fmt: skip


def _weights(book: pd.DataFrame, weights: str | None) -> np.ndarray:
    if weights is None:
        return np.ones(len(book))
    if weights not in book.columns:
        raise DataError(DataIssue(weights, "missing column", "the weights of a constraint"), table="book")
    w = book[weights].to_numpy(dtype=float, na_value=np.nan)
    bad = ~(np.isfinite(w) & (w >= 0))
    if bad.any():
        raise DataError(DataIssue.from_mask(weights, "not a weight", "finite values >= 0", bad, book.index,
                                            book[weights]), table="book")  # fmt: skip
    return w


def _target(value: float, label: str, low: float = -np.inf, high: float = np.inf) -> float:
    if not (isinstance(value, int | float) and np.isfinite(value) and low <= value <= high):
        raise ParameterError(f"{label} must be a finite number in [{low}, {high}], got {value!r}")
    return float(value)


def _levels(book: pd.DataFrame, column: str, wanted: Mapping[Any, Any]) -> pd.Series:
    if column not in book.columns:
        raise DataError(DataIssue(column, "missing column", "the segment column of a constraint"), table="book")
    present = set(book[column].dropna().unique().tolist())
    unknown = [k for k in wanted if k not in present]
    if unknown:
        raise ParameterError(f"segment levels {levels_text(unknown)} of {column!r} are not in the book "
                             f"(levels: {levels_text(sorted(present, key=str))})")  # fmt: skip
    return book[column]


@dataclass(frozen=True)
class MinRetention:
    """Expected retention of the book (mean of P, or weighted by a column) at least ``target``.

    Parameters
    ----------
    target : float
        Share in [0, 1].
    weights : str, optional
        Column of weights (e.g. the current premium for premium retention).

    Examples
    --------
    >>> MinRetention(0.85).compile(pd.DataFrame(index=range(4)), np.full(4, 100.0))[0].alpha.tolist()
    [0.25, 0.25, 0.25, 0.25]
    """

    target: float
    weights: str | None = None

    def compile(self, book: pd.DataFrame, current: np.ndarray) -> list[Linear]:
        """The constraint rows on ``book`` (``current``: the current premiums)."""
        target = _target(self.target, "MinRetention target", 0.0, 1.0)
        w = _weights(book, self.weights)
        n, z = len(book), np.zeros(len(book))
        return [Linear("min_retention", w / w.sum(), z, z, target, np.ones(n, dtype=bool))]


@dataclass(frozen=True)
class MinVolume:
    """Expected premium volume ``sum P_i price_i`` at least ``target`` (money).

    Parameters
    ----------
    target : float
        Expected renewed premium, in the currency of the book.

    Examples
    --------
    >>> MinVolume(1000.0).compile(pd.DataFrame(index=range(2)), np.full(2, 100.0))[0].beta.tolist()
    [0.5, 0.5]
    """

    target: float

    def compile(self, book: pd.DataFrame, current: np.ndarray) -> list[Linear]:
        """The constraint rows on ``book``: the volume per policy (``target / n`` on the right)."""
        target = _target(self.target, "MinVolume target", 0.0)
        n, z = len(book), np.zeros(len(book))
        return [Linear("min_volume", z, np.full(n, 1.0 / n), z, target / n, np.ones(n, dtype=bool))]


@dataclass(frozen=True)
class MaxAverageChange:
    """Average offered change ``mean(price / current - 1)`` at most ``target``.

    Parameters
    ----------
    target : float
        E.g. 0.05 for at most +5% on average.
    weighted : bool
        Premium-weighted instead: ``sum(price) / sum(current) - 1``.

    Examples
    --------
    >>> MaxAverageChange(0.05).compile(pd.DataFrame(index=range(2)), np.array([100.0, 200.0]))[0].gamma.tolist()
    [-0.005, -0.0025]
    """

    target: float
    weighted: bool = False

    def compile(self, book: pd.DataFrame, current: np.ndarray) -> list[Linear]:
        """The constraint row on ``book``: ``-mean(p / current) >= -(1 + target)``."""
        target = _target(self.target, "MaxAverageChange target", -1.0)
        n, z = len(book), np.zeros(len(book))
        gamma = -np.full(n, 1.0 / current.sum()) if self.weighted else -1.0 / (n * current)
        return [Linear("max_average_change", z, z, gamma, -(1.0 + target), np.ones(n, dtype=bool))]


@dataclass(frozen=True)
class SegmentRetention:
    """Expected retention of each named level of a segment at least its target.

    Parameters
    ----------
    column : str
        The segment column.
    targets : mapping
        ``{level: minimum retention}``.

    Examples
    --------
    >>> book = pd.DataFrame({"region": ["N", "N", "S"]})
    >>> [c.name for c in SegmentRetention("region", {"S": 0.9}).compile(book, np.ones(3))]
    ['segment_retention[region=S]']
    """

    column: str
    targets: Mapping[Any, float] = field(default_factory=dict)

    def compile(self, book: pd.DataFrame, current: np.ndarray) -> list[Linear]:
        """One row per level: ``mean of P over the level >= target``."""
        levels = _levels(book, self.column, self.targets)
        z, out = np.zeros(len(book)), []
        for level, target in self.targets.items():
            rows = (levels == level).to_numpy(dtype=bool, na_value=False)
            t = _target(target, f"SegmentRetention target of {level!r}", 0.0, 1.0)
            out.append(Linear(f"segment_retention[{self.column}={level}]", rows / rows.sum(), z, z, t, rows))
        return out


@dataclass(frozen=True)
class SegmentChange:
    """Average offered change of each named level of a segment within ``(low, high)``.

    Parameters
    ----------
    column : str
        The segment column.
    bounds : mapping
        ``{level: (low, high)}``; either side may be None.

    Examples
    --------
    >>> book = pd.DataFrame({"region": ["N", "N", "S"]})
    >>> [c.name for c in SegmentChange("region", {"N": (-0.05, 0.1)}).compile(book, np.ones(3))]
    ['segment_change_min[region=N]', 'segment_change_max[region=N]']
    """

    column: str
    bounds: Mapping[Any, tuple[float | None, float | None]] = field(default_factory=dict)

    def compile(self, book: pd.DataFrame, current: np.ndarray) -> list[Linear]:
        """Up to two rows per level: ``mean(p / current) - 1`` above ``low`` and below ``high``."""
        levels = _levels(book, self.column, self.bounds)
        z, out = np.zeros(len(book)), []
        for level, (low, high) in self.bounds.items():
            rows = (levels == level).to_numpy(dtype=bool, na_value=False)
            share = np.where(rows, 1.0 / (rows.sum() * current), 0.0)
            if low is not None:
                t = _target(low, f"SegmentChange low of {level!r}", -1.0)
                out.append(Linear(f"segment_change_min[{self.column}={level}]", z, z, share, 1.0 + t, rows))
            if high is not None:
                t = _target(high, f"SegmentChange high of {level!r}", -1.0)
                out.append(Linear(f"segment_change_max[{self.column}={level}]", z, z, -share, -(1.0 + t), rows))
        return out


Constraint = MinRetention | MinVolume | MaxAverageChange | SegmentRetention | SegmentChange

__all__ = ["MaxAverageChange", "MinRetention", "MinVolume", "SegmentChange", "SegmentRetention"]
