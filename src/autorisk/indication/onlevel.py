"""Premium at current rate level: the parallelogram method and extension of exposures."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from autorisk.errors import DataError, DataIssue, ParameterError
from autorisk.indication.trend import DateLike, decimal_year


def _ramp_integral(u: float) -> float:
    return max(u, 0.0) ** 2 / 2


def _written_before(cutoff: float, year: int, term: float) -> float:
    """Earned-premium area in calendar ``year`` from policies written before ``cutoff``.

    Policy written at ``w`` earns uniformly over ``[w, w + term)``; the area of
    ``{(w, t): w < cutoff, t in [year, year + 1), w <= t < w + term}`` in the
    written-date / calendar-time plane, in closed form (a sum of ramp integrals).
    All of the year's premium has area ``term``.
    """
    a = cutoff - year
    return (_ramp_integral(a + term) - _ramp_integral(a + term - 1)
            - _ramp_integral(a) + _ramp_integral(a - 1))  # fmt: skip


def on_level_factors(
    rate_changes: Sequence[tuple[DateLike, float]],
    years: Sequence[int],
    *,
    term_months: float = 12,
) -> pd.DataFrame:
    """On-level factors of calendar-year earned premium by the parallelogram method.

    Policies are written uniformly through time and earn uniformly over their
    term; each rate change applies to policies written on or after its date.
    For each calendar year the table gives the share of earned premium written
    at each rate level, the average level (rate index, first level = 1), and
    ``on_level_factor = current level / average level``.

    Parameters
    ----------
    rate_changes : sequence of (date, change)
        Effective date and overall change (``0.05`` for +5%), in date order.
    years : sequence of int
        Calendar (accident) years of the experience period.
    term_months : float, default 12
        Policy term (6 for six-month policies).

    Returns
    -------
    DataFrame
        Indexed by year; one ``share <level>`` column per rate level
        (``initial`` then each effective date), then ``average_level``,
        ``current_level`` and ``on_level_factor``.

    Examples
    --------
    +5% on 1 Jul 2020, annual policies: 2020 earns one eighth at the new level.

    >>> table = on_level_factors([("2020-07-01", 0.05)], [2019, 2020, 2021])
    >>> table["on_level_factor"].round(6).tolist()
    [1.05, 1.043478, 1.005988]
    """
    if not np.isfinite(term_months) or term_months <= 0:
        raise ParameterError(f"term_months must be > 0, got {term_months!r}")
    term = term_months / 12
    dates, levels, labels = [], [1.0], ["share initial"]
    for position, change in enumerate(rate_changes):
        try:
            when, amount = change
        except (TypeError, ValueError):
            raise ParameterError(
                f"rate_changes[{position}] must be (effective_date, change), got {change!r}"
            ) from None
        if not np.isfinite(float(amount)) or float(amount) <= -1:
            raise ParameterError(f"rate_changes[{position}]: change must be > -1, got {amount!r}")
        dates.append(decimal_year(when))
        levels.append(levels[-1] * (1 + float(amount)))
        labels.append(
            f"share {when if isinstance(when, (str, float, int)) else pd.Timestamp(when).date()}"
        )
    if any(later < earlier for earlier, later in zip(dates, dates[1:], strict=False)):
        raise ParameterError(f"rate_changes must be sorted by effective date, got dates {dates}")
    years = [int(y) for y in years]
    if not years:
        raise ParameterError("years must name at least one calendar year")
    rows = []
    for year in years:
        cumulative = [0.0] + [_written_before(d, year, term) / term for d in dates] + [1.0]
        rows.append(np.diff(cumulative))
    table = pd.DataFrame(rows, index=pd.Index(years, name="year"), columns=labels)
    table["average_level"] = table[labels].to_numpy() @ np.array(levels)
    table["current_level"] = levels[-1]
    table["on_level_factor"] = table["current_level"] / table["average_level"]
    return table


def extension_of_exposures(
    current_rate_premium: Any,
    year: Any,
    *,
    earned_fraction: Any = None,
    earned_premium: Any = None,
) -> pd.DataFrame:
    """On-level earned premium by re-rating every policy at current rates.

    Parameters
    ----------
    current_rate_premium : array-like
        Each policy's full-term premium at current rates (e.g. the sum of the
        current plan's quotes for its risk).
    year : array-like
        Each policy's experience (calendar) year, aligned with the premiums.
    earned_fraction : array-like, optional
        Share of each policy's term earned in its year (default 1: whole term).
    earned_premium : array-like of float indexed by year, optional
        Historical earned premium per year (a Series or mapping); when given the
        table also shows the implied ``on_level_factor``.

    Returns
    -------
    DataFrame
        Indexed by year: ``on_level_premium`` (and ``earned_premium``,
        ``on_level_factor`` when ``earned_premium`` is given).

    Examples
    --------
    >>> extension_of_exposures([100.0, 120.0, 110.0], [2021, 2021, 2022],
    ...                        earned_premium={2021: 200.0, 2022: 100.0})
          on_level_premium  earned_premium  on_level_factor
    year
    2021             220.0           200.0              1.1
    2022             110.0           100.0              1.1
    """
    premium = np.asarray(current_rate_premium, dtype=float).reshape(-1)
    years = np.asarray(year).reshape(-1)
    fraction = (
        np.ones_like(premium)
        if earned_fraction is None
        else np.asarray(earned_fraction, float).reshape(-1)
    )
    if not (premium.size == years.size == fraction.size):
        raise DataError(DataIssue("current_rate_premium, year, earned_fraction", "length",
                                  "arrays of equal length", premium.size), table="policies")  # fmt: skip
    index = pd.RangeIndex(premium.size)
    issues = [DataIssue.from_mask(name, rule, expected, bad, index, values)
              for name, rule, expected, bad, values in (
                  ("current_rate_premium", "nonnegative", "finite and >= 0",
                   ~np.isfinite(premium) | (premium < 0), premium),
                  ("earned_fraction", "between 0 and 1", "in [0, 1]",
                   ~np.isfinite(fraction) | (fraction < 0) | (fraction > 1), fraction))
              if bad.any()]  # fmt: skip
    if issues:
        raise DataError(issues, table="policies")
    table = (pd.Series(premium * fraction, index=pd.Index(years, name="year"))
             .groupby(level=0).sum().to_frame("on_level_premium"))  # fmt: skip
    if earned_premium is not None:
        historical = pd.Series(earned_premium, dtype=float)
        if (historical < 0).any() or historical.isna().any():
            bad = (historical < 0) | historical.isna()
            raise DataError(DataIssue.from_mask("earned_premium", "nonnegative", "finite and >= 0",
                                                bad, historical.index, historical), table="indication")  # fmt: skip
        table["earned_premium"] = historical.reindex(table.index)
        table["on_level_factor"] = table["on_level_premium"] / table["earned_premium"]
    return table


__all__ = ["extension_of_exposures", "on_level_factors"]
