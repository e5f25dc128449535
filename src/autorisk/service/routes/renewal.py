"""Mid-term adjustments, cancellation refunds and renewal offers over HTTP, each answer audited.

The arithmetic is :mod:`autorisk.renewal`'s: ``POST /midterm`` answers
:func:`~autorisk.renewal.adjust`, ``POST /cancel``
:func:`~autorisk.renewal.cancellation_refund` and ``POST /renewal`` the row of
:func:`~autorisk.renewal.renewal_offers` for a one-policy book. This module
only checks the request (one 422 entry per problem, fields of the policy named
``policy.<column>``, of the changes ``changes.<column>``, of the rules
``rules.<field>``) and writes the answer.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import math
from collections.abc import Mapping
from typing import Any, cast

import pandas as pd
from fastapi import APIRouter, Request
from fastapi.responses import Response

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
from autorisk.service.app import HTTPProblem
from autorisk.service.payload import JSON, dumps, read_json
from autorisk.service.problems import error_entries, plain
from autorisk.service.routes.common import (
    audit,
    new_quote_id,
    object_body,
    read_body,
    received_at,
    select_plan,
    service_of,
)
from autorisk.service.schema import field_problems, policy_problems

router = APIRouter(tags=["policy changes"])

MIDTERM_FIELDS = ("plan", "version", "policy", "changes", "start", "end", "effective")
CANCEL_FIELDS = ("premium_paid", "start", "end", "cancelled", "method")
RENEWAL_FIELDS = ("plan", "version", "renewal_date", "policy", "current_premium", "ladder", "rules")
#: Cancellation methods: days in force, or the Chinese short-period table.
METHODS = ("pro_rata", "short_period")
#: Policy fields a ladder reads besides its state columns: the claims since renewal, then optional ones.
CLAIMS = "claims_since_renewal"
LADDER_INPUTS = ("at_fault", "partly_at_fault", "lapse_days")
#: Policy fields copied to a renewal answer when present.
KEEP = ("policy_id",)
_RULE_FIELDS = tuple(f.name for f in dataclasses.fields(RenewalRules))
_NUMBERS = ("max_increase", "max_decrease", "min_premium", "rounding")


@dataclasses.dataclass(frozen=True)
class _NoPlan:
    """The plan fields of a cancellation's audit record: empty, as no plan prices a refund."""

    name: str = ""
    version: str = ""
    plan_id: str = ""


_NO_PLAN = cast(RatingPlan, _NoPlan())


@functools.cache
def _shipped() -> tuple[str, ...]:
    return available_ladders()


@functools.cache  # ladders are frozen: one parsed copy serves every request
def _load(name: str) -> Ladder:
    return load_ladder(name)


def shipped_ladder(name: str) -> Ladder:
    """A ladder shipped with autorisk by name, parsed once; never a file (``load_ladder`` also reads paths).

    Examples
    --------
    >>> shipped_ladder("china_national").level_column
    'ncd_level'
    >>> shipped_ladder("/etc/passwd")
    Traceback (most recent call last):
    ...
    autorisk.errors.ParameterError: ladder must be one of [...], got '/etc/passwd'
    """
    if not isinstance(name, str) or name not in _shipped():
        raise ParameterError(f"ladder must be one of {list(_shipped())}, got {name!r}")
    return _load(name)


# ------------------------------------------------------------------ OpenAPI

_DATE = {"type": "string", "format": "date", "examples": ["2026-03-01"]}
_NAME = {"type": "string", "description": "Plan name (optional when one name is served)"}
_VERSION = {"type": "string", "description": "Exact plan version (default: the version in force on the date)"}


def _body(properties: dict[str, Any], required: list[str]) -> dict[str, Any]:
    schema = {"type": "object", "properties": properties, "required": required, "additionalProperties": False}
    return {"requestBody": {"required": True, "content": {JSON: {"schema": schema}}}}


_POLICY = {"type": "object", "description": "Every field the plan reads (GET /plans/{name}/{version}/schema)"}
_MIDTERM_BODY = _body({
    "plan": _NAME, "version": _VERSION, "policy": _POLICY,
    "changes": {"type": "object", "description": "New values of fields the plan reads"},
    "start": _DATE, "end": {**_DATE, "description": "End of the term, exclusive"},
    "effective": {**_DATE, "description": "First day on the new terms, in [start, end)"}},
    ["policy", "changes", "start", "end", "effective"])  # fmt: skip
_CANCEL_BODY = _body({
    "premium_paid": {"type": "number", "minimum": 0, "exclusiveMaximum": MAX_PREMIUM},
    "start": _DATE, "end": {**_DATE, "description": "End of the term, exclusive"},
    "cancelled": {**_DATE, "description": "First day not covered, in [start, end)"},
    "method": {"enum": list(METHODS)}}, list(CANCEL_FIELDS))  # fmt: skip
_SHARE = {"type": ["number", "null"], "minimum": 0}
_RENEWAL_BODY = _body({
    "plan": _NAME, "version": _VERSION, "renewal_date": _DATE,
    "policy": {"type": "object", "description": "The fields the plan reads, the ladder's state columns, "
               f"{CLAIMS!r} (with a ladder) and optionally {list(LADDER_INPUTS)} and {list(KEEP)}"},
    "current_premium": {"type": "number", "exclusiveMinimum": 0},
    "ladder": {"enum": list(_shipped())},
    "rules": {"type": "object", "additionalProperties": False, "properties": {
        "max_increase": _SHARE, "max_decrease": {**_SHARE, "maximum": 1}, "segment": {"type": ["string", "null"]},
        "segment_caps": {"description": "{level: [max_increase, max_decrease]}, or [[level, [up, down]], ...]"},
        "new_business_rule": {"type": "boolean"}, "min_premium": {"type": ["number", "null"]},
        "rounding": {"type": ["number", "null"]}}}},
    ["renewal_date", "policy", "current_premium"])  # fmt: skip

# ----------------------------------------------------------------- mid-term

_MIDTERM_DOC = """Re-quote a policy with new attributes from ``effective`` (in the term ``[start, end)``, end
exclusive) and charge the difference for the rest of the term, pro rata by days
(``autorisk.renewal.adjust``): both quotes' totals and breakdowns, the days remaining, the remaining share and
the charge, rounded half up to the cent (negative: a return premium). The plan is the version in force on
``start``, or the exact ``version`` asked for. Bad input: 422 with one entry per problem."""


@router.post("/midterm", summary="Price a mid-term adjustment", description=_MIDTERM_DOC,
             openapi_extra=_MIDTERM_BODY)  # fmt: skip
async def midterm(request: Request) -> Response:
    service = service_of(request)
    at = received_at()
    body = await read_body(request, service.config.max_quote_bytes)
    data = object_body(read_json(body), MIDTERM_FIELDS, ("policy", "changes", "start", "end", "effective"))
    problems = [*_objects(data, ("policy", "changes"))]
    days, found = _dates(data, ("start", "end", "effective"))
    _refuse(problems + found + _term(days, "start", "end", "effective"))
    plan = _plan_on(request, data, days["start"], "start")
    policy, changes = data["policy"], data["changes"]
    extra = service.config.extra_fields
    problems = _prefixed(field_problems(plan, policy, extra=extra), "policy")
    problems += [_entry(f"changes.{k}", v, "not read by the plan", f"one of the plan's fields {plan.columns}")
                 for k, v in changes.items() if k not in plan.columns]  # fmt: skip
    _refuse(problems, "QuoteError")
    try:
        answer = midterm_answer(plan, policy, changes, **days)
    except QuoteError as error:
        raise _quote_problem(error, plan, policy, changes) from None
    return _answer(request, answer, endpoint="midterm", plan=plan, body=body, at=at,
                   options={"plan": plan.name, "version": plan.version, **days})  # fmt: skip


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


# ------------------------------------------------------------- cancellation

_CANCEL_DOC = """Split the premium paid for the term ``[start, end)`` into earned and refunded on a
cancellation effective ``cancelled`` (the first day not covered), by days in force (``"pro_rata"``) or by the
Chinese short-period table of started months (``"short_period"``), with
``autorisk.renewal.cancellation_refund``: earned is rounded half up to the cent and earned + refund = premium
paid exactly (in cents). No plan is involved: the audit record's plan fields are empty."""


@router.post("/cancel", summary="Price a cancellation refund", description=_CANCEL_DOC,
             openapi_extra=_CANCEL_BODY)  # fmt: skip
async def cancel(request: Request) -> Response:
    service = service_of(request)
    at = received_at()
    body = await read_body(request, service.config.max_quote_bytes)
    data = object_body(read_json(body), CANCEL_FIELDS, CANCEL_FIELDS)
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
    _refuse(problems)
    try:
        answer = cancel_answer(paid, method=method, **days)
    except ParameterError as error:  # the same engine on a one-row table names the field (a term beyond the table)
        raise _cancel_problem(error, paid, days, method) from None
    return _answer(request, answer, endpoint="cancel", plan=_NO_PLAN, body=body, at=at,
                   options={"method": method, **days})  # fmt: skip


def cancel_answer(premium_paid: float, *, start: str, end: str, cancelled: str, method: str) -> dict[str, Any]:
    """The answer of ``POST /cancel`` (without its quote id): :func:`~autorisk.renewal.cancellation_refund`.

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


def _cancel_problem(error: ParameterError, paid: Any, days: dict[str, str], method: str) -> HTTPProblem:
    """A 422 of a refused refund, its fields named by :func:`cancel_many` (the same checks, on columns)."""
    try:
        cancel_many(pd.DataFrame({"premium_paid": [paid], **{k: [v] for k, v in days.items()}}),
                    start="start", end="end", cancelled="cancelled", method=method)  # fmt: skip
    except AutoriskError as named:
        error = named
    problems = _single(error_entries(error))
    return HTTPProblem(422, type(error).__name__, _message(problems), problems)


# ------------------------------------------------------------------ renewal

_RENEWAL_DOC = """One policy's renewal offer (``autorisk.renewal.renewal_offers`` on a one-row book): the
``ladder`` (a shipped NCD / bonus-malus ladder, optional) moves the policy's state on from
``policy.claims_since_renewal``; the plan in force on ``renewal_date`` (or the exact ``version``) quotes it: the
technical premium; ``rules`` (the ``RenewalRules`` fields; default ``RenewalRules()``) cap the change from
``current_premium``, apply the new-business-price rule, the minimum premium and the rounding. The answer holds
the offered, technical and new-business premiums, the rules that moved the offer (``rule_flags``, ``reason``,
``rules_applied``), the caps' limits and the ladder's new state; the numbers are those of the same policy in a
batch."""


@router.post("/renewal", summary="Price one policy's renewal offer", description=_RENEWAL_DOC,
             openapi_extra=_RENEWAL_BODY)  # fmt: skip
async def renewal(request: Request) -> Response:
    service = service_of(request)
    at = received_at()
    body = await read_body(request, service.config.max_quote_bytes)
    data = object_body(read_json(body), RENEWAL_FIELDS, ("renewal_date", "policy", "current_premium"))
    days, problems = _dates(data, ("renewal_date",))
    problems += _objects(data, ("policy",))
    current = data["current_premium"]
    if not _is_number(current) or not (math.isfinite(current) and 0 < current < MAX_PREMIUM):
        problems.append(_entry("current_premium", current, "not a positive premium",
                               f"a premium in (0, {MAX_PREMIUM:g})"))  # fmt: skip
    name = data.get("ladder")
    if name is not None and name not in _shipped():  # never a path: a body names no file of the server
        problems.append(_entry("ladder", name, "unknown ladder", f"one of {list(_shipped())}"))
    rules, found = _rules(data.get("rules"))
    _refuse(problems + found)
    plan = _plan_on(request, data, days["renewal_date"], "renewal_date")
    ladder = None if name is None else shipped_ladder(name)
    policy = data["policy"]
    _refuse(_renewal_policy_problems(plan, policy, ladder, rules, service.config.extra_fields), "QuoteError")
    try:
        answer = renewal_answer(plan, policy, current, renewal_date=days["renewal_date"], ladder=name, rules=rules)
    except AutoriskError as error:
        raise _renewal_problem(error, plan, policy) from None
    offered = answer["offered_premium"]
    if not (math.isfinite(offered) and offered > 0):  # never answer one (a minimum or a unit beyond doubles)
        raise HTTPProblem(422, "QuoteError", f"offered_premium {offered} is not a positive premium", [
            _entry("offered_premium", offered, "not a positive premium", "a finite premium > 0: check "
                   "rules.min_premium and rules.rounding")])  # fmt: skip
    return _answer(request, answer, endpoint="renewal", plan=plan, body=body, at=at,
                   options={"plan": plan.name, "version": plan.version, "renewal_date": days["renewal_date"],
                            "ladder": name, "rules": rules.to_dict()})  # fmt: skip


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


def _rules(value: Any) -> tuple[RenewalRules, list[dict[str, Any]]]:
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


def _segment_caps(value: Any) -> tuple[dict[Any, tuple[Any, Any]], list[dict[str, Any]]]:
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


def _renewal_policy_problems(plan: RatingPlan, policy: dict[str, Any], ladder: Ladder | None, rules: RenewalRules,
                             extra: str) -> list[dict[str, Any]]:  # fmt: skip
    """Missing and extra fields of a renewal's policy: the plan's, the ladder's, the segment's."""
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


def _renewal_problem(error: AutoriskError, plan: RatingPlan, policy: dict[str, Any]) -> HTTPProblem:
    """A 422 of an error of ``renewal_offers``: the plan's view of the policy when it could not quote it."""
    problems: list[dict[str, Any]] = []
    if isinstance(error, QuoteError):
        rated = {k: v for k, v in policy.items() if k in plan.columns}
        problems = _prefixed(policy_problems(plan, rated, extra="ignore"), "policy")
    if not problems:
        problems = [{**e, "field": _policy_field(e["field"], policy)} for e in _single(error_entries(error))]
    key = _rules_key(str(error)) if isinstance(error, ParameterError) else None
    if key is not None:  # a rule the offer cannot apply (a rounding unit too fine for the premium)
        problems = [{**p, "field": f"rules.{key}", "rule": "invalid"} for p in problems]
    return HTTPProblem(422, type(error).__name__, _message(problems), problems)


def _policy_field(field: Any, policy: Mapping[str, Any]) -> Any:
    return f"policy.{field}" if isinstance(field, str) and field in policy else field


# ------------------------------------------------------------------ helpers


def _single(problems: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Problem entries of a one-row table without their rows: the request is the row."""
    return [{k: v for k, v in p.items() if k not in ("rows", "n_rows")} for p in problems]


def _entry(field: Any, value: Any, rule: str, expected: str) -> dict[str, Any]:
    return {"field": field, "value": plain(value), "rule": rule, "expected": expected}


def _message(problems: list[dict[str, Any]]) -> str:
    shown = "; ".join(f"{p['field']}: {p['rule']}" for p in problems[:5])
    more = f" (and {len(problems) - 5} more)" if len(problems) > 5 else ""
    return f"{len(problems)} problem{'s' if len(problems) != 1 else ''}: {shown}{more}"


def _refuse(problems: list[dict[str, Any]], kind: str = "DataError") -> None:
    if problems:
        raise HTTPProblem(422, kind, _message(problems), problems)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _objects(data: dict[str, Any], names: tuple[str, ...]) -> list[dict[str, Any]]:
    return [_entry(n, data[n], "not an object", "a JSON object of field: value") for n in names
            if not isinstance(data[n], dict)]  # fmt: skip


def _dates(data: dict[str, Any], names: tuple[str, ...]) -> tuple[dict[str, str], list[dict[str, Any]]]:
    """Each named field as ``YYYY-MM-DD``, and a problem per field that is not a date."""
    days, problems = {}, []
    for name in names:
        value = data[name]
        try:
            if not isinstance(value, str) or len(value) != 10:
                raise ValueError
            days[name] = dt.date.fromisoformat(value).isoformat()
        except ValueError:
            problems.append(_entry(name, value, "not a date", "a date YYYY-MM-DD"))
    return days, problems


def _term(days: dict[str, str], start: str, end: str, at: str) -> list[dict[str, Any]]:
    """Problems of a term ``[start, end)`` and a date in it (ISO strings compare as dates)."""
    if not {start, end, at} <= days.keys():
        return []
    if days[end] <= days[start]:
        return [_entry(end, days[end], "not after the start", f"a date after {start} {days[start]}")]
    if not days[start] <= days[at] < days[end]:
        return [_entry(at, days[at], "outside the term", f"a date in [{days[start]}, {days[end]})")]
    return []


def _plan_on(request: Request, data: dict[str, Any], date: str, field: str) -> RatingPlan:
    """The plan asked for, in force on ``date``; a problem with the quote date is named after ``field``."""
    try:
        return select_plan(request, data.get("plan"), data.get("version"), date)
    except HTTPProblem as problem:
        problem.problems = [{**p, "field": field} if p.get("field") == "quote_date" else p for p in problem.problems]
        raise


def _prefixed(problems: list[dict[str, Any]], prefix: str) -> list[dict[str, Any]]:
    return [{**p, "field": f"{prefix}.{p['field']}" if p.get("field") not in (None, prefix) else prefix}
            for p in problems]  # fmt: skip


def _quote_problem(error: QuoteError, plan: RatingPlan, policy: dict[str, Any],
                   changes: dict[str, Any]) -> HTTPProblem:  # fmt: skip
    """A 422 naming what the plan refuses in the policy (``policy.x``) or in the changes (``changes.x``)."""
    problems = _prefixed(policy_problems(plan, policy, extra="ignore"), "policy")
    after = policy_problems(plan, {**policy, **changes}, extra="ignore")
    problems += _prefixed([p for p in after if p.get("field") in changes], "changes")
    if not problems:
        problems = _single(error_entries(error))
    return HTTPProblem(422, "QuoteError", _message(problems), problems)


def _plan_fields(plan: RatingPlan) -> dict[str, str]:
    return {"plan": plan.name, "version": plan.version, "plan_id": plan.plan_id}


def _answer(request: Request, answer: dict[str, Any], *, endpoint: str, plan: RatingPlan, body: bytes, at: str,
            options: Mapping[str, Any]) -> Response:  # fmt: skip
    """Give the answer a quote id, audit it (its JSON bytes as the result) and send it."""
    quote_id = new_quote_id()
    data = dumps({"quote_id": quote_id, **answer})
    audit(request, quote_id=quote_id, endpoint=endpoint, plan=plan, body=body, content_type=JSON,
          options=options, result=data, at=at)  # fmt: skip
    return Response(data, media_type=JSON)


__all__ = ["CANCEL_FIELDS", "CLAIMS", "KEEP", "LADDER_INPUTS", "METHODS", "MIDTERM_FIELDS", "RENEWAL_FIELDS",
           "cancel_answer", "midterm_answer", "renewal_answer", "router", "shipped_ladder"]
