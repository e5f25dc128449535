"""Validate user policy and claims tables into canonical form.

Structural problems (a missing column, dates, exposures or amounts that are
not dates or numbers) always raise :class:`~autorisk.errors.SchemaError`.
Row-level problems, among them a declared factor's value of the wrong type
(see :mod:`autorisk.data.factors`), either raise one
:class:`~autorisk.errors.DataError` listing every failed rule
(``errors="raise"``) or set the failing rows aside (``errors="reject"``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Literal, NamedTuple

import numpy as np
import pandas as pd

from autorisk.data.checks import Check, claim_checks, link_checks, policy_checks, raise_if_failed
from autorisk.data.claim_rows import (
    ClaimIds,
    ClaimRules,
    Negative,
    Zero,
    check_key,
    claim_rule_checks,
    claims_schema,
    drop_negative,
    finish_claims,
    rows_of_rejected_claims,
)
from autorisk.data.exposure import check_days_per_year, days_between
from autorisk.data.factors import as_numbers, check_ranges, factor_checks
from autorisk.data.matching import has_dates
from autorisk.data.schema import POLICY_COLUMNS, require_columns, standardize
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
    numeric: Sequence[str] | None = None,
    ranges: Mapping[str, tuple[float | None, float | None]] | None = None,
    levels: Mapping[str, Sequence[object]] | None = None,
    on: Sequence[str] | None = None,
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
        missing values (NaN, None, ``pd.NA``, ``pd.NaT``, empty or blank
        text). A factor not declared numeric is read as levels: a boolean
        among other values is refused (``True`` is not level 1); a boolean
        column is fine.
    numeric : sequence of str, optional
        Factors that must be finite numbers (ints or floats): booleans, text
        (``"20"`` or ``"twenty thousand"``; never parsed) and infinities are
        refused. An object column of numbers comes back numeric. These
        columns are factors too.
    ranges : mapping of str to (low, high), optional
        ``{column: (low, high)}`` inclusive bounds, ``None`` for an open end,
        e.g. ``{"driver_age": (18, 99), "bonus_malus": (50, None)}``; a value
        outside is an error, or a rejected row. These columns are numeric.
    levels : mapping of str to sequence, optional
        ``{factor column: known levels}``: a value outside them (a category the
        rating plan or model has never seen, such as a mistyped area code) is
        an error, or a rejected row. Levels match within their kind (the text
        ``"3"`` is not the level 3). These columns are factors too.
    on : sequence of str, optional
        The columns identifying a policy when ``policy_id`` alone does not
        (a fleet's vehicles: ``["policy_id", "vehicle_no"]``); duplicates are
        looked for on them (with ``period_start`` when dated). Give the same
        ``on`` to :func:`validate_claims`.
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
        values; a factor value of the wrong type, outside its range or
        outside ``levels``; negative or infinite exposure; ``period_end`` before
        ``period_start`` (equal is allowed: a zero-length period); duplicate
        ``(policy_id, period_start)``, or duplicate ``policy_id`` without dates.
        A column of numbers held as text is named with the advice to convert
        it with ``pd.to_numeric``.
    ParameterError
        An invalid option value.

    Warns
    -----
    UserWarning
        A factor without declared levels whose text all holds numbers (it is
        read as levels: declare it ``numeric=`` after ``pd.to_numeric``).

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

    Numbers are checked for their type and range:

    >>> book = pd.DataFrame({"policy_id": [1, 2, 3], "exposure": [1.0, 1.0, 1.0], "age": [17, 45, "40"]})
    >>> validate_policies(book, ranges={"age": (18, 99)})
    Traceback (most recent call last):
    ...
    autorisk.errors.DataError: policies: 2 problems
      - column 'age': text in 1 row (expected numbers (text is not read as a number); the column holds numbers as text: convert it with pd.to_numeric(data['age'])); values: '40'; rows: 2
      - column 'age': out of range in 1 row (expected 18 <= age <= 99); values: 17; rows: 0
    """
    _check_errors(errors)
    frame, checks = checked_policies(
        data, columns, factors, levels, numeric=numeric, ranges=ranges, on=on,
        days_per_year=days_per_year, end_inclusive=end_inclusive,
    )
    return _result(data, frame, checks, errors, table="policies")


def validate_claims(
    claims: pd.DataFrame,
    policies: pd.DataFrame | None = None,
    columns: Mapping[str, str] | None = None,
    *,
    on: Sequence[str] | None = None,
    claim_ids: ClaimIds = "unique",
    negative: Negative = "reject",
    zero: Zero | None = None,
    errors: Errors = "raise",
) -> ValidationResult:
    """Check a claims table, optionally against its policy table.

    Parameters
    ----------
    claims : DataFrame
        One row per claim (or, with ``negative="net"``, per transaction):
        ``claim_id``, the key (``policy_id``), ``occurrence_date``, optional
        ``report_date``, ``settlement_date`` (missing while open) and
        ``coverage``, and at least one of ``paid`` / ``incurred``. The
        occurrence date is needed only against policies with period dates.
    policies : DataFrame, optional
        Canonical policy table, e.g. ``validate_policies(...).valid``. If
        given, every claim must belong to a policy in it and, when it has
        dates, occur inside one of that policy's periods ``[start, end)``.
    columns : mapping of str to str, optional
        ``{canonical name: user column name}`` for the claims table.
    on : sequence of str, optional
        The columns matching a claim to its policy, in both tables (canonical
        names): ``["policy_id"]`` by default, or a composite key such as
        ``["policy_id", "vehicle_no"]``. Each key (with its ``period_start``
        when dated) must be unique in ``policies``.
    claim_ids : {"unique", "within_key", "number"}, default "unique"
        ``"unique"``: each ``claim_id`` once in the table. ``"within_key"``:
        ids unique within the key, a claim being ``(*on, claim_id)`` (claims
        numbered 1, 2, ... per policy). ``"number"``: there is no ``claim_id``
        column; claims are numbered 1, 2, ... within the key, by occurrence
        date then row order, into a new first column ``claim_id``.
    negative : {"reject", "net", "drop"}, default "reject"
        Negative amounts (recoveries: salvage, subrogation). ``"reject"``: an
        error, or rejected rows, as any bad value (the default: nothing is
        netted or dropped unasked). ``"net"``: the rows of one claim are its
        transactions and are summed into one row per claim (amounts summed,
        the earliest report and the latest settlement date, the first row's
        index and other values); rows of one claim must agree on the key,
        occurrence date and coverage, and a claim's total must not be
        negative. ``"drop"``: rows with a negative amount are removed with a
        warning saying how many.
    zero : {"nil", "drop", "reject"}, optional
        Claims whose amounts (after netting) are all zero: nil claims.
        ``"nil"``: kept; :func:`~autorisk.data.aggregate_claims` counts them in
        ``nil_claim_count``, not in ``claim_count``, so they count neither in
        the claim frequency nor in the severity (which a zero amount would
        make impossible to fit with a Gamma GLM). ``"drop"``: removed, with a
        warning. ``"reject"``: an error, or rejected rows. Left as None: kept
        as nil claims with a warning saying how many.
    errors : {"raise", "reject"}, default "raise"
        As in :func:`validate_policies`. With ``negative="net"`` a claim is
        rejected whole when one of its rows fails.

    Returns
    -------
    ValidationResult

    Raises
    ------
    SchemaError
        Missing columns or values of the wrong type, in claims or policies.
    DataError
        With ``errors="raise"``: missing ids, key values, occurrence dates or
        amounts; negative (with ``negative="reject"``) or infinite amounts;
        report before occurrence; settlement before report (before occurrence
        if the report date is missing); duplicate claims; claims of unknown
        policies or outside every period. Invalid ``policies`` raise whatever
        ``errors`` is.
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

    A recovery netted into its claim, and claims numbered within their
    policy on a book without dates (as the French ``freMTPL2sev``):

    >>> rows = pd.DataFrame({"claim_id": [1, 1, 2], "policy_id": [7, 7, 8], "paid": [900.0, -300.0, 50.0]})
    >>> validate_claims(rows, negative="net").valid
       claim_id  policy_id   paid
    0         1          7  600.0
    2         2          8   50.0
    >>> policies = pd.DataFrame({"IDpol": [7, 8], "Exposure": [1.0, 0.5]})
    >>> policies, _ = validate_policies(policies, {"policy_id": "IDpol", "exposure": "Exposure"})
    >>> sev = pd.DataFrame({"IDpol": [7, 7, 8], "ClaimAmount": [1200.0, 300.0, 80.0]})
    >>> validate_claims(sev, policies, {"policy_id": "IDpol", "paid": "ClaimAmount"}, claim_ids="number").valid
       claim_id  policy_id    paid
    0         1          7  1200.0
    1         2          7   300.0
    2         1          8    80.0
    """
    _check_errors(errors)
    rules = ClaimRules(on=tuple(check_key(on)), claim_ids=claim_ids, negative=negative, zero=zero)
    if policies is not None:
        policies, policy_issues = checked_policies(policies, on=rules.on)
        raise_if_failed(policy_issues, table="policies")
    frame, checks, _, kept = checked_claims(claims, columns, policies, rules)
    data = claims[kept] if not kept.all() else claims
    if errors == "reject":
        bad = np.zeros(len(frame), dtype=bool)
        for check in checks:
            bad |= check.mask
        checks += rows_of_rejected_claims(frame, rules, bad)
    valid, rejected = _result(data, frame, checks, errors, table="claims")
    return ValidationResult(finish_claims(valid, rules), rejected)


def checked_policies(
    data: pd.DataFrame,
    columns: Mapping[str, str] | None = None,
    factors: Sequence[str] | None = None,
    levels: Mapping[str, Sequence[object]] | None = None,
    *,
    numeric: Sequence[str] | None = None,
    ranges: Mapping[str, tuple[float | None, float | None]] | None = None,
    on: Sequence[str] | None = None,
    days_per_year: float = 365.25,
    end_inclusive: bool = False,
) -> tuple[pd.DataFrame, list[Check]]:
    """Canonical policy table and its failed checks, without raising for row-level problems."""
    check_days_per_year(days_per_year)
    key = check_key(on)
    ranges = check_ranges(ranges)
    numeric = [numeric] if isinstance(numeric, str) else list(numeric or [])
    numeric += [column for column in ranges if column not in numeric]
    levels = dict(levels or {})
    both = [column for column in levels if column in numeric]
    if both:
        raise ParameterError(f"columns {both} are given levels and declared numeric; choose one")
    factors = [factors] if isinstance(factors, str) else list(factors or [])
    factors += [column for column in [*numeric, *levels] if column not in factors]
    frame = standardize(data, POLICY_COLUMNS, columns, factors=factors)
    require_columns(frame, key, "policies", "(the key given as on=)")
    if end_inclusive:
        require_columns(frame, ["period_end"], "policies", "for end_inclusive=True")
        frame["period_end"] = frame["period_end"] + pd.Timedelta(days=1)
    checks = policy_checks(frame, factors, key=key)
    checks += factor_checks(frame, factors, numeric, ranges, levels)
    for column in numeric:
        frame[column] = as_numbers(frame[column])
    if has_dates(frame) and "exposure" not in frame.columns:
        days = days_between(frame["period_start"].to_numpy(), frame["period_end"].to_numpy())
        frame["exposure"] = days / days_per_year
    return frame, checks


class CheckedClaims(NamedTuple):
    """A canonical claims table, its failed checks, each claim's policy row and the input rows kept."""

    frame: pd.DataFrame
    checks: list[Check]
    positions: np.ndarray | None
    kept: np.ndarray


def checked_claims(
    claims: pd.DataFrame,
    columns: Mapping[str, str] | None = None,
    policies: pd.DataFrame | None = None,
    rules: ClaimRules | None = None,
) -> CheckedClaims:
    """Canonical claims table, its failed checks and, with ``policies``, each claim's policy row position.

    ``policies`` must be canonical and already checked. With
    ``negative="drop"`` the rows with a negative amount are left out
    (``kept`` is False for them); netting, nil claims and numbering are
    :func:`~autorisk.data.claim_rows.finish_claims`'s, on the valid rows.
    """
    rules = rules or ClaimRules()
    dated = policies is not None and has_dates(policies)
    schema = claims_schema(rules, dated_policies=dated)
    frame = standardize(claims, schema, columns)
    require_columns(frame, list(rules.on), "claims", "(the key matching claims to policies, on=)")
    if rules.claim_ids == "number" and "claim_id" in frame.columns:
        raise ParameterError(
            "claim_ids='number' numbers the claims into claim_id, but the claims have a claim_id "
            "column: drop it (or rename it) first, or use claim_ids='within_key' for ids unique per key"
        )
    kept = np.ones(len(frame), dtype=bool)
    if rules.negative == "drop":
        kept = drop_negative(frame)
        frame = frame[kept]
    checks = claim_checks(frame, rules.on, negative=rules.negative == "reject")
    checks += claim_rule_checks(frame, rules)
    positions = None
    if policies is not None:
        linked, positions = link_checks(frame, policies, rules.on)
        checks += linked
    return CheckedClaims(frame, checks, positions, kept)


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
