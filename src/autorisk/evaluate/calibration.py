"""Calibration: actual against expected totals, overall and by segment (A/E).

Totals are weighted sums: a row contributes ``weights * exposure`` of
exposure, ``weights * actual`` of actual and ``weights * expected`` of
expected. With the defaults (weights 1) these are the exposure, the claims
and the predicted claims; for a severity model (average claim as actual,
claim count as weight) the "exposure" is the claim count and the totals are
claim amounts. Rates are totals per unit of exposure and ``ae`` is
actual / expected: above 1, the model under-predicts the segment.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from autorisk.data.schema import require_columns
from autorisk.evaluate._inputs import ArrayLike, Observations, labels_of, observations

__all__ = ["AE_COLUMNS", "actual_vs_expected", "calibration"]

#: Columns of every actual-versus-expected table, in order.
AE_COLUMNS = ["exposure", "actual", "expected", "actual_rate", "expected_rate", "ae"]

#: Label of the whole-book row of :func:`calibration`.
OVERALL = "(all)"


def actual_vs_expected(
    data: pd.DataFrame,
    by: str | Sequence[str],
    actual: str,
    expected: str,
    exposure: str | None = None,
    weights: str | None = None,
) -> pd.DataFrame:
    """Actual against expected totals by level of one or more columns of ``data``.

    Parameters
    ----------
    data : DataFrame
        One row per policy (period).
    by : str or list of str
        Segment column(s). Categorical columns keep their category order
        (unused categories are left out); missing values form their own level.
    actual : str
        Column of observed values on the model's target scale (claim count
        or amount; average claim for a severity model).
    expected : str
        Column of the model's predictions on the same scale.
    exposure : str, optional
        Exposure column (``> 0``); default 1 per row.
    weights : str, optional
        Weight column (``>= 0``; the claim count for a severity model).

    Returns
    -------
    DataFrame
        Indexed by segment, columns :data:`AE_COLUMNS`: ``exposure``,
        ``actual``, ``expected`` (weighted totals), ``actual_rate``,
        ``expected_rate`` (per unit of exposure) and ``ae`` (actual /
        expected). The totals over segments are the book's totals.

    Raises
    ------
    SchemaError
        A named column is missing.
    DataError
        Bad values, naming the column and rows.

    Examples
    --------
    >>> import pandas as pd
    >>> book = pd.DataFrame({"region": ["N", "N", "S"], "claims": [1, 0, 2],
    ...                      "expected": [0.6, 0.4, 1.5], "exposure": [1.0, 0.5, 1.0]})
    >>> actual_vs_expected(book, "region", "claims", "expected", "exposure")
            exposure  actual  expected  actual_rate  expected_rate        ae
    region
    N            1.5     1.0       1.0     0.666667       0.666667  1.000000
    S            1.0     2.0       1.5     2.000000       1.500000  1.333333
    """
    keys = [by] if isinstance(by, str) else list(by)
    columns = {"actual": actual, "predicted": expected, "exposure": exposure, "weights": weights}
    require_columns(data, [*keys, *(c for c in columns.values() if c is not None)], "data", "for actual vs expected")
    obs = observations(
        *(None if c is None else data[c] for c in columns.values()),
        labels={k: v for k, v in columns.items() if v is not None},
        index=data.index,
    )
    return _totals(obs, [labels_of(data[key], key, obs.kept) for key in keys])


def calibration(
    actual: ArrayLike,
    predicted: ArrayLike,
    exposure: ArrayLike | None = None,
    weights: ArrayLike | None = None,
    *,
    segment: ArrayLike | None = None,
) -> pd.DataFrame:
    """Predicted against actual totals for the whole book and, optionally, by segment.

    Parameters
    ----------
    actual, predicted, exposure, weights : array-like
        As :func:`~autorisk.evaluate.mean_deviance`.
    segment : array-like, optional
        A segment label per row.

    Returns
    -------
    DataFrame
        Indexed by ``segment``: a first row ``"(all)"`` for the whole book,
        then one row per segment; columns :data:`AE_COLUMNS`.

    Examples
    --------
    >>> calibration([1, 0, 2], [0.6, 0.4, 1.5], [1.0, 0.5, 1.0], segment=["N", "N", "S"])
             exposure  actual  expected  actual_rate  expected_rate        ae
    segment
    (all)         2.5     3.0       2.5     1.200000       1.000000  1.200000
    N             1.5     1.0       1.0     0.666667       0.666667  1.000000
    S             1.0     2.0       1.5     2.000000       1.500000  1.333333
    """
    obs = observations(actual, predicted, exposure, weights)
    overall = _totals(obs, [pd.Series(OVERALL, index=range(len(obs.actual)), name="segment")])
    if segment is None:
        return overall
    by_segment = _totals(obs, [labels_of(segment, "segment", obs.kept)])
    return pd.concat([overall, by_segment.set_axis(by_segment.index.astype(object))])


def _totals(obs: Observations, keys: list[pd.Series]) -> pd.DataFrame:
    """Weighted totals and rates of ``obs`` grouped by ``keys`` (aligned with the kept rows)."""
    frame = pd.DataFrame({"exposure": obs.size, "actual": obs.actual_total, "expected": obs.predicted_total})
    table = frame.groupby(keys, observed=True, dropna=False, sort=True).sum()
    table["actual_rate"] = table["actual"] / table["exposure"]
    table["expected_rate"] = table["expected"] / table["exposure"]
    table["ae"] = table["actual"] / table["expected"]
    return table[AE_COLUMNS]
