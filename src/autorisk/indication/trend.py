"""Exponential trend between average accident dates, with dates as month-based decimal years."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from autorisk.errors import ParameterError

#: A date (anything :func:`pandas.Timestamp` reads) or a decimal year such as ``2021.5``.
DateLike = date | str | pd.Timestamp | float


def decimal_year(when: DateLike) -> float:
    """A date as a decimal year, counting in months as ratemaking exhibits do.

    ``year + (month - 1) / 12 + (day - 1) / (12 * days_in_month)``, so the first
    of July is exactly ``.5`` and the first of April ``.25``. Numbers pass through.

    Parameters
    ----------
    when : date, str, Timestamp or float
        A date (anything :class:`pandas.Timestamp` reads), or a decimal year.

    Returns
    -------
    float

    Raises
    ------
    ParameterError
        If ``when`` is neither a date nor a number.

    Examples
    --------
    >>> decimal_year("2021-07-01"), decimal_year("2022-04-01"), decimal_year(2020.5)
    (2021.5, 2022.25, 2020.5)
    """
    if isinstance(when, (int, float, np.number)) and not isinstance(when, bool):
        return float(when)
    try:
        stamp = pd.Timestamp(when)
    except (TypeError, ValueError):
        raise ParameterError(f"expected a date or a decimal year, got {when!r}") from None
    if pd.isna(stamp):
        raise ParameterError(f"expected a date or a decimal year, got {when!r}")
    return stamp.year + (stamp.month - 1) / 12 + (stamp.day - 1) / (12 * stamp.days_in_month)


def average_accident_date(
    effective: DateLike, *, rates_in_effect_months: float = 12, term_months: float = 12
) -> float:
    """Average accident date of the policies written while new rates are in effect.

    Policies are written uniformly from ``effective`` for ``rates_in_effect_months``
    (average written date: half-way) and each earns uniformly over its term
    (average accident: half a term after writing).

    Parameters
    ----------
    effective : date, str or float
        Date the new rates take effect.
    rates_in_effect_months : float, default 12
        How long the new rates will be written, > 0.
    term_months : float, default 12
        Policy term, > 0.

    Returns
    -------
    float
        ``decimal_year(effective) + rates_in_effect_months / 24 + term_months / 24``.

    Examples
    --------
    Rates effective 1 Jan 2024 for a year, annual policies: written on average
    1 Jul 2024, accidents on average half a year later.

    >>> average_accident_date("2024-01-01")
    2025.0
    """
    _check_months("term_months", term_months)
    return average_written_date(effective, rates_in_effect_months=rates_in_effect_months) + term_months / 24


def average_written_date(effective: DateLike, *, rates_in_effect_months: float = 12) -> float:
    """Average written date of the policies written while new rates are in effect.

    Policies are written uniformly from ``effective`` for ``rates_in_effect_months``;
    premium is trended to this date (Werner & Modlin, *Basic Ratemaking*, ch. 5),
    losses to the average accident date, half a term later.

    Parameters
    ----------
    effective : date, str or float
        Date the new rates take effect.
    rates_in_effect_months : float, default 12
        How long the new rates will be written, > 0.

    Returns
    -------
    float
        ``decimal_year(effective) + rates_in_effect_months / 24``.

    Examples
    --------
    >>> average_written_date("2011-01-01"), average_written_date("2011-01-01", rates_in_effect_months=24)
    (2011.5, 2012.0)
    """
    _check_months("rates_in_effect_months", rates_in_effect_months)
    return decimal_year(effective) + rates_in_effect_months / 24


#: Experience periods: ``"accident"`` (accident / calendar years) or ``"policy"`` (policy years).
PERIODS = ("accident", "policy")


def experience_dates(year: int, *, period: str = "accident", term_months: float = 12) -> tuple[float, float]:
    """Average accident date of an experience year's losses and average written date of its premium.

    * accident year (premium: the calendar year's earned premium): accidents on
      average at mid-year; the earned premium was written on average half a term
      before mid-year;
    * policy year (policies written in the year, losses over their terms): the
      policies are written on average at mid-year and their accidents happen
      half a term later, so for annual policies at the end of the year
      (Werner & Modlin, *Basic Ratemaking*, ch. 6: a policy year spans two
      calendar years and its average accident date is its midpoint).

    Parameters
    ----------
    year : int
        The experience year.
    period : {"accident", "policy"}, default "accident"
        Kind of experience year.
    term_months : float, default 12
        Policy term, > 0.

    Returns
    -------
    (float, float)
        ``(average accident date, average written date)`` as decimal years.

    Examples
    --------
    Annual policies: accident year 2021 has its accidents at 2021.5 and its
    earned premium written at 2021.0; policy year 2021 has both half a year later.

    >>> experience_dates(2021), experience_dates(2021, period="policy")
    ((2021.5, 2021.0), (2022.0, 2021.5))
    >>> experience_dates(2021, period="policy", term_months=6)
    (2021.75, 2021.5)
    """
    if period not in PERIODS:
        raise ParameterError(f"period must be one of {PERIODS}, got {period!r}")
    _check_months("term_months", term_months)
    half_term = term_months / 24
    middle = int(year) + 0.5
    if period == "accident":
        return middle, middle - half_term
    return middle + half_term, middle


def _check_months(name: str, months: float) -> None:
    if not np.isfinite(months) or months <= 0:
        raise ParameterError(f"{name} must be > 0, got {months!r}")


def trend_factor(annual_trend: float, from_date: DateLike, to_date: DateLike) -> float:
    """Exponential trend factor ``(1 + annual_trend) ** (to - from)`` with time in years.

    Parameters
    ----------
    annual_trend : float
        Annual rate, e.g. ``0.05`` for +5% a year; must be > -1.
    from_date, to_date : date, str or float
        Average accident dates of the experience and forecast periods (dates, or
        decimal years as from :func:`decimal_year`).

    Returns
    -------
    float
        Below 1 when the trend is negative or ``to_date`` precedes ``from_date``.

    Examples
    --------
    5% a year from 1 Jul 2021 to 1 Jan 2025 (3.5 years): ``1.05 ** 3.5``.

    >>> round(trend_factor(0.05, "2021-07-01", "2025-01-01"), 6)
    1.186212
    """
    rate = float(annual_trend)
    if not np.isfinite(rate) or rate <= -1:
        raise ParameterError(f"annual_trend must be > -1, got {annual_trend!r}")
    return float((1 + rate) ** (decimal_year(to_date) - decimal_year(from_date)))


__all__ = [
    "PERIODS",
    "DateLike",
    "average_accident_date",
    "average_written_date",
    "decimal_year",
    "experience_dates",
    "trend_factor",
]
