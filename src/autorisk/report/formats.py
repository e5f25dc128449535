"""Number formats of report tables: one format per column, chosen from the column's name and values.

- Money (a name with ``premium``, ``amount``, ``loss``, ``rate``, ...):
  thousands separators, to the cent below 100,000 and in whole units from
  there up.
- Counts and other whole numbers: thousands separators, no decimals
  (identifiers, years and codes are left as they are).
- p-values: four decimals, ``<0.0001`` below.
- Other numbers: thousands separators and the same number of decimals on
  every row, enough for four significant digits of the largest value
  (``0.1397`` beside ``0.0506``, never ``0.09898`` beside ``0.1397``).

Never exponent notation. Missing values are blank.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["column_format", "format_frame"]

_MONEY = re.compile(r"premium|amount|loss|severity|rate$|base_rate|reserve|ibnr|ultimate|latest|apriori|fee|tax|"
                    r"money|payable|price|std_err|excess|mse", re.IGNORECASE)  # fmt: skip
_NOT_MONEY = re.compile(r"ratio|factor|share|relativity|cv$|change|credibility|count", re.IGNORECASE)
_IDENTIFIER = re.compile(r"(^|_)(id|year|code|rank|decile|level|class|version|period)$", re.IGNORECASE)
_P_VALUE = re.compile(r"^p$|^p_|p_value|pvalue|^pr\(", re.IGNORECASE)
#: Money at or above this is shown in whole units (below it, to the cent).
WHOLE_MONEY_FROM = 100_000


def column_format(values: pd.Series, name: Any = None) -> Callable[[Any], str] | None:
    """The one formatter of a column's numbers, or None for a column that is not numeric.

    Parameters
    ----------
    values : Series
        The column.
    name : str, optional
        Its name (default ``values.name``); tuples (MultiIndex columns) are
        read by their last part.

    Examples
    --------
    >>> import pandas as pd
    >>> format = column_format(pd.Series([0.09433, 0.103, 1.2e-3]), "frequency")
    >>> [format(v) for v in (0.09433, 0.103, 1.2e-3)]
    ['0.0943', '0.1030', '0.0012']
    >>> format = column_format(pd.Series([183_282_483.0, 1_086.35]), "on_level_premium")
    >>> [format(v) for v in (183_282_483.0, 1_086.35)]
    ['183,282,483', '1,086']
    >>> column_format(pd.Series(["a", "b"]), "region") is None
    True
    """
    name = values.name if name is None else name
    label = str(name[-1] if isinstance(name, tuple) else name)
    numbers = _numbers(values)
    if numbers is None:
        return None
    finite = numbers[np.isfinite(numbers)]
    integer = pd.api.types.is_integer_dtype(values.dtype)
    if integer and _IDENTIFIER.search(label):
        return _plain
    if _P_VALUE.search(label):
        return _p_value
    if _MONEY.search(label) and not _NOT_MONEY.search(label) and not integer:
        largest = float(np.abs(finite).max()) if len(finite) else 0.0
        return _fixed(0 if largest >= WHOLE_MONEY_FROM else 2)
    if integer or (len(finite) and np.all(finite == np.round(finite)) and np.abs(finite).max() >= 1):
        return _fixed(0)
    nonzero = np.abs(finite[finite != 0])
    if not len(nonzero):
        return _fixed(0)
    return _fixed(int(np.clip(3 - math.floor(math.log10(float(nonzero.max()))), 0, 6)))


def format_frame(frame: pd.DataFrame, formats: Mapping[Any, str] | None = None) -> pd.DataFrame:
    """``frame`` with every numeric column as text in its one format (:func:`column_format`).

    Parameters
    ----------
    frame : DataFrame
    formats : mapping, optional
        ``{column: format spec}`` (e.g. ``",.2f"``) overriding the automatic
        choice for those columns.

    Examples
    --------
    >>> import pandas as pd
    >>> format_frame(pd.DataFrame({"claims": [3, 1200], "frequency": [0.1, 0.09433]}))
      claims frequency
    0      3    0.1000
    1  1,200    0.0943
    """
    formats = dict(formats or {})
    shown = frame.copy()
    for position, name in enumerate(frame.columns):
        values = frame.iloc[:, position]
        if name in formats:
            spec = formats[name]
            formatter: Callable[[Any], str] | None = lambda v, spec=spec: format(v, spec)  # noqa: E731
        else:
            formatter = column_format(values, name)
        if formatter is None:
            continue
        shown.isetitem(position, values.map(lambda v, f=formatter: "" if _missing(v) else f(v)).astype(object))
    return shown


def _numbers(values: pd.Series) -> np.ndarray | None:
    """The column as floats, if every present value is a real number (booleans are not numbers here)."""
    if pd.api.types.is_bool_dtype(values.dtype):
        return None
    if pd.api.types.is_numeric_dtype(values.dtype):
        return values.to_numpy(dtype=float, na_value=np.nan)
    if values.dtype != object:
        return None
    present = [v for v in values if not _missing(v)]
    if not present or not all(isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, (bool, np.bool_))
                              for v in present):  # fmt: skip
        return None
    return np.array([np.nan if _missing(v) else float(v) for v in values], dtype=float)


def _missing(value: Any) -> bool:
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _fixed(decimals: int) -> Callable[[Any], str]:
    def formatter(value: Any) -> str:
        number = float(value)
        if not math.isfinite(number):
            return "inf" if number > 0 else "-inf" if number < 0 else ""
        text = f"{number:,.{decimals}f}"
        return text[1:] if text.startswith("-") and not any(c not in "-0.," for c in text) else text  # no "-0.00"

    return formatter


def _p_value(value: Any) -> str:
    number = float(value)
    return "<0.0001" if 0 <= number < 0.00005 else f"{number:.4f}"


def _plain(value: Any) -> str:
    return str(value)
