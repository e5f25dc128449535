"""Claims as they come: composite keys, repeated claim ids, recoveries and nil claims.

The options of :func:`~autorisk.data.validate_claims`, checked once in
:class:`ClaimRules`, and what they do to the rows:

* ``on``: the columns matching a claim to its policy (``["policy_id"]``, or a
  composite key such as ``["policy_id", "vehicle_no"]``).
* ``claim_ids``: ``"unique"`` (each ``claim_id`` once in the table),
  ``"within_key"`` (unique within the key: a claim is ``(*on, claim_id)``,
  as when claims are numbered 1, 2, ... per policy) or ``"number"`` (no
  ``claim_id`` column: claims are numbered 1, 2, ... within the key, by
  occurrence date then row order).
* ``negative`` (recoveries: salvage, subrogation): ``"reject"`` (an error, the
  default), ``"net"`` (rows of one claim are its transactions and are summed:
  payments and recoveries net into one row per claim, which must not be
  negative) or ``"drop"`` (rows with a negative amount are removed, with a
  warning saying how many).
* ``zero`` (nil claims: every amount zero, after netting): ``"nil"`` (kept as
  nil claims, which :func:`~autorisk.data.aggregate_claims` counts in
  ``nil_claim_count``, not in ``claim_count`` nor in the amount a severity
  model averages), ``"drop"`` (removed, with a warning) or ``"reject"``.
  Left as None they are kept as nil claims with a warning naming how many.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Literal

import numpy as np
import pandas as pd

from autorisk.data.checks import Check, duplicated, failed
from autorisk.data.schema import CLAIM_COLUMNS, TableSchema, microseconds
from autorisk.errors import ParameterError

ClaimIds = Literal["unique", "within_key", "number"]
Negative = Literal["reject", "net", "drop"]
Zero = Literal["nil", "drop", "reject"]

CLAIM_IDS = ("unique", "within_key", "number")
NEGATIVE = ("reject", "net", "drop")
ZERO = ("nil", "drop", "reject", None)
AMOUNTS = ("paid", "incurred")


@dataclass(frozen=True)
class ClaimRules:
    """The checked claim options of :func:`~autorisk.data.validate_claims` (see the module docstring).

    Examples
    --------
    >>> ClaimRules(on=("policy_id", "vehicle"), claim_ids="within_key").identity
    ['policy_id', 'vehicle', 'claim_id']
    >>> ClaimRules(negative="refund")
    Traceback (most recent call last):
    ...
    autorisk.errors.ParameterError: negative must be one of ['reject', 'net', 'drop'], got 'refund'
    """

    on: tuple[str, ...] = ("policy_id",)
    claim_ids: str = "unique"
    negative: str = "reject"
    zero: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "on", tuple(check_key(self.on)))
        for name, options in (("claim_ids", CLAIM_IDS), ("negative", NEGATIVE), ("zero", ZERO)):
            if getattr(self, name) not in options:
                raise ParameterError(f"{name} must be one of {list(options)}, got {getattr(self, name)!r}")
        if self.claim_ids == "number" and self.negative == "net":
            raise ParameterError(
                "negative='net' sums the rows of each claim, which needs claim ids; "
                "claim_ids='number' makes every row a claim of its own"
            )

    @property
    def identity(self) -> list[str]:
        """The columns naming one claim (empty when claims are numbered: each row is a claim)."""
        if self.claim_ids == "unique":
            return ["claim_id"]
        if self.claim_ids == "within_key":
            return [*self.on, "claim_id"]
        return []


def claims_schema(rules: ClaimRules, dated_policies: bool) -> TableSchema:
    """:data:`CLAIM_COLUMNS` with what these rules and policies need: the key, ids, dates only with dated policies."""
    optional = {"claim_id": rules.claim_ids == "number", "policy_id": "policy_id" not in rules.on,
                "occurrence_date": not dated_policies}
    columns = tuple(
        replace(spec, required=False) if optional.get(spec.name) else spec for spec in CLAIM_COLUMNS
    )
    return replace(CLAIM_COLUMNS, columns=columns)


def amount_columns(frame: pd.DataFrame) -> list[str]:
    """The amount columns (``paid``, ``incurred``) the claims have."""
    return [name for name in AMOUNTS if name in frame.columns]


def negative_rows(frame: pd.DataFrame) -> np.ndarray:
    """Rows with a negative amount."""
    mask = np.zeros(len(frame), dtype=bool)
    for name in amount_columns(frame):
        mask |= frame[name].to_numpy(dtype=float, na_value=np.nan) < 0
    return mask


def drop_negative(frame: pd.DataFrame) -> np.ndarray:
    """The rows kept by ``negative="drop"``, warning how many are dropped."""
    negative = negative_rows(frame)
    if negative.any():
        warnings.warn(
            f"validate_claims: dropped {int(negative.sum())} claim row(s) with a negative "
            f"{' or '.join(amount_columns(frame))} (recoveries), as negative='drop' asks; "
            "negative='net' nets them into their claims",
            UserWarning,
            stacklevel=4,
        )
    return ~negative


def claim_rule_checks(frame: pd.DataFrame, rules: ClaimRules) -> list[Check]:
    """Duplicate claims, or with ``negative="net"`` conflicting and net-negative claims; zero claims with ``zero="reject"``."""
    identity = rules.identity
    if rules.negative != "net":
        checks = duplicated(frame, identity) if identity else []
        totals = {name: frame[name].to_numpy(dtype=float, na_value=np.nan) for name in amount_columns(frame)}
    else:
        groups = _claim_groups(frame, identity)
        checks = _conflicts(frame, rules, groups)
        totals = {name: _group_sum(frame[name], groups) for name in amount_columns(frame)}
        for name, total in totals.items():
            checks += failed(
                name,
                "net negative",
                "a claim total (payments less recoveries) >= 0; values are the claim totals",
                total < 0,
                frame,
                total,
            )
    if rules.zero == "reject" and totals:
        checks += failed(
            ", ".join(totals),
            "zero",
            "a claim with a non-zero amount (zero='nil' keeps nil claims, zero='drop' removes them)",
            _all_zero(totals),
            frame,
            next(iter(totals.values())),
        )
    return checks


def rows_of_rejected_claims(frame: pd.DataFrame, rules: ClaimRules, bad: np.ndarray) -> list[Check]:
    """With ``negative="net"``, the other rows of a claim some of whose rows fail: a claim is kept or rejected whole."""
    if rules.negative != "net" or not bad.any():
        return []
    groups = _claim_groups(frame, rules.identity)
    spoilt = np.zeros(groups.max(initial=-1) + 1, dtype=bool)
    spoilt[groups[bad]] = True
    rows = spoilt[groups] & ~bad
    column = ", ".join(rules.identity)
    values = frame[rules.identity[-1]]
    return failed(column, "claim rejected", "every row of the claim valid (another row of it fails)", rows, frame, values)


def finish_claims(valid: pd.DataFrame, rules: ClaimRules) -> pd.DataFrame:
    """The valid rows as claims: transactions netted, nil claims kept or dropped, claims numbered."""
    if rules.negative == "net":
        valid = _net(valid, rules.identity)
    amounts = {name: valid[name].to_numpy(dtype=float, na_value=np.nan) for name in amount_columns(valid)}
    nil = _all_zero(amounts) if amounts else np.zeros(len(valid), dtype=bool)
    if nil.any() and rules.zero in (None, "drop"):
        kept = "dropped" if rules.zero == "drop" else (
            "kept as nil claims: aggregate_claims counts them in nil_claim_count, not in claim_count "
            "nor in the amount severity averages (zero='nil' keeps them without this warning, "
            "zero='drop' removes them)"
        )
        warnings.warn(
            f"validate_claims: {int(nil.sum())} claim(s) with a zero {' and '.join(amounts)}, {kept}",
            UserWarning,
            stacklevel=3,
        )
        if rules.zero == "drop":
            valid = valid[~nil]
    if rules.claim_ids == "number":
        valid = _numbered(valid, list(rules.on))
    return valid


def _claim_groups(frame: pd.DataFrame, identity: Sequence[str]) -> np.ndarray:
    """Code of each row's claim (rows with a missing id are their own claims)."""
    codes = frame.groupby(list(identity), sort=False, dropna=False).ngroup().to_numpy()
    missing = frame[list(identity)].isna().any(axis=1).to_numpy()
    if missing.any():
        codes = codes.copy()
        codes[missing] = codes.max(initial=-1) + 1 + np.arange(int(missing.sum()))
    return codes


def _group_sum(values: pd.Series, groups: np.ndarray) -> np.ndarray:
    """Each row's claim total; NaN where the row's own value is missing.

    A total within float rounding of zero (payments recovered in full:
    ``0.3 - 0.1 - 0.2``) is exactly zero, a nil claim rather than a negative one.
    """
    array = values.to_numpy(dtype=float, na_value=np.nan)
    finite = np.where(np.isfinite(array), array, 0.0)
    sums = np.bincount(groups, weights=finite)
    scale = np.bincount(groups, weights=np.abs(finite))
    sums[np.abs(sums) <= 1e-9 * scale] = 0.0
    return np.where(np.isnan(array), np.nan, sums[groups])


def _all_zero(totals: dict[str, np.ndarray]) -> np.ndarray:
    arrays = list(totals.values())
    mask = arrays[0] == 0
    for array in arrays[1:]:
        mask &= array == 0
    return mask


def _conflicts(frame: pd.DataFrame, rules: ClaimRules, groups: np.ndarray) -> list[Check]:
    """Rows of one claim that disagree on what must be one value per claim (key, occurrence date, coverage)."""
    columns = [c for c in [*rules.on, "occurrence_date", "coverage"] if c in frame.columns and c not in rules.identity]
    checks = []
    for column in columns:
        codes = pd.factorize(frame[column], use_na_sentinel=False)[0]
        low = np.full(groups.max(initial=-1) + 1, np.iinfo(np.int64).max)
        high = np.full(groups.max(initial=-1) + 1, -1)
        np.minimum.at(low, groups, codes)
        np.maximum.at(high, groups, codes)
        mask = (low != high)[groups]
        expected = f"one {column} for all the rows of a claim (they are summed as its transactions)"
        checks += failed(column, "conflict within claim", expected, mask, frame, frame[column])
    return checks


def _net(valid: pd.DataFrame, identity: list[str]) -> pd.DataFrame:
    """One row per claim (its first): amounts summed, the earliest report and the latest settlement date."""
    repeated = valid.duplicated(identity, keep=False).to_numpy()
    if not repeated.any():
        return valid
    codes = _claim_groups(valid, identity)
    first = ~valid.duplicated(identity, keep="first").to_numpy()
    netted = valid[first].copy()
    for name in amount_columns(valid):
        netted[name] = _group_sum(valid[name], codes)[first]
    groups = valid.groupby(codes, sort=False)
    for name, how in (("report_date", "min"), ("settlement_date", "max")):
        if name in valid.columns:
            netted[name] = groups[name].transform(how).to_numpy()[first]
    return netted


def _numbered(valid: pd.DataFrame, on: list[str]) -> pd.DataFrame:
    """``claim_id`` 1, 2, ... within each key, by occurrence date (when given) then row order."""
    n = len(valid)
    order = np.arange(n)
    if "occurrence_date" in valid.columns:
        order = np.argsort(microseconds(valid["occurrence_date"]), kind="stable")
    ranked = valid.iloc[order].groupby(on, sort=False, dropna=False).cumcount().to_numpy() + 1
    numbers = np.empty(n, dtype=np.int64)
    numbers[order] = ranked
    numbered = valid.copy()
    numbered.insert(0, "claim_id", numbers)
    return numbered


def check_key(on: str | Sequence[str] | None) -> list[str]:
    """The key columns named by ``on`` (``["policy_id"]`` when None), or a :class:`ParameterError`.

    Examples
    --------
    >>> check_key(None), check_key("contract"), check_key(["policy_id", "vehicle"])
    (['policy_id'], ['contract'], ['policy_id', 'vehicle'])
    """
    if on is None:
        return ["policy_id"]
    key = [on] if isinstance(on, str) else on
    if (
        not isinstance(key, Sequence)
        or not key
        or not all(isinstance(column, str) and column for column in key)
    ):
        raise ParameterError(f"on must be a column name or a list of column names, got {on!r}")
    return list(dict.fromkeys(key))
