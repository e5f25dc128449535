"""Merge contiguous or overlapping periods of the same policy and risk."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from autorisk.data.checks import failed, policy_checks, raise_if_failed
from autorisk.data.exposure import check_days_per_year
from autorisk.data.matching import period_order
from autorisk.data.schema import (
    DATE_DTYPE,
    MICROSECONDS_PER_DAY,
    POLICY_COLUMNS,
    microseconds,
    require_columns,
    standardize,
)
from autorisk.errors import ParameterError

_PERIOD_COLUMNS = ("period_start", "period_end", "exposure")


def merge_periods(
    policies: pd.DataFrame,
    *,
    keys: Sequence[str] | None = None,
    gap_days: float = 0,
    days_per_year: float = 365.25,
) -> pd.DataFrame:
    """Merge periods of one policy that touch or overlap and share the same keys.

    Periods are merged when, in order of start, the next one starts on or
    before the latest end so far plus ``gap_days`` and its ``keys`` equal the
    previous period's. Overlapping periods of one ``policy_id`` with
    different keys are double cover of different risks, an error.

    Parameters
    ----------
    policies : DataFrame
        Canonical policy table with ``period_start`` and ``period_end``.
    keys : sequence of str, optional
        Columns that must be equal for periods to merge; ``policy_id`` is
        always included. Default: every column except ``period_start``,
        ``period_end`` and ``exposure``.
    gap_days : float, default 0
        Largest gap, in days, bridged between consecutive periods.
    days_per_year : float, default 365.25
        Length of one exposure year in days.

    Returns
    -------
    DataFrame
        One row per merged period, ordered like the input and labelled by
        its earliest period's row: ``period_start`` is the earliest start,
        ``period_end`` the latest end, ``exposure`` the length of the union
        of the merged periods (overlaps counted once, bridged gaps not
        counted, so with ``gap_days > 0`` it can be shorter than the dates
        imply). Columns outside ``keys`` take the earliest period's value.

    Raises
    ------
    SchemaError
        Period dates or key columns are missing.
    DataError
        Missing ids or dates, an end before its start, or overlapping
        periods of one policy with different keys.
    ParameterError
        ``keys`` names a period column, or ``gap_days`` is negative.

    Examples
    --------
    >>> import pandas as pd
    >>> policies = pd.DataFrame(
    ...     {"policy_id": ["A", "A", "A"], "area": ["x", "x", "x"],
    ...      "period_start": ["2021-01-01", "2022-01-01", "2023-01-01"],
    ...      "period_end": ["2022-01-01", "2023-01-01", "2024-01-01"]}
    ... )
    >>> merge_periods(policies, days_per_year=365)
      policy_id area period_start period_end  exposure
    0         A    x   2021-01-01 2024-01-01         3.0
    """
    check_days_per_year(days_per_year)
    if not (np.isfinite(gap_days) and gap_days >= 0):
        raise ParameterError(f"gap_days must be a finite number >= 0, got {gap_days!r}")
    frame = standardize(policies, POLICY_COLUMNS)
    require_columns(frame, ["period_start", "period_end"], "policies", "to merge periods")
    keys = _keys(frame, keys)
    raise_if_failed(policy_checks(frame, unique_periods=False), table="policies")
    if frame.empty:
        return frame.assign(exposure=np.zeros(0))

    policy = pd.factorize(frame["policy_id"])[0]
    start = microseconds(frame["period_start"])
    order = period_order(policy, start)
    policy, start = policy[order], start[order]
    end = microseconds(frame["period_end"])[order]

    first_of_policy = np.r_[True, policy[1:] != policy[:-1]]
    latest_end = pd.Series(end).groupby(policy).cummax().to_numpy()
    # Latest end among the policy's earlier periods; a policy's first period sees its own start.
    previous_end = np.where(first_of_policy, start, np.r_[start[:1], latest_end[:-1]])
    risk_changes = ~first_of_policy & _differs_from_previous(frame, keys, order)
    conflict = risk_changes & (start < previous_end)
    if conflict.any():
        _raise_conflict(frame, order, conflict, previous_end, keys)

    gap = int(round(gap_days * MICROSECONDS_PER_DAY))
    new_run = first_of_policy | risk_changes | (start > previous_end + gap)
    run_first = np.flatnonzero(new_run)
    # Union length: each period adds only what extends beyond the latest end before it.
    added = np.maximum(end - np.maximum(start, previous_end), 0)
    union_days = np.add.reduceat(added, run_first) / MICROSECONDS_PER_DAY

    merged = frame.take(order[run_first])
    merged["period_end"] = np.maximum.reduceat(end, run_first).astype(DATE_DTYPE)
    merged["exposure"] = union_days / days_per_year
    return merged.iloc[np.argsort(order[run_first], kind="stable")]


def _keys(frame: pd.DataFrame, keys: Sequence[str] | None) -> list[str]:
    """The merge keys, always starting with ``policy_id``."""
    if keys is None:
        return [c for c in frame.columns if c not in _PERIOD_COLUMNS]
    keys = [keys] if isinstance(keys, str) else list(keys)
    period = [key for key in keys if key in _PERIOD_COLUMNS]
    if period:
        raise ParameterError(
            f"keys must not include the period columns {list(_PERIOD_COLUMNS)}, got {period}"
        )
    require_columns(frame, keys, "policies", "named in keys")
    return list(dict.fromkeys(["policy_id", *keys]))


def _differs_from_previous(frame: pd.DataFrame, keys: list[str], order: np.ndarray) -> np.ndarray:
    """Whether each row, taken in ``order``, has other keys than the row before it (missing equals missing)."""
    differs = np.zeros(len(order), dtype=bool)
    for key in keys:
        values = frame[key].take(order).reset_index(drop=True)
        previous = values.shift(1)
        same = values.eq(previous).fillna(False).to_numpy(dtype=bool)
        differs |= ~(same | (values.isna() & previous.isna()).to_numpy())
    return differs


def _raise_conflict(
    frame: pd.DataFrame,
    order: np.ndarray,
    conflict: np.ndarray,
    previous_end: np.ndarray,
    keys: list[str],
) -> None:
    """Raise for periods that start before an earlier period of the same policy, with other keys, ends."""
    mask = np.zeros(len(frame), dtype=bool)
    mask[order[conflict]] = True
    text = np.full(len(frame), None, dtype=object)
    ends = pd.Series(previous_end[conflict].astype(DATE_DTYPE)).astype(str)
    starts = frame["period_start"].iloc[order[conflict]].astype(str).to_numpy()
    ids = frame["policy_id"].iloc[order[conflict]].astype(str).to_numpy()
    text[order[conflict]] = (
        ids + ": starts " + starts + ", before an earlier period ends " + ends.to_numpy()
    )
    expected = f"overlapping periods of one policy_id to have equal {keys} (double cover with different risk)"
    raise_if_failed(
        failed("policy_id", "overlap_conflict", expected, mask, frame, text), table="policies"
    )
