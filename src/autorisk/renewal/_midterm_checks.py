"""Checks of mid-term inputs (terms, dates, premiums, day counts) and the errors they raise."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from autorisk.data.schema import to_datetime
from autorisk.errors import DataError, DataIssue, ParameterError

#: Largest premium accepted: amounts are counted in whole cents, exact as float64 below 2**53.
MAX_PREMIUM = 1e13
_CENTS = 100



def _term_issues(start: np.ndarray, end: np.ndarray, at: np.ndarray, names: tuple[str, str, str],
                 index: pd.Index) -> list[DataIssue]:  # fmt: skip
    if start.size == 0 or end.size == 0 or at.size == 0:  # a date column failed to parse: reported already
        return []
    issues = []
    empty = end <= start
    if empty.any():
        issues.append(DataIssue.from_mask(names[1], "not after the start", f"a date after {names[0]} (the term is "
                                          f"[{names[0]}, {names[1]}))", empty, index, pd.DatetimeIndex(end)))  # fmt: skip
    outside = ~empty & ((at < start) | (at >= end))
    if outside.any():
        issues.append(DataIssue.from_mask(names[2], "outside the term", f"a date in [{names[0]}, {names[1]})",
                                          outside, index, pd.DatetimeIndex(at)))  # fmt: skip
    return issues


def _premium_issues(paid: np.ndarray, name: str, index: pd.Index, values: Any = None) -> list[DataIssue]:
    with np.errstate(invalid="ignore"):
        bad = ~(np.isfinite(paid) & (paid >= 0) & (paid < MAX_PREMIUM))
    if not bad.any():
        return []
    shown = paid if values is None else values
    return [DataIssue.from_mask(name, "not a premium", f"a finite amount in [0, {MAX_PREMIUM:g})", bad, index, shown)]


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, (bool, np.bool_))


def _single_dates(values: Mapping[str, Any]) -> dict[str, np.ndarray]:
    """One-element ``datetime64[D]`` arrays; ParameterError naming each argument that is not a whole day."""
    names = list(values)
    numbers = [f"{name} = {v!r}: not a date (expected a date or an ISO 8601 date string such as '2025-01-31')"
               for name, v in values.items() if _is_number(v)]  # fmt: skip
    if numbers:  # an object column would read 20250131 as a date: refuse it as the columns do
        raise ParameterError("; ".join(numbers))
    days, issues = _whole_days(pd.Series(list(values.values()), index=names, dtype=object), "date")
    if issues:  # the rows of the issues are the arguments' names
        raise ParameterError("; ".join(f"{name} = {values[name]!r}: {i.rule} (expected {i.expected})"
                                       for i in issues for name in i.rows))  # fmt: skip
    return {name: days[i : i + 1] for i, name in enumerate(names)}


def _batch_dates(args: Mapping[str, Any], frames: Mapping[str, Sequence[pd.DataFrame]],
                 index: pd.Index) -> tuple[dict[str, np.ndarray], dict[str, str]]:  # fmt: skip
    """Each argument as a column (the first of its frames that has it) or one date broadcast to every row."""
    dates, names, issues = {}, {}, []
    for name, arg in args.items():
        frame = next((f for f in frames[name] if isinstance(arg, str) and arg in f.columns), None)
        if frame is None:
            try:
                dates[name] = np.repeat(_single_dates({name: arg})[name], len(index))
            except ParameterError as error:
                if not isinstance(arg, str):
                    raise
                raise ParameterError(f"{error}; nor is {arg!r} a column of the table") from None
            names[name] = name
            continue
        dates[name], found = _whole_days(frame.loc[index, arg], arg)
        names[name] = arg
        issues += found
    _raise_batch(issues, None)
    return dates, names


def _whole_days(values: pd.Series, name: str) -> tuple[np.ndarray, list[DataIssue]]:
    """``datetime64[D]`` of dates without a time of day; issues for values that are not, or are missing."""
    parsed, issue = to_datetime(values, name)
    if issue is not None:
        return np.array([], dtype="M8[D]"), [issue]
    issues = []
    missing = parsed.isna().to_numpy()
    if missing.any():
        issues.append(DataIssue.from_mask(name, "missing", "a date", missing, values.index))
    partial = ~missing & (parsed != parsed.dt.normalize()).to_numpy()
    if partial.any():
        issues.append(DataIssue.from_mask(name, "not a whole day", "a date without a time of day", partial,
                                          values.index, values))  # fmt: skip
    return parsed.to_numpy().astype("M8[D]"), issues


def _check_labels(policies: pd.DataFrame, index: pd.Index) -> None:
    issues = []
    repeated = index.duplicated(keep=False)
    if repeated.any():
        issues.append(DataIssue.from_mask("index", "policy changed twice", "one row per policy (apply successive "
                                          "changes in successive calls)", repeated, index, index))  # fmt: skip
    unknown = ~index.isin(policies.index)
    if unknown.any():
        issues.append(DataIssue.from_mask("index", "not a policy", "labels of rows of policies", unknown, index,
                                          index))  # fmt: skip
    ambiguous = index.isin(policies.index[policies.index.duplicated()])
    if ambiguous.any():
        issues.append(DataIssue.from_mask("index", "label repeated in policies", "a label of one row of policies",
                                          ambiguous, index, index))  # fmt: skip
    _raise_batch(issues, "changes")


def _describe(issue: DataIssue, value: Any = None) -> str:
    shown = issue.values[0] if issue.values else value
    return f"{issue.column} = {shown!r}: {issue.rule} (expected {issue.expected})"


def _raise_single(issues: list[DataIssue]) -> None:
    if issues:
        raise ParameterError("; ".join(_describe(i) for i in issues))


def _raise_batch(issues: list[DataIssue], table: str | None) -> None:
    if issues:
        raise DataError(issues, table=table)

