"""Premium trend by two-step trending (Werner & Modlin, *Basic Ratemaking*, ch. 5)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from autorisk.errors import ParameterError
from autorisk.indication._checks import per_year, ratio
from autorisk.indication.trend import DateLike, average_written_date, trend_factor


def two_step_premium_trend(
    years: Any,
    average_premium: Any,
    latest_average_written_premium: float,
    *,
    annual_trend: float,
    latest_written_date: DateLike,
    forecast_effective: DateLike,
    rates_in_effect_months: float = 12,
) -> pd.DataFrame:
    """Premium trend factors of historical years by two-step trending.

    Step 1 (current trend factor) brings each year's average premium at current
    rate level to the latest average written premium at current rate level:
    ``latest average written premium / year's average premium``. Step 2
    (projected trend factor) trends that latest level from its average written
    date to the average written date of the policies the new rates will cover:
    ``(1 + annual_trend) ** (forecast written date - latest written date)``.

    Parameters
    ----------
    years : sequence of int
        Experience years.
    average_premium : array-like
        Each year's average (earned) premium per exposure at current rate level, > 0.
    latest_average_written_premium : float
        Average written premium per exposure at current rate level of the latest
        period (e.g. the latest year or quarter), > 0.
    annual_trend : float
        Projected annual premium trend, > -1 (e.g. from
        :func:`~autorisk.indication.ncd_premium_drift`).
    latest_written_date : date or decimal year
        Average written date of the latest period (mid-year of a latest calendar
        year, the middle of a latest quarter).
    forecast_effective : date or decimal year
        Date the new rates take effect.
    rates_in_effect_months : float, default 12
        How long the new rates will be written.

    Returns
    -------
    DataFrame
        Indexed by year: ``average_premium``, ``current_trend_factor``,
        ``projected_trend_factor`` and ``premium_trend_factor`` (their product).

    Notes
    -----
    Werner & Modlin's own two-step figures could not be confirmed from the
    sources at hand, so the tests check a CAS exam question (inputs and the
    answer key's trend period as quoted publicly) and hand computations; the
    figures below are hand computations, not published ones.

    Examples
    --------
    Calendar year 2008 earned premium at current rate level 487,500 on 1,000
    earned exposures; 2009 written premium at current rate level 682,500 on 1,300
    written exposures; new rates from 1 Jan 2011 for a year; 5% a year. Step 1:
    525 / 487.5; step 2 from 1 Jul 2009 to 1 Jul 2011: ``1.05 ** 2``.

    >>> table = two_step_premium_trend([2008], [487.5], 682_500 / 1_300, annual_trend=0.05,
    ...                                latest_written_date="2009-07-01", forecast_effective="2011-01-01")
    >>> table.round(6).iloc[0].tolist()
    [487.5, 1.076923, 1.1025, 1.187308]
    >>> round(float(487_500 * table.loc[2008, "premium_trend_factor"]), 2)  # projected premium
    578812.5
    """
    index = pd.Index([int(y) for y in np.asarray(years).reshape(-1)], name="year")
    average = per_year("average_premium", average_premium, index, positive=True)
    latest = ratio("latest_average_written_premium", latest_average_written_premium, high=np.inf)
    if latest <= 0:
        raise ParameterError(f"latest_average_written_premium must be > 0, got {latest}")
    to_date = average_written_date(forecast_effective, rates_in_effect_months=rates_in_effect_months)
    projected = trend_factor(annual_trend, latest_written_date, to_date)
    current = latest / average
    return pd.DataFrame({"average_premium": average, "current_trend_factor": current,
                         "projected_trend_factor": projected, "premium_trend_factor": current * projected},
                        index=index)  # fmt: skip


__all__ = ["two_step_premium_trend"]
