"""Drift of the average no-claim-discount (NCD) coefficient, as a premium trend.

Under a bonus-malus scale such as China's NCD ladder, customers who stay
claim-free move down to lower coefficients each year, so the book's average
coefficient (and with it the average premium at unchanged rates) falls year
after year. That change is a premium trend: the loss-ratio method must trend
on-level premium by it (:class:`~autorisk.indication.Indication`'s
``premium_trend``).
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from autorisk.errors import DataError, DataIssue, ParameterError


@dataclass(frozen=True)
class NCDDrift:
    """The book's exposure-weighted average NCD coefficient by year and its annual trend.

    Attributes
    ----------
    by_year : DataFrame
        Indexed by year: ``exposure``, ``average_coefficient``, ``annual_change``
        (over the previous year; NaN for the first) and ``current_trend_factor``
        (latest year's average over the year's: the NCD part of step 1 of
        two-step premium trending).
    annual_trend : float
        Exponential fit of the yearly averages, ``exp(slope of log average on
        year) - 1``: the premium trend for one-step trending or step 2.

    Examples
    --------
    >>> drift = ncd_premium_drift([2022, 2022, 2023, 2023], [1.0, 0.8, 1.0, 0.8], exposure=[60, 40, 40, 60])
    >>> drift.by_year["average_coefficient"].round(6).tolist(), round(drift.annual_trend, 6)  # 0.92, 0.88
    ([0.92, 0.88], -0.043478)
    """

    by_year: pd.DataFrame = field(repr=False)
    annual_trend: float

    def __repr__(self) -> str:
        title = "NCD coefficient drift"
        return (f"{title}\n{'=' * len(title)}\n{self.by_year.to_string(float_format=lambda v: f'{v:.6g}')}\n"
                f"annual trend: {self.annual_trend:.4%}")  # fmt: skip

    def _repr_html_(self) -> str:
        return (f"<h4>NCD coefficient drift</h4>{self.by_year.to_html(float_format=lambda v: f'{v:.6g}')}"
                f"<p>annual trend: {html.escape(f'{self.annual_trend:.4%}')}</p>")  # fmt: skip


def ncd_premium_drift(year: Any, coefficient: Any, exposure: Any = None) -> NCDDrift:
    """Annual change of the book's average NCD coefficient, as a premium trend factor.

    Each year's average coefficient is weighted by exposure; the annual trend is
    the exponential fit through the yearly averages (with two years, their ratio
    minus 1; with three equally spaced years, the square root of last over first).

    Parameters
    ----------
    year : array-like of int
        Each policy's (or level's) year.
    coefficient : array-like
        Its NCD coefficient, > 0 (e.g. 0.5 to 2.0 on China's national ladder).
    exposure : array-like, optional
        Its exposure, >= 0 (default 1 each); every year needs some exposure.

    Returns
    -------
    NCDDrift
        Averages by year and ``annual_trend``.

    Raises
    ------
    DataError
        On arrays of different lengths or values out of range.
    ParameterError
        With fewer than two years.

    Examples
    --------
    Levels 1.0, 0.85 and 0.7; customers earn discounts, so exposure moves down the ladder:
    averages 0.895, 0.8695 and 0.844.

    >>> drift = ncd_premium_drift([2021] * 3 + [2022] * 3 + [2023] * 3, [1.0, 0.85, 0.7] * 3,
    ...                           exposure=[50, 30, 20, 40, 33, 27, 30, 36, 34])
    >>> drift.by_year["average_coefficient"].round(6).tolist()
    [0.895, 0.8695, 0.844]
    >>> round(drift.annual_trend, 6)  # sqrt(0.844 / 0.895) - 1
    -0.028909
    """
    years = np.asarray(year).reshape(-1)
    values = np.asarray(coefficient, dtype=float).reshape(-1)
    weights = np.ones_like(values) if exposure is None else np.asarray(exposure, dtype=float).reshape(-1)
    if not (years.size == values.size == weights.size):
        raise DataError(DataIssue("year, coefficient, exposure", "length", "arrays of equal length", values.size),
                        table="ncd")  # fmt: skip
    index = pd.RangeIndex(values.size)
    issues = [DataIssue.from_mask(name, rule, expected, bad, index, shown)
              for name, rule, expected, bad, shown in (
                  ("coefficient", "positive", "finite and > 0", ~np.isfinite(values) | (values <= 0), values),
                  ("exposure", "nonnegative", "finite and >= 0", ~np.isfinite(weights) | (weights < 0), weights))
              if bad.any()]  # fmt: skip
    if issues:
        raise DataError(issues, table="ncd")
    book = pd.DataFrame({"year": years.astype(int), "exposure": weights, "weighted": weights * values})
    by_year = book.groupby("year")[["exposure", "weighted"]].sum()
    empty = by_year["exposure"] <= 0
    if empty.any():
        raise DataError(DataIssue.from_mask("exposure", "positive by year", "some exposure in every year",
                                            empty, by_year.index, by_year["exposure"]), table="ncd")  # fmt: skip
    if len(by_year) < 2:
        raise ParameterError(f"ncd_premium_drift needs at least two years, got {by_year.index.tolist()}")
    average = by_year["weighted"] / by_year["exposure"]
    by_year = by_year.drop(columns="weighted").assign(
        average_coefficient=average,
        annual_change=(average / average.shift(1)) ** (1 / np.diff(by_year.index, prepend=np.nan)) - 1,
        current_trend_factor=average.iloc[-1] / average,
    )
    slope = np.polyfit(by_year.index.to_numpy(dtype=float), np.log(average.to_numpy()), 1)[0]
    return NCDDrift(by_year, float(np.expm1(slope)))


__all__ = ["NCDDrift", "ncd_premium_drift"]
