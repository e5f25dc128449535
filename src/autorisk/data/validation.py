"""Validate user policy and claims tables into canonical form.

Structural problems (a missing column, values that are not dates or numbers)
always raise :class:`~autorisk.errors.SchemaError`. Row-level problems either
raise one :class:`~autorisk.errors.DataError` listing every failed rule
(``errors="raise"``) or set the failing rows aside (``errors="reject"``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Literal, NamedTuple

import numpy as np
import pandas as pd

from autorisk.data.checks import (
    Check,
    claim_checks,
    link_checks,
    policy_checks,
    raise_if_failed,
    unknown_levels,
)
from autorisk.data.exposure import check_days_per_year, days_between
from autorisk.data.matching import has_dates
from autorisk.data.schema import CLAIM_COLUMNS, POLICY_COLUMNS, require_columns, standardize
from autorisk.errors import ParameterError

Errors = Literal["raise", "reject"]
_ERRORS = ("raise", "reject")


class ValidationResult(NamedTuple):
    """Outcome of :func:`validate_policies` or :func:`validate_claims`.

    Attributes
    ----------
    valid : DataFrame
        Rows passing every rule, with canonical column names and dtypes.
    rejected : DataFrame
        The failing rows as given (user column names, same index labels),
        plus a ``reason`` column listing every failed rule as
        ``"column: rule"``, joined by ``"; "`` (it replaces any column of
        that name). Empty with ``errors="raise"``.

    Examples
    --------
    >>> import pandas as pd
    >>> claims = pd.DataFrame({"claim_id": [1, 2], "policy_id": [7, 7],
    ...                        "occurrence_date": ["2023-05-01", "2023-06-01"], "incurred": [1200.0, -50.0]})
    >>> valid, rejected = validate_claims(claims, errors="reject")
    >>> valid["claim_id"].tolist(), str(valid["occurrence_date"].dtype)
    ([1], 'datetime64[us]')
    >>> rejected["reason"].tolist()
    ['incurred: negative']
    """

    valid: pd.DataFrame
    rejected: pd.DataFrame


def validate_policies(
    data: pd.DataFrame,
    columns: Mapping[str, str] | None = None,
    *,
    factors: Sequence[str] | None = None,
    levels: Mapping[str, Sequence[object]] | None = None,
    errors: Errors = "raise",
    days_per_year: float = 365.25,
    end_inclusive: bool = False,
) -> ValidationResult:
    """Check a policy table and return it with canonical columns.

    Parameters
    ----------
    data : DataFrame
        One row per policy period. Needs a policy id and either both period
        dates or an exposure; any other columns pass through untouched.
    columns : mapping of str to str, optional
        ``{canonical name: user column name}``, e.g.
        ``{"policy_id": "IDpol", "exposure": "Expo"}``.
    factors : sequence of str, optional
        Rating-factor columns (user names); they must exist and have no
        missing values.
    levels : mapping of str to sequence, optional
        ``{factor column: known levels}``: a value outside them (a category the
        rating plan or model has never seen, such as a mistyped area code) is
        an error, or a rejected row. These columns are factors too.
    errors : {"raise", "reject"}, default "raise"
        ``"raise"``: raise one :class:`~autorisk.errors.DataError` listing all
        row-level problems. ``"reject"``: return failing rows in ``rejected``.
    days_per_year : float, default 365.25
        Length of one exposure year, used when exposure is derived from dates.
    end_inclusive : bool, default False
        Whether the given ``period_end`` is the last day of cover; if so one
        day is added so that ``period_end`` becomes exclusive.

    Returns
    -------
    ValidationResult
        ``valid`` gains ``exposure = days / days_per_year`` when the table
        has dates but no exposure. A given exposure is kept as is.

    Raises
    ------
    SchemaError
        Missing columns or values of the wrong type (whatever ``errors``).
    DataError
        With ``errors="raise"``: missing ids, dates, exposures or factor
        values; a value outside ``levels``; negative or infinite exposure; ``period_end`` before
        ``period_start`` (equal is allowed: a zero-length period); duplicate
        ``(policy_id, period_start)``, or duplicate ``policy_id`` without dates.
    ParameterError
        An invalid option value.

    Notes
    -----
    Overlapping periods of one policy are not an error here; see
    :func:`~autorisk.data.merge_periods`.

    Examples
    --------
    >>> import pandas as pd
    >>> raw = pd.DataFrame(
    ...     {"IDpol": [1, 2], "Start": ["2023-01-01", "2023-03-01"], "End": ["2024-01-01", "2023-01-01"]}
    ... )
    >>> result = validate_policies(
    ...     raw, {"policy_id": "IDpol", "period_start": "Start", "period_end": "End"}, errors="reject"
    ... )
    >>> result.valid
       policy_id period_start period_end  exposure
    0          1   2023-01-01 2024-01-01  0.999316
    >>> result.rejected
       IDpol       Start         End                          reason
    1      2  2023-03-01  2023-01-01  period_end: end_before_start

    A category outside the known levels is refused, with its value and row:

    >>> book = pd.DataFrame({"policy_id": [1, 2], "exposure": [1.0, 0.5], "area": ["A1", "A99"]})
    >>> validate_policies(book, levels={"area": ["A1", "A2"]})
    Traceback (most recent call last):
    ...
    autorisk.errors.DataError: policies: column 'area': unknown level in 1 row (expected one of ['A1', 'A2']); values: 'A99'; rows: 1
    """
    _check_errors(errors)
    frame, checks = checked_policies(
        data, columns, factors, levels, days_per_year=days_per_year, end_inclusive=end_inclusive
    )
    return _result(data, frame, checks, errors, table="policies")


def validate_claims(
    claims: pd.DataFrame,
    policies: pd.DataFrame | None = None,
    columns: Mapping[str, str] | None = None,
    *,
    errors: Errors = "raise",
) -> ValidationResult:
    """Check a claims table, optionally against its policy table.

    Parameters
    ----------
    claims : DataFrame
        One row per claim: ``claim_id``, ``policy_id``, ``occurrence_date``,
        optional ``report_date``, ``settlement_date`` (missing while open)
        and ``coverage``, and at least one of ``paid`` / ``incurred``.
    policies : DataFrame, optional
        Canonical policy table, e.g. ``validate_policies(...).valid``. If
        given, every claim must belong to a policy in it and, when it has
        dates, occur inside one of that policy's periods ``[start, end)``.
    columns : mapping of str to str, optional
        ``{canonical name: user column name}`` for the claims table.
    errors : {"raise", "reject"}, default "raise"
        As in :func:`validate_policies`.

    Returns
    -------
    ValidationResult

    Raises
    ------
    SchemaError
        Missing columns or values of the wrong type, in claims or policies.
    DataError
        With ``errors="raise"``: missing ids, occurrence dates or amounts;
        negative or infinite amounts; report before occurrence; settlement
        before report (before occurrence if the report date is missing);
        duplicate ``claim_id``; claims of unknown policies or outside every
        period. Invalid ``policies`` raise whatever ``errors`` is.
    ParameterError
        An invalid option value.

    Examples
    --------
    >>> import pandas as pd
    >>> claims = pd.DataFrame(
    ...     {"claim_id": [1, 2], "policy_id": [7, 7], "occurrence_date": ["2023-05-01", "2023-06-01"],
    ...      "incurred": [1200.0, -50.0]}
    ... )
    >>> validate_claims(claims, errors="reject").rejected
       claim_id  policy_id occurrence_date  incurred              reason
    1         2          7      2023-06-01     -50.0  incurred: negative
    """
    _check_errors(errors)
    if policies is not None:
        policies, policy_issues = checked_policies(policies)
        raise_if_failed(policy_issues, table="policies")
    frame, checks, _ = checked_claims(claims, columns, policies)
    return _result(claims, frame, checks, errors, table="claims")


def checked_policies(
    data: pd.DataFrame,
    columns: Mapping[str, str] | None = None,
    factors: Sequence[str] | None = None,
    levels: Mapping[str, Sequence[object]] | None = None,
    *,
    days_per_year: float = 365.25,
    end_inclusive: bool = False,
) -> tuple[pd.DataFrame, list[Check]]:
    """Canonical policy table and its failed checks, without raising for row-level problems."""
    check_days_per_year(days_per_year)
    factors = [factors] if isinstance(factors, str) else list(factors or [])
    levels = dict(levels or {})
    factors += [column for column in levels if column not in factors]
    frame = standardize(data, POLICY_COLUMNS, columns, factors=factors)
    if end_inclusive:
        require_columns(frame, ["period_end"], "policies", "for end_inclusive=True")
        frame["period_end"] = frame["period_end"] + pd.Timedelta(days=1)
    checks = policy_checks(frame, factors) + unknown_levels(frame, levels)
    if has_dates(frame) and "exposure" not in frame.columns:
        days = days_between(frame["period_start"].to_numpy(), frame["period_end"].to_numpy())
        frame["exposure"] = days / days_per_year
    return frame, checks


def checked_claims(
    claims: pd.DataFrame,
    columns: Mapping[str, str] | None = None,
    policies: pd.DataFrame | None = None,
) -> tuple[pd.DataFrame, list[Check], np.ndarray | None]:
    """Canonical claims table, its failed checks and, with ``policies``, each claim's policy row position.

    ``policies`` must be canonical and already checked.
    """
    frame = standardize(claims, CLAIM_COLUMNS, columns)
    checks = claim_checks(frame)
    positions = None
    if policies is not None:
        linked, positions = link_checks(frame, policies)
        checks += linked
    return frame, checks, positions


def _result(
    data: pd.DataFrame, frame: pd.DataFrame, checks: list[Check], errors: Errors, table: str
) -> ValidationResult:
    """Raise, or split ``frame`` into valid rows and the original rejected rows."""
    if errors == "raise":
        raise_if_failed(checks, table=table)
    bad = np.zeros(len(frame), dtype=bool)
    for check in checks:
        bad |= check.mask
    reasons = np.full(int(bad.sum()), "", dtype=object)
    for check in checks:
        flagged = check.mask[bad]
        separator = np.where(reasons == "", "", "; ")
        reasons = np.where(
            flagged, reasons + separator + f"{check.issue.column}: {check.issue.rule}", reasons
        )
    rejected = data[bad].assign(reason=reasons.astype(str))
    return ValidationResult(frame[~bad] if bad.any() else frame, rejected)


def _check_errors(errors: str) -> None:
    if errors not in _ERRORS:
        raise ParameterError(f"errors must be one of {list(_ERRORS)}, got {errors!r}")
