"""Earned exposure of policy periods, whole or split into calendar or custom segments.

Exposure is linear in days (``days / days_per_year``), so the parts of a split
period add up to the whole: exactly in days, to float rounding in years.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np
import pandas as pd

from autorisk.data.checks import missing, not_before, policy_checks, raise_if_failed
from autorisk.data.schema import (
    DATE_DTYPE,
    POLICY_COLUMNS,
    refuse_existing,
    require_columns,
    standardize,
    to_datetime,
)
from autorisk.errors import ParameterError, SchemaError

SplitBy = Literal["year", "quarter", "month"]
_SPLIT_BY = ("year", "quarter", "month")


def earned_exposure(
    start: Sequence | np.ndarray | pd.Series,
    end: Sequence | np.ndarray | pd.Series,
    days_per_year: float = 365.25,
) -> np.ndarray:
    """Exposure in years of the periods ``[start, end)``.

    Parameters
    ----------
    start, end : array-like of dates or date strings
        Period bounds, matched by position; ``end`` is exclusive.
    days_per_year : float, default 365.25
        Length of one exposure year in days.

    Returns
    -------
    ndarray of float64
        ``(end - start) / days_per_year``, with ``end - start`` in days.

    Raises
    ------
    DataError
        A bound is missing or an end precedes its start.
    SchemaError
        A bound is not a date.

    Examples
    --------
    >>> earned_exposure(["2023-01-01", "2023-07-01"], ["2024-01-01", "2023-07-01"], days_per_year=365)
    array([1., 0.])
    """
    check_days_per_year(days_per_year)
    bounds = {}
    for name, values in (("period_start", start), ("period_end", end)):
        dates, issue = to_datetime(pd.Series(values).reset_index(drop=True), name)
        if issue is not None:
            raise SchemaError(issue)
        bounds[name] = dates
    if len(bounds["period_start"]) != len(bounds["period_end"]):
        raise ParameterError(
            f"start and end have different lengths: {len(bounds['period_start'])} and {len(bounds['period_end'])}"
        )
    periods = pd.DataFrame(bounds)
    raise_if_failed(
        missing(periods, ["period_start", "period_end"])
        + not_before(periods, "period_end", "period_start", "end_before_start"),
        table="periods",
    )
    return (
        days_between(periods["period_start"].to_numpy(), periods["period_end"].to_numpy())
        / days_per_year
    )


def split_exposure(
    policies: pd.DataFrame,
    cutoffs: Sequence | np.ndarray | pd.Series | None = None,
    *,
    by: SplitBy = "year",
    days_per_year: float = 365.25,
) -> pd.DataFrame:
    """Split each policy period at calendar boundaries or at given cut-off dates.

    Parameters
    ----------
    policies : DataFrame
        Canonical policy table with ``period_start`` and ``period_end``, e.g.
        ``validate_policies(...).valid``.
    cutoffs : array-like of dates, optional
        Dates at which to cut, in any order. When given, pieces are labelled
        by ``segment_start``, the latest cut-off on or before the piece's
        start (``NaT`` for a piece before the first cut-off).
    by : {"year", "quarter", "month"}, default "year"
        Calendar unit to cut at when no ``cutoffs`` are given. Pieces are
        labelled by a ``year`` column (int) or a ``quarter`` / ``month``
        column (pandas ``Period``).
    days_per_year : float, default 365.25
        Length of one exposure year in days.

    Returns
    -------
    DataFrame
        One row per (period, segment) it overlaps, in input order, with a
        fresh ``RangeIndex``: every original column repeated, ``period_start``
        and ``period_end`` clipped to the segment, ``exposure`` of the piece
        (recomputed from the clipped dates, replacing any given exposure), the
        segment label, and ``period_index``, the original row's index label.
        A zero-length period gives one zero-length piece.

    Raises
    ------
    SchemaError
        Period dates are missing, or the output columns already exist.
    DataError
        The policy table breaks a rule of :func:`validate_policies`.
    ParameterError
        ``by`` is unknown, or ``cutoffs`` is combined with ``by`` other than ``"year"``.

    Notes
    -----
    Split before aggregating claims: every column is repeated on each piece,
    so claim counts already on the table would be counted once per piece.
    ``aggregate_claims(split_exposure(policies), claims)`` puts each claim in
    the piece containing its occurrence date.

    Examples
    --------
    >>> import pandas as pd
    >>> policies = pd.DataFrame(
    ...     {"policy_id": ["A"], "period_start": ["2023-07-01"], "period_end": ["2024-07-01"]}
    ... )
    >>> pieces = split_exposure(policies, days_per_year=366)
    >>> pieces[["year", "period_start", "period_end", "exposure"]]
       year period_start period_end  exposure
    0  2023   2023-07-01 2024-01-01  0.502732
    1  2024   2024-01-01 2024-07-01  0.497268
    """
    if by not in _SPLIT_BY:
        raise ParameterError(f"by must be one of {list(_SPLIT_BY)}, got {by!r}")
    if cutoffs is not None and by != "year":
        raise ParameterError("give either cutoffs or a calendar unit `by`, not both")
    check_days_per_year(days_per_year)
    frame = standardize(policies, POLICY_COLUMNS)
    require_columns(frame, ["period_start", "period_end"], "policies", "to split periods by date")
    raise_if_failed(policy_checks(frame), table="policies")
    label = "segment_start" if cutoffs is not None else by
    refuse_existing(frame, [label, "period_index"], "policies")

    start = frame["period_start"].to_numpy()
    end = frame["period_end"].to_numpy()
    bounds = _cutoff_dates(cutoffs) if cutoffs is not None else _calendar_bounds(start, end, by)
    row, piece_start, piece_end = _pieces(start, end, bounds)

    pieces = frame.take(row).reset_index(drop=True)
    pieces["period_start"] = piece_start
    pieces["period_end"] = piece_end
    pieces["exposure"] = days_between(piece_start, piece_end) / days_per_year
    pieces[label] = _labels(piece_start, bounds, label)
    pieces["period_index"] = frame.index[row]
    return pieces


def days_between(start: np.ndarray, end: np.ndarray) -> np.ndarray:
    """Length of ``[start, end)`` in (possibly fractional) days, as float64."""
    return (end - start) / np.timedelta64(1, "D")


def check_days_per_year(days_per_year: float) -> None:
    """Raise :class:`~autorisk.errors.ParameterError` unless ``days_per_year`` is a positive finite number."""
    if not (
        isinstance(days_per_year, (int, float, np.number))
        and np.isfinite(days_per_year)
        and days_per_year > 0
    ):
        raise ParameterError(
            f"days_per_year must be a positive finite number, got {days_per_year!r}"
        )


def _pieces(
    start: np.ndarray, end: np.ndarray, bounds: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Cut every ``[start, end)`` at the ``bounds`` strictly inside it.

    Returns the source row position of every piece and the piece bounds.
    """
    first_cut = np.searchsorted(bounds, start, side="right")
    n_cuts = np.maximum(np.searchsorted(bounds, end, side="left") - first_cut, 0)
    row = np.repeat(np.arange(start.size), n_cuts + 1)
    # Position of each piece within its period: 0, 1, ..., n_cuts.
    step = np.arange(row.size) - np.repeat(np.cumsum(n_cuts + 1) - (n_cuts + 1), n_cuts + 1)
    padded = np.append(bounds, bounds[-1:] if bounds.size else np.array([0], dtype=bounds.dtype))
    cut = first_cut[row] + step
    piece_start = np.where(step == 0, start[row], padded[np.maximum(cut - 1, 0)])
    piece_end = np.where(step == n_cuts[row], end[row], padded[np.minimum(cut, bounds.size)])
    return row, piece_start, piece_end


def _calendar_bounds(start: np.ndarray, end: np.ndarray, by: SplitBy) -> np.ndarray:
    """First days of the years, quarters or months between the earliest start and latest end."""
    if start.size == 0:
        return np.array([], dtype=DATE_DTYPE)
    unit = "Y" if by == "year" else "M"
    first, last = start.min().astype(f"datetime64[{unit}]"), end.max().astype(f"datetime64[{unit}]")
    bounds = np.arange(first, last + 1)
    if by == "quarter":
        bounds = bounds[bounds.astype(np.int64) % 3 == 0]
    return bounds.astype(DATE_DTYPE)


def _cutoff_dates(cutoffs: Sequence | np.ndarray | pd.Series) -> np.ndarray:
    """Sorted unique cut-off dates as ``datetime64[us]``."""
    dates, issue = to_datetime(pd.Series(cutoffs).reset_index(drop=True), "cutoffs")
    if issue is not None:
        raise SchemaError(issue)
    if dates.isna().any():
        raise ParameterError(f"cutoffs must not contain missing dates, got {list(cutoffs)}")
    return np.unique(dates.to_numpy())


def _labels(piece_start: np.ndarray, bounds: np.ndarray, label: str) -> np.ndarray | pd.PeriodIndex:
    """The segment label of each piece, from the piece's start."""
    if label == "year":
        return piece_start.astype("datetime64[Y]").astype(np.int64) + 1970
    if label == "segment_start":
        segment = np.searchsorted(bounds, piece_start, side="right") - 1
        padded = np.append(bounds, np.datetime64("NaT"))
        return padded[np.where(segment >= 0, segment, bounds.size)]
    return pd.DatetimeIndex(piece_start).to_period("Q" if label == "quarter" else "M")
