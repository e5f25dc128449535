"""Experience tables: exposure, claims, frequency, severity, pure premium and loss ratio by segment."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from autorisk.errors import DataError, DataIssue, SchemaError

#: Columns of an experience table, in order.
EXPERIENCE_COLUMNS = (
    "exposure",
    "exposure_share",
    "claim_count",
    "frequency",
    "claim_amount",
    "severity",
    "pure_premium",
    "earned_premium",
    "average_premium",
    "loss_ratio",
)


def experience_table(
    data: pd.DataFrame,
    by: str | Sequence[str] | None = None,
    *,
    exposure: str = "exposure",
    claim_count: str = "claim_count",
    claim_amount: str | None = "claim_amount",
    premium: str | None = None,
    total: bool = True,
) -> pd.DataFrame:
    """Summarise a book's experience overall or by one or more rating factors.

    For each segment: earned exposure and its share of the total, claim count,
    claim frequency (claims per year of exposure), claim amount, severity
    (amount per claim) and pure premium (amount per year of exposure).

    Parameters
    ----------
    data : DataFrame
        One row per policy (period) with exposure, claim count and amount.
    by : str or list of str, optional
        Factor(s) to group by. Numeric factors with many values should be
        banded first (e.g. with :func:`pandas.cut`). ``None`` gives one row.
    exposure, claim_count, claim_amount : str
        Column names; ``claim_amount=None`` leaves out amounts, severity and
        pure premium.
    premium : str, optional
        Column of earned premium: adds ``earned_premium``, ``average_premium``
        (per year of exposure) and ``loss_ratio`` (claim amount / earned premium).
    total : bool, default True
        Append an ``"All"`` row with the whole book when grouping.

    Returns
    -------
    DataFrame
        Indexed by the levels of ``by`` (or a single ``"All"`` row). Frequency
        of a segment with no exposure and severity of a segment with no claims
        are undefined and shown as NaN.

    Raises
    ------
    SchemaError
        If a named column is missing.
    DataError
        If exposure, claim counts or amounts are negative or missing.

    Examples
    --------
    >>> import pandas as pd
    >>> book = pd.DataFrame({"area": ["a", "a", "b"], "exposure": [1.0, 0.5, 2.0],
    ...                      "claim_count": [1, 0, 1], "claim_amount": [300.0, 0.0, 100.0]})
    >>> experience_table(book, "area")[["exposure", "frequency", "severity"]]
          exposure  frequency  severity
    area
    a          1.5   0.666667     300.0
    b          2.0   0.500000     100.0
    All        3.5   0.571429     200.0
    >>> experience_table(book.assign(premium=[250.0, 120.0, 300.0]), "area", premium="premium")["loss_ratio"].round(4)
    area
    a      0.8108
    b      0.3333
    All    0.5970
    Name: loss_ratio, dtype: float64
    """
    keys = [by] if isinstance(by, str) else list(by or [])
    measures = {"exposure": exposure, "claim_count": claim_count}
    if claim_amount is not None:
        measures["claim_amount"] = claim_amount
    if premium is not None:
        measures["earned_premium"] = premium
    missing = [c for c in [*keys, *measures.values()] if c not in data.columns]
    if missing:
        raise SchemaError(
            DataIssue(", ".join(missing), "missing column", f"columns among {list(data.columns)}")
        )
    values = pd.DataFrame({name: data[column] for name, column in measures.items()})
    _check_measures(values, measures)

    if keys:
        table = values.groupby([data[k] for k in keys], observed=True, sort=True).sum()
        if total:
            table = pd.concat([table, _total_row(values, keys)])
    else:
        table = _total_row(values, keys)
    return _add_ratios(table, grand_exposure=float(values["exposure"].sum()))


def _check_measures(values: pd.DataFrame, measures: dict[str, str]) -> None:
    issues = []
    for name, column in measures.items():
        series = values[name]
        if not pd.api.types.is_numeric_dtype(series):
            issues.append(DataIssue(column, "not numeric", "numbers", 0, (), (str(series.dtype),)))
            continue
        bad = series.isna().to_numpy() | (series.to_numpy(dtype=float, na_value=np.nan) < 0)
        if bad.any():
            issues.append(
                DataIssue.from_mask(column, "missing or negative", "finite values >= 0", bad, series.index, series)
            )
    if issues:
        raise DataError(issues)


def _total_row(values: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    row = values.sum().to_frame().T.astype(values.dtypes)
    if len(keys) > 1:
        row.index = pd.MultiIndex.from_tuples([("All",) * len(keys)], names=keys)
    else:
        row.index = pd.Index(["All"], name=keys[0] if keys else None)
    return row


def _add_ratios(table: pd.DataFrame, grand_exposure: float) -> pd.DataFrame:
    table = table.copy()
    exposure = table["exposure"].astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        table["exposure_share"] = exposure / grand_exposure if grand_exposure > 0 else np.nan
        table["frequency"] = table["claim_count"] / exposure.where(exposure > 0)
        if "claim_amount" in table:
            counts = table["claim_count"].astype(float)
            table["severity"] = table["claim_amount"] / counts.where(counts > 0)
            table["pure_premium"] = table["claim_amount"] / exposure.where(exposure > 0)
        if "earned_premium" in table:
            earned = table["earned_premium"].astype(float)
            table["average_premium"] = earned / exposure.where(exposure > 0)
            if "claim_amount" in table:
                table["loss_ratio"] = table["claim_amount"] / earned.where(earned > 0)
    return table[[c for c in EXPERIENCE_COLUMNS if c in table]]
