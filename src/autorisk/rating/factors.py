"""Rating factors: how one policy attribute (or two) becomes a relativity.

Each factor is plain data (JSON-serialisable through :meth:`to_dict`) and
applies vectorised to a whole table: ``relativities(table)`` returns one float
per row, or raises :class:`~autorisk.errors.QuoteError` naming the column,
the offending values and the rows.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from autorisk.errors import DataIssue, PlanError, QuoteError


def _gather(codes: ColumnCodes, column: str, levels: list[Any], table: np.ndarray) -> np.ndarray:
    """Relativity of each row's level; unknown or missing levels raise QuoteError.

    Each distinct value is looked up once (a categorical's categories, or the
    uniques of :func:`pandas.factorize`), then gathered by integer code: the
    cost per row is one array index, whatever the column's dtype.
    """
    row_codes, uniques = codes.codes(column)
    positions = pd.Index(levels, dtype=object).get_indexer(pd.Index(uniques, dtype=object))
    # Code -1 (missing) reads the trailing NaN, as does any value not among the levels.
    lookup = np.append(np.where(positions >= 0, table[positions], np.nan), np.nan)
    result = lookup[row_codes]
    unknown = np.isnan(result)
    if unknown.any():
        values = codes.table[column]
        raise QuoteError(
            str(DataIssue.from_mask(column, "unknown level", f"one of {levels}", unknown, values.index, values))
        )
    return result


class ColumnCodes:
    """Integer codes of a table's columns, computed once per quote and shared by every factor.

    Coverages rate the same columns with different tables: encoding a string
    column (hashing) or banding a numeric one (binary search) dominates the
    cost, so each is done once per column (and set of cut points).
    """

    def __init__(self, table: pd.DataFrame):
        self.table = table
        self._codes: dict[str, tuple[np.ndarray, pd.Index]] = {}
        self._bands: dict[tuple[str, tuple[float, ...]], np.ndarray] = {}

    def codes(self, column: str) -> tuple[np.ndarray, pd.Index]:
        if column not in self._codes:
            self._codes[column] = _encode(self.table[column])
        return self._codes[column]

    def bands(self, column: str, cut_points: tuple[float, ...]) -> np.ndarray:
        key = (column, cut_points)
        if key not in self._bands:
            values = self.table[column]
            try:
                x = values.to_numpy(dtype=float, na_value=np.nan)
            except (TypeError, ValueError):
                raise QuoteError(f"column '{column}': not numeric (expected numbers), dtype {values.dtype}") from None
            bad = ~np.isfinite(x)
            if bad.any():
                raise QuoteError(str(DataIssue.from_mask(column, "missing or infinite", "finite numbers", bad,
                                                         values.index, values)))  # fmt: skip
            self._bands[key] = np.searchsorted(np.asarray(cut_points, dtype=float), x, side="right")
        return self._bands[key]


def _as_codes(data: pd.DataFrame | ColumnCodes) -> ColumnCodes:
    return data if isinstance(data, ColumnCodes) else ColumnCodes(data)


def _encode(values: pd.Series) -> tuple[np.ndarray, pd.Index]:
    """Integer code of each row (-1 for missing) and the distinct values they index."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        return values.cat.codes.to_numpy(), values.cat.categories
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    return codes, pd.Index(uniques)


def _scalar_error(column: str, value: Any, expected: str) -> QuoteError:
    return QuoteError(f"column '{column}': cannot rate value {value!r} (expected {expected})")


@dataclass(frozen=True)
class CategoricalFactor:
    """Lookup ``level -> relativity`` on one column.

    ``overridden`` lists the levels whose relativity was set by hand rather
    than taken from a model, so a plan records its judgement calls.
    """

    name: str
    column: str
    levels: tuple[Any, ...]
    values: tuple[float, ...]
    overridden: tuple[Any, ...] = ()
    kind: ClassVar[str] = "categorical"

    def __post_init__(self) -> None:
        _check_relativities(self.name, self.values, len(self.levels))
        object.__setattr__(self, "_by_level", dict(zip(self.levels, self.values, strict=True)))

    @property
    def columns(self) -> tuple[str, ...]:
        return (self.column,)

    def relativities(self, data: pd.DataFrame | ColumnCodes) -> np.ndarray:
        """Relativity of every row of a table (or of its shared :class:`ColumnCodes`)."""
        return _gather(_as_codes(data), self.column, list(self.levels), np.asarray(self.values, dtype=float))

    def relativity(self, policy: dict[str, Any]) -> float:
        """Relativity of one policy (a mapping of attributes)."""
        value = policy[self.column]
        try:
            return self._by_level[value]
        except (KeyError, TypeError):
            raise _scalar_error(self.column, value, f"one of {list(self.levels)}") from None

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind, "name": self.name, "column": self.column,
            "table": [[_json_level(level), value] for level, value in zip(self.levels, self.values, strict=True)],
            "overridden": [_json_level(level) for level in self.overridden],
        }  # fmt: skip

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CategoricalFactor:
        levels, values = zip(*data["table"], strict=True) if data["table"] else ((), ())
        return cls(data["name"], data["column"], tuple(levels), tuple(float(v) for v in values),
                   tuple(data.get("overridden", ())))  # fmt: skip


@dataclass(frozen=True)
class BandFactor:
    """Numeric bands ``< c1, [c1, c2), ..., >= ck`` (inner cut points, closed on the left)."""

    name: str
    column: str
    cut_points: tuple[float, ...]
    values: tuple[float, ...]
    overridden: tuple[int, ...] = ()
    kind: ClassVar[str] = "bands"

    def __post_init__(self) -> None:
        if any(b <= a for a, b in zip(self.cut_points, self.cut_points[1:], strict=False)):
            raise PlanError(f"factor {self.name!r}: cut points must increase, got {list(self.cut_points)}")
        _check_relativities(self.name, self.values, len(self.cut_points) + 1)

    @property
    def columns(self) -> tuple[str, ...]:
        return (self.column,)

    def relativities(self, data: pd.DataFrame | ColumnCodes) -> np.ndarray:
        codes = _as_codes(data).bands(self.column, self.cut_points)
        return np.asarray(self.values, dtype=float)[codes]

    def relativity(self, policy: dict[str, Any]) -> float:
        value = policy[self.column]
        try:
            x = float(value)
        except (TypeError, ValueError):
            raise _scalar_error(self.column, value, "a number") from None
        if x != x or x in (float("inf"), float("-inf")):
            raise _scalar_error(self.column, value, "a finite number")
        return self.values[bisect.bisect_right(self.cut_points, x)]

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "name": self.name, "column": self.column,
                "cut_points": list(self.cut_points), "values": list(self.values),
                "overridden": list(self.overridden)}  # fmt: skip

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> BandFactor:
        return cls(data["name"], data["column"], tuple(float(c) for c in data["cut_points"]),
                   tuple(float(v) for v in data["values"]), tuple(data.get("overridden", ())))  # fmt: skip


@dataclass(frozen=True)
class InteractionFactor:
    """Two-way table ``(level_a, level_b) -> relativity``; pairs not listed have relativity 1."""

    name: str
    column_a: str
    column_b: str
    cells: tuple[tuple[Any, Any, float], ...] = field(default_factory=tuple)
    kind: ClassVar[str] = "interaction"

    def __post_init__(self) -> None:
        _check_relativities(self.name, tuple(c[2] for c in self.cells), len(self.cells))
        object.__setattr__(self, "_by_pair", {(a, b): v for a, b, v in self.cells})

    @property
    def columns(self) -> tuple[str, ...]:
        return (self.column_a, self.column_b)

    def relativities(self, data: pd.DataFrame | ColumnCodes) -> np.ndarray:
        codes = _as_codes(data)
        codes_a, uniques_a = codes.codes(self.column_a)
        codes_b, uniques_b = codes.codes(self.column_b)
        # A 2-D table over the distinct values present (plus a missing row/column), gathered by codes.
        lookup = np.ones((len(uniques_a) + 1, len(uniques_b) + 1))
        index_a = {v: i for i, v in enumerate(uniques_a)}
        index_b = {v: i for i, v in enumerate(uniques_b)}
        for level_a, level_b, value in self.cells:
            if level_a in index_a and level_b in index_b:
                lookup[index_a[level_a], index_b[level_b]] = value
        return lookup[codes_a, codes_b]

    def relativity(self, policy: dict[str, Any]) -> float:
        return self._by_pair.get((policy[self.column_a], policy[self.column_b]), 1.0)

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "name": self.name, "columns": [self.column_a, self.column_b],
                "cells": [[_json_level(a), _json_level(b), v] for a, b, v in self.cells]}  # fmt: skip

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> InteractionFactor:
        a, b = data["columns"]
        return cls(data["name"], a, b, tuple((x, y, float(v)) for x, y, v in data["cells"]))


FACTOR_KINDS = {cls.kind: cls for cls in (CategoricalFactor, BandFactor, InteractionFactor)}
Factor = CategoricalFactor | BandFactor | InteractionFactor


def factor_from_dict(data: dict[str, Any]) -> Factor:
    try:
        kind = FACTOR_KINDS[data["kind"]]
    except KeyError:
        raise PlanError(f"unknown factor kind {data.get('kind')!r}; valid kinds: {sorted(FACTOR_KINDS)}") from None
    return kind.from_dict(data)


def _check_relativities(name: str, values: tuple[float, ...], expected: int) -> None:
    if len(values) != expected:
        raise PlanError(f"factor {name!r}: {len(values)} relativities for {expected} levels")
    array = np.asarray(values, dtype=float)
    if not np.all(np.isfinite(array)) or np.any(array <= 0):
        raise PlanError(f"factor {name!r}: relativities must be finite and > 0, got {list(values)}")


def _json_level(level: Any) -> Any:
    """Levels as JSON scalars (numpy integers become ints, everything else str unless bool/int/float)."""
    if isinstance(level, np.generic):
        return level.item()
    if isinstance(level, (bool, int, float, str)):
        return level
    return str(level)
