"""Mid-term adjustments, cancellation refunds and renewal offers of one policy: the checks and the answers.

What ``POST /midterm``, ``POST /cancel`` and ``POST /renewal`` do between reading a body and writing an
answer, as plain functions (no web framework), so a replay or a batch job runs the same code:

- ``*_body_problems`` check a parsed JSON body before any plan is chosen (the dates, the term, the
  amounts, the method, the ladder, the rules) and return what they understood with one problem entry
  (``field``, ``value``, ``rule``, ``expected``) per problem;
- :func:`midterm_policy_problems` and :func:`renewal_policy_problems` check the policy against the plan;
- :func:`midterm_answer`, :func:`cancel_answer` and :func:`renewal_answer` compute the answers (the
  arithmetic is :mod:`autorisk.renewal`'s), and ``*_error_problems`` name the fields of an error they
  raise.

Nested fields are named with a dot path: ``policy.<column>``, ``changes.<column>``, ``rules.<field>``.

Examples
--------
>>> days, problems = cancel_body_problems({"premium_paid": -1.0, "start": "2025-01-01", "end": "2026-01-01",
...                                        "cancelled": "2025-04-01", "method": "pro_rata"})
>>> days, [(p["field"], p["rule"]) for p in problems]
({'start': '2025-01-01', 'end': '2026-01-01', 'cancelled': '2025-04-01'}, [('premium_paid', 'negative premium')])
"""

from __future__ import annotations

import dataclasses
import functools
import math
from collections.abc import Mapping
from typing import Any

import pandas as pd

from autorisk.errors import AutoriskError, ParameterError, QuoteError
from autorisk.rating import RatingPlan
from autorisk.renewal import (
    RULES,
    Ladder,
    RenewalRules,
    adjust,
    available_ladders,
    cancel_many,
    cancellation_refund,
    load_ladder,
    renewal_offers,
)
from autorisk.renewal.midterm import MAX_PREMIUM
from autorisk.renewal.rescore import offer_bounds
from autorisk.service.problems import error_entries, plain
from autorisk.service.registry import quote_day
from autorisk.service.schema import field_problems, policy_problems

#: A problem entry of a 422 answer: ``{"field", "value", "rule", "expected"}``.
Problem = dict[str, Any]

MIDTERM_FIELDS = ("plan", "version", "policy", "changes", "start", "end", "effective")
MIDTERM_REQUIRED = ("policy", "changes", "start", "end", "effective")
CANCEL_FIELDS = ("premium_paid", "start", "end", "cancelled", "method")
RENEWAL_FIELDS = ("plan", "version", "renewal_date", "policy", "current_premium", "ladder", "rules")
RENEWAL_REQUIRED = ("renewal_date", "policy", "current_premium")
#: Cancellation methods: days in force, or the Chinese short-period table.
METHODS = ("pro_rata", "short_period")
#: Policy fields a ladder reads besides its state columns: the claims since renewal, then optional ones.
CLAIMS = "claims_since_renewal"
LADDER_INPUTS = ("at_fault", "partly_at_fault", "lapse_days")
#: Policy fields copied to a renewal answer when present.
KEEP = ("policy_id",)
_RULE_FIELDS = tuple(f.name for f in dataclasses.fields(RenewalRules))
_NUMBERS = ("max_increase", "max_decrease", "min_premium", "rounding")


@functools.cache
def shipped_ladders() -> tuple[str, ...]:
    """The names of the ladders shipped with autorisk (:func:`~autorisk.renewal.available_ladders`), once.

    Examples
    --------
    >>> "china_national" in shipped_ladders()
    True
    """
    return available_ladders()


@functools.cache  # ladders are frozen: one parsed copy serves every request
def _load(name: str) -> Ladder:
    return load_ladder(name)


def shipped_ladder(name: str) -> Ladder:
    """A ladder shipped with autorisk by name, parsed once; never a file (``load_ladder`` also reads paths).

    Parameters
    ----------
    name : str
        One of :func:`shipped_ladders`.

    Returns
    -------
    Ladder
        The parsed ladder, the same object on every call.

    Raises
    ------
    ParameterError
        ``name`` is not a shipped ladder's name.

    Examples
    --------
    >>> shipped_ladder("china_national").level_column
    'ncd_level'
    >>> shipped_ladder("/etc/passwd")
    Traceback (most recent call last):
    ...
    autorisk.errors.ParameterError: ladder must be one of [...], got '/etc/passwd'
    """
    if not isinstance(name, str) or name not in shipped_ladders():
        raise ParameterError(f"ladder must be one of {list(shipped_ladders())}, got {name!r}")
    return _load(name)


# ----------------------------------------------------------------- mid-term


def midterm_body_problems(data: Mapping[str, Any]) -> tuple[dict[str, str], list[Problem]]:
    """The dates of a mid-term body as ``YYYY-MM-DD`` and the problems found before a plan is chosen.

    ``data`` has every field of :data:`MIDTERM_REQUIRED` (a missing one is the caller's problem):
    ``policy`` and ``changes`` must be objects, ``start``, ``end`` and ``effective`` dates with
    ``effective`` in ``[start, end)``.

    Parameters
    ----------
    data : mapping
        The parsed JSON body.

    Returns
    -------
    days : dict
        ``start``, ``end`` and ``effective`` as ``YYYY-MM-DD``, those that are dates.
    problems : list of dict
        One problem entry per problem; empty when the body is fine.

    Examples
    --------
    >>> days, problems = midterm_body_problems({"policy": {}, "changes": [], "start": "2025-01-01",
    ...                                         "end": "2026-01-01", "effective": "2026-01-01"})
    >>> [(p["field"], p["rule"]) for p in problems]
    [('changes', 'not an object'), ('effective', 'outside the term')]
    """
    problems = _objects(data, ("policy", "changes"))
    days, found = _dates(data, ("start", "end", "effective"))
    return days, problems + found + _term(days, "start", "end", "effective")


def midterm_policy_problems(plan: RatingPlan, policy: Mapping[str, Any], changes: Mapping[str, Any], *,
                            extra: str = "refuse") -> list[Problem]:  # fmt: skip
    """Missing and extra fields of the policy (``policy.<x>``) and changes to fields the plan does not read.

    Parameters
    ----------
    plan : RatingPlan
        The plan that prices the change.
    policy : mapping
        The policy before the change: the plan's fields.
    changes : mapping
        The new values, each of a field the plan reads.
    extra : {"refuse", "ignore"}, default "refuse"
        A policy field that nothing reads: a problem (``extra field``), or let through.

    Returns
    -------
    list of dict
        One problem entry per problem; empty when the plan can be asked to price both sides.

    Examples
    --------
    >>> from autorisk.rating import CategoricalFactor, Coverage
    >>> region = CategoricalFactor("region", "region", ("north", "south"), (1.0, 1.2))
    >>> plan = RatingPlan("demo", "1", (Coverage("tpl", 500.0, (region,)),))
    >>> problems = midterm_policy_problems(plan, {"region": "north", "age": 30}, {"colour": "red"})
    >>> [(p["field"], p["rule"]) for p in problems]
    [('policy.age', 'extra field'), ('changes.colour', 'not read by the plan')]
    >>> midterm_policy_problems(plan, {"region": "north", "age": 30}, {"region": "south"}, extra="ignore")
    []
    """
    problems = _prefixed(field_problems(plan, policy, extra=extra), "policy")
    problems += [_entry(f"changes.{k}", v, "not read by the plan", f"one of the plan's fields {plan.columns}")
                 for k, v in changes.items() if k not in plan.columns]  # fmt: skip
    return problems


def midterm_answer(plan: RatingPlan, policy: Mapping[str, Any], changes: Mapping[str, Any], *, start: str,
                   end: str, effective: str) -> dict[str, Any]:  # fmt: skip
    """The answer of ``POST /midterm`` (without its quote id): :func:`~autorisk.renewal.adjust`, as JSON data.

    Parameters
    ----------
    plan : RatingPlan
    policy, changes : mapping
        The policy before the change and the new values.
    start, end, effective : str
        ``YYYY-MM-DD``: the term ``[start, end)`` and the first day on the new terms.

    Returns
    -------
    dict
        Plan, dates, days, remaining share, both premiums (per coverage too), the charge, the changes and
        both quotes; ``dumps({"quote_id": id, **answer})`` is the audited result, so a replay rebuilds it.

    Examples
    --------
    >>> from autorisk.rating import CategoricalFactor, Coverage
    >>> region = CategoricalFactor("region", "region", ("north", "south"), (1.0, 1.2))
    >>> plan = RatingPlan("demo", "1", (Coverage("tpl", 500.0, (region,)),))
    >>> answer = midterm_answer(plan, {"region": "north"}, {"region": "south"}, start="2025-01-01",
    ...                         end="2026-01-01", effective="2025-10-01")
    >>> answer["days_remaining"], answer["charge"], answer["changes"]
    (92, 25.21, {'region': ['north', 'south']})
    """
    change = adjust(plan, policy, changes, start=start, end=end, effective=effective)
    premiums = {side: {c.name: quoted[f"premium_{c.name}"] for c in plan.coverages}
                for side, quoted in (("before", change.before), ("after", change.after))}  # fmt: skip
    return {**_plan_fields(plan), "start": change.start.isoformat(), "end": change.end.isoformat(),
            "effective": change.effective.isoformat(), "days_in_term": change.days_in_term,
            "days_remaining": change.days_remaining, "remaining_share": change.remaining_share,
            "premium_before": change.premium_before, "premium_after": change.premium_after,
            "charge": change.charge, "premiums_before": premiums["before"], "premiums_after": premiums["after"],
            "changes": {k: list(v) for k, v in change.changes.items()}, "changed_factors": change.changed_factors,
            "policy_after": change.policy_after, "before": change.before, "after": change.after}  # fmt: skip


def midterm_error_problems(error: QuoteError, plan: RatingPlan, policy: Mapping[str, Any],
                           changes: Mapping[str, Any]) -> list[Problem]:  # fmt: skip
    """What the plan refuses in the policy (``policy.x``) or in the changes (``changes.x``) of a QuoteError.

    Parameters
    ----------
    error : QuoteError
        What :func:`midterm_answer` raised.
    plan : RatingPlan
        The plan it was called with.
    policy, changes : mapping
        The policy and the changes it was called with.

    Returns
    -------
    list of dict
        The problem entries of the policy, then of the changes (each field the change sets); the
        error's own entries when neither has one.

    Examples
    --------
    >>> from autorisk.rating import CategoricalFactor, Coverage
    >>> region = CategoricalFactor("region", "region", ("north", "south"), (1.0, 1.2))
    >>> plan = RatingPlan("demo", "1", (Coverage("tpl", 500.0, (region,)),))
    >>> try:
    ...     midterm_answer(plan, {"region": "north"}, {"region": "east"}, start="2025-01-01",
    ...                    end="2026-01-01", effective="2025-10-01")
    ... except QuoteError as error:
    ...     problems = midterm_error_problems(error, plan, {"region": "north"}, {"region": "east"})
    >>> [(p["field"], p["value"], p["rule"]) for p in problems]
    [('changes.region', 'east', 'unknown level')]
    """
    problems = _prefixed(policy_problems(plan, policy, extra="ignore"), "policy")
    after = policy_problems(plan, {**policy, **changes}, extra="ignore")
    problems += _prefixed([p for p in after if p.get("field") in changes], "changes")
    return problems or _single(error_entries(error))


# ------------------------------------------------------------- cancellation


def cancel_body_problems(data: Mapping[str, Any]) -> tuple[dict[str, str], list[Problem]]:
    """The dates of a cancellation body as ``YYYY-MM-DD`` and its problems (every field of :data:`CANCEL_FIELDS`).

    ``premium_paid`` must be a finite number in ``[0, MAX_PREMIUM)`` (not a boolean), ``method`` one of
    :data:`METHODS` and ``cancelled`` in ``[start, end)``.

    Parameters
    ----------
    data : mapping
        The parsed JSON body.

    Returns
    -------
    days : dict
        ``start``, ``end`` and ``cancelled`` as ``YYYY-MM-DD``, those that are dates.
    problems : list of dict
        One problem entry per problem; empty when the body is fine.

    Examples
    --------
    >>> days, problems = cancel_body_problems({"premium_paid": True, "start": "2025-01-01",
    ...     "end": "2026-01-01", "cancelled": "2026-02-01", "method": "daily"})
    >>> [(p["field"], p["rule"]) for p in problems]
    [('cancelled', 'outside the term'), ('premium_paid', 'not a number'), ('method', 'unknown method')]
    """
    days, problems = _dates(data, ("start", "end", "cancelled"))
    problems += _term(days, "start", "end", "cancelled")
    paid, method = data["premium_paid"], data["method"]
    if not _is_number(paid) or not math.isfinite(paid):
        problems.append(_entry("premium_paid", paid, "not a number", "a finite amount in currency units"))
    elif paid < 0:
        problems.append(_entry("premium_paid", paid, "negative premium", "an amount >= 0"))
    elif paid >= MAX_PREMIUM:
        problems.append(_entry("premium_paid", paid, "too large", f"an amount below {MAX_PREMIUM:g}"))
    if method not in METHODS:
        problems.append(_entry("method", method, "unknown method", f"one of {list(METHODS)}"))
    return days, problems


def cancel_answer(premium_paid: float, *, start: str, end: str, cancelled: str, method: str) -> dict[str, Any]:
    """The answer of ``POST /cancel`` (without its quote id): :func:`~autorisk.renewal.cancellation_refund`.

    Parameters
    ----------
    premium_paid : float
        The premium paid for the whole term.
    start, end, cancelled : str
        ``YYYY-MM-DD``: the term ``[start, end)`` and the first day no longer covered.
    method : {"pro_rata", "short_period"}
        Earned by days in force, or by the Chinese short-period table (:data:`METHODS`).

    Returns
    -------
    dict
        The premium paid, earned and refunded (also in cents), the method and its basis, the dates,
        the days and months in force and in the term.

    Examples
    --------
    >>> answer = cancel_answer(1000.0, start="2025-01-01", end="2026-01-01", cancelled="2025-04-01",
    ...                        method="pro_rata")
    >>> answer["earned"], answer["refund"], answer["cents"]
    (246.58, 753.42, {'premium_paid': 100000, 'earned': 24658, 'refund': 75342})
    """
    refund = cancellation_refund(premium_paid, start=start, end=end, cancelled=cancelled, method=method)
    paid_cents, earned_cents, refund_cents = refund.cents
    return {"premium_paid": refund.premium_paid, "earned": refund.earned, "refund": refund.refund,
            "method": method, "basis": refund.method, "start": refund.start.isoformat(),
            "end": refund.end.isoformat(), "cancelled": refund.cancelled.isoformat(),
            "days_in_force": refund.days_in_force, "days_in_term": refund.days_in_term,
            "months_in_force": refund.months_in_force, "months_in_term": refund.months_in_term,
            "cents": {"premium_paid": paid_cents, "earned": earned_cents, "refund": refund_cents}}  # fmt: skip


def cancel_error_problems(error: ParameterError, premium_paid: Any, days: Mapping[str, str],
                          method: str) -> tuple[str, list[Problem]]:  # fmt: skip
    """The kind and problems of a refused refund, its fields named by :func:`cancel_many` (the same checks).

    Parameters
    ----------
    error : ParameterError
        What :func:`cancel_answer` raised.
    premium_paid : float
        The premium paid it was called with.
    days : mapping
        ``start``, ``end`` and ``cancelled`` as ``YYYY-MM-DD`` (from :func:`cancel_body_problems`).
    method : str
        The method it was called with.

    Returns
    -------
    kind : str
        The name of the error class to answer with (``DataError`` when ``cancel_many`` names the field).
    problems : list of dict
        Its problem entries, without rows.

    Examples
    --------
    >>> days = {"start": "2025-01-01", "end": "2026-01-01", "cancelled": "2025-04-01"}
    >>> try:
    ...     cancel_answer(1e300, **days, method="pro_rata")
    ... except ParameterError as error:
    ...     kind, problems = cancel_error_problems(error, 1e300, days, "pro_rata")
    >>> kind, [(p["field"], p["rule"]) for p in problems]
    ('DataError', [('premium_paid', 'not a premium')])
    """
    named: AutoriskError = error
    try:
        cancel_many(pd.DataFrame({"premium_paid": [premium_paid], **{k: [v] for k, v in days.items()}}),
                    start="start", end="end", cancelled="cancelled", method=method)  # fmt: skip
    except AutoriskError as found:
        named = found
    return type(named).__name__, _single(error_entries(named))


# ------------------------------------------------------------------ renewal


def renewal_body_problems(data: Mapping[str, Any]) -> tuple[dict[str, str], RenewalRules, list[Problem]]:
    """The renewal date, the rules (default ``RenewalRules()``) and the problems of a renewal body.

    ``data`` has every field of :data:`RENEWAL_REQUIRED`: ``renewal_date`` a date, ``policy`` an object,
    ``current_premium`` a number in ``(0, MAX_PREMIUM)``, ``ladder`` (optional) a shipped ladder's name
    (never a path), ``rules`` (optional) the :class:`~autorisk.renewal.RenewalRules` fields.

    Parameters
    ----------
    data : mapping
        The parsed JSON body.

    Returns
    -------
    days : dict
        ``renewal_date`` as ``YYYY-MM-DD`` when it is a date.
    rules : RenewalRules
        The body's rules, or ``RenewalRules()`` when it has none or they have problems.
    problems : list of dict
        One problem entry per problem; empty when the body is fine.

    Examples
    --------
    >>> days, rules, problems = renewal_body_problems({"renewal_date": "2026-04-01", "policy": {},
    ...     "current_premium": 800.0, "ladder": "mars", "rules": {"max_increase": 0.1, "cap": 1}})
    >>> [(p["field"], p["rule"]) for p in problems]
    [('ladder', 'unknown ladder'), ('rules.cap', 'not a RenewalRules field')]
    """
    days, problems = _dates(data, ("renewal_date",))
    problems += _objects(data, ("policy",))
    current = data["current_premium"]
    if not _is_number(current) or not (math.isfinite(current) and 0 < current < MAX_PREMIUM):
        problems.append(_entry("current_premium", current, "not a positive premium",
                               f"a premium in (0, {MAX_PREMIUM:g})"))  # fmt: skip
    name = data.get("ladder")
    if name is not None and name not in shipped_ladders():  # never a path: a body names no file of the server
        problems.append(_entry("ladder", name, "unknown ladder", f"one of {list(shipped_ladders())}"))
    rules, found = _rules(data.get("rules"))
    return days, rules, problems + found


def _rules(value: Any) -> tuple[RenewalRules, list[Problem]]:
    """The request's renewal rules (default ``RenewalRules()``) and the problems of its fields."""
    if value is None:
        return RenewalRules(), []
    if not isinstance(value, dict):
        return RenewalRules(), [_entry("rules", value, "not an object", f"an object with fields {list(_RULE_FIELDS)}")]
    problems = [_entry(f"rules.{k}", v, "not a RenewalRules field", f"one of {list(_RULE_FIELDS)}")
                for k, v in value.items() if k not in _RULE_FIELDS]  # fmt: skip
    for key in _NUMBERS:
        v = value.get(key)
        if v is not None and not (_is_number(v) and math.isfinite(v)):
            problems.append(_entry(f"rules.{key}", v, "not a number", "a finite number or null"))
        elif key == "min_premium" and v is not None and v >= MAX_PREMIUM:
            problems.append(_entry(f"rules.{key}", v, "too large", f"a premium below {MAX_PREMIUM:g}"))
    if value.get("segment") is not None and not isinstance(value["segment"], str):
        problems.append(_entry("rules.segment", value["segment"], "not a string", "a policy field name or null"))
    if "new_business_rule" in value and not isinstance(value["new_business_rule"], bool):
        problems.append(_entry("rules.new_business_rule", value["new_business_rule"], "not a boolean",
                               "true or false"))  # fmt: skip
    caps, found = _segment_caps(value.get("segment_caps"))
    problems += found
    if problems:
        return RenewalRules(), problems
    try:
        return RenewalRules(**{**value, "segment_caps": caps}), []
    except ParameterError as error:
        key = _rules_key(str(error))
        field = "rules" if key is None else f"rules.{key}"
        return RenewalRules(), [_entry(field, None if key is None else value.get(key), "invalid", str(error))]


def _rules_key(message: str) -> str | None:
    """The RenewalRules field a ParameterError is about: its message starts with it ("rounding unit ...")."""
    return next((k for k in sorted(_RULE_FIELDS, key=len, reverse=True) if message.startswith(k)), None)


def _segment_caps(value: Any) -> tuple[dict[Any, tuple[Any, Any]], list[Problem]]:
    """``segment_caps`` as ``{level: (up, down)}``, from an object or a list of ``[level, [up, down]]``."""
    if value is None:
        return {}, []
    pairs = list(value.items()) if isinstance(value, dict) else value
    expected = "{level: [max_increase, max_decrease]} or [[level, [max_increase, max_decrease]], ...]"
    if not isinstance(pairs, list):
        return {}, [_entry("rules.segment_caps", value, "not segment caps", expected)]
    caps, problems = {}, []
    for pair in pairs:
        ok = (isinstance(pair, list | tuple) and len(pair) == 2 and isinstance(pair[0], str | int | float)
              and not isinstance(pair[0], bool)
              and isinstance(pair[1], list) and len(pair[1]) == 2)  # fmt: skip
        if not ok or not all(c is None or (_is_number(c) and math.isfinite(c)) for c in pair[1]):
            problems.append(_entry("rules.segment_caps", pair, "not a level's caps", expected))
        else:
            caps[pair[0]] = tuple(pair[1])
    return caps, problems


def renewal_policy_problems(plan: RatingPlan, policy: Mapping[str, Any], ladder: Ladder | None,
                            rules: RenewalRules, *, extra: str = "refuse") -> list[Problem]:  # fmt: skip
    """Missing and extra fields of a renewal's policy: the plan's, the ladder's, the segment's.

    Also a fault count given to a ladder that does not read it, a ladder input that is not a number,
    and ``current_premium`` inside the policy (it belongs at the top level of the body).

    Parameters
    ----------
    plan : RatingPlan
        The plan in force on the renewal date.
    policy : mapping
        The policy as sent.
    ladder : Ladder or None
        The ladder that moves the policy (:func:`shipped_ladder`), if any.
    rules : RenewalRules
        The renewal rules (their ``segment`` is a field of the policy when they cap by segment).
    extra : {"refuse", "ignore"}, default "refuse"
        A policy field that nothing reads: a problem (``extra field``), or let through.

    Returns
    -------
    list of dict
        One problem entry per problem; empty when the policy can be offered a renewal.

    Examples
    --------
    >>> from autorisk.rating import CategoricalFactor, Coverage
    >>> region = CategoricalFactor("region", "region", ("north", "south"), (1.0, 1.2))
    >>> plan = RatingPlan("demo", "1", (Coverage("tpl", 500.0, (region,)),))
    >>> problems = renewal_policy_problems(plan, {"region": "north", "current_premium": 600.0}, None,
    ...                                    RenewalRules())
    >>> [(p["field"], p["rule"]) for p in problems]
    [('policy.current_premium', 'extra field')]
    >>> ladder = shipped_ladder("france_crm")
    >>> [p["field"] for p in renewal_policy_problems(plan, {"region": "north"}, ladder, RenewalRules())]
    ['policy.crm', 'policy.crm_claim_free_years', 'policy.crm_years_at_floor', 'policy.claims_since_renewal']
    """
    problems = _prefixed(field_problems(plan, policy, extra="ignore"), "policy")
    needed = [] if ladder is None else [*ladder.state_columns, CLAIMS]
    if rules.segment_caps and rules.segment is not None:
        needed.append(rules.segment)
    problems += [_entry(f"policy.{c}", None, "missing field", "a value: read by the ladder or the rules' segment")
                 for c in dict.fromkeys(needed) if c not in policy and c not in plan.columns]  # fmt: skip
    if ladder is not None and ladder.kind != "coefficient":  # fault counts move coefficient ladders only
        problems += [_entry(f"policy.{k}", policy[k], "not read by the ladder", f"{ladder.name!r} is a "
                            f"{ladder.kind!r} ladder: fault counts are read by coefficient ladders only")
                     for k in ("at_fault", "partly_at_fault") if k in policy]  # fmt: skip
    counts = [*ladder.state_columns, CLAIMS, *LADDER_INPUTS] if ladder is not None else []
    problems += [_entry(f"policy.{c}", policy[c], "not a number", "a number (a count, a level or a coefficient)")
                 for c in dict.fromkeys(counts) if c in policy and not _is_number(policy[c])]  # fmt: skip
    if "current_premium" in policy:
        problems.append(_entry("policy.current_premium", policy["current_premium"], "extra field",
                               "current_premium at the top level of the body"))  # fmt: skip
    allowed = {*plan.columns, *needed, *KEEP, *([rules.segment] if rules.segment else [])}
    allowed |= set(LADDER_INPUTS) if ladder is not None else set()
    if extra == "refuse":
        problems += [_entry(f"policy.{k}", v, "extra field", f"only the fields the plan, the ladder and the rules "
                            f"read: {sorted(allowed)}") for k, v in policy.items()
                     if k not in allowed and k != "current_premium"]  # fmt: skip
    return problems


def renewal_answer(plan: RatingPlan, policy: Mapping[str, Any], current_premium: float, *, renewal_date: str,
                   ladder: str | None = None, rules: RenewalRules | None = None) -> dict[str, Any]:  # fmt: skip
    """The answer of ``POST /renewal`` (without its quote id): the policy's row of :func:`renewal_offers`.

    Parameters
    ----------
    plan : RatingPlan
        The plan in force on ``renewal_date``.
    policy : mapping
        The plan's fields, the ladder's state columns, ``claims_since_renewal`` and, optionally,
        :data:`LADDER_INPUTS` and :data:`KEEP`.
    current_premium : float
    renewal_date : str
        ``YYYY-MM-DD`` (echoed; the plan is chosen by the caller).
    ladder : str, optional
        A shipped ladder's name (:func:`~autorisk.renewal.available_ladders`).
    rules : RenewalRules, optional
        Default ``RenewalRules()``.

    Returns
    -------
    dict
        The offered, technical and new-business premiums, the change, the rules that moved the offer
        (``rule_flags``, ``reason``, ``rules_applied``), the caps' limits, the ladder's level before and
        after and its renewed state, the rules in full.

    Examples
    --------
    >>> from autorisk.rating import CategoricalFactor, Coverage
    >>> region = CategoricalFactor("region", "region", ("north", "south"), (1.0, 1.5))
    >>> plan = RatingPlan("tariff", "2", (Coverage("tpl", 500.0, (region,)),))
    >>> answer = renewal_answer(plan, {"region": "south"}, 600.0, renewal_date="2026-04-01",
    ...                         rules=RenewalRules(max_increase=0.1, max_decrease=0.05))
    >>> answer["technical_premium"], answer["offered_premium"], answer["reason"], answer["limits"]["increase_cap"]
    (750.0, 660.0, 'cap_increase', 660.0)
    """
    rules = rules or RenewalRules()
    moves = None if ladder is None else shipped_ladder(ladder)
    inputs = {k: k for k in LADDER_INPUTS if moves is not None and k in policy}
    book = pd.DataFrame.from_records([{**policy, "current_premium": current_premium}])
    offers = renewal_offers(book, plan, rules=rules, ladder=moves, claims=CLAIMS, keep=KEEP, **inputs)
    offer = offers.iloc[0]
    flags = int(offer["rule_flags"])
    upper, lower, ceiling, floor = offer_bounds(rules, book, offers["current_premium"].to_numpy(),
                                                offers["new_business_premium"].to_numpy())  # fmt: skip
    answer = {**_plan_fields(plan), "renewal_date": renewal_date,
              **{k: plain(offer[k]) for k in KEEP if k in offers.columns},
              **{k: float(offer[k]) for k in ("current_premium", "technical_premium", "new_business_premium",
                                             "offered_premium", "change")},
              "rule_flags": flags, "reason": str(offer["reason"]),
              "rules_applied": [rule for rule, bit in RULES.items() if flags & bit],
              "limits": {"increase_cap": float(upper[0]), "decrease_cap": float(lower[0]),
                         "ceiling": float(ceiling[0]), "floor": float(floor[0])},
              "ladder": ladder, "ladder_level": None, "renewed_state": None, "rules": rules.to_dict()}  # fmt: skip
    if moves is not None:
        renewed = moves.renew(book, CLAIMS, **inputs).iloc[0]
        level = moves.level_column
        answer["ladder_level"] = {"column": level, "before": plain(policy[level]), "after": plain(offer[level])}
        answer["renewed_state"] = {c: plain(renewed[c]) for c in moves.state_columns}
    return answer


def offer_problems(answer: Mapping[str, Any]) -> list[Problem]:
    """A problem when the offered premium is not a finite premium > 0 (a minimum or a unit beyond doubles).

    Parameters
    ----------
    answer : mapping
        A renewal answer (:func:`renewal_answer`).

    Returns
    -------
    list of dict
        No problem entry, or one on ``offered_premium``.

    Examples
    --------
    >>> offer_problems({"offered_premium": 660.0})
    []
    >>> [(p["field"], p["rule"]) for p in offer_problems({"offered_premium": 0.0})]
    [('offered_premium', 'not a positive premium')]
    """
    offered = answer["offered_premium"]
    if math.isfinite(offered) and offered > 0:
        return []
    return [_entry("offered_premium", offered, "not a positive premium", "a finite premium > 0: check "
                   "rules.min_premium and rules.rounding")]  # fmt: skip


def renewal_error_problems(error: AutoriskError, plan: RatingPlan, policy: Mapping[str, Any]) -> list[Problem]:
    """The problems of an error of ``renewal_offers``: the plan's view of the policy when it could not quote it.

    Fields of the policy are named ``policy.<field>``; a rule the offer cannot apply ``rules.<field>``.

    Parameters
    ----------
    error : AutoriskError
        What :func:`renewal_answer` raised.
    plan : RatingPlan
        The plan it was called with.
    policy : mapping
        The policy it was called with.

    Returns
    -------
    list of dict
        The problem entries, without rows.

    Examples
    --------
    >>> from autorisk.rating import CategoricalFactor, Coverage
    >>> region = CategoricalFactor("region", "region", ("north", "south"), (1.0, 1.2))
    >>> plan = RatingPlan("demo", "1", (Coverage("tpl", 500.0, (region,)),))
    >>> try:
    ...     renewal_answer(plan, {"region": "east"}, 600.0, renewal_date="2026-04-01")
    ... except QuoteError as error:
    ...     problems = renewal_error_problems(error, plan, {"region": "east"})
    >>> [(p["field"], p["value"], p["rule"]) for p in problems]
    [('policy.region', 'east', 'unknown level')]
    """
    problems: list[Problem] = []
    if isinstance(error, QuoteError):
        rated = {k: v for k, v in policy.items() if k in plan.columns}
        problems = _prefixed(policy_problems(plan, rated, extra="ignore"), "policy")
    if not problems:
        problems = [{**e, "field": _policy_field(e["field"], policy)} for e in _single(error_entries(error))]
    key = _rules_key(str(error)) if isinstance(error, ParameterError) else None
    if key is not None:  # a rule the offer cannot apply (a rounding unit too fine for the premium)
        problems = [{**p, "field": f"rules.{key}", "rule": "invalid"} for p in problems]
    return problems


def _policy_field(field: Any, policy: Mapping[str, Any]) -> Any:
    return f"policy.{field}" if isinstance(field, str) and field in policy else field


# ------------------------------------------------------------------ helpers


def _single(problems: list[Problem]) -> list[Problem]:
    """Problem entries of a one-row table without their rows: the request is the row."""
    return [{k: v for k, v in p.items() if k not in ("rows", "n_rows")} for p in problems]


def _entry(field: Any, value: Any, rule: str, expected: str) -> Problem:
    return {"field": field, "value": plain(value), "rule": rule, "expected": expected}


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _objects(data: Mapping[str, Any], names: tuple[str, ...]) -> list[Problem]:
    return [_entry(n, data[n], "not an object", "a JSON object of field: value") for n in names
            if not isinstance(data[n], dict)]  # fmt: skip


def _dates(data: Mapping[str, Any], names: tuple[str, ...]) -> tuple[dict[str, str], list[Problem]]:
    """Each named field as ``YYYY-MM-DD``, and a problem per field that is not a date."""
    days, problems = {}, []
    for name in names:
        value = data[name]
        try:
            if not isinstance(value, str):  # quote_day(None) would be today
                raise ParameterError(name)
            days[name] = quote_day(value).isoformat()
        except ParameterError:
            problems.append(_entry(name, value, "not a date", "a date YYYY-MM-DD"))
    return days, problems


def _term(days: dict[str, str], start: str, end: str, at: str) -> list[Problem]:
    """Problems of a term ``[start, end)`` and a date in it (ISO strings compare as dates)."""
    if not {start, end, at} <= days.keys():
        return []
    if days[end] <= days[start]:
        return [_entry(end, days[end], "not after the start", f"a date after {start} {days[start]}")]
    if not days[start] <= days[at] < days[end]:
        return [_entry(at, days[at], "outside the term", f"a date in [{days[start]}, {days[end]})")]
    return []


def _prefixed(problems: list[Problem], prefix: str) -> list[Problem]:
    return [{**p, "field": f"{prefix}.{p['field']}" if p.get("field") not in (None, prefix) else prefix}
            for p in problems]  # fmt: skip


def _plan_fields(plan: RatingPlan) -> dict[str, str]:
    return {"plan": plan.name, "version": plan.version, "plan_id": plan.plan_id}


__all__ = ["CANCEL_FIELDS", "CLAIMS", "KEEP", "LADDER_INPUTS", "METHODS", "MIDTERM_FIELDS", "MIDTERM_REQUIRED",
           "RENEWAL_FIELDS", "RENEWAL_REQUIRED", "Problem", "cancel_answer", "cancel_body_problems",
           "cancel_error_problems", "midterm_answer", "midterm_body_problems", "midterm_error_problems",
           "midterm_policy_problems", "offer_problems", "renewal_answer", "renewal_body_problems",
           "renewal_error_problems", "renewal_policy_problems", "shipped_ladder", "shipped_ladders"]
