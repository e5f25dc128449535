"""Experience tables: exposure, claims, frequency, severity, pure premium and loss ratio by segment."""

from __future__ import annotations

import re
import warnings
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from autorisk.data.checks import missing_mask
from autorisk.errors import DataError, DataIssue, ParameterError, SchemaError
from autorisk.models.banding import assign_bands, cut_points
from autorisk.models.design import MISSING_LEVEL

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
    bands: Mapping[str, int | Sequence[float]] | None = None,
) -> pd.DataFrame:
    """Summarise a book's experience overall or by one or more rating factors.

    For each segment: earned exposure and its share of the total, claim count,
    claim frequency (claims per year of exposure), claim amount, severity
    (amount per claim) and pure premium (amount per year of exposure).

    Rows whose factor is missing (NaN, None, ``pd.NA``, a blank string) form
    a ``"(missing)"`` segment, after the others, so the segments add up to
    the whole book. A text column whose values all look like numbers
    (``"10"``, ``"9"``) keeps its text order (``"10"`` before ``"9"``), with
    a warning suggesting :func:`pandas.to_numeric`.

    Parameters
    ----------
    data : DataFrame
        One row per policy (period) with exposure, claim count and amount.
    by : str or list of str, optional
        Factor(s) to group by. Numeric factors with many values should be
        banded (``bands=``). ``None`` gives one row.
    exposure, claim_count, claim_amount : str
        Column names; ``claim_amount=None`` leaves out amounts, severity and
        pure premium.
    premium : str, optional
        Column of earned premium: adds ``earned_premium``, ``average_premium``
        (per year of exposure) and ``loss_ratio`` (claim amount / earned premium).
    total : bool, default True
        Append an ``"All"`` row with the whole book when grouping.
    bands : dict, optional
        ``{column: cut points}`` or ``{column: number of bands}`` for numeric
        factors of ``by``: inner cut points ``c_1 < ... < c_k`` give the bands
        ``<c_1``, ``[c_1, c_2)``, ..., ``>=c_k`` (closed on the left, as
        :func:`pandas.cut` with ``right=False``); a number ``n`` gives ``n``
        bands of about equal numbers of rows (fewer when values tie), as the
        GLMs' ``"quantile"`` banding does.

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
        If exposure, claim counts or amounts are negative or missing, or a
        banded column holds values that are not numbers.
    ParameterError
        If ``bands`` names a column not in ``by`` or gives bad cut points.

    Warns
    -----
    UserWarning
        If a text column of ``by`` holds only numbers written as text.

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

    A missing area is a segment of its own, and ages are banded at 30 and 50:

    >>> book = pd.DataFrame({"area": ["a", None, "b", "a"], "age": [25, 40, 61, 33],
    ...                      "exposure": 1.0, "claim_count": [1, 0, 0, 1]})
    >>> experience_table(book, "area", claim_amount=None)[["exposure", "claim_count"]]
               exposure  claim_count
    area
    a               2.0            2
    b               1.0            0
    (missing)       1.0            0
    All             4.0            2
    >>> experience_table(book, "age", claim_amount=None, bands={"age": [30, 50]})[["exposure", "claim_count"]]
              exposure  claim_count
    age
    <30            1.0            1
    [30, 50)       2.0            1
    >=50           1.0            0
    All            4.0            2
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
    bands = dict(bands or {})
    stray = [column for column in bands if column not in keys]
    if stray:
        raise ParameterError(f"bands names columns that are not grouped by: {stray} (by: {keys})")

    if keys:
        groups = [_segments(data[k], k, bands.get(k)) for k in keys]
        table = values.groupby(groups, observed=True, sort=True).sum()
        made_categorical = [
            k not in bands and isinstance(g.dtype, pd.CategoricalDtype) and not isinstance(data[k].dtype, pd.CategoricalDtype)
            for k, g in zip(keys, groups, strict=True)
        ]
        table.index = _plain_index(table.index, made_categorical)
        if total:
            table = pd.concat([table, _total_row(values, keys)])
    else:
        table = _total_row(values, keys)
    return _add_ratios(table, grand_exposure=float(values["exposure"].sum()))


_NUMBER_TEXT = re.compile(r"\s*[+-]?(\d+\.?\d*|\.\d+)\s*")


def _segments(values: pd.Series, column: str, band: int | Sequence[float] | None) -> pd.Series:
    """The grouping key of one factor: banded if asked, missing values as ``"(missing)"`` (last)."""
    missing = missing_mask(values)
    if band is not None:
        values = _banded(values, column, band, missing)
    elif _numbers_as_text(values, missing):
        warnings.warn(
            f"experience_table: column '{column}' holds numbers as text, so its segments sort as text "
            f"('10' before '9'); convert it with pd.to_numeric (or band it with bands=)",
            UserWarning,
            stacklevel=3,
        )
    if not missing.any():
        return values
    if isinstance(values.dtype, pd.CategoricalDtype):
        key = values.where(~missing)
        if MISSING_LEVEL not in key.cat.categories:
            key = key.cat.add_categories([MISSING_LEVEL])
        return key.fillna(MISSING_LEVEL)
    present = values[~missing]
    levels = pd.unique(present)
    try:
        levels = np.sort(levels) if present.dtype != object else sorted(levels)
    except TypeError:  # values of kinds that do not compare: order of appearance
        pass
    levels = [level for level in levels if level != MISSING_LEVEL]
    codes = pd.Categorical(present, categories=levels).codes
    full = np.full(len(values), len(levels), dtype=np.int64)
    full[~missing] = codes
    categories = pd.Index([*levels, MISSING_LEVEL], dtype=object)
    return pd.Series(pd.Categorical.from_codes(full, categories=categories), index=values.index, name=column)


def _numbers_as_text(values: pd.Series, missing: np.ndarray) -> bool:
    if not (values.dtype == object or pd.api.types.is_string_dtype(values.dtype)):
        return False
    distinct = pd.unique(values[~missing])
    return len(distinct) > 0 and all(isinstance(v, str) and _NUMBER_TEXT.fullmatch(v) for v in distinct)


def _banded(values: pd.Series, column: str, band: int | Sequence[float], missing: np.ndarray) -> pd.Series:
    """Bands of a numeric column (missing values stay missing), through the GLMs' banding helpers."""
    if isinstance(band, (bool, np.bool_)) or not isinstance(band, (int, np.integer, Sequence, np.ndarray)):
        raise ParameterError(f"bands[{column!r}] must be a number of bands or a list of cut points, got {band!r}")
    numbers = _band_numbers(values, column, missing)
    if isinstance(band, (int, np.integer)):
        points = cut_points(numbers[~missing], "quantile", int(band)) if (~missing).any() else np.array([])
    else:
        points = cut_points(numbers, band)
    banded = assign_bands(np.where(missing, 0.0, numbers), points)
    codes = np.where(missing, -1, banded.codes)
    return pd.Series(pd.Categorical.from_codes(codes, categories=banded.categories), index=values.index, name=column)


def _band_numbers(values: pd.Series, column: str, missing: np.ndarray) -> np.ndarray:
    """A banded column's values as floats; booleans, text and infinities are refused, naming the rows."""
    if pd.api.types.is_bool_dtype(values.dtype):
        bad = ~missing
    elif pd.api.types.is_numeric_dtype(values.dtype):
        bad = np.zeros(len(values), dtype=bool)
    else:  # object: every present value must be a real number, not a boolean or text
        bad = ~missing & ~values.map(
            lambda v: isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, (bool, np.bool_))
        ).to_numpy(dtype=bool)
    if bad.any():
        raise DataError(DataIssue.from_mask(column, "not a number to band", "numbers", bad, values.index, values))
    numbers = np.full(len(values), np.nan)
    numbers[~missing] = values[~missing].to_numpy(dtype=float)
    infinite = ~missing & ~np.isfinite(numbers)
    if infinite.any():
        raise DataError(DataIssue.from_mask(column, "not a finite number to band", "finite numbers", infinite,
                                            values.index, values))  # fmt: skip
    return numbers


def _plain_index(index: pd.Index, convert: list[bool]) -> pd.Index:
    """Give back a plain (object) index level where only the "(missing)" segment made it categorical."""
    if not any(convert):
        return index
    if isinstance(index, pd.MultiIndex):
        levels = [pd.Index(np.asarray(level, dtype=object), name=level.name) if c else level
                  for level, c in zip(index.levels, convert, strict=True)]  # fmt: skip
        return index.set_levels(levels)
    return pd.Index(np.asarray(index, dtype=object), name=index.name)


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
