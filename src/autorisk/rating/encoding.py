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
from autorisk.rating.values import (
    MISSING,
    NOT_FINITE,
    NUMBER,
    TEXT_NUMBER,
    Unhashable,
    as_number,
    is_missing,
    ladder_position,
    level_key,
    text_hint,
)


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
        """Code of each row's value among the distinct values returned (missing: ``len(values)``).

        Distinct means distinct under the type rules of :mod:`autorisk.rating.values`: in a column
        of mixed Python objects, ``True`` and ``1`` (which pandas' hashing merges) stay apart, and
        unhashable values (lists, dicts) share one code whose value is never a level or a number.
        """
        key = ("codes", column)
        if key not in self._cache:
            values = self.table[column]
            if isinstance(values.dtype, pd.CategoricalDtype):
                codes, uniques = values.cat.codes.to_numpy(), values.cat.categories
            elif (small := _small_integer_range(values)) is not None:
                # Integers on a short range: the value minus the minimum is already a code.
                codes, uniques = values.to_numpy().astype(np.intp) - small[0], pd.Index(range(small[0], small[1] + 1))
            elif values.dtype == object and pd.api.types.infer_dtype(values, skipna=True) not in _HOMOGENEOUS:
                codes, uniques = _typed_factorize(values.to_numpy())
            else:
                codes, uniques = pd.factorize(values, use_na_sentinel=True)
                uniques = pd.Index(uniques)
            codes = codes.astype(np.intp, copy=False)
            if codes.size and codes.min() < 0:
                codes = np.where(codes < 0, len(uniques), codes)
            self._cache[key] = (codes, uniques)
        return self._cache[key]

    def level_positions(self, column: str, positions_by_key: dict[Any, int]) -> np.ndarray:
        """Position of each distinct value of ``column`` (in :meth:`codes` order) among a factor's levels.

        ``positions_by_key`` maps :func:`~autorisk.rating.values.level_key` of each level to its
        position; a value that is not a level (or missing, or not a value of a level's kind) gets -1.
        """
        _, uniques = self.codes(column)
        if _plain_numeric(self.table[column]) and len(uniques) > _PER_VALUE_LIMIT:
            # Many distinct numbers (a long integer range): match the numeric levels vectorised.
            numeric = {k[1]: p for k, p in positions_by_key.items() if k[0] == NUMBER}
            found = pd.Index(list(numeric), dtype=float).get_indexer(np.asarray(uniques, dtype=float))
            return np.where(found >= 0, np.asarray(list(numeric.values()), dtype=np.intp)[found], -1)
        return np.fromiter((positions_by_key.get(level_key(u), -1) for u in uniques), dtype=np.intp,
                           count=len(uniques))  # fmt: skip

    def numbers(self, column: str) -> np.ndarray:
        """The column as float64; values that are not finite numbers are reported (by reason) and read NaN.

        The rules are :func:`autorisk.rating.values.as_number`'s: booleans and text are refused.
        """
        key = ("numbers", column)
        if key not in self._cache:
            values = self.table[column]
            x = _as_floats(values)
            if x is not None:
                reasons = np.where(np.isnan(x), 0, np.where(np.isinf(x), 1, -1))
                x = np.where(np.isfinite(x), x, np.nan) if reasons.max(initial=-1) >= 0 else x
                by_reason = (MISSING, NOT_FINITE)
            else:
                codes, uniques = self.codes(column)
                read = [as_number(u) for u in uniques] + [MISSING]
                by_reason = tuple(dict.fromkeys(r for r in read if isinstance(r, str)))
                per_value = np.array([np.nan if isinstance(r, str) else r for r in read])
                per_reason = np.array([by_reason.index(r) if isinstance(r, str) else -1 for r in read])
                x, reasons = per_value[codes], per_reason[codes]
            for i, reason in enumerate(by_reason):
                mask = reasons == i
                if mask.any():
                    hint = text_hint(values[mask].head(50)) if reason == TEXT_NUMBER else ""
                    self.report(column, reason, "a finite number" + hint, mask)
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
            x = _as_floats(self.table[column])
            if x is not None:
                with np.errstate(invalid="ignore"):
                    whole = np.isfinite(x) & (x == np.floor(x))
                    offset = np.where(whole, x - lowest, -1.0)
                position = np.where((offset >= 0) & (offset < n_levels), offset, n_levels).astype(np.intp)
            else:
                codes, uniques = self.codes(column)
                per_value = np.array([ladder_position(u, lowest, n_levels) for u in uniques] + [-1], dtype=np.intp)
                position = np.where(per_value >= 0, per_value, n_levels)[codes]
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


#: Kinds of object column (``pd.api.types.infer_dtype``) whose values pandas may hash as they are:
#: one Python type, so ``True`` never meets ``1`` and nothing is unhashable. (Object columns of
#: Python ints are decided per value: an int too large for int64 trips pandas' hashing.)
_HOMOGENEOUS = frozenset({"string", "floating", "boolean", "empty", "bytes",
                          "decimal", "datetime", "datetime64", "date", "timedelta", "timedelta64", "period"})  # fmt: skip
#: Up to this many distinct values, a factor decides each one in Python (the exact type rules).
_PER_VALUE_LIMIT = 10_000


def _plain_numeric(values: pd.Series) -> bool:
    """An int, unsigned or float column (numpy or nullable): every value a number or missing, none a boolean."""
    dtype = values.dtype
    return (pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype)
            and not pd.api.types.is_complex_dtype(dtype) and not isinstance(dtype, pd.CategoricalDtype))  # fmt: skip


def _as_floats(values: pd.Series) -> np.ndarray | None:
    """The column as float64 when every value is a real number or missing (None otherwise: decide per value).

    A numeric column converts as it is; an object column converts when it holds only Python or
    numpy numbers (no boolean, no text) and none overflows a double.
    """
    if _plain_numeric(values):
        return values.to_numpy(dtype=float, na_value=np.nan)
    if values.dtype == object and pd.api.types.infer_dtype(values, skipna=True) in ("integer", "floating",
                                                                                   "mixed-integer-float"):
        try:
            return values.to_numpy(dtype=float, na_value=np.nan)
        except (OverflowError, TypeError, ValueError):
            return None
    return None


def _typed_factorize(array: np.ndarray) -> tuple[np.ndarray, pd.Index]:
    """``pd.factorize`` of a column of mixed Python objects, keyed by :func:`level_key` (kind and value).

    Missing values get -1. Each distinct key keeps its first value as its representative (numbers
    equal across types share a key: 3 and 3.0).
    """
    index: dict[Any, int] = {}
    uniques: list[Any] = []
    codes = np.empty(len(array), dtype=np.intp)
    unhashable = Unhashable()
    for row, value in enumerate(array):
        key = level_key(value)
        if key is None:
            if is_missing(value):
                codes[row] = -1
                continue
            key, value = ("unhashable",), unhashable
        code = index.get(key)
        if code is None:
            code = index[key] = len(uniques)
            uniques.append(value)
        codes[row] = code
    out = np.empty(len(uniques), dtype=object)
    out[:] = uniques
    return codes, pd.Index(out, dtype=object)


def _small_integer_range(values: pd.Series, limit: int = 1_000_000) -> tuple[int, int] | None:
    """``(min, max)`` of an integer column (no missing values) whose range is short enough for a lookup table."""
    if not pd.api.types.is_integer_dtype(values.dtype) or isinstance(values.dtype, pd.CategoricalDtype):
        return None
    if values.hasnans or values.empty:
        return None
    array = values.to_numpy()
    low, high = int(array.min()), int(array.max())
    bound = np.iinfo(np.intp).max // 2  # codes are intp: a uint64 above it would overflow
    return (low, high) if high - low <= limit and -bound <= low and high <= bound else None


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


def gather(table: np.ndarray | tuple[float, ...], codes: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """``table[codes]``, where a code past the end of the table reads NaN (a row that could not be rated).

    Codes must be non-negative intp (as every :class:`ColumnCodes` encoding is).
    """
    return np.take(np.append(np.asarray(table, dtype=float), np.nan), codes, out=out, mode="clip")
