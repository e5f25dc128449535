"""The type rules of a rating input: which values a factor may read, decided once for both quote paths.

:meth:`RatingPlan.quote_one` reads one value at a time and :meth:`RatingPlan.quote`
reads columns, but both decide a value through the functions here (the batch
path once per distinct value), so they refuse the same inputs and rate the rest
the same way:

* **Missing**: ``None``, NaN, ``pd.NA``, ``pd.NaT`` and the empty (or all-blank)
  string. A factor never rates a missing value.
* **Numbers** (bands, ladders, bounded coefficients): ``int``, ``float``, numpy
  integers and floats, and other real numbers (``Fraction``), finite. A
  boolean is *not* a number (``True`` is not 1 year of vehicle age) and a
  string is never parsed (``"3"`` is refused, with a hint when it holds
  digits: convert the column with ``pd.to_numeric`` where it is read). A ladder
  level is a number equal to an integer (3 or 3.0).
* **Levels** (categorical factors and the unbanded sides of a two-way table)
  match by value *within their kind*: a boolean matches only a boolean level,
  a string only a string level, a number a numeric level (3 matches 3.0; it
  never matches ``True`` or ``"3"``). An unhashable value (a list or a dict,
  as a JSON client may send) is never a level.
"""

from __future__ import annotations

import math
import numbers
from typing import Any

import numpy as np
import pandas as pd

#: Kinds of level (the first element of a level key).
BOOLEAN, NUMBER, TEXT, OTHER = "boolean", "number", "text", "other"

#: Why a value cannot be read as a number (the ``rule`` of the quote error).
MISSING = "missing value"
A_BOOLEAN = "a boolean, not a number"
TEXT_NUMBER = "text, not a number"
NOT_A_NUMBER = "not a number"
NOT_FINITE = "not a finite number"
REFUSALS = (MISSING, A_BOOLEAN, TEXT_NUMBER, NOT_A_NUMBER, NOT_FINITE)


def is_missing(value: Any) -> bool:
    """Whether a value counts as missing: None, NaN, pd.NA, pd.NaT or a blank string.

    Examples
    --------
    >>> [is_missing(v) for v in (None, float("nan"), "", "  ", 0, "a")]
    [True, True, True, True, False, False]
    """
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    if isinstance(value, (float, np.floating)):
        return value != value
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, (np.datetime64, np.timedelta64)):
        return bool(np.isnat(value))
    return False


def as_number(value: Any) -> float | str:
    """The value as a float, or the reason it is not a finite real number (one of :data:`REFUSALS`).

    Examples
    --------
    >>> as_number(3), as_number(2.5), as_number(True), as_number("3"), as_number(float("inf"))
    (3.0, 2.5, 'a boolean, not a number', 'text, not a number', 'not a finite number')
    """
    if type(value) is float or type(value) is int:  # the common case first
        x = float(value) if type(value) is float else _int_as_float(value)
        return x if x is not None and math.isfinite(x) else (MISSING if x != x else NOT_FINITE)
    if is_missing(value):
        return MISSING
    if isinstance(value, (bool, np.bool_)):
        return A_BOOLEAN
    if isinstance(value, (str, bytes)):
        return TEXT_NUMBER
    if isinstance(value, numbers.Real):
        try:
            x = float(value)
        except (OverflowError, TypeError, ValueError):
            return NOT_FINITE
        return x if math.isfinite(x) else NOT_FINITE
    return NOT_A_NUMBER


def _int_as_float(value: int) -> float | None:
    try:
        return float(value)
    except OverflowError:
        return None


class Unhashable:
    """Stands, in a batch, for every unhashable value of a column (a list, a dict): never a level, never a number."""

    def __repr__(self) -> str:
        return "<unhashable>"


def level_key(value: Any) -> tuple[str, Any] | None:
    """The key under which a value matches a level: ``(kind, value)``; None for a missing or unhashable value.

    Examples
    --------
    >>> level_key("north"), level_key(3) == level_key(3.0), level_key(True) == level_key(1)
    (('text', 'north'), True, False)
    >>> level_key(""), level_key([1, 2])
    (None, None)
    """
    if type(value) is str:
        return (TEXT, value) if value.strip() else None
    if is_missing(value):
        return None
    if isinstance(value, (bool, np.bool_)):
        return (BOOLEAN, bool(value))
    if isinstance(value, str):
        return (TEXT, str(value))
    if isinstance(value, numbers.Real):
        return (NUMBER, value.item() if isinstance(value, np.generic) else value)
    if isinstance(value, Unhashable):
        return None
    try:
        hash(value)
    except TypeError:
        return None
    return (OTHER, value)


def ladder_position(value: Any, lowest: int, n_levels: int) -> int:
    """Position of an integer level on ``lowest .. lowest + n_levels - 1``, or -1 if it is not on the ladder.

    Examples
    --------
    >>> ladder_position(3, -4, 10), ladder_position(3.0, -4, 10), ladder_position(True, -4, 10), ladder_position(6, -4, 10)
    (7, 7, -1, -1)
    """
    x = as_number(value)
    if isinstance(x, str) or x != math.floor(x):
        return -1
    position = int(x) - lowest
    return position if 0 <= position < n_levels else -1


def text_hint(values: Any) -> str:
    """A hint for a text value where a number was expected: convert the column, if the text holds a number.

    Examples
    --------
    >>> text_hint(["3", "12"])
    '; the column holds numbers as text: convert it with pd.to_numeric'
    >>> text_hint(["abc"])
    ''
    """
    shown = [v for v in values if isinstance(v, str)]
    if shown and all(_looks_numeric(v) for v in shown):
        return "; the column holds numbers as text: convert it with pd.to_numeric"
    return ""


def _looks_numeric(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True
