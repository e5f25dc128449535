"""Private helpers of :mod:`autorisk.datasets.truth`: reading the policy columns the synthetic truth is evaluated on, refusing bad values by field and row."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from autorisk.datasets.factors import BANDED
from autorisk.datasets.ncd import NCD_MAX, NCD_MIN
from autorisk.errors import DataError, DataIssue, SchemaError, UnknownCategoryError


def column(policies: pd.DataFrame, name: str) -> pd.Series:
    """The column ``name`` of ``policies``; a SchemaError when it is missing."""
    if name not in policies.columns:
        raise SchemaError(
            DataIssue(name, "missing", f"a column named {name!r}"), table="policies"
        )
    return policies[name]

def numeric(
    policies: pd.DataFrame,
    name: str,
    lower: float | None = None,
    integer: bool = True,
) -> np.ndarray:
    """Column ``name`` as floats, refusing non-finite, non-whole (``integer``) or below-``lower`` values by row."""
    col = column(policies, name)
    if pd.api.types.is_numeric_dtype(col.dtype) and not pd.api.types.is_bool_dtype(col.dtype):
        values = col.to_numpy(dtype=np.float64, na_value=np.nan)
    else:  # strings, objects, categoricals of numbers
        values = pd.to_numeric(pd.Series(np.asarray(col, dtype=object)), errors="coerce")
        values = values.to_numpy(dtype=np.float64, na_value=np.nan)
    bad = ~np.isfinite(values)
    expected = "a finite number"
    if integer:
        bad |= np.isfinite(values) & (values != np.round(values))
        expected = "a whole number"
    if lower is not None:
        bad |= values < lower
        expected += f" >= {lower:g}"
    if bad.any():
        raise DataError(
            DataIssue.from_mask(name, "invalid", expected, bad, policies.index, col),
            table="policies",
        )
    return values

def car_price(policies: pd.DataFrame) -> np.ndarray:
    """``new_car_price`` as floats, > 0."""
    price = numeric(policies, "new_car_price", integer=False)
    if (price <= 0).any():
        raise DataError(
            DataIssue.from_mask(
                "new_car_price", "positive", "> 0", price <= 0, policies.index, price
            ),
            table="policies",
        )
    return price

def boolean(policies: pd.DataFrame, name: str) -> np.ndarray:
    """Column ``name`` as booleans, refusing missing values by row."""
    col = column(policies, name)
    if col.isna().any():
        raise DataError(
            DataIssue.from_mask(name, "missing", "True or False", col.isna(), policies.index),
            table="policies",
        )
    return col.to_numpy(dtype=bool)

def band_codes(policies: pd.DataFrame, raw: str, edges: tuple[int, ...]) -> np.ndarray:
    """Band position of each row's ``raw`` value (whole numbers >= the first edge)."""
    edges = np.asarray(edges)
    ages = numeric(policies, raw, lower=float(edges[0]))
    return (np.searchsorted(edges, ages, side="right") - 1).astype(np.int8)

def level_codes(
    policies: pd.DataFrame,
    factor: str,
    levels: tuple[Any, ...],
    band_edges: Mapping[str, tuple[int, ...]],
) -> np.ndarray:
    """Positions of each row's level of ``factor`` in ``levels`` (banded factors through ``band_edges``)."""
    if factor in BANDED:
        return band_codes(policies, BANDED[factor], band_edges[BANDED[factor]])
    if factor == "ncd_level":
        values = numeric(policies, factor)
        unknown = (values < NCD_MIN) | (values > NCD_MAX)
        if unknown.any():
            raise UnknownCategoryError(
                DataIssue.from_mask(
                    factor,
                    "unknown_level",
                    f"one of {list(levels)}",
                    unknown,
                    policies.index,
                    values,
                ),
                table="policies",
            )
        return (values - NCD_MIN).astype(np.int8)
    col = column(policies, factor)
    cat = col.array if isinstance(col.dtype, pd.CategoricalDtype) else pd.Categorical(col)
    position = {level: i for i, level in enumerate(levels)}
    lookup = np.array([position.get(c, -1) for c in cat.categories] + [-2], dtype=np.int64)
    codes = lookup[np.asarray(cat.codes, dtype=np.int64)]  # code -1 (NaN) -> -2
    if (codes == -2).any():
        raise DataError(
            DataIssue.from_mask(
                factor, "missing", "a level, not missing", codes == -2, policies.index
            ),
            table="policies",
        )
    if (codes == -1).any():
        raise UnknownCategoryError(
            DataIssue.from_mask(
                factor,
                "unknown_level",
                f"one of {list(levels)}",
                codes == -1,
                policies.index,
                col,
            ),
            table="policies",
        )
    return codes.astype(np.int8)

