"""Attach claims to policy periods and aggregate them per period.

Claims are matched to the policy period containing their occurrence date
(or, for a policy table without dates, to the row of their ``policy_id``, or
of a composite key given as ``on=``), then counted and summed per period, in
total and per coverage, optionally with large losses capped so the excess can
be spread back as a loading. Nil claims are counted apart from the claims
that cost something.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from numbers import Real
from typing import Literal

import numpy as np
import pandas as pd

from autorisk.data.checks import missing, raise_if_failed
from autorisk.data.claim_rows import ClaimRules, check_key
from autorisk.data.schema import refuse_existing, require_columns
from autorisk.data.validation import checked_claims, checked_policies
from autorisk.errors import DataError, DataIssue, ParameterError

Amount = Literal["paid", "incurred"]
_AMOUNTS = ("paid", "incurred")
LinkedIds = Literal["unique", "within_key"]
_LINKED_IDS = ("unique", "within_key")


def link_claims(
    claims: pd.DataFrame,
    policies: pd.DataFrame,
    *,
    on: Sequence[str] | None = None,
    claim_ids: LinkedIds = "unique",
) -> pd.DataFrame:
    """Add to each claim the index label of the policy period it falls in.

    Parameters
    ----------
    claims : DataFrame
        Canonical claims table.
    policies : DataFrame
        Canonical policy table with a unique index. With period dates, a
        claim falls in the period ``[period_start, period_end)`` of its
        policy containing its occurrence date (the latest-starting one if
        periods overlap); without dates, in the row of its ``policy_id``.
    on : sequence of str, optional
        The columns matching a claim to its policy (``["policy_id"]``), as
        given to :func:`~autorisk.data.validate_claims`.
    claim_ids : {"unique", "within_key"}, default "unique"
        Whether ``claim_id`` is unique in the table or within the key (as
        claims numbered by ``validate_claims(claim_ids="number")`` are).

    Returns
    -------
    DataFrame
        The validated claims with a ``period_index`` column: the ``policies``
        index label of each claim's period.

    Raises
    ------
    DataError
        Either table breaks a validation rule, including claims of unknown
        policies or outside every period of their policy, or the policy index
        has duplicate labels.

    Examples
    --------
    >>> import pandas as pd
    >>> policies = pd.DataFrame(
    ...     {"policy_id": ["A", "A"], "period_start": ["2023-01-01", "2024-01-01"],
    ...      "period_end": ["2024-01-01", "2025-01-01"]},
    ...     index=["A-2023", "A-2024"],
    ... )
    >>> claims = pd.DataFrame(
    ...     {"claim_id": [1], "policy_id": ["A"], "occurrence_date": ["2024-03-05"], "paid": [800.0]}
    ... )
    >>> link_claims(claims, policies)["period_index"].tolist()
    ['A-2024']
    """
    claims, policies, positions = _linked(claims, policies, on, claim_ids)
    refuse_existing(claims, ["period_index"], "claims")
    duplicate = policies.index.duplicated(keep=False)
    if duplicate.any():
        issue = DataIssue.from_mask(
            "index",
            "duplicate",
            "unique index labels, which identify the periods",
            duplicate,
            policies.index,
        )
        raise DataError(issue, table="policies")
    return claims.assign(period_index=policies.index[positions])


def aggregate_claims(
    policies: pd.DataFrame,
    claims: pd.DataFrame,
    *,
    amount: Amount = "incurred",
    by_coverage: bool = True,
    cap: float | Mapping[str, float] | None = None,
    on: Sequence[str] | None = None,
    claim_ids: LinkedIds = "unique",
) -> pd.DataFrame:
    """Count and sum claims per policy period.

    Parameters
    ----------
    policies : DataFrame
        Canonical policy table: with dates, claims go to the period
        containing their occurrence date; without, to the row of their
        ``policy_id`` (which must then be unique).
    claims : DataFrame
        Canonical claims table; every claim must belong to a period.
    amount : {"paid", "incurred"}, default "incurred"
        Which claim amount to sum.
    by_coverage : bool, default True
        Also count and sum per coverage (ignored when claims have no
        ``coverage`` column). A categorical coverage gives a column for every
        category, including unused ones.
    cap : float or mapping of str to float, optional
        Large-loss threshold per claim, one for all claims or one per coverage
        (coverages left out are not capped).
    on, claim_ids
        As in :func:`link_claims`.

    Returns
    -------
    DataFrame
        The validated policy table with ``claim_count`` (int64) and
        ``claim_amount``; per coverage ``claim_count_<coverage>`` and
        ``claim_amount_<coverage>``; ``nil_claim_count`` (int64); with
        ``cap``, ``claim_amount_capped`` and ``claim_amount_excess =
        claim_amount - claim_amount_capped``. Periods without claims get zeros.

    Notes
    -----
    ``claim_count`` (and each ``claim_count_<coverage>``) counts the claims
    with a positive ``amount``, the ones ``claim_amount`` adds up, so that
    ``claim_amount / claim_count`` is an average of claims that cost
    something and frequency times severity is the pure premium. Claims whose
    ``amount`` is zero (nil claims, closed without payment; on the paid basis
    also claims with nothing paid yet) are counted in ``nil_claim_count``
    instead: a severity model never sees a zero claim.

    Raises
    ------
    SchemaError
        The ``amount`` column is missing, ``cap`` is a mapping but claims have
        no coverage, or an output column already exists in ``policies``.
    DataError
        Either table breaks a validation rule, or a coverage is missing
        while needed.
    ParameterError
        An invalid ``amount`` or ``cap``.

    Examples
    --------
    >>> import pandas as pd
    >>> policies = pd.DataFrame({"policy_id": [1, 2], "exposure": [1.0, 0.5]})
    >>> claims = pd.DataFrame(
    ...     {"claim_id": [10, 11, 12], "policy_id": [1, 1, 2], "occurrence_date": ["2023-02-01"] * 3,
    ...      "incurred": [500.0, 20_000.0, 300.0], "coverage": ["od", "tpl", "tpl"]}
    ... )
    >>> out = aggregate_claims(policies, claims, cap=10_000.0)
    >>> out[["claim_count", "claim_amount", "claim_amount_capped", "claim_amount_excess"]]
       claim_count  claim_amount  claim_amount_capped  claim_amount_excess
    0            2       20500.0              10500.0              10000.0
    1            1         300.0                300.0                  0.0
    >>> out.filter(like="_tpl").to_dict("list")
    {'claim_count_tpl': [1, 1], 'claim_amount_tpl': [20000.0, 300.0]}

    A nil claim counts apart, so the severity of policy 2 stays 300:

    >>> nil = pd.DataFrame({"claim_id": [13], "policy_id": [2], "occurrence_date": ["2023-03-01"],
    ...                     "incurred": [0.0], "coverage": ["tpl"]})
    >>> out = aggregate_claims(policies, pd.concat([claims, nil], ignore_index=True))
    >>> out[["claim_count", "nil_claim_count", "claim_amount"]]
       claim_count  nil_claim_count  claim_amount
    0            2                0       20500.0
    1            1                1         300.0
    """
    if amount not in _AMOUNTS:
        raise ParameterError(f"amount must be one of {list(_AMOUNTS)}, got {amount!r}")
    claims, policies, positions = _linked(claims, policies, on, claim_ids)
    require_columns(claims, [amount], "claims", f"for amount={amount!r}")
    values = claims[amount].to_numpy(dtype=float)
    n = len(policies)
    counted = values > 0
    totals = {
        "claim_count": _count(positions, counted, n),
        "claim_amount": np.bincount(positions, weights=values, minlength=n),
    }
    if by_coverage and "coverage" in claims.columns:
        totals |= _by_coverage(claims, positions, values, n)
    totals["nil_claim_count"] = _count(positions, ~counted, n)
    if cap is not None:
        capped = np.minimum(values, _thresholds(claims, cap))
        totals["claim_amount_capped"] = np.bincount(positions, weights=capped, minlength=n)
        totals["claim_amount_excess"] = totals["claim_amount"] - totals["claim_amount_capped"]
    refuse_existing(policies, list(totals), "policies")
    # The arrays are ours alone: wrap them without the copy ``assign`` would make of each.
    return policies.assign(
        **{
            name: pd.Series(column, index=policies.index, copy=False)
            for name, column in totals.items()
        }
    )


def large_loss_loading(aggregated: pd.DataFrame) -> float:
    """Loading that spreads capped-off large losses back over capped amounts.

    Parameters
    ----------
    aggregated : DataFrame
        Output of :func:`aggregate_claims` called with ``cap``.

    Returns
    -------
    float
        ``sum(claim_amount_excess) / sum(claim_amount_capped)``, so that
        ``capped * (1 + loading)`` restores the total amount.

    Raises
    ------
    SchemaError
        The capped and excess columns are missing.
    DataError
        The total capped amount is zero.

    Examples
    --------
    >>> import pandas as pd
    >>> aggregated = pd.DataFrame({"claim_amount_capped": [10_500.0, 300.0], "claim_amount_excess": [10_000.0, 0.0]})
    >>> round(large_loss_loading(aggregated), 4)
    0.9259
    """
    columns = ["claim_amount_capped", "claim_amount_excess"]
    require_columns(aggregated, columns, "aggregated", "(from aggregate_claims(..., cap=...))")
    capped = float(aggregated["claim_amount_capped"].sum())
    if capped <= 0:
        raise DataError(
            DataIssue(
                "claim_amount_capped",
                "zero_total",
                f"a positive total capped amount, got {capped!r}",
            ),
            table="aggregated",
        )
    return float(aggregated["claim_amount_excess"].sum()) / capped


def _count(positions: np.ndarray, selected: np.ndarray, n: int) -> np.ndarray:
    """How many of the selected claims fall in each of the ``n`` policy rows."""
    return np.bincount(positions[selected], minlength=n).astype(np.int64)


def _linked(
    claims: pd.DataFrame,
    policies: pd.DataFrame,
    on: Sequence[str] | None = None,
    claim_ids: str = "unique",
) -> tuple[pd.DataFrame, pd.DataFrame, np.ndarray]:
    """Validated claims and policies, and each claim's policy row position; raises on any problem."""
    if claim_ids not in _LINKED_IDS:
        raise ParameterError(f"claim_ids must be one of {list(_LINKED_IDS)}, got {claim_ids!r}")
    rules = ClaimRules(on=tuple(check_key(on)), claim_ids=claim_ids, zero="nil")
    policies, checks = checked_policies(policies, on=rules.on)
    raise_if_failed(checks, table="policies")
    claims, checks, positions, _ = checked_claims(claims, policies=policies, rules=rules)
    raise_if_failed(checks, table="claims")
    return claims, policies, positions


def _by_coverage(
    claims: pd.DataFrame, positions: np.ndarray, values: np.ndarray, n: int
) -> dict[str, np.ndarray]:
    """Claim counts and amounts per policy row and coverage."""
    raise_if_failed(missing(claims, ["coverage"]), table="claims")
    coverage = claims["coverage"].astype("category")
    levels = coverage.cat.categories
    # Coverage-major cells, so that each coverage's column is a contiguous row.
    cells = coverage.cat.codes.to_numpy().astype(np.int64) * n + positions
    size = len(levels) * n
    counts = np.bincount(cells[values > 0], minlength=size).reshape(len(levels), n).astype(np.int64)
    amounts = np.bincount(cells, weights=values, minlength=size).reshape(len(levels), n)
    columns = {f"claim_count_{level}": counts[i] for i, level in enumerate(levels)}
    columns |= {f"claim_amount_{level}": amounts[i] for i, level in enumerate(levels)}
    return columns


def _thresholds(claims: pd.DataFrame, cap: float | Mapping[str, float]) -> np.ndarray:
    """Per-claim cap: one number for all, or looked up by coverage (uncapped when absent)."""
    limits = list(cap.values()) if isinstance(cap, Mapping) else [cap]
    bad = [limit for limit in limits if not isinstance(limit, Real) or not limit > 0]
    if bad:
        raise ParameterError(
            f"cap must be a positive number or a mapping coverage -> positive number, got {cap!r}"
        )
    if not isinstance(cap, Mapping):
        return np.full(len(claims), float(cap))
    require_columns(claims, ["coverage"], "claims", "for a cap per coverage")
    raise_if_failed(missing(claims, ["coverage"]), table="claims")
    limits = np.asarray(claims["coverage"].astype(object).map(cap), dtype=float)
    return np.where(np.isnan(limits), np.inf, limits)
