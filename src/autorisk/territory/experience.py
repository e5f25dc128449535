"""Observed and expected claims per location: the residual experience a territory is built from."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from autorisk.data.schema import require_columns
from autorisk.errors import DataError, DataIssue

#: Columns of the experience table, in order.
EXPERIENCE_COLUMNS = ("exposure", "observed", "expected", "ae")


def column_values(policies: pd.DataFrame, value: Any, name: str, table: str = "policies") -> pd.Series:
    """A column of ``policies`` given by name, or values aligned with its rows, as a float Series."""
    if isinstance(value, str):
        require_columns(policies, [value], table, f"for {name}")
        series = policies[value]
    else:
        array = np.asarray(value, dtype=float)
        if array.shape != (len(policies),):
            raise DataError(f"{name} must have one value per policy ({len(policies)}), got shape {array.shape}")
        series = pd.Series(array, index=policies.index, name=name)
    return pd.to_numeric(series, errors="coerce").astype(float)


def require_nonnegative(series: pd.Series, name: str) -> None:
    """Raise :class:`DataError` naming ``name`` if a value is missing, infinite or negative."""
    bad = ~np.isfinite(series.to_numpy()) | (series.to_numpy() < 0)
    if bad.any():
        raise DataError(
            DataIssue.from_mask(name, "missing or negative", "finite values >= 0", bad, series.index, series),
            table="policies",
        )


def residual_experience(
    policies: pd.DataFrame,
    expected: Any,
    *,
    location: str = "city",
    exposure: str | Any = "exposure",
    claims: str | Any = "claim_count",
) -> pd.DataFrame:
    """Observed and expected claims per location, and the raw A/E relativity.

    Parameters
    ----------
    policies : DataFrame
        One row per policy (period).
    expected : str or array-like
        Expected claim count of each row from a model without the location
        (an offset GLM, a GBM, ...): a column name or values aligned with the rows.
    location : str, default "city"
        Column naming each row's location.
    exposure : str or array-like, default "exposure"
        Exposure column (or values), >= 0.
    claims : str or array-like, default "claim_count"
        Observed claim counts (column or values), >= 0.

    Returns
    -------
    DataFrame
        Indexed by location (sorted; locations without rows are dropped):
        ``exposure``, ``observed``, ``expected`` and ``ae = observed / expected``.

    Raises
    ------
    SchemaError
        A named column is missing.
    DataError
        A missing location, or missing or negative exposure, claims or expected values.

    Examples
    --------
    >>> import pandas as pd
    >>> book = pd.DataFrame({"city": ["a", "a", "b"], "exposure": [1.0, 1.0, 2.0],
    ...                      "claim_count": [1, 0, 1], "mu": [0.5, 0.5, 0.5]})
    >>> residual_experience(book, "mu")
          exposure  observed  expected   ae
    city
    a          2.0       1.0       1.0  1.0
    b          2.0       1.0       0.5  2.0
    """
    require_columns(policies, [location], "policies", "naming each policy's location")
    values = {
        "exposure": column_values(policies, exposure, "exposure"),
        "observed": column_values(policies, claims, "claims"),
        "expected": column_values(policies, expected, "expected"),
    }
    for name, series in values.items():
        require_nonnegative(series, name if name != "observed" else "claims")
    where = policies[location]
    missing = where.isna().to_numpy()
    if missing.any():
        raise DataError(
            DataIssue.from_mask(location, "missing", "a location on every row", missing, where.index, where),
            table="policies",
        )
    frame = pd.DataFrame({k: v.to_numpy() for k, v in values.items()})
    frame[location] = where.to_numpy()
    table = frame.groupby(location, observed=True, sort=True)[["exposure", "observed", "expected"]].sum()
    with np.errstate(divide="ignore", invalid="ignore"):
        table["ae"] = table["observed"] / table["expected"]
    return table
