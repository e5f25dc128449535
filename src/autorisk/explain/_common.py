"""Shared plumbing of the explainers: inputs, seeded samples, grids and log predictions.

Every explainer talks to a model through ``predict(X, exposure=None)`` only
(the rate per unit of exposure), so any frequency model works: a GLM, a GBM,
or a hand-written function of the columns.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from autorisk.data.arrays import exposure_column
from autorisk.errors import DataError, DataIssue, ParameterError, SchemaError

#: Rows predicted per call when a frame of grid copies gets large (bounds memory).
CHUNK_ROWS = 200_000


def check_frame(X: Any, features: list[str] | None = None) -> pd.DataFrame:
    """``X`` as a DataFrame holding every one of ``features``."""
    if not isinstance(X, pd.DataFrame):
        raise ParameterError(f"X must be a pandas DataFrame of rating factors, got {type(X).__name__}")
    if len(X) == 0:
        raise DataError(DataIssue("X", "empty", "at least one row"))
    missing = [f for f in features or [] if f not in X.columns]
    if missing:
        raise SchemaError(DataIssue(", ".join(map(str, missing)), "missing column", f"columns among {list(X.columns)}"))
    return X


def exposure_weights(exposure: Any, X: pd.DataFrame) -> np.ndarray:
    """Exposure per row as floats (ones when ``exposure`` is None); must be finite and >= 0, not all 0."""
    w = exposure_column(exposure, X.index)
    if len(w) and w.sum() <= 0:
        raise DataError(DataIssue("exposure", "all zero", "some positive exposure"))
    return w


def sample_rows(X: pd.DataFrame, weights: np.ndarray, size: int | None, seed: int) -> tuple[pd.DataFrame, np.ndarray]:
    """A seeded uniform sample of rows (without replacement) and their weights; all rows if ``size`` is None or larger."""
    if size is not None and (isinstance(size, bool) or int(size) != size or size < 1):
        raise ParameterError(f"sample must be a positive integer or None, got {size!r}")
    if size is None or size >= len(X):
        return X, weights
    rows = np.sort(np.random.default_rng(seed).choice(len(X), size=int(size), replace=False))
    return X.iloc[rows], weights[rows]


def is_numeric(values: pd.Series) -> bool:
    """True for numeric columns that are neither categorical nor boolean."""
    return (
        pd.api.types.is_numeric_dtype(values)
        and not pd.api.types.is_bool_dtype(values)
        and not isinstance(values.dtype, pd.CategoricalDtype)
    )


def levels_of(values: pd.Series) -> list[Any]:
    """Levels present in a categorical (or string / bool) column, in their natural order."""
    present = pd.unique(values.dropna())
    if isinstance(values.dtype, pd.CategoricalDtype):
        seen = set(present)
        return [level for level in values.cat.categories if level in seen]
    try:
        return sorted(present)
    except TypeError:
        return sorted(present, key=str)


def weighted_quantile_grid(values: np.ndarray, weights: np.ndarray, n_points: int) -> np.ndarray:
    """Observed values at the exposure quantiles ``(i + 0.5) / n_points``: all distinct values if there are fewer."""
    distinct = np.unique(values)
    if len(distinct) <= n_points:
        return distinct
    order = np.argsort(values, kind="stable")
    cumulative = np.cumsum(weights[order])
    targets = cumulative[-1] * (np.arange(n_points) + 0.5) / n_points
    picks = np.searchsorted(cumulative, targets, side="left").clip(0, len(values) - 1)
    return np.unique(values[order][picks])


def feature_grid(values: pd.Series, weights: np.ndarray, n_points: int, grid: Any = None) -> np.ndarray:
    """Grid of a feature: given values, the levels of a categorical, or quantile points of a numeric."""
    if grid is not None:
        grid = np.asarray(list(grid), dtype=object if not is_numeric(values) else float)
        if len(grid) == 0:
            raise ParameterError("grid must hold at least one value")
        return grid
    if is_numeric(values):
        if n_points < 2:
            raise ParameterError(f"n_points must be >= 2, got {n_points}")
        points = weighted_quantile_grid(values.to_numpy(dtype=float), weights, n_points)
        # grid points are observed values: an integer feature (NCD level, seats) keeps integer points
        return points.astype(np.int64) if pd.api.types.is_integer_dtype(values.dtype) else points
    return np.asarray(levels_of(values), dtype=object)


def grid_codes(values: pd.Series, grid: np.ndarray) -> np.ndarray:
    """Index of each row's grid point: the nearest one for numerics, the equal level otherwise (-1 if absent)."""
    if is_numeric(values) and grid.dtype != object:
        x = values.to_numpy(dtype=float)
        order = np.argsort(grid)
        sorted_grid = grid[order].astype(float)
        if len(sorted_grid) == 1:
            return np.zeros(len(x), dtype=np.int64)
        midpoints = (sorted_grid[1:] + sorted_grid[:-1]) / 2
        return order[np.searchsorted(midpoints, x, side="left")]
    index = pd.Index(list(grid), dtype=object)
    return index.get_indexer(values.astype(object)).astype(np.int64)


def with_values(frame: pd.DataFrame, feature: str, values: np.ndarray, template: pd.Series) -> pd.DataFrame:
    """``frame`` with ``feature`` replaced by ``values``, keeping the column's dtype (categories included)."""
    if isinstance(template.dtype, pd.CategoricalDtype):
        column = pd.Categorical(values, dtype=template.dtype)
    elif is_numeric(template):
        column = np.asarray(values, dtype=float)
        if pd.api.types.is_integer_dtype(template.dtype) and np.all(column == np.round(column)):
            column = column.astype(template.dtype)
    else:
        column = np.asarray(values, dtype=object)
        if pd.api.types.is_bool_dtype(template.dtype):
            column = column.astype(bool)
    return frame.assign(**{feature: column})


def log_rate(model: Any, X: pd.DataFrame) -> np.ndarray:
    """``log(model.predict(X))`` in chunks; refuses non-positive predictions."""
    parts = [
        np.asarray(model.predict(X.iloc[start : start + CHUNK_ROWS]), dtype=float).reshape(-1)
        for start in range(0, len(X), CHUNK_ROWS)
    ]
    rate = np.concatenate(parts)
    if len(rate) != len(X):
        raise ParameterError(f"model.predict returned {len(rate)} values for {len(X)} rows")
    if not np.all(np.isfinite(rate) & (rate > 0)):
        raise ParameterError("model.predict must return finite positive rates (a log-link frequency model)")
    return np.log(rate)


def grid_frame(sample: pd.DataFrame, columns: dict[str, np.ndarray], templates: pd.DataFrame) -> pd.DataFrame:
    """Every row of ``sample`` once per combination of the given column values (a Cartesian grid).

    ``columns`` maps each feature to its grid; the result has
    ``len(sample) * prod(len(grid))`` rows ordered grid combination by
    combination (the sample varies fastest).
    """
    n = len(sample)
    sizes = [len(values) for values in columns.values()]
    combos = int(np.prod(sizes))
    frame = sample.iloc[np.tile(np.arange(n), combos)]
    mesh = np.meshgrid(*[np.arange(s) for s in sizes], indexing="ij")
    for (feature, values), codes in zip(columns.items(), mesh, strict=True):
        frame = with_values(frame, feature, np.repeat(values[codes.ravel()], n), templates[feature])
    return frame
