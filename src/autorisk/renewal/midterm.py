"""Mid-term changes and cancellations, priced from the rating plan.

* :func:`adjust` re-quotes a policy with new attributes (a new vehicle, an
  added coverage, a higher limit, a lower deductible) and charges, or returns,
  the difference for the rest of the term, pro rata by days;
  :func:`adjust_many` does the same for a table of changes through
  :meth:`~autorisk.rating.RatingPlan.quote`, to the same bits.
* :func:`cancellation_refund` splits the premium paid into earned and
  refunded, pro rata by days or by a :class:`ShortPeriodTable` (a share of the
  annual premium by months in force, as Chinese insurers use for policies
  shorter than a year); :func:`cancel_many` does it for a table.

Conventions
-----------
* A term is the half-open period ``[start, end)`` of whole days: its length
  is its number of days, whatever the year (a leap day counts like any other)
  and however many years. The date of a change or a cancellation is the first
  day on the new terms, or the first day not covered: it lies in
  ``[start, end)``.
* A quote is the premium of the whole term: a change effective on day ``t``
  charges ``(premium after - premium before) x (end - t) / (end - start)``.
* Money is rounded half up, ties away from zero, to the cent. A charge is
  rounded on its own, so a change and its reversal on the same day charge
  exactly opposite amounts. A refund is counted in whole cents, so
  earned + refund = premium paid exactly in cents; each amount is returned as
  the float nearest its cents (``Refund.cents`` gives the integers).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from autorisk.errors import DataIssue, ParameterError, QuoteError
from autorisk.rating.plan import RatingPlan
from autorisk.rating.rounding import round_money
from autorisk.renewal._midterm_checks import (
    _CENTS,
    MAX_PREMIUM,
    _batch_dates,
    _check_labels,
    _is_number,
    _premium_issues,
    _raise_batch,
    _raise_single,
    _single_dates,
    _term_issues,
)
from autorisk.renewal.midterm_results import Adjustment, Refund
from autorisk.renewal.short_period import ShortPeriodTable

__all__ = [
    "MAX_PREMIUM",
    "Adjustment",
    "Refund",
    "ShortPeriodTable",
    "adjust",
    "adjust_many",
    "cancel_many",
    "cancellation_refund",
]

_METHODS = ("pro_rata", "short_period")
# ----------------------------------------------------------------------- adjustments


def adjust(
    plan: RatingPlan,
    policy: Mapping[str, Any],
    changes: Mapping[str, Any],
    *,
    start: Any,
    end: Any,
    effective: Any,
) -> Adjustment:
    """Re-quote a policy with new attributes and charge the difference for the rest of its term.

    Parameters
    ----------
    plan : RatingPlan
        The policy's tariff (checked to be in force on ``start`` when it has
        effective dates).
    policy : mapping
        The policy's attributes before the change (every column the plan reads).
    changes : mapping
        New values of attributes the plan reads, e.g. ``{"tpl_limit": 2_000_000}``.
    start, end : date or ISO date string
        The term ``[start, end)``, end exclusive.
    effective : date or ISO date string
        First day on the new terms, in ``[start, end)``.

    Returns
    -------
    Adjustment
        Both quotes, the remaining share and the charge (negative: a return).

    Raises
    ------
    ParameterError
        A date that is not a whole day, ``end <= start``, or ``effective``
        outside ``[start, end)``.
    QuoteError
        A change to an attribute the plan does not read, or a value it cannot
        rate (naming the attribute and the value).

    Notes
    -----
    The charge is on ``premium_total``, the plan's premium of the whole term
    before tax (a plan with taxes shows ``tax_total`` before and after in the
    breakdown), and assumes the policy was sold at the plan's quote: a
    discount or a loading given at sale is not carried over.

    Examples
    --------
    >>> from autorisk.rating import CategoricalFactor, Coverage, RatingPlan
    >>> region = CategoricalFactor("region", "region", ("north", "south"), (1.0, 1.2))
    >>> plan = RatingPlan("demo", "1", (Coverage("tpl", 500.0, (region,)),))
    >>> moved = adjust(plan, {"region": "north"}, {"region": "south"},
    ...                start="2025-01-01", end="2026-01-01", effective="2025-10-01")
    >>> moved.premium_before, moved.premium_after, moved.days_remaining, moved.charge  # 100 x 92 / 365
    (500.0, 600.0, 92, 25.21)
    >>> moved.changed_factors
    ['tpl.region']
    """
    days = _single_dates({"start": start, "end": end, "effective": effective})
    _raise_single(_term_issues(days["start"], days["end"], days["effective"], ("start", "end", "effective"),
                               pd.RangeIndex(1)))  # fmt: skip
    unread = [DataIssue(k, "not read by the plan", f"one of the plan's columns {plan.columns}", values=(v,))
              for k, v in changes.items() if k not in plan.columns]  # fmt: skip
    if unread:
        raise QuoteError(unread)
    as_of = pd.Timestamp(days["start"][0]) if plan.effective_from or plan.effective_to else None
    policy_after = {**policy, **changes}
    before = plan.quote_one(policy, as_of=as_of)
    after = plan.quote_one(policy_after, as_of=as_of)
    in_term = int(_day_count(days["start"], days["end"])[0])
    remaining = int(_day_count(days["effective"], days["end"])[0])
    share = remaining / in_term
    charge = float(_round_money(np.float64((after["premium_total"] - before["premium_total"]) * share)))
    start_day, end_day, effective_day = (days[k][0].astype(object) for k in ("start", "end", "effective"))
    return Adjustment(before, after, {k: (policy.get(k), v) for k, v in changes.items()}, policy_after,
                      start_day, end_day, effective_day, remaining, in_term, share, before["premium_total"],
                      after["premium_total"], charge)  # fmt: skip


def adjust_many(
    plan: RatingPlan,
    policies: pd.DataFrame,
    changes: pd.DataFrame,
    *,
    start: Any = "period_start",
    end: Any = "period_end",
    effective: Any = "effective",
) -> pd.DataFrame:
    """:func:`adjust` for a table of changes, vectorised: the same numbers, bit for bit.

    Parameters
    ----------
    plan : RatingPlan
    policies : DataFrame
        The book before the changes, one row per policy (unique index), with
        every column the plan reads.
    changes : DataFrame
        One row per changed policy, labelled by the policy's index in
        ``policies``: the new values of the attributes that change (a missing
        value leaves that attribute as it was) and, optionally, the
        ``effective`` column. Apply successive changes to one policy in
        successive calls.
    start, end : str or date
        A column of ``policies`` (default ``"period_start"`` and
        ``"period_end"``) or one date for every row.
    effective : str or date
        A column of ``changes`` (or of ``policies``), default ``"effective"``,
        or one date for every row.

    Returns
    -------
    DataFrame
        Indexed like ``changes``: ``premium_before``, ``premium_after``,
        ``remaining_share``, ``charge``, ``days_remaining``, ``days_in_term``
        and ``premium_<coverage>_before`` / ``_after`` per coverage.

    Raises
    ------
    ParameterError
        A single date (not a column) that is not a whole day.
    DataError
        Repeated or unknown policy labels; dates missing, not whole days,
        ``end <= start`` or ``effective`` outside ``[start, end)`` (naming the
        column, the values and the rows).
    QuoteError
        A change to a column the plan does not read, or values the plan cannot
        rate (column, values, rows).

    Examples
    --------
    >>> from autorisk.rating import CategoricalFactor, Coverage, RatingPlan
    >>> region = CategoricalFactor("region", "region", ("north", "south"), (1.0, 1.2))
    >>> plan = RatingPlan("demo", "1", (Coverage("tpl", 500.0, (region,)),))
    >>> book = pd.DataFrame({"region": ["north", "south"], "period_start": ["2025-01-01", "2025-03-01"],
    ...                      "period_end": ["2026-01-01", "2026-03-01"]}, index=["A", "B"])
    >>> moves = pd.DataFrame({"region": ["north"], "effective": ["2025-09-01"]}, index=["B"])
    >>> adjust_many(plan, book, moves)[["premium_before", "premium_after", "days_remaining", "charge"]]
       premium_before  premium_after  days_remaining   charge
    B           600.0          500.0             181   -49.59
    """
    index = changes.index
    _check_labels(policies, index)
    effective_column = effective if isinstance(effective, str) and effective in changes.columns else None
    attributes = [c for c in changes.columns if c != effective_column]
    unread = [DataIssue.from_mask(c, "not read by the plan", f"one of the plan's columns {plan.columns}",
                                  changes[c].notna(), index, changes[c])
              for c in attributes if c not in plan.columns and changes[c].notna().any()]  # fmt: skip
    if unread:
        raise QuoteError(unread, table="changes")
    dates, names = _batch_dates({"start": start, "end": end, "effective": effective},
                                {"start": [policies], "end": [policies], "effective": [changes, policies]},
                                index)  # fmt: skip
    _raise_batch(_term_issues(dates["start"], dates["end"], dates["effective"],
                              (names["start"], names["end"], names["effective"]), index), "changes")  # fmt: skip
    before = policies.loc[index, [c for c in plan.columns if c in policies.columns]]
    after = before.copy()
    for column in (c for c in attributes if c in plan.columns):
        new = changes[column]
        old = before[column] if column in before.columns else pd.Series(np.nan, index=index, dtype=object)
        if isinstance(old.dtype, pd.CategoricalDtype):  # a new value may not be one of its categories
            old = old.astype(object)
        after[column] = old.where(new.isna(), new)
    as_of = None
    if plan.effective_from or plan.effective_to:
        as_of = names["start"]
        before[as_of] = after[as_of] = pd.DatetimeIndex(dates["start"])
    quote_before = plan.quote(before, as_of=as_of, breakdown=False)
    quote_after = plan.quote(after, as_of=as_of, breakdown=False)
    in_term = _day_count(dates["start"], dates["end"])
    remaining = _day_count(dates["effective"], dates["end"])
    share = remaining / in_term
    premium_before = quote_before["premium_total"].to_numpy()
    premium_after = quote_after["premium_total"].to_numpy()
    out = {"premium_before": premium_before, "premium_after": premium_after, "remaining_share": share,
           "charge": _round_money((premium_after - premium_before) * share), "days_remaining": remaining,
           "days_in_term": in_term}  # fmt: skip
    for coverage in plan.coverages:
        out[f"premium_{coverage.name}_before"] = quote_before[f"premium_{coverage.name}"].to_numpy()
        out[f"premium_{coverage.name}_after"] = quote_after[f"premium_{coverage.name}"].to_numpy()
    result = pd.DataFrame(out, index=index)
    result.attrs["plan_id"] = plan.plan_id
    return result


# ----------------------------------------------------------------------- cancellations


def cancellation_refund(
    premium_paid: float,
    *,
    start: Any,
    end: Any,
    cancelled: Any,
    method: str | ShortPeriodTable = "pro_rata",
) -> Refund:
    """Split the premium paid for ``[start, end)`` into earned and refunded on cancellation.

    Parameters
    ----------
    premium_paid : float
        Premium paid for the whole term, >= 0 (rounded half up to the cent).
    start, end : date or ISO date string
        The term ``[start, end)``.
    cancelled : date or ISO date string
        First day not covered, in ``[start, end)``.
    method : {"pro_rata", "short_period"} or ShortPeriodTable
        ``"pro_rata"``: earned = paid x days in force / days in the term.
        A table: earned = paid x share(months in force) / share(months in the
        term), i.e. the table's share of the annual premium, the annual
        premium being ``paid / share(months in the term)`` (``paid`` itself
        for a one-year term). ``"short_period"``: :meth:`ShortPeriodTable.china`.

    Returns
    -------
    Refund
        Earned rounded half up to the cent, refund the rest: in cents,
        earned + refund == premium paid exactly.

    Raises
    ------
    ParameterError
        A negative or non-finite premium, a date that is not a whole day,
        ``end <= start``, ``cancelled`` outside ``[start, end)``, a term longer
        than the table, or an unknown method.

    Notes
    -----
    For a one-year term the shipped table never refunds more than pro rata
    (its share of every started month is at least the share of days that can
    have elapsed). For a shorter term that is not guaranteed: a three-month
    policy cancelled after exactly one month earns 10/30 of its premium by the
    table and 31/90 by days. A cancellation before the start (in China a fee
    of 3% under the 2020 commercial clauses) is not priced here.

    Examples
    --------
    >>> cancellation_refund(1000.0, start="2025-01-01", end="2026-01-01", cancelled="2025-04-01")
    Refund(paid 1000.00 = earned 246.58 + refund 753.42; pro rata, 90 of 365 days in force; cancelled 2025-04-01 in [2025-01-01, 2026-01-01))
    >>> cancellation_refund(1000.0, start="2025-01-01", end="2026-01-01", cancelled="2025-04-02",
    ...                     method="short_period").refund
    600.0
    """
    days = _single_dates({"start": start, "end": end, "cancelled": cancelled})
    table = _method(method)
    paid = np.array([premium_paid], dtype=float) if _is_number(premium_paid) else np.array([np.nan])
    issues = _premium_issues(paid, "premium_paid", pd.RangeIndex(1), np.array([premium_paid], dtype=object))
    result, issues = _refunds(paid, days["start"], days["end"], days["cancelled"], table,
                              ("start", "end", "cancelled"), pd.RangeIndex(1), issues)  # fmt: skip
    _raise_single(issues)
    months = ((int(result["months_in_force"][0]), int(result["months_in_term"][0]))
              if table is not None else (None, None))  # fmt: skip
    return Refund(float(result["premium_paid"][0]), float(result["earned"][0]), float(result["refund"][0]),
                  "pro_rata" if table is None else table.name,
                  *(days[k][0].astype(object) for k in ("start", "end", "cancelled")),
                  int(result["days_in_force"][0]), int(result["days_in_term"][0]), *months)  # fmt: skip


def cancel_many(
    policies: pd.DataFrame,
    *,
    premium: str = "premium_paid",
    start: Any = "period_start",
    end: Any = "period_end",
    cancelled: Any = "cancelled",
    method: str | ShortPeriodTable = "pro_rata",
) -> pd.DataFrame:
    """:func:`cancellation_refund` for a table of cancellations: the same cents, row by row.

    Parameters
    ----------
    policies : DataFrame
        One row per cancelled policy.
    premium : str
        Column of the premium paid, default ``"premium_paid"``.
    start, end, cancelled : str or date
        Columns (defaults ``"period_start"``, ``"period_end"``,
        ``"cancelled"``) or one date for every row.
    method : {"pro_rata", "short_period"} or ShortPeriodTable

    Returns
    -------
    DataFrame
        Indexed like ``policies``: ``premium_paid``, ``earned``, ``refund``,
        ``days_in_force``, ``days_in_term`` (and ``months_in_force``,
        ``months_in_term`` for a table).

    Raises
    ------
    DataError
        Premiums or dates breaking the rules of :func:`cancellation_refund`,
        naming the column, the values and the rows.
    ParameterError
        A single date that is not a whole day, a missing premium column, or an
        unknown method.

    Examples
    --------
    >>> book = pd.DataFrame({"premium_paid": [1000.0, 365.0], "period_start": "2025-01-01",
    ...                      "period_end": "2026-01-01", "cancelled": ["2025-04-01", "2025-12-31"]})
    >>> cancel_many(book)[["earned", "refund", "days_in_force"]]
       earned  refund  days_in_force
    0  246.58  753.42             90
    1  364.00    1.00            364
    """
    table = _method(method)
    if premium not in policies.columns:
        raise ParameterError(f"premium: no column {premium!r} in policies; columns: {list(policies.columns)}")
    index = policies.index
    paid_column = policies[premium]
    numeric = pd.api.types.is_numeric_dtype(paid_column.dtype) and not pd.api.types.is_bool_dtype(paid_column.dtype)
    paid = paid_column.to_numpy(dtype=float, na_value=np.nan) if numeric else np.full(len(index), np.nan)
    issues = _premium_issues(paid, premium, index, paid_column)
    dates, names = _batch_dates({"start": start, "end": end, "cancelled": cancelled},
                                dict.fromkeys(("start", "end", "cancelled"), [policies]), index)  # fmt: skip
    result, issues = _refunds(paid, dates["start"], dates["end"], dates["cancelled"], table,
                              (names["start"], names["end"], names["cancelled"]), index, issues)  # fmt: skip
    _raise_batch(issues, "policies")
    return pd.DataFrame(result, index=index)


# --------------------------------------------------------------------------- engine


def _method(method: Any) -> ShortPeriodTable | None:
    """None for pro rata, else the short-period table."""
    if isinstance(method, ShortPeriodTable):
        return method
    if method == "pro_rata":
        return None
    if method == "short_period":
        return ShortPeriodTable.china()
    raise ParameterError(f"method must be one of {list(_METHODS)} or a ShortPeriodTable, got {method!r}")


def _refunds(
    paid: np.ndarray,
    start: np.ndarray,
    end: np.ndarray,
    cancelled: np.ndarray,
    table: ShortPeriodTable | None,
    names: tuple[str, str, str],
    index: pd.Index,
    issues: list[DataIssue],
) -> tuple[dict[str, np.ndarray], list[DataIssue]]:
    """Earned and refund in whole cents, exactly (integers); the one engine of both cancellation paths."""
    issues = issues + _term_issues(start, end, cancelled, names, index)
    if issues:
        return {}, issues
    in_term = _day_count(start, end)
    in_force = _day_count(start, cancelled)
    out: dict[str, np.ndarray] = {}
    if table is None:
        num, den = in_force, in_term
    else:
        months_in_force, months_in_term = _started_months(start, cancelled), _started_months(start, end)
        too_long = months_in_term > table.months
        if too_long.any():
            issue = DataIssue.from_mask(names[1], "term longer than the short-period table",
                                        f"a term of at most {table.months} started months (or method 'pro_rata')",
                                        too_long, index, pd.DatetimeIndex(end))  # fmt: skip
            return {}, [issue]
        numerators, denominators = table._ratios
        num, den = numerators[months_in_force, months_in_term], denominators[months_in_force, months_in_term]
        out = {"months_in_force": months_in_force, "months_in_term": months_in_term}
    # Integer cents of the paid premium rounded on its exact decimal value (1.005 -> 101 cents).
    paid_cents = np.rint(round_money(np.asarray(paid, dtype=float), 0.01) * _CENTS).astype(np.int64)
    earned_cents = _share_of_cents(paid_cents, num, den)
    return {"premium_paid": paid_cents / _CENTS, "earned": earned_cents / _CENTS,
            "refund": (paid_cents - earned_cents) / _CENTS, "days_in_force": in_force, "days_in_term": in_term,
            **out}, []  # fmt: skip


def _share_of_cents(cents: np.ndarray, num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """``cents x num / den`` rounded half up, in exact integer arithmetic (all >= 0, ``den > 0``)."""
    if cents.size and int(cents.max()) * 2 * int(num.max()) + int(den.max()) >= 2**63:
        cents, num, den = (np.asarray(a).astype(object) for a in (cents, num, den))  # Python integers: no overflow
    return ((2 * cents * num + den) // (2 * den)).astype(np.int64)


def _round_money(amount: Any) -> Any:
    """Half up to the cent on exact decimals, ties away from zero, so that ``-x`` rounds to minus ``x``'s rounding."""
    return round_money(amount, 0.01)


def _day_count(start: np.ndarray, end: np.ndarray) -> np.ndarray:
    return (end - start).astype(np.int64)


def _started_months(start: np.ndarray, until: np.ndarray) -> np.ndarray:
    """Months of ``[start, until)``, a started month counting whole: the least m with start + m months >= until.

    ``start + m months`` keeps the start's day of month, or the month's last
    day when that month is shorter.
    """
    first = start.astype("M8[M]")
    months = (until.astype("M8[M]") - first).astype(np.int64)
    month = first + months
    month_days = ((month + 1).astype("M8[D]") - month.astype("M8[D]")).astype(np.int64)
    day = (start - first.astype("M8[D]")).astype(np.int64)
    anniversary = month.astype("M8[D]") + np.minimum(day, month_days - 1)
    return np.where(anniversary >= until, months, months + 1)


