"""Build loss-development triangles from claim-level data.

autorisk's job is the data side: check the dates and amounts, aggregate the
claims with pandas into one row per origin month and payment month, and hand
the result to :class:`chainladder.Triangle`, which owns the triangle logic
(grain, ages, cumulation).
"""

from __future__ import annotations

import warnings

import chainladder as cl
import numpy as np
import pandas as pd

from autorisk.errors import DataError, DataIssue, ParameterError, SchemaError

#: Origin / development grains, coarsest first; a development grain may not be
#: coarser than the origin grain.
GRAINS = ("Y", "Q", "M")
_GRAIN_NAMES = {"Y": "year", "Q": "quarter", "M": "month"}


def build_triangle(
    claims: pd.DataFrame,
    *,
    origin: str = "accident_date",
    development: str = "finalisation_date",
    value: str | None = "claim_amount",
    origin_grain: str = "Y",
    development_grain: str | None = None,
    valuation_date: str | pd.Timestamp | None = None,
    cumulative: bool = True,
) -> cl.Triangle:
    """Aggregate claim-level transactions into a development triangle.

    Each row of ``claims`` is one transaction (a payment, or a claim event
    such as its report or settlement) dated by ``development`` and belonging
    to the origin period of its ``origin`` date. Amounts are summed, or rows
    counted when ``value`` is None, per origin period and development age.

    Parameters
    ----------
    claims : DataFrame
        Claim-level data with at least the ``origin`` and ``development`` date
        columns (and ``value`` unless counting).
    origin : str, default "accident_date"
        Date column defining the origin period (accident, report or
        underwriting date).
    development : str, default "finalisation_date"
        Date column of the transaction (payment, report or settlement date).
        It may not precede ``origin``.
    value : str or None, default "claim_amount"
        Amount column to sum: paid or incurred increments, negative ones
        allowed (case-reserve releases, salvage, subrogation); a
        :class:`NegativeCumulativeWarning` names any cell whose cumulative
        value goes below zero. None counts rows, giving a claim-count
        triangle (e.g. reported counts with ``development="report_date"``).
    origin_grain : {"Y", "Q", "M"}, default "Y"
        Origin periods: accident year, quarter or month.
    development_grain : {"Y", "Q", "M"}, optional
        Spacing of development ages; defaults to ``origin_grain`` and may not
        be coarser than it.
    valuation_date : date-like, optional
        Evaluate the triangle as at this date: later transactions are left
        out. Defaults to the latest ``development`` date. Ages are measured to
        the valuation date, so a mid-year valuation of an annual triangle has
        ages 3, 15, 27, ... months (chainladder's convention).
    cumulative : bool, default True
        Return cumulative (True) or incremental (False) values.

    Returns
    -------
    chainladder.Triangle
        One triangle (index and column of size one) named after ``value``
        (``"claim_count"`` when counting), ages in months.

    Raises
    ------
    SchemaError
        A named column is missing.
    DataError
        Missing or unparseable dates, a ``development`` date before the
        ``origin`` date, missing amounts; the message names the column, the
        values and the rows.
    ParameterError
        An unknown grain, a development grain coarser than the origin grain,
        or a valuation date before the first origin date.

    Warns
    -----
    NegativeCumulativeWarning
        A cumulative value is below zero (the cells are named).

    Examples
    --------
    >>> import pandas as pd
    >>> claims = pd.DataFrame({
    ...     "accident_date": pd.to_datetime(["2020-03-01", "2020-06-01", "2021-02-01"]),
    ...     "paid_date": pd.to_datetime(["2020-05-01", "2021-07-01", "2021-03-01"]),
    ...     "paid": [100.0, 50.0, 70.0],
    ... })
    >>> tri = build_triangle(claims, development="paid_date", value="paid",
    ...                      valuation_date="2021-12-31")
    >>> tri.to_frame().to_numpy().tolist()  # doctest: +NORMALIZE_WHITESPACE
    [[100.0, 150.0], [70.0, nan]]
    """
    origin_grain = _check_grain("origin_grain", origin_grain)
    development_grain = _check_grain(
        "development_grain", origin_grain if development_grain is None else development_grain
    )
    if GRAINS.index(development_grain) < GRAINS.index(origin_grain):
        raise ParameterError(
            f"development_grain={development_grain!r} ({_GRAIN_NAMES[development_grain]}) is coarser "
            f"than origin_grain={origin_grain!r} ({_GRAIN_NAMES[origin_grain]}); "
            "use a development grain at least as fine as the origin grain"
        )

    origin_dates, development_dates, amounts = _checked_columns(claims, origin, development, value)

    if valuation_date is None:
        valuation = development_dates.max()
    else:
        try:
            valuation = pd.Timestamp(valuation_date)
        except (TypeError, ValueError) as error:
            raise ParameterError(f"valuation_date={valuation_date!r} is not a date") from error
        if valuation < origin_dates.min():
            raise ParameterError(
                f"valuation_date={valuation.date()} is before the first {origin} "
                f"({origin_dates.min().date()}); nothing would be in the triangle"
            )
    valuation = valuation.to_period("M").end_time.normalize()

    # Work at monthly resolution and let chainladder roll up to the asked
    # grains, so ages stay measured to the valuation date.
    monthly = pd.DataFrame(
        {
            "origin": origin_dates.dt.to_period("M").dt.start_time,
            "development": development_dates.dt.to_period("M").dt.end_time.dt.normalize(),
            "value": amounts,
        }
    )
    monthly = monthly[monthly["development"] <= valuation]
    if monthly.empty:
        raise ParameterError(f"no transactions on or before valuation_date={valuation.date()}")
    grouped = monthly.groupby(["origin", "development"], as_index=False)["value"].sum()
    # A zero transaction at the valuation date pins chainladder's valuation
    # date (and monthly grain) to ours even when nothing was paid that month.
    pin = pd.DataFrame(
        {"origin": [grouped["origin"].max()], "development": [valuation], "value": [0.0]}
    )
    grouped = pd.concat([grouped, pin], ignore_index=True)
    name = value if value is not None else "claim_count"
    grouped = grouped.rename(columns={"value": name})

    triangle = cl.Triangle(
        grouped,
        origin="origin",
        development="development",
        columns=name,
        cumulative=False,
        origin_format="%Y-%m-%d",
        development_format="%Y-%m-%d",
    )
    triangle = triangle.grain(f"O{origin_grain}D{development_grain}")
    cumulated = triangle.incr_to_cum()
    _warn_negative(cumulated, name)
    return cumulated if cumulative else triangle


class NegativeCumulativeWarning(UserWarning):
    """A cumulative triangle value is below zero.

    Negative increments are normal (case-reserve releases, salvage,
    subrogation); a negative *cumulative* value means more was recovered or
    released than was ever paid or reserved for that origin period, which is
    usually a data problem. The message names the origin periods and ages.

    Examples
    --------
    >>> import warnings
    >>> import pandas as pd
    >>> claims = pd.DataFrame({
    ...     "accident_date": pd.to_datetime(["2020-03-01", "2020-03-01", "2021-04-01"]),
    ...     "paid_date": pd.to_datetime(["2020-05-01", "2021-02-01", "2021-06-01"]),
    ...     "paid": [100.0, -130.0, 50.0],
    ... })
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always", NegativeCumulativeWarning)
    ...     _ = build_triangle(claims, development="paid_date", value="paid",
    ...                        valuation_date="2021-12-31")
    >>> print(*[w.message for w in caught if w.category is NegativeCumulativeWarning])
    paid: cumulative value below zero at origin 2020 age 24: -30.00; check the recoveries and reserve releases of those cells
    """


def _warn_negative(triangle: cl.Triangle, name: str) -> None:
    """Warn, naming origin and age, where a cumulative value goes below zero."""
    frame = triangle.to_frame()
    values = frame.to_numpy(dtype=float)
    finite = np.nan_to_num(values, nan=0.0)
    scale = max(1.0, float(np.abs(finite).max(initial=0.0)))
    below = np.argwhere(finite < -1e-9 * scale)
    if not below.size:
        return
    origins = [str(o) for o in triangle.origin]
    cells = [f"origin {origins[i]} age {frame.columns[j]}: {values[i, j]:,.2f}" for i, j in below[:5]]
    more = f" (and {len(below) - 5} more)" if len(below) > 5 else ""
    warnings.warn(
        f"{name}: cumulative value below zero at {'; '.join(cells)}{more}; "
        "check the recoveries and reserve releases of those cells",
        NegativeCumulativeWarning,
        stacklevel=3,
    )


def _check_grain(name: str, grain: str) -> str:
    if not isinstance(grain, str) or grain.upper() not in GRAINS:
        raise ParameterError(f"{name}={grain!r} is not valid; valid options: 'Y', 'Q', 'M'")
    return grain.upper()


def _checked_columns(
    claims: pd.DataFrame, origin: str, development: str, value: str | None
) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Return the origin dates, development dates and amounts, or raise naming every problem."""
    if not isinstance(claims, pd.DataFrame):
        raise ParameterError(f"claims must be a pandas DataFrame, got {type(claims).__name__}")
    needed = [origin, development] + ([value] if value is not None else [])
    missing = [c for c in needed if c not in claims.columns]
    if missing:
        raise SchemaError(
            [DataIssue(c, "missing", f"a column named {c!r}") for c in missing], table="claims"
        )
    if claims.empty:
        raise DataError("claims table has no rows", table="claims")

    issues: list[DataIssue] = []
    dates = {}
    for column in (origin, development):
        raw = claims[column]
        parsed = pd.to_datetime(raw, errors="coerce")
        dates[column] = parsed
        bad = parsed.isna().to_numpy()
        if bad.any():
            issues.append(
                DataIssue.from_mask(column, "missing date", "a valid date", bad, claims.index, raw)
            )
    both = dates[origin].notna() & dates[development].notna()
    before = (both & (dates[development] < dates[origin])).to_numpy()
    if before.any():
        issues.append(
            DataIssue.from_mask(
                development,
                "before origin",
                f"{development} on or after {origin}",
                before,
                claims.index,
                dates[development],
            )
        )

    if value is None:
        amounts = pd.Series(1.0, index=claims.index)
    else:
        raw = claims[value]
        amounts = pd.to_numeric(raw, errors="coerce").astype(float)
        bad = (~np.isfinite(amounts)).to_numpy()
        if bad.any():
            issues.append(
                DataIssue.from_mask(
                    value, "missing amount", "a finite number", bad, claims.index, raw
                )
            )
    if issues:
        raise DataError(issues, table="claims")
    return dates[origin], dates[development], amounts
