"""Find the policy row each claim belongs to.

One vectorised routine shared by claim validation, :func:`~autorisk.data.link_claims`
and :func:`~autorisk.data.aggregate_claims`, so they can never disagree.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from autorisk.data.schema import microseconds
from autorisk.errors import DataIssue, SchemaError

#: Position code of a claim whose policy_id is not in the policy table.
ORPHAN = -1
#: Position code of a claim whose occurrence date is in none of its policy's periods.
OUTSIDE = -2


def has_dates(policies: pd.DataFrame) -> bool:
    """Whether a canonical policy table carries both period dates."""
    return "period_start" in policies.columns and "period_end" in policies.columns


def locate_periods(
    claims: pd.DataFrame, policies: pd.DataFrame, key: Sequence[str] = ("policy_id",)
) -> np.ndarray:
    """Position of the policy row each claim falls in.

    Parameters
    ----------
    claims : DataFrame
        Canonical claims with non-missing ``key`` columns and, against dated
        policies, ``occurrence_date``.
    policies : DataFrame
        Canonical policies with non-missing ``key`` columns and either valid
        period dates or a unique key.
    key : sequence of str, default ("policy_id",)
        The columns matching a claim to its policy (a composite key when several).

    Returns
    -------
    ndarray of int64
        For each claim, the position (not label) of its row in ``policies``;
        :data:`ORPHAN` when the policy id is unknown, :data:`OUTSIDE` when the
        occurrence date lies in none of the policy's periods ``[start, end)``.
        When several periods of the policy contain the date (overlapping
        periods), the one with the latest start wins.
    """
    n_policies = len(policies)
    key = list(key)
    codes = _key_codes(policies, claims, key)
    policy_codes, claim_codes = codes[:n_policies], codes[n_policies:]
    n_codes = codes.max(initial=-1) + 1
    has_policy = np.zeros(n_codes, dtype=bool)
    has_policy[policy_codes] = True
    if claim_codes.size and not has_policy[claim_codes].any():
        for column in key:
            _check_id_dtypes(claims[column], policies[column], column)
    if not has_dates(policies):
        position_by_code = np.full(n_codes, ORPHAN, dtype=np.int64)
        position_by_code[policy_codes] = np.arange(n_policies)
        return position_by_code[claim_codes]

    # Only the periods of policies with claims matter; typically a small share of the book.
    has_claims = np.zeros(n_codes, dtype=bool)
    has_claims[claim_codes] = True
    rows = np.flatnonzero(has_claims[policy_codes])
    start = microseconds(policies["period_start"])[rows]
    order = period_order(policy_codes[rows], start)
    rows, start = rows[order], start[order]
    end = microseconds(policies["period_end"])[rows]
    policy_codes = policy_codes[rows]
    occurred = microseconds(claims["occurrence_date"])

    # Each claim's policy owns the sorted rows [first, stop); binary-search them, all
    # claims at once, for the latest period starting on or before the occurrence.
    first = np.searchsorted(policy_codes, claim_codes, side="left")
    stop = np.searchsorted(policy_codes, claim_codes, side="right")
    low, high = first.copy(), stop.copy()
    searching = np.flatnonzero(low < high)
    while searching.size:
        middle = (low[searching] + high[searching]) // 2
        after = start[middle] > occurred[searching]
        high[searching[after]] = middle[after]
        low[searching[~after]] = middle[~after] + 1
        searching = searching[low[searching] < high[searching]]
    candidate = low - 1

    result = np.where(first == stop, ORPHAN, OUTSIDE).astype(np.int64)
    latest_end = pd.Series(end).groupby(policy_codes).cummax().to_numpy()
    # Step back through earlier periods only while one of them still ends after
    # the occurrence; the number of steps is the depth of overlapping periods.
    pending = np.flatnonzero(candidate >= first)
    while pending.size:
        at = candidate[pending]
        inside = end[at] > occurred[pending]
        result[pending[inside]] = rows[at[inside]]
        pending = pending[~inside & (latest_end[at] > occurred[pending])]
        candidate[pending] -= 1
    return result


def _key_codes(policies: pd.DataFrame, claims: pd.DataFrame, key: list[str]) -> np.ndarray:
    """One integer code per distinct key, policies' rows first, then claims'."""
    codes = np.zeros(len(policies) + len(claims), dtype=np.int64)
    for column in key:
        column_codes, uniques = pd.factorize(
            pd.concat([policies[column], claims[column]], ignore_index=True)
        )
        if len(key) == 1:
            return column_codes
        if column_codes.size:
            codes, _ = pd.factorize(codes * (len(uniques) + 1) + column_codes)
    return codes


def period_order(policy_codes: np.ndarray, start: np.ndarray) -> np.ndarray:
    """Positions that sort periods by policy, then start (stable for ties).

    A book already grouped by policy and sorted by start, the usual case,
    skips the sort.
    """
    code_step = np.diff(policy_codes)
    if np.all((code_step > 0) | ((code_step == 0) & (np.diff(start) >= 0))):
        return np.arange(policy_codes.size)
    return np.lexsort((start, policy_codes))


def _check_id_dtypes(claim_ids: pd.Series, policy_ids: pd.Series, column: str = "policy_id") -> None:
    """When no claim matches any policy, blame numeric ids against text ids if that is the cause."""
    numeric = [pd.api.types.is_numeric_dtype(ids.dtype) for ids in (claim_ids, policy_ids)]
    if numeric[0] != numeric[1] and len(policy_ids):
        raise SchemaError(
            DataIssue(
                column,
                "dtype",
                f"the same kind of id in claims ({claim_ids.dtype}) and policies ({policy_ids.dtype})",
            ),
            table="claims",
        )
