"""Checks of a ladder's inputs (policy columns, claim and period counts) and of its parameters."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from autorisk.errors import DataIssue, ParameterError, SchemaError

#: Claim counts, period counts and lapse days above this are refused as implausible.
MAX_COUNT = 1_000_000
#: Descriptive keys a ladder's JSON may carry; kept unchanged through a round trip.
_INFO_KEYS = ("description", "regions", "source", "assumptions")

#: A column name, values aligned with the policies' rows, or one value for every row.
Input = str | ArrayLike



def _series(policies: pd.DataFrame, spec: Input, argument: str) -> tuple[pd.Series, str]:
    """An input given by column name, as values aligned with the rows or as a scalar; and its name for messages."""
    if isinstance(spec, str):
        if spec not in policies.columns:
            issue = DataIssue(spec, "missing column", f"the column named by {argument}= (or pass the values)")
            raise SchemaError(issue, table="policies")
        return policies[spec], spec
    if isinstance(spec, pd.Series):
        if not spec.index.equals(policies.index):
            raise ParameterError(
                f"{argument}=: a Series must have the policies' index; pass .to_numpy() to align by position"
            )
        return spec, argument
    values = np.asarray(spec)
    if values.ndim == 0:
        values = np.full(len(policies), values.item(), dtype=values.dtype)
    if values.shape != (len(policies),):
        raise ParameterError(
            f"{argument}=: expected a column name or {len(policies)} values (one per policy), got shape {values.shape}"
        )
    return pd.Series(values, index=policies.index), argument


def _numbers(values: pd.Series, column: str) -> tuple[np.ndarray, np.ndarray, list[DataIssue]]:
    """Float values (NaN where missing or not a number), the mask of missing ones, and the issue of non-numbers."""
    if values.dtype.kind in "biuf":  # fast path: plain numpy numbers
        x = values.to_numpy(dtype=float)
        return x, np.isnan(x), []
    missing = values.isna().to_numpy()
    try:
        return values.to_numpy(dtype=float, na_value=np.nan), missing, []
    except (TypeError, ValueError):
        numbers = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        bad = np.isnan(numbers) & ~missing
        return numbers, missing, [DataIssue.from_mask(column, "not a number", "numbers", bad, values.index, values)]


def _issues(values: pd.Series, column: str, checks: Sequence[tuple[str, str, np.ndarray]]) -> list[DataIssue]:
    return [
        DataIssue.from_mask(column, rule, expected, mask, values.index, values)
        for rule, expected, mask in checks
        if mask.any()
    ]


def _counts(values: pd.Series, column: str) -> tuple[np.ndarray, list[DataIssue]]:
    """Non-negative integer counts as int64, and the issues of the values that are not."""
    x, missing, issues = _numbers(values, column)
    present = ~np.isnan(x)
    expected = f"an integer count in [0, {MAX_COUNT}]"
    with np.errstate(invalid="ignore"):
        issues += _issues(values, column, (
            ("missing", expected, missing),
            ("negative", expected, present & (x < 0)),
            ("not an integer", expected, present & (x != np.floor(x)) & np.isfinite(x)),
            ("too large", expected, present & (x > MAX_COUNT)),
        ))  # fmt: skip
    return np.nan_to_num(x, nan=0.0, posinf=0.0, neginf=0.0).astype(np.int64), issues


def _integer_levels(values: pd.Series, column: str, lowest: int, highest: int) -> tuple[np.ndarray, list[DataIssue]]:
    """Integer levels on ``lowest .. highest`` as int64, and the issues of the values that are not."""
    x, missing, issues = _numbers(values, column)
    present = ~np.isnan(x)
    expected = f"an integer level in [{lowest}, {highest}]"
    with np.errstate(invalid="ignore"):
        issues += _issues(values, column, (
            ("missing", expected, missing),
            ("not an integer", expected, present & (x != np.floor(x)) & np.isfinite(x)),
            ("outside the ladder", expected, present & ((x < lowest) | (x > highest))),
        ))  # fmt: skip
    return np.nan_to_num(x, nan=lowest, posinf=lowest, neginf=lowest).astype(np.int64), issues


# ------------------------------------------------------------ parameter checks


def _param_error(ladder: str, message: str) -> ParameterError:
    return ParameterError(f"ladder {ladder!r}: {message}")


def _int(ladder: str, name: str, value: Any, *, low: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise _param_error(ladder, f"{name} must be an integer, got {value!r}")
    if low is not None and value < low:
        raise _param_error(ladder, f"{name} must be >= {low}, got {value!r}")
    return int(value)


def _number(ladder: str, name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)) or not math.isfinite(value):
        raise _param_error(ladder, f"{name} must be a finite number, got {value!r}")
    return float(value)


def _int_keys(ladder: str, name: str, table: Mapping[Any, Any]) -> dict[int, Any]:
    """A JSON object keyed by integers written as strings (``{"4": -4}``), with int keys."""
    if not isinstance(table, Mapping):
        raise _param_error(ladder, f"{name} must be an object keyed by level/year, got {table!r}")
    out = {}
    for key, value in table.items():
        try:
            number = int(key)
        except (TypeError, ValueError):
            raise _param_error(ladder, f"{name}: key {key!r} is not an integer") from None
        if str(number) != str(key).strip():
            raise _param_error(ladder, f"{name}: key {key!r} is not an integer")
        out[number] = value
    return out


def _level_values(ladder: str, values: Any, n_levels: int) -> tuple[float, ...] | None:
    if values is None:
        return None
    if isinstance(values, (str, Mapping)) or not isinstance(values, Sequence) or len(values) != n_levels:
        raise _param_error(ladder, f"values must be a list of {n_levels} relativities (one per level) or null")
    out = tuple(_number(ladder, "values", v) for v in values)
    if min(out) <= 0:
        raise _param_error(ladder, "values (relativities) must be > 0")
    return out

