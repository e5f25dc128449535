"""Row-level rules on canonical policy and claims tables.

Each rule returns a list of :class:`Check` (empty when every row passes): the
:class:`~autorisk.errors.DataIssue` for the message and the boolean mask of
failing rows, so a caller can either raise or set the failing rows aside.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import NamedTuple

import numpy as np
import pandas as pd

from autorisk.data.matching import ORPHAN, OUTSIDE, has_dates, locate_periods
from autorisk.errors import DataError, DataIssue


class Check(NamedTuple):
    """A failed rule: its issue and the mask of the rows that fail it."""

    issue: DataIssue
    mask: np.ndarray


def failed(
    column: str,
    rule: str,
    expected: str,
    mask: np.ndarray | pd.Series,
    frame: pd.DataFrame,
    values: np.ndarray | pd.Series | None = None,
) -> list[Check]:
    """``[Check]`` for the rows of ``frame`` flagged by ``mask``, or ``[]`` if none are."""
    mask = np.asarray(mask, dtype=bool)
    if not mask.any():
        return []
    return [Check(DataIssue.from_mask(column, rule, expected, mask, frame.index, values), mask)]


def raise_if_failed(checks: Sequence[Check], table: str) -> None:
    """Raise one :class:`DataError` listing every failed check."""
    if checks:
        raise DataError([check.issue for check in checks], table=table)


def policy_checks(
    policies: pd.DataFrame, factors: Sequence[str] = (), *, unique_periods: bool = True
) -> list[Check]:
    """Rules every canonical policy table must pass.

    Missing ids, dates, exposures and factors; exposure negative or infinite;
    ``period_end`` before ``period_start``; and, with ``unique_periods``,
    duplicate ``(policy_id, period_start)`` (or ``policy_id`` without dates).
    """
    dated = has_dates(policies)
    checks = missing(policies, ["policy_id", "period_start", "period_end", "exposure", *factors])
    if "exposure" in policies.columns:
        checks += nonnegative_finite(policies, "exposure")
    if dated:
        checks += not_before(policies, "period_end", "period_start", "end_before_start")
    if unique_periods:
        checks += duplicated(policies, ["policy_id", "period_start"] if dated else ["policy_id"])
    return checks


def unknown_levels(frame: pd.DataFrame, levels: Mapping[str, Sequence[object]]) -> list[Check]:
    """Present values of each ``levels`` column that are not among its known levels."""
    checks = []
    for column, known in levels.items():
        values = frame[column]
        mask = values.notna().to_numpy() & ~values.isin(list(known)).to_numpy()
        checks += failed(column, "unknown level", f"one of {list(known)}", mask, frame, values)
    return checks


def claim_checks(claims: pd.DataFrame) -> list[Check]:
    """Rules every canonical claims table must pass on its own.

    Missing ids, occurrence dates and amounts; negative or infinite amounts;
    report before occurrence; settlement before report (or before occurrence
    when the report date is unknown); duplicate ``claim_id``.
    """
    amounts = [name for name in ("paid", "incurred") if name in claims.columns]
    checks = missing(claims, ["claim_id", "policy_id", "occurrence_date", *amounts])
    for name in amounts:
        checks += nonnegative_finite(claims, name)
    if "report_date" in claims.columns:
        checks += not_before(claims, "report_date", "occurrence_date", "report_before_occurrence")
    if "settlement_date" in claims.columns:
        checks += _settlement_checks(claims)
    checks += duplicated(claims, ["claim_id"])
    return checks


def link_checks(claims: pd.DataFrame, policies: pd.DataFrame) -> tuple[list[Check], np.ndarray]:
    """Claims whose policy is unknown or whose date is outside every period.

    Claims with a missing ``policy_id`` or ``occurrence_date`` are skipped
    (they fail :func:`claim_checks`). Returns the checks and, for every claim,
    its policy row position as given by
    :func:`~autorisk.data.matching.locate_periods` (``ORPHAN`` for skipped claims).
    """
    usable = claims["policy_id"].notna().to_numpy() & claims["occurrence_date"].notna().to_numpy()
    positions = np.full(len(claims), ORPHAN, dtype=np.int64)
    positions[usable] = locate_periods(claims[usable], policies)
    orphan = usable & (positions == ORPHAN)
    checks = failed(
        "policy_id",
        "orphan",
        "a policy_id present in the policy table",
        orphan,
        claims,
        claims["policy_id"],
    )
    checks += failed(
        "occurrence_date",
        "outside_period",
        "a date inside one of the policy's periods [period_start, period_end)",
        positions == OUTSIDE,
        claims,
        claims["occurrence_date"],
    )
    return checks, positions


def missing(frame: pd.DataFrame, columns: Sequence[str]) -> list[Check]:
    """Missing values in those of ``columns`` that ``frame`` has."""
    checks = []
    for column in dict.fromkeys(columns):
        if column in frame.columns:
            values = frame[column]
            checks += failed(
                column, "missing", "a value in every row", values.isna(), frame, values
            )
    return checks


def nonnegative_finite(frame: pd.DataFrame, column: str) -> list[Check]:
    """Negative or infinite values in a float column."""
    values = frame[column]
    array = values.to_numpy(dtype=float, na_value=np.nan)
    checks = failed(column, "negative", "a value >= 0", array < 0, frame, values)
    checks += failed(column, "infinite", "a finite value", np.isposinf(array), frame, values)
    return checks


def not_before(frame: pd.DataFrame, later: str, earlier: str, rule: str) -> list[Check]:
    """Rows where the ``later`` date precedes the ``earlier`` one (both present)."""
    mask = (frame[later] < frame[earlier]).to_numpy()
    return failed(
        later,
        rule,
        f"{later} >= {earlier}",
        mask,
        frame,
        _pairs(frame[later], frame[earlier], mask),
    )


def duplicated(frame: pd.DataFrame, keys: Sequence[str]) -> list[Check]:
    """Every row whose key is shared with another row (all copies, not just the later ones)."""
    keys = list(keys)
    mask = frame.duplicated(subset=keys, keep=False).to_numpy()
    if len(keys) == 1:
        values = frame[keys[0]]
    else:
        values = _joined(frame, keys, mask)
    return failed(", ".join(keys), "duplicate", f"unique ({', '.join(keys)})", mask, frame, values)


def _settlement_checks(claims: pd.DataFrame) -> list[Check]:
    """Settlement before the report date, or before occurrence when the report date is unknown."""
    reference = claims["occurrence_date"]
    if "report_date" in claims.columns:
        reference = claims["report_date"].fillna(reference)
    settled = claims["settlement_date"]
    mask = (settled < reference).to_numpy()
    expected = "settlement_date >= report_date (occurrence_date where report_date is missing)"
    return failed(
        "settlement_date",
        "settlement_before_report",
        expected,
        mask,
        claims,
        _pairs(settled, reference, mask),
    )


def _pairs(later: pd.Series, earlier: pd.Series, mask: np.ndarray) -> np.ndarray | None:
    """``"later < earlier"`` text for the failing rows (``None`` elsewhere); formats only those rows."""
    if not mask.any():
        return None
    text = np.full(len(mask), None, dtype=object)
    text[mask] = (later[mask].astype(str) + " < " + earlier[mask].astype(str)).to_numpy()
    return text


def _joined(frame: pd.DataFrame, keys: list[str], mask: np.ndarray) -> np.ndarray | None:
    """``"key1, key2"`` text for the flagged rows (``None`` elsewhere); formats only those rows."""
    if not mask.any():
        return None
    text = np.full(len(mask), None, dtype=object)
    parts = [frame.loc[mask, key].astype(str) for key in keys]
    text[mask] = parts[0].str.cat(parts[1:], sep=", ").to_numpy()
    return text
