"""Declared rating-factor columns of a policy table: numbers, ranges and levels.

:func:`~autorisk.data.validate_policies` checks each declared factor with the
type rules of a rating input (:mod:`autorisk.rating.values`), so a book that
validates is one a rating plan can read:

* **missing**: NaN, None, ``pd.NA``, ``pd.NaT`` and empty or all-blank text;
* **numbers** (``numeric=`` and ``ranges=`` columns): ints and floats (numpy's
  too), finite. A boolean is not a number, and text is never parsed (``"20"``
  is refused; when a column's text all holds numbers the message says to
  convert it with ``pd.to_numeric``);
* **ranges**: inclusive bounds ``(low, high)``, ``None`` for an open end;
* **levels** match by value within their kind: text only text, a number a
  number (3 matches 3.0), a boolean only a boolean;
* a boolean in a factor is refused unless the column is boolean (a bool
  dtype, or every present value a boolean).
"""

from __future__ import annotations

import math
import numbers
import re
import warnings
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from autorisk.data.checks import Check, _is_hashable, distinct, failed, isin, missing_mask
from autorisk.errors import ParameterError, levels_text

Bounds = tuple[float | None, float | None]

#: Kinds of value in a factor column, as the codes :func:`value_kinds` returns.
MISSING, BOOLEAN, NUMBER, TEXT, OTHER = 0, 1, 2, 3, 4
KIND_NAMES = ("missing", "boolean", "number", "text", "other")

_NUMBER_TEXT = re.compile(r"\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*")


def factor_checks(
    frame: pd.DataFrame,
    factors: Sequence[str],
    numeric: Sequence[str] = (),
    ranges: Mapping[str, Bounds] | None = None,
    levels: Mapping[str, Sequence[object]] | None = None,
) -> list[Check]:
    """Values of declared factors that break their type, range or levels (missing values are left to ``missing``).

    Parameters
    ----------
    frame : DataFrame
        The policy table, with every factor present.
    factors : sequence of str
        Every factor column (numeric ones included).
    numeric : sequence of str
        Columns that must hold finite numbers.
    ranges : mapping of str to (low, high)
        Checked inclusive bounds (as returned by :func:`check_ranges`); their columns must be numeric.
    levels : mapping of str to sequence
        Known levels of categorical factors.

    Returns
    -------
    list of Check

    Examples
    --------
    >>> import pandas as pd
    >>> book = pd.DataFrame({"age": [30, 12, True], "area": ["A", "B", "Z"]})
    >>> [str(c.issue) for c in factor_checks(book, ["age", "area"], ["age"], {"age": (18, None)}, {"area": ["A", "B"]})]
    ["column 'age': boolean in 1 row (expected numbers, not booleans); values: True; rows: 2", "column 'age': out of range in 1 row (expected 18 <= age); values: 12; rows: 1", "column 'area': unknown level in 1 row (expected one of ['A', 'B']); values: 'Z'; rows: 2"]
    """
    ranges = dict(ranges or {})
    levels = dict(levels or {})
    numeric = list(dict.fromkeys([*numeric, *ranges]))
    checks: list[Check] = []
    for column in dict.fromkeys(factors):
        values = frame[column]
        kinds = value_kinds(values)
        if column in numeric:
            checks += _number_checks(frame, column, kinds, ranges.get(column))
        else:
            checks += _level_checks(frame, column, kinds, levels.get(column))
    return checks


def check_ranges(ranges: Mapping[str, Sequence[object]] | None) -> dict[str, Bounds]:
    """``ranges`` as ``{column: (low, high)}`` floats or None, or a :class:`ParameterError` naming the bad one.

    Examples
    --------
    >>> check_ranges({"driver_age": (18, 99), "bonus": (50, None)})
    {'driver_age': (18.0, 99.0), 'bonus': (50.0, None)}
    >>> check_ranges({"driver_age": (99, 18)})
    Traceback (most recent call last):
    ...
    autorisk.errors.ParameterError: ranges['driver_age'] must be (low, high) with low <= high, ...
    """
    if ranges is None:
        return {}
    if not isinstance(ranges, Mapping):
        raise ParameterError(f"ranges must be a mapping column -> (low, high), got {ranges!r}")
    checked = {}
    for column, bounds in ranges.items():
        message = (
            f"ranges[{column!r}] must be (low, high) with low <= high, each a finite number or "
            f"None for an open end, got {bounds!r}"
        )
        if isinstance(bounds, (str, bytes)) or not isinstance(bounds, Sequence) or len(bounds) != 2:
            raise ParameterError(message)
        pair = []
        for bound in bounds:
            if bound is None:
                pair.append(None)
            elif isinstance(bound, (bool, np.bool_)) or not isinstance(bound, numbers.Real):
                raise ParameterError(message)
            elif not math.isfinite(float(bound)):
                raise ParameterError(message)
            else:
                pair.append(float(bound))
        low, high = pair
        if low is not None and high is not None and low > high:
            raise ParameterError(message)
        checked[column] = (low, high)
    return checked


def value_kinds(values: pd.Series) -> np.ndarray:
    """The kind of each value, as codes: :data:`MISSING`, :data:`BOOLEAN`, :data:`NUMBER`, :data:`TEXT`, :data:`OTHER`.

    Object columns are read value by value (``True`` is a boolean, not the number 1).

    Examples
    --------
    >>> import pandas as pd
    >>> [KIND_NAMES[k] for k in value_kinds(pd.Series([1, True, "3", None, 2.5, [1]], dtype=object))]
    ['number', 'boolean', 'text', 'missing', 'number', 'other']
    """
    dtype = values.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        categories = value_kinds(pd.Series(values.cat.categories, dtype=object))
        codes = values.cat.codes.to_numpy()
        kinds = categories[np.maximum(codes, 0)] if len(categories) else np.zeros(len(codes), np.int8)
    elif pd.api.types.is_object_dtype(dtype):
        types = pd.Series([type(v) for v in values.to_numpy()], dtype=object)
        kinds = types.map({t: _kind_of_type(t) for t in pd.unique(types)}).to_numpy(dtype=np.int8)
    else:
        kinds = np.full(len(values), _kind_of_dtype(dtype), dtype=np.int8)
    kinds[missing_mask(values)] = MISSING
    return kinds


def numbers_as_text(values: pd.Series, kinds: np.ndarray) -> bool:
    """Whether the column's text values (there are some) all hold numbers, such as ``"20"`` or ``"0.5"``."""
    texts = values[kinds == TEXT]
    if not len(texts):
        return False
    return all(_NUMBER_TEXT.fullmatch(str(text)) for text in distinct(texts))


def text_hint(column: str) -> str:
    """The advice for a column of numbers held as text."""
    return f"; the column holds numbers as text: convert it with pd.to_numeric(data[{column!r}])"


def as_numbers(values: pd.Series) -> pd.Series:
    """A numeric column as numbers: an object column of numbers becomes a numeric dtype (others pass through)."""
    if values.dtype != object:
        return values
    kinds = value_kinds(values)
    return pd.to_numeric(values.where(kinds == NUMBER), errors="coerce")


def _kind_of_dtype(dtype: object) -> int:
    if pd.api.types.is_bool_dtype(dtype):
        return BOOLEAN
    if pd.api.types.is_complex_dtype(dtype):
        return OTHER
    if pd.api.types.is_numeric_dtype(dtype):
        return NUMBER
    if isinstance(dtype, pd.StringDtype):
        return TEXT
    return OTHER  # dates, periods, intervals


def _kind_of_type(kind: type) -> int:
    if issubclass(kind, (bool, np.bool_)):
        return BOOLEAN
    if issubclass(kind, str):
        return TEXT
    if issubclass(kind, (numbers.Real, np.integer, np.floating)):
        return NUMBER
    return OTHER


def _number_checks(
    frame: pd.DataFrame, column: str, kinds: np.ndarray, bounds: Bounds | None
) -> list[Check]:
    values = frame[column]
    hint = text_hint(column) if numbers_as_text(values, kinds) else ""
    checks = failed(column, "boolean", "numbers, not booleans", kinds == BOOLEAN, frame, values)
    checks += failed(column, "text", f"numbers (text is not read as a number){hint}", kinds == TEXT, frame, values)
    checks += failed(column, "not a number", "numbers", kinds == OTHER, frame, values)
    is_number = kinds == NUMBER
    if not is_number.any():
        return checks
    array = np.full(len(values), np.nan)
    array[is_number] = pd.to_numeric(values[is_number], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    checks += failed(column, "infinite", "finite numbers", is_number & np.isinf(array), frame, values)
    if bounds is not None:
        low, high = bounds
        finite = is_number & np.isfinite(array)
        with np.errstate(invalid="ignore"):
            outside = finite & (
                (array < low if low is not None else False) | (array > high if high is not None else False)
            )
        checks += failed(column, "out of range", _range_text(column, low, high), outside, frame, values)
    return checks


def _level_checks(
    frame: pd.DataFrame, column: str, kinds: np.ndarray, known: Sequence[object] | None
) -> list[Check]:
    values = frame[column]
    present = kinds != MISSING
    boolean = kinds == BOOLEAN
    checks = []
    if boolean.any() and not boolean[present].all():
        checks += failed(
            column, "boolean", "levels of one kind; a boolean only in a boolean column", boolean, frame, values
        )
        present = present & ~boolean
    other = np.flatnonzero(present & (kinds == OTHER))
    if other.size:
        unhashable = np.zeros(len(values), dtype=bool)
        unhashable[other] = [not _is_hashable(v) for v in values.to_numpy()[other]]
        checks += failed(
            column, "not a level", "a level: text, a number or a boolean", unhashable, frame, values
        )
        present = present & ~unhashable
    hint = text_hint(column) if numbers_as_text(values, kinds) else ""
    if known is None:
        if hint:
            warnings.warn(
                f"validate_policies: factor column '{column}' holds numbers as text, so it is checked as "
                f"levels{hint} and declare it in numeric=",
                UserWarning,
                stacklevel=5,
            )
        return checks
    known = list(known)
    known_kinds = value_kinds(pd.Series(known, dtype=object))
    unknown = present.copy()
    for kind in (BOOLEAN, NUMBER, TEXT, OTHER):
        rows = present & (kinds == kind)
        if rows.any():
            same_kind = [level for level, k in zip(known, known_kinds, strict=True) if k == kind]
            unknown[rows] = ~isin(values[rows], same_kind)
    checks += failed(
        column, "unknown level", f"one of {levels_text(known)}{hint}", unknown, frame, values
    )
    return checks



def _range_text(column: str, low: float | None, high: float | None) -> str:
    def plain(bound: float) -> str:
        return repr(int(bound)) if float(bound).is_integer() else repr(bound)

    if low is not None and high is not None:
        return f"{plain(low)} <= {column} <= {plain(high)}"
    if low is not None:
        return f"{plain(low)} <= {column}"
    if high is not None:
        return f"{column} <= {plain(high)}"
    return "any finite number"
