"""How a pricing GBM reads its features: numbers as they are, levels as codes of the training levels."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from autorisk.errors import DataError, DataIssue, SchemaError, UnknownCategoryError, levels_text
from autorisk.models.design import _ordered_levels

#: ``codes(..., base=UNSET)``: no base level, unseen levels raise.
UNSET = object()


def is_categorical(name: str, values: pd.Series) -> bool:
    dtype = values.dtype
    if isinstance(dtype, pd.CategoricalDtype) or pd.api.types.is_bool_dtype(dtype):
        return True
    if pd.api.types.is_numeric_dtype(dtype):
        return False
    if pd.api.types.is_object_dtype(dtype) or pd.api.types.is_string_dtype(dtype):
        return True
    raise SchemaError(DataIssue(name, "unsupported dtype", "numbers, or category/string/bool levels", 0, (), (str(dtype),)))


def levels(name: str, values: pd.Series) -> list[Any]:
    """Levels seen in training, in their natural order (category order, else sorted)."""
    _refuse_missing(name, values)
    levels = _ordered_levels(values, pd.Index(values.unique()))
    return [level.item() if isinstance(level, np.generic) else level for level in levels]


def codes(name: str, values: pd.Series, levels: Sequence[Any], base: Any = UNSET) -> np.ndarray:
    """Position of each value among the training levels.

    A level unseen in training raises :class:`~autorisk.errors.UnknownCategoryError`
    or, when ``base`` is given (``unseen="base"``), is read as ``base`` with a warning.
    """
    _refuse_missing(name, values)
    index = pd.Index(list(levels), dtype=object)
    if isinstance(values.dtype, pd.CategoricalDtype):
        codes = index.get_indexer(values.cat.categories.astype(object))[values.cat.codes.to_numpy()]
    else:
        codes = index.get_indexer(values.astype(object))
    unseen = codes < 0
    if unseen.any():
        issue = DataIssue.from_mask(
            name, "unseen level", f"one of the fitted levels {levels_text(levels)}", unseen, values.index, values
        )
        if base is UNSET:
            raise UnknownCategoryError(issue)
        warnings.warn(f"{issue}; mapped to the base level {base!r}", UserWarning, stacklevel=5)
        codes[unseen] = list(levels).index(base)
    return codes


def _refuse_missing(name: str, values: pd.Series) -> None:
    absent = values.isna().to_numpy()
    if absent.any():
        raise DataError(DataIssue.from_mask(name, "missing value", "a level", absent, values.index))

