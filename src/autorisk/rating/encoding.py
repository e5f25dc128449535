"""Integer codes of a table's columns, computed once per quote, and the problems found on the way.

Coverages rate the same columns with different tables: encoding a string
column (hashing), banding a numeric one (binary search) or checking a ladder
level is done once per column and shared by every factor through
:class:`ColumnCodes`. A value a factor cannot rate is not raised at once: it is
recorded (column, rule, rows) and its rows get a NaN relativity, so that one
quote reports every problem together, or flags the bad rows when asked to.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from autorisk.errors import DataIssue


@dataclass(frozen=True)
class RowProblem:
    """A check failed by some rows: the issue (for messages) and the boolean mask (for flags)."""

    issue: DataIssue
    mask: np.ndarray


class ColumnCodes:
    """Shared encodings of one table's columns, plus the problems the factors found.

    Parameters
    ----------
    table : DataFrame
        The policies being quoted.
    """

    def __init__(self, table: pd.DataFrame):
        self.table = table
        self.problems: list[RowProblem] = []
        self._cache: dict[tuple[Any, ...], Any] = {}

    # ------------------------------------------------------------ problems
    def report(
        self, column: str | tuple[str, ...], rule: str, expected: str, mask: np.ndarray, values: Any = None
    ) -> None:
        """Record that the rows in ``mask`` break ``rule`` on ``column`` (once per column, rule and expectation).

        ``column`` may be a tuple of columns (a two-way table): the values shown are then tuples.
        ``values`` replaces the column's values in the message (e.g. a computed premium).
        """
        columns = (column,) if isinstance(column, str) else tuple(column)
        name = ", ".join(columns)
        if any((p.issue.column, p.issue.rule, p.issue.expected) == (name, rule, expected) for p in self.problems):
            return
        if values is None:
            values = self.table[columns[0]] if len(columns) == 1 else _Rows(self.table, columns)
        issue = DataIssue.from_mask(name, rule, expected, mask, self.table.index, values)
        self.problems.append(RowProblem(issue, mask))

    # ----------------------------------------------------------- encodings
    # Every encoding is an intp array of non-negative codes; a row that cannot be rated gets a code
    # past the end of its table, which :func:`gather` reads as NaN. (``np.take(..., mode="clip")``
    # into a preallocated row is the fastest gather numpy has: no bounds-check buffer, no temporary.)

    def codes(self, column: str) -> tuple[np.ndarray, pd.Index]:
        """Code of each row's value among the distinct values returned (missing: ``len(values)``)."""
        key = ("codes", column)
        if key not in self._cache:
            values = self.table[column]
            if isinstance(values.dtype, pd.CategoricalDtype):
                codes, uniques = values.cat.codes.to_numpy(), values.cat.categories
            elif (small := _small_integer_range(values)) is not None:
                # Integers on a short range: the value minus the minimum is already a code.
                codes, uniques = values.to_numpy().astype(np.intp) - small[0], pd.Index(range(small[0], small[1] + 1))
            else:
                codes, uniques = pd.factorize(values, use_na_sentinel=True)
                uniques = pd.Index(uniques)
            codes = codes.astype(np.intp, copy=False)
            if codes.size and codes.min() < 0:
                codes = np.where(codes < 0, len(uniques), codes)
            self._cache[key] = (codes, uniques)
        return self._cache[key]

    def numbers(self, column: str) -> np.ndarray:
        """The column as float64; missing, infinite or non-numeric values are reported and read NaN."""
        key = ("numbers", column)
        if key not in self._cache:
            values = self.table[column]
            try:
                x = values.to_numpy(dtype=float, na_value=np.nan)
            except (TypeError, ValueError):
                x = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
            bad = ~np.isfinite(x)
            if bad.any():
                self.report(column, "missing, infinite or not a number", "finite numbers", bad)
                x = np.where(bad, np.nan, x)
            self._cache[key] = x
        return self._cache[key]

    def bands(self, column: str, cut_points: tuple[float, ...], closed: str = "left") -> np.ndarray:
        """Band number of each row (inner cut points, intervals closed on ``closed``).

        A row whose value is not a finite number gets ``len(cut_points) + 1``.
        """
        key = ("bands", column, cut_points, closed)
        if key not in self._cache:
            cuts = np.asarray(cut_points, dtype=float)
            side = "right" if closed == "left" else "left"
            values = self.table[column]
            if (small := _small_integer_range(values)) is not None:
                # Integer column: band every possible value once, then gather.
                lut = np.searchsorted(cuts, np.arange(small[0], small[1] + 1, dtype=float), side=side)
                bands = lut[values.to_numpy().astype(np.intp) - small[0]]
            else:
                x = self.numbers(column)
                bands = _count_cuts_below(x, cuts, closed) if len(cuts) <= 32 else np.searchsorted(cuts, x, side=side)
                if self._has_problem(column):
                    bands[np.isnan(x)] = len(cuts) + 1
            self._cache[key] = bands
        return self._cache[key]

    def ladder(self, column: str, lowest: int, n_levels: int) -> np.ndarray:
        """Position of each row's integer level on ``lowest .. lowest + n_levels - 1``; ``n_levels`` if off it."""
        key = ("ladder", column, lowest, n_levels)
        if key not in self._cache:
            codes, uniques = self.codes(column)
            per_value = _ladder_positions(pd.Series(uniques), lowest, n_levels)
            position = np.append(per_value, n_levels)[codes]
            bad = position == n_levels
            if bad.any():
                expected = f"an integer level from {lowest} to {lowest + n_levels - 1}"
                self.report(column, "level not on the ladder", expected, bad)
            self._cache[key] = position
        return self._cache[key]

    def _has_problem(self, column: str) -> bool:
        return any(p.issue.column == column for p in self.problems)


class _Rows:
    """Several columns seen as one column of tuples, for the values an issue shows (only those are built)."""

    def __init__(self, table: pd.DataFrame, columns: tuple[str, ...]):
        self.table, self.columns = table, columns

    def take(self, positions: np.ndarray) -> np.ndarray:
        out = np.empty(len(positions), dtype=object)
        out[:] = list(zip(*(self.table[c].take(positions) for c in self.columns), strict=True))
        return out


def _small_integer_range(values: pd.Series, limit: int = 1_000_000) -> tuple[int, int] | None:
    """``(min, max)`` of an integer column (no missing values) whose range is short enough for a lookup table."""
    if not pd.api.types.is_integer_dtype(values.dtype) or isinstance(values.dtype, pd.CategoricalDtype):
        return None
    if values.hasnans or values.empty:
        return None
    array = values.to_numpy()
    low, high = int(array.min()), int(array.max())
    return (low, high) if high - low <= limit else None


def _count_cuts_below(x: np.ndarray, cuts: np.ndarray, closed: str) -> np.ndarray:
    """Band number as the count of cut points a value has passed: one vectorised compare per cut point.

    For the handful of cut points a rating factor has this beats a binary search per row
    (``np.searchsorted``) by about four times, and it gives the same answer.
    """
    count = np.zeros(x.shape, dtype=np.uint8)
    passed = np.empty(x.shape, dtype=bool)
    compare = np.greater_equal if closed == "left" else np.greater
    for cut in cuts:
        compare(x, cut, out=passed)
        count += passed.view(np.uint8)
    return count.astype(np.intp)


def _ladder_positions(values: pd.Series, lowest: int, n_levels: int) -> np.ndarray:
    x = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    whole = np.isfinite(x) & (x == np.floor(x))
    position = np.where(whole, x - lowest, -1.0)
    position[(position < 0) | (position >= n_levels)] = n_levels
    return position.astype(np.intp)


def gather(table: np.ndarray | tuple[float, ...], codes: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """``table[codes]``, where a code past the end of the table reads NaN (a row that could not be rated).

    Codes must be non-negative intp (as every :class:`ColumnCodes` encoding is).
    """
    return np.take(np.append(np.asarray(table, dtype=float), np.nan), codes, out=out, mode="clip")
