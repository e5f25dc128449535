"""Row-level rules on canonical policy and claims tables.

Each rule returns a list of :class:`Check` (empty when every row passes): the
:class:`~autorisk.errors.DataIssue` for the message and the boolean mask of
failing rows, so a caller can either raise or set the failing rows aside.
"""

from __future__ import annotations

from collections.abc import Sequence
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
    policies: pd.DataFrame,
    factors: Sequence[str] = (),
    *,
    unique_periods: bool = True,
    key: Sequence[str] = ("policy_id",),
) -> list[Check]:
    """Rules every canonical policy table must pass.

    Missing ids, key columns, dates, exposures and factors (blank text counts
    as missing); exposure negative or infinite; ``period_end`` before
    ``period_start``; and, with ``unique_periods``, duplicate
    ``(*key, period_start)`` (or ``key`` without dates).
    """
    dated = has_dates(policies)
    key = list(key)
    checks = missing(
        policies, ["policy_id", *key, "period_start", "period_end", "exposure", *factors]
    )
    if "exposure" in policies.columns:
        checks += nonnegative_finite(policies, "exposure")
    if dated:
        checks += not_before(policies, "period_end", "period_start", "end_before_start")
    if unique_periods:
        checks += duplicated(policies, [*key, "period_start"] if dated else key)
    return checks


def claim_checks(
    claims: pd.DataFrame, key: Sequence[str] = ("policy_id",), *, negative: bool = True
) -> list[Check]:
    """Rules every canonical claims table must pass on its own, row by row.

    Missing ids, key columns, occurrence dates (when the column is given) and
    amounts; infinite amounts and, with ``negative``, negative ones; report
    before occurrence; settlement before report (or before occurrence when the
    report date is unknown). Duplicate claims are
    :func:`~autorisk.data.claim_rows.claim_rule_checks`'s.
    """
    amounts = [name for name in ("paid", "incurred") if name in claims.columns]
    checks = missing(claims, ["claim_id", *key, "occurrence_date", *amounts])
    for name in amounts:
        checks += nonnegative_finite(claims, name, negative=negative)
    if "report_date" in claims.columns and "occurrence_date" in claims.columns:
        checks += not_before(claims, "report_date", "occurrence_date", "report_before_occurrence")
    if "settlement_date" in claims.columns:
        checks += _settlement_checks(claims)
    return checks


def link_checks(
    claims: pd.DataFrame, policies: pd.DataFrame, key: Sequence[str] = ("policy_id",)
) -> tuple[list[Check], np.ndarray]:
    """Claims whose policy is unknown or whose date is outside every period.

    Claims with a missing key value or (against dated policies) occurrence
    date are skipped (they fail :func:`claim_checks`). Returns the checks and,
    for every claim, its policy row position as given by
    :func:`~autorisk.data.matching.locate_periods` (``ORPHAN`` for skipped claims).
    """
    key = list(key)
    usable = np.ones(len(claims), dtype=bool)
    for column in key:
        usable &= ~missing_mask(claims[column])
    if has_dates(policies):
        usable &= claims["occurrence_date"].notna().to_numpy()
    positions = np.full(len(claims), ORPHAN, dtype=np.int64)
    positions[usable] = locate_periods(claims[usable], policies, key)
    orphan = usable & (positions == ORPHAN)
    column = ", ".join(key)
    values = claims[key[0]] if len(key) == 1 else _joined(claims, key, orphan)
    named = column if len(key) == 1 else f"({column})"
    checks = failed(column, "orphan", f"a {named} present in the policy table", orphan, claims, values)
    if has_dates(policies):
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
    """Missing values (NaN, None, ``pd.NA``, ``pd.NaT``, blank text) in those of ``columns`` that ``frame`` has."""
    checks = []
    for column in dict.fromkeys(columns):
        if column in frame.columns:
            values = frame[column]
            checks += failed(
                column, "missing", "a value in every row", missing_mask(values), frame, values
            )
    return checks


def missing_mask(values: pd.Series) -> np.ndarray:
    """Rows holding a missing value: NaN, None, ``pd.NA``, ``pd.NaT`` or empty / all-blank text.

    The rule of rating inputs (:func:`autorisk.rating.values.is_missing`),
    decided once per distinct text value.

    Examples
    --------
    >>> import pandas as pd
    >>> missing_mask(pd.Series(["a", "", "  ", None, "b"])).tolist()
    [False, True, True, True, False]
    """
    mask = values.isna().to_numpy().copy()
    if isinstance(values.dtype, pd.StringDtype):  # vectorised (Arrow) text
        blank = values.str.strip() == ""
        return mask | blank.to_numpy(dtype=bool, na_value=False)
    if isinstance(values.dtype, pd.CategoricalDtype):
        texts = list(values.cat.categories)
    elif pd.api.types.is_object_dtype(values.dtype):
        texts = distinct(values[~mask])
    else:
        return mask
    blank = [text for text in texts if isinstance(text, str) and not text.strip()]
    if blank:
        mask |= isin(values, blank) & ~mask
    return mask


def distinct(values: pd.Series) -> list:
    """The distinct values of ``values`` in order of appearance, leaving out unhashable ones (lists, dicts).

    Like :func:`pandas.unique`, it holds ``True`` and ``1`` as one value: tell
    kinds apart first (see :mod:`autorisk.data.factors`).
    """
    try:
        return list(pd.unique(values))
    except TypeError:
        keep = np.fromiter((_is_hashable(v) for v in values.to_numpy()), bool, len(values))
        return list(pd.unique(values[keep]))


def isin(values: pd.Series, items: Sequence[object]) -> np.ndarray:
    """:meth:`pandas.Series.isin` as an array, also on columns holding unhashable values (never in ``items``)."""
    try:
        return values.isin(list(items)).to_numpy()
    except TypeError:
        wanted = list(items)
        return np.fromiter(
            (_is_hashable(v) and v in wanted for v in values.to_numpy()), bool, len(values)
        )


def _is_hashable(value: object) -> bool:
    try:
        hash(value)
    except TypeError:
        return False
    return True


def nonnegative_finite(frame: pd.DataFrame, column: str, *, negative: bool = True) -> list[Check]:
    """Negative (when ``negative``) or infinite values in a float column."""
    values = frame[column]
    array = values.to_numpy(dtype=float, na_value=np.nan)
    checks = failed(column, "negative", "a value >= 0", array < 0, frame, values) if negative else []
    infinite = np.isposinf(array) if negative else np.isinf(array)
    checks += failed(column, "infinite", "a finite value", infinite, frame, values)
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
    if "report_date" in claims.columns and "occurrence_date" in claims.columns:
        reference = claims["report_date"].fillna(claims["occurrence_date"])
    elif "report_date" in claims.columns or "occurrence_date" in claims.columns:
        reference = claims["report_date" if "report_date" in claims.columns else "occurrence_date"]
    else:
        return []
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
