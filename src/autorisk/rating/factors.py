"""Rating factors: how one policy attribute (or two) becomes a relativity.

Each factor is plain data (JSON-serialisable through :meth:`to_dict`) and
applies vectorised to a whole table: ``relativities(table)`` returns one float
per row, or raises :class:`~autorisk.errors.QuoteError` naming the column,
the offending values and the rows.
"""

from __future__ import annotations

import bisect
import math
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from autorisk.errors import PlanError, QuoteError, levels_text
from autorisk.models.banding import band_labels
from autorisk.rating.encoding import ColumnCodes, gather
from autorisk.rating.values import NUMBER, TEXT, as_number, ladder_position, level_key


def _scalar_error(column: str, value: Any, expected: str) -> QuoteError:
    return QuoteError(f"column '{column}': cannot rate value {value!r} (expected {expected})")


def _finite_number(column: str, value: Any) -> float:
    """The value as a float under :func:`~autorisk.rating.values.as_number`'s rules, or a QuoteError."""
    x = as_number(value)
    if isinstance(x, str):
        raise _scalar_error(column, value, f"a finite number; got {x}")
    return x


def _keyed(name: str, levels: Any) -> dict[Any, int]:
    """Position of each level by its :func:`level_key`; a level that is missing, unhashable or repeated is refused."""
    out: dict[Any, int] = {}
    for position, level in enumerate(levels):
        key = level_key(level)
        if key is None:
            raise PlanError(f"factor {name!r}: level {level!r} cannot be matched (missing or unhashable)")
        if key in out:
            raise PlanError(f"factor {name!r}: levels repeat: {level!r} (levels {levels_text(list(levels))})")
        out[key] = position
    return out


def _as_codes(data: pd.DataFrame | ColumnCodes) -> ColumnCodes:
    return data if isinstance(data, ColumnCodes) else ColumnCodes(data)


def _checked(codes: ColumnCodes, relativities: np.ndarray) -> np.ndarray:
    """Called on a table directly (not through a plan): raise the problems found instead of returning NaN."""
    if codes.problems:
        raise QuoteError([p.issue for p in codes.problems])
    return relativities


class _Vectorised:
    """What every factor kind shares: rating a whole table through its ``lookup``."""

    def relativities(self, data: pd.DataFrame | ColumnCodes) -> np.ndarray:
        """Relativity of every row of a table; raises QuoteError naming the column, values and rows it cannot rate."""
        codes = _as_codes(data)
        return _checked(codes, self.lookup(codes))  # type: ignore[attr-defined]


@dataclass(frozen=True)
class CategoricalFactor(_Vectorised):
    """Lookup ``level -> relativity`` on one column.

    ``overridden`` lists the levels whose relativity was set by hand rather
    than taken from a model, so a plan records its judgement calls.

    Examples
    --------
    >>> use = CategoricalFactor("use", "use", ("private", "business"), (1.0, 1.25))
    >>> use.relativity({"use": "business"})
    1.25
    """

    name: str
    column: str
    levels: tuple[Any, ...]
    values: tuple[float, ...]
    overridden: tuple[Any, ...] = ()
    kind: ClassVar[str] = "categorical"

    def __post_init__(self) -> None:
        _check_relativities(self.name, self.values, len(self.levels))
        positions = _keyed(self.name, self.levels)
        _check_overridden(self.name, self.overridden, self.levels)
        object.__setattr__(self, "_positions", positions)
        object.__setattr__(self, "_by_key", {key: self.values[p] for key, p in positions.items()})
        # quote_one's fast paths for the two common types (a str or an int/float is its own key).
        object.__setattr__(self, "_by_text", {k[1]: v for k, v in self._by_key.items() if k[0] == TEXT})
        object.__setattr__(self, "_by_number", {k[1]: v for k, v in self._by_key.items() if k[0] == NUMBER})

    @property
    def columns(self) -> tuple[str, ...]:
        return (self.column,)

    def table(self) -> list[tuple[Any, float]]:
        """``(level, relativity)`` rows, as filed."""
        return list(zip(self.levels, self.values, strict=True))

    def lookup(self, codes: ColumnCodes, out: np.ndarray | None = None) -> np.ndarray:
        """Relativity of every row (into ``out`` if given); unknown or missing levels read NaN and are reported."""
        row_codes, _ = codes.codes(self.column)
        positions = codes.level_positions(self.column, self._positions)
        # Each distinct value is looked up once, then gathered by integer code: the cost per row
        # is one array index whatever the dtype. Unknown values (position -1) and missing ones
        # (the code past the last distinct value) read NaN.
        per_value = gather(self.values, np.where(positions >= 0, positions, len(self.values)))
        result = gather(per_value, row_codes, out)
        unknown = np.isnan(result)
        if unknown.any():
            codes.report(self.column, "unknown level", f"one of {levels_text(self.levels)}", unknown)
        return result

    def relativity(self, policy: dict[str, Any]) -> float:
        """Relativity of one policy (a mapping of attributes)."""
        value = policy[self.column]
        kind = type(value)
        if kind is str:
            relativity = self._by_text.get(value)
        elif kind is int or kind is float:
            relativity = self._by_number.get(value)
        else:
            relativity = self._by_key.get(level_key(value))
        if relativity is None:
            raise _scalar_error(self.column, value, f"one of {levels_text(self.levels)}")
        return relativity

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind, "name": self.name, "column": self.column,
            "table": [[_json_level(level), value] for level, value in zip(self.levels, self.values, strict=True)],
            "overridden": [_json_level(level) for level in self.overridden],
        }  # fmt: skip

    @classmethod
    def from_series(cls, name: str, column: str, relativities: pd.Series,
                    decimals: int | None = None) -> CategoricalFactor:  # fmt: skip
        """A factor of ``relativities`` indexed by level (numpy scalars as plain Python ones), rounded if asked.

        Examples
        --------
        >>> CategoricalFactor.from_series("zone", "city", pd.Series([0.81234, 1.2], index=["a", "b"]), 3).table()
        [('a', 0.812), ('b', 1.2)]
        """
        values = relativities.round(decimals) if decimals is not None else relativities
        levels = tuple(level.item() if hasattr(level, "item") else level for level in relativities.index)
        return cls(name, column, levels, tuple(float(v) for v in values))

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CategoricalFactor:
        levels, values = zip(*data["table"], strict=True) if data["table"] else ((), ())
        return cls(data["name"], data["column"], tuple(levels), tuple(float(v) for v in values),
                   tuple(data.get("overridden", ())))  # fmt: skip


@dataclass(frozen=True)
class BandFactor(_Vectorised):
    """Numeric bands: inner cut points ``c1 < ... < ck`` make ``k + 1`` intervals, each with a relativity.

    ``closed="left"`` gives ``(-inf, c1), [c1, c2), ..., [ck, inf)``;
    ``closed="right"`` gives ``(-inf, c1], (c1, c2], ..., (ck, inf)``.
    ``lower`` / ``upper`` (inclusive, optional) are the range of values the
    plan accepts at all: an 8-year-old driver is an error, not the youngest band.

    Examples
    --------
    >>> age = BandFactor("age", "driver_age", (25.0, 60.0), (1.6, 1.0, 1.2), lower=18, upper=99)
    >>> age.relativity({"driver_age": 25}), age.labels()
    (1.0, ['[18, 25)', '[25, 60)', '[60, 99]'])
    """

    name: str
    column: str
    cut_points: tuple[float, ...]
    values: tuple[float, ...]
    overridden: tuple[int, ...] = ()
    closed: str = "left"
    lower: float | None = None
    upper: float | None = None
    kind: ClassVar[str] = "bands"

    def __post_init__(self) -> None:
        if any(b <= a for a, b in zip(self.cut_points, self.cut_points[1:], strict=False)):
            raise PlanError(f"factor {self.name!r}: cut points must increase, got {list(self.cut_points)}")
        if self.closed not in ("left", "right"):
            raise PlanError(f"factor {self.name!r}: closed must be 'left' or 'right', got {self.closed!r}")
        _check_relativities(self.name, self.values, len(self.cut_points) + 1)
        _check_overridden(self.name, self.overridden, range(len(self.values)))
        object.__setattr__(self, "_find", bisect.bisect_right if self.closed == "left" else bisect.bisect_left)
        ends = [e for e in (self.lower, self.upper) if e is not None]
        if any(not math.isfinite(e) for e in ends) or (
            self.lower is not None and self.upper is not None and self.lower > self.upper
        ):
            raise PlanError(f"factor {self.name!r}: range [{self.lower}, {self.upper}] is not a finite interval")
        if self.cut_points and (
            (self.lower is not None and self.lower >= self.cut_points[0])
            or (self.upper is not None and self.upper <= self.cut_points[-1])
        ):
            raise PlanError(
                f"factor {self.name!r}: range [{self.lower}, {self.upper}] must contain every cut point "
                f"{list(self.cut_points)} strictly"
            )

    @property
    def columns(self) -> tuple[str, ...]:
        return (self.column,)

    def labels(self) -> list[str]:
        """Interval notation of each band, e.g. ``'[25, 60)'``."""
        edges = [self.lower, *self.cut_points, self.upper]
        left, right = ("[", ")") if self.closed == "left" else ("(", "]")
        out = []
        for i, (a, b) in enumerate(zip(edges, edges[1:], strict=False)):
            lo = "(-inf" if a is None else (("[" if i == 0 else left) + _number(a))
            hi = "inf)" if b is None else (_number(b) + ("]" if i == len(edges) - 2 else right))
            out.append(f"{lo}, {hi}")
        return out

    def table(self) -> list[tuple[Any, float]]:
        return list(zip(self.labels(), self.values, strict=True))

    def lookup(self, codes: ColumnCodes, out: np.ndarray | None = None) -> np.ndarray:
        band = codes.bands(self.column, self.cut_points, self.closed)
        if self.lower is not None or self.upper is not None:
            x = codes.numbers(self.column)
            outside = (x < (-np.inf if self.lower is None else self.lower)) | (x > (np.inf if self.upper is None else self.upper))
            if outside.any():
                codes.report(self.column, "out of range", f"a number in [{self.lower}, {self.upper}]", outside)
                band = np.where(outside, len(self.values), band)
        return gather(self.values, band, out)

    def relativity(self, policy: dict[str, Any]) -> float:
        x = policy[self.column]
        if type(x) is not float or not math.isfinite(x):
            x = _finite_number(self.column, x)
        if (self.lower is not None and x < self.lower) or (self.upper is not None and x > self.upper):
            raise _scalar_error(self.column, policy[self.column], f"a number in [{self.lower}, {self.upper}]")
        return self.values[self._find(self.cut_points, x)]

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "name": self.name, "column": self.column, "closed": self.closed,
                "lower": self.lower, "upper": self.upper, "cut_points": list(self.cut_points),
                "values": list(self.values), "overridden": list(self.overridden)}  # fmt: skip

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> BandFactor:
        return cls(data["name"], data["column"], tuple(float(c) for c in data["cut_points"]),
                   tuple(float(v) for v in data["values"]), tuple(data.get("overridden", ())),
                   data.get("closed", "left"), data.get("lower"), data.get("upper"))  # fmt: skip


@dataclass(frozen=True)
class InteractionFactor(_Vectorised):
    """Two-way table ``(level_a, level_b) -> relativity``.

    With ``default=1.0`` (a GLM interaction: only the non-base cells are
    listed) pairs not listed have relativity 1; with ``default=None`` the table
    is complete and a pair not listed is an error (e.g. a floating-rate table
    by region group and claim-history category).

    A numeric column enters by its bands: ``cut_points_a`` (or ``_b``) are
    the inner cut points (closed on the left) and the levels of that side are
    the band labels of :func:`autorisk.models.banding.band_labels`
    (``'<25'``, ``'[25, 30)'``, ``'>=30'``), as in a GLM's banded term.

    Examples
    --------
    >>> pair = InteractionFactor("age x price", "young", "expensive", ((True, True, 1.4),))
    >>> pair.relativity({"young": True, "expensive": True}), pair.relativity({"young": False, "expensive": True})
    (1.4, 1.0)
    """

    name: str
    column_a: str
    column_b: str
    cells: tuple[tuple[Any, Any, float], ...] = field(default_factory=tuple)
    default: float | None = 1.0
    overridden: tuple[tuple[Any, Any], ...] = ()
    cut_points_a: tuple[float, ...] | None = None
    cut_points_b: tuple[float, ...] | None = None
    kind: ClassVar[str] = "interaction"

    def __post_init__(self) -> None:
        _check_relativities(self.name, tuple(c[2] for c in self.cells), len(self.cells))
        if self.default is not None:
            _check_relativities(self.name, (self.default,), 1)
        pairs = [(a, b) for a, b, _ in self.cells]
        by_keys: dict[tuple[Any, Any], float] = {}
        for a, b, value in self.cells:
            keys = (level_key(a), level_key(b))
            if None in keys:
                raise PlanError(f"factor {self.name!r}: cell {(a, b)!r} cannot be matched (a missing or unhashable level)")
            if keys in by_keys:
                raise PlanError(f"factor {self.name!r}: cells repeat: {(a, b)!r}")
            by_keys[keys] = value
        _check_overridden(self.name, self.overridden, pairs)
        object.__setattr__(self, "_by_keys", by_keys)
        # The kinds of level each side's cells hold: a value of another kind (True where the cells
        # hold numbers, 3 where they hold text) is refused rather than rated at the default.
        object.__setattr__(self, "_kinds", tuple(frozenset(k[i][0] for k in by_keys) for i in (0, 1)))
        labels = []
        for side, cuts in (("a", self.cut_points_a), ("b", self.cut_points_b)):
            if cuts is not None and any(y <= x for x, y in zip(cuts, cuts[1:], strict=False)):
                raise PlanError(f"factor {self.name!r}: cut points of side {side} must increase, got {list(cuts)}")
            labels.append(None if cuts is None else band_labels(np.asarray(cuts, dtype=float)))
        for position, side_labels in enumerate(labels):
            unknown = sorted({str(c[position]) for c in self.cells} - set(side_labels or ())) if side_labels else []
            if unknown:
                raise PlanError(f"factor {self.name!r}: levels {unknown} are not bands of {side_labels}")
        object.__setattr__(self, "_labels", tuple(labels))

    @property
    def columns(self) -> tuple[str, ...]:
        return (self.column_a, self.column_b)

    @property
    def values(self) -> tuple[float, ...]:
        """The cells' relativities (the default, if any, is not among them)."""
        return tuple(v for _, _, v in self.cells)

    def table(self) -> list[tuple[Any, float]]:
        return [((a, b), v) for a, b, v in self.cells]

    def _side(self, codes: ColumnCodes, side: int) -> tuple[np.ndarray, list[Any], np.ndarray]:
        """Row codes, the level key of each distinct value, and which distinct values are levels."""
        column, cuts = self.columns[side], (self.cut_points_a, self.cut_points_b)[side]
        if cuts is not None:
            # Bands of a numeric column: band number as code, band labels as the values (not rateable: past the end).
            labels = self._labels[side]
            return codes.bands(column, tuple(float(c) for c in cuts)), [level_key(x) for x in labels], np.ones(len(labels), bool)
        row_codes, uniques = codes.codes(column)
        keys = [level_key(u) for u in uniques]
        kinds = self._kinds[side]
        valid = np.array([k is not None and (not kinds or k[0] in kinds) for k in keys], dtype=bool)
        return row_codes, keys, valid

    def lookup(self, codes: ColumnCodes, out: np.ndarray | None = None) -> np.ndarray:
        codes_a, keys_a, valid_a = self._side(codes, 0)
        codes_b, keys_b, valid_b = self._side(codes, 1)
        # A 2-D table over the distinct values present, with a trailing NaN row and column for
        # missing values (their code is one past the last distinct value), gathered by codes.
        fill = np.nan if self.default is None else self.default
        lookup = np.full((len(keys_a) + 1, len(keys_b) + 1), fill)
        lookup[-1, :] = np.nan
        lookup[:, -1] = np.nan
        lookup[:-1][~valid_a] = np.nan
        lookup[:, :-1][:, ~valid_b] = np.nan
        index_a = {k: i for i, k in enumerate(keys_a) if valid_a[i]}
        index_b = {k: i for i, k in enumerate(keys_b) if valid_b[i]}
        for (key_a, key_b), value in self._by_keys.items():
            if key_a in index_a and key_b in index_b:
                lookup[index_a[key_a], index_b[key_b]] = value
        flat = codes_a * (len(keys_b) + 1)
        flat += codes_b
        result = np.take(lookup.ravel(), flat, out=out, mode="clip")
        bad = np.isnan(result)
        if bad.any():
            unrated = []
            for column, row_codes, valid, n in ((self.column_a, codes_a, valid_a, len(keys_a)),
                                                (self.column_b, codes_b, valid_b, len(keys_b))):  # fmt: skip
                missing = row_codes == n
                if missing.any():
                    codes.report(column, "missing value", "a level", missing)
                not_level = ~np.append(valid, True)[row_codes]
                if not_level.any():
                    codes.report(column, "not a level", f"a value of the kind of the levels in {self.name!r}", not_level)
                unrated.append(missing | not_level)
            unlisted = bad & ~unrated[0] & ~unrated[1]
            if unlisted.any():
                codes.report((self.column_a, self.column_b), "pair not in table",
                             f"a pair listed in {self.name!r}", unlisted)  # fmt: skip
        return result

    def _key(self, side: int, policy: dict[str, Any]) -> Any:
        column = self.columns[side]
        value = policy[column]
        cuts = (self.cut_points_a, self.cut_points_b)[side]
        if cuts is not None:
            return level_key(self._labels[side][bisect.bisect_right(cuts, _finite_number(column, value))])
        key = (TEXT, value) if type(value) is str and value.strip() else level_key(value)
        if key is None:
            raise _scalar_error(column, value, "a level")
        kinds = self._kinds[side]
        if kinds and key[0] not in kinds:
            raise _scalar_error(column, value, f"a value of the kind of the levels in {self.name!r}")
        return key

    def relativity(self, policy: dict[str, Any]) -> float:
        value = self._by_keys.get((self._key(0, policy), self._key(1, policy)), self.default)
        if value is None:
            pair = (policy[self.column_a], policy[self.column_b])
            raise QuoteError(f"columns '{self.column_a}', '{self.column_b}': pair {pair!r} not in table {self.name!r}")
        return value

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "name": self.name, "columns": [self.column_a, self.column_b],
                "default": self.default, "cells": [[_json_level(a), _json_level(b), v] for a, b, v in self.cells],
                "overridden": [[_json_level(a), _json_level(b)] for a, b in self.overridden],
                "cut_points": [None if c is None else list(c) for c in (self.cut_points_a, self.cut_points_b)]}  # fmt: skip

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> InteractionFactor:
        a, b = data["columns"]
        cuts = [None if c is None else tuple(float(x) for x in c) for c in data.get("cut_points", (None, None))]
        return cls(data["name"], a, b, tuple((x, y, float(v)) for x, y, v in data["cells"]),
                   data.get("default", 1.0), tuple((x, y) for x, y in data.get("overridden", ())), *cuts)  # fmt: skip


@dataclass(frozen=True)
class BonusMalusFactor(_Vectorised):
    """No-claim-discount / bonus-malus ladder: an integer level on ``lowest .. lowest + n - 1`` -> coefficient.

    A level off the ladder (or not an integer) is an error, never the nearest rung.

    Examples
    --------
    >>> ncd = BonusMalusFactor("ncd", "ncd_level", -4, (0.5, 0.6, 0.7, 0.8, 1.0, 1.2, 1.4, 1.6, 1.8, 2.0))
    >>> ncd.levels[0], ncd.levels[-1], ncd.relativity({"ncd_level": -1})
    (-4, 5, 0.8)
    """

    name: str
    column: str
    lowest: int
    values: tuple[float, ...]
    overridden: tuple[int, ...] = ()
    scale: str = ""
    kind: ClassVar[str] = "bonus_malus"

    def __post_init__(self) -> None:
        if isinstance(self.lowest, bool) or not isinstance(self.lowest, (int, np.integer)):
            raise PlanError(f"factor {self.name!r}: lowest level must be an integer, got {self.lowest!r}")
        _check_relativities(self.name, self.values, len(self.values))
        if not self.values:
            raise PlanError(f"factor {self.name!r}: the ladder has no level")
        _check_overridden(self.name, self.overridden, self.levels)

    @property
    def levels(self) -> tuple[int, ...]:
        return tuple(range(int(self.lowest), int(self.lowest) + len(self.values)))

    @property
    def columns(self) -> tuple[str, ...]:
        return (self.column,)

    def table(self) -> list[tuple[Any, float]]:
        return list(zip(self.levels, self.values, strict=True))

    def lookup(self, codes: ColumnCodes, out: np.ndarray | None = None) -> np.ndarray:
        return gather(self.values, codes.ladder(self.column, int(self.lowest), len(self.values)), out)

    def relativity(self, policy: dict[str, Any]) -> float:
        value = policy[self.column]
        if type(value) is int and 0 <= value - self.lowest < len(self.values):
            return self.values[value - self.lowest]
        position = ladder_position(value, int(self.lowest), len(self.values))
        if position < 0:
            expected = f"an integer level from {self.levels[0]} to {self.levels[-1]}"
            raise _scalar_error(self.column, value, expected)
        return self.values[position]

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "name": self.name, "column": self.column, "scale": self.scale,
                "levels": list(self.levels), "values": list(self.values),
                "overridden": list(self.overridden)}  # fmt: skip

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> BonusMalusFactor:
        levels = [int(v) for v in data["levels"]]
        if levels != list(range(levels[0], levels[0] + len(levels))) if levels else True:
            raise PlanError(f"factor {data.get('name')!r}: ladder levels must be consecutive integers, got {levels}")
        return cls(data["name"], data["column"], levels[0], tuple(float(v) for v in data["values"]),
                   tuple(data.get("overridden", ())), data.get("scale", ""))  # fmt: skip


@dataclass(frozen=True)
class BoundedCoefficient(_Vectorised):
    """A coefficient given per policy (e.g. a risk model's score), clamped to ``[lower, upper]``.

    The clamp is part of the quote: :meth:`RatingPlan.quote` adds a column
    ``<coverage>.<name>.clamped`` (-1 raised to ``lower``, +1 lowered to
    ``upper``, 0 unchanged). A missing, non-finite or non-positive input is an
    error, never clamped.

    Examples
    --------
    >>> apc = BoundedCoefficient("autonomous", "autonomous_coefficient", 0.65, 1.35)
    >>> apc.relativity({"autonomous_coefficient": 1.5}), apc.clamp(0.4)
    (1.35, (0.65, -1))
    """

    name: str
    column: str
    lower: float
    upper: float
    source: str = ""
    kind: ClassVar[str] = "bounded"

    def __post_init__(self) -> None:
        if not (math.isfinite(self.lower) and math.isfinite(self.upper) and 0 < self.lower <= self.upper):
            raise PlanError(f"factor {self.name!r}: bounds must satisfy 0 < lower <= upper, got [{self.lower}, {self.upper}]")

    @property
    def columns(self) -> tuple[str, ...]:
        return (self.column,)

    @property
    def values(self) -> tuple[float, ...]:
        """The extreme relativities this factor can apply."""
        return (self.lower, self.upper)

    def table(self) -> list[tuple[Any, float]]:
        return [("lower", self.lower), ("upper", self.upper)]

    def raw(self, codes: ColumnCodes) -> np.ndarray:
        """The input coefficients; missing or non-positive ones read NaN and are reported."""
        x = codes.numbers(self.column)
        not_positive = x <= 0
        if not_positive.any():
            codes.report(self.column, "not positive", "a coefficient > 0", not_positive)
            x = np.where(not_positive, np.nan, x)
        return x

    def lookup(self, codes: ColumnCodes, out: np.ndarray | None = None) -> np.ndarray:
        return np.clip(self.raw(codes), self.lower, self.upper, out=out)

    def clamped(self, raw: np.ndarray) -> np.ndarray:
        """-1 where ``raw`` was raised to ``lower``, +1 where lowered to ``upper``, else 0 (int8)."""
        return (raw > self.upper).astype(np.int8) - (raw < self.lower).astype(np.int8)

    def clamp(self, value: Any) -> tuple[float, int]:
        """Applied coefficient and clamp direction for one input value."""
        x = _finite_number(self.column, value)
        if x <= 0:
            raise _scalar_error(self.column, value, "a coefficient > 0")
        if x < self.lower:
            return self.lower, -1
        if x > self.upper:
            return self.upper, 1
        return x, 0

    def clamp_of(self, policy: dict[str, Any]) -> tuple[float, int]:
        """Applied coefficient and clamp direction for one policy."""
        return self.clamp(policy[self.column])

    def relativity(self, policy: dict[str, Any]) -> float:
        return self.clamp(policy[self.column])[0]

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "name": self.name, "column": self.column, "lower": self.lower,
                "upper": self.upper, "source": self.source}  # fmt: skip

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> BoundedCoefficient:
        return cls(data["name"], data["column"], float(data["lower"]), float(data["upper"]), data.get("source", ""))


FACTOR_KINDS = {
    cls.kind: cls for cls in (CategoricalFactor, BandFactor, InteractionFactor, BonusMalusFactor, BoundedCoefficient)
}
Factor = CategoricalFactor | BandFactor | InteractionFactor | BonusMalusFactor | BoundedCoefficient


def factor_from_dict(data: dict[str, Any]) -> Factor:
    try:
        kind = FACTOR_KINDS[data["kind"]]
    except KeyError:
        raise PlanError(f"unknown factor kind {data.get('kind')!r}; valid kinds: {sorted(FACTOR_KINDS)}") from None
    return kind.from_dict(data)


def _check_overridden(name: str, overridden: tuple[Any, ...], levels: Any) -> None:
    unknown = [level for level in overridden if level not in list(levels)]
    if unknown:
        raise PlanError(f"factor {name!r}: overridden levels {unknown} are not in the table")


def _number(x: float) -> str:
    return f"{x:g}"


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
