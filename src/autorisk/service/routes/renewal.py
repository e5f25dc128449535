"""Mid-term adjustments, cancellation refunds and renewal offers over HTTP, each answer audited.

``POST /midterm``, ``POST /cancel`` and ``POST /renewal`` read the body, check it and compute the answer with
:mod:`autorisk.service.changes` (plain functions a replay or a batch job also calls), audit the answer and
send it. Bad input: 422 with one entry per problem, nested fields named with a dot path (``policy.<column>``,
``changes.<column>``, ``rules.<field>``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from autorisk.errors import AutoriskError, ParameterError, QuoteError
from autorisk.rating import RatingPlan
from autorisk.renewal.midterm import MAX_PREMIUM
from autorisk.service.app import HTTPProblem
from autorisk.service.audit import utc_now
from autorisk.service.changes import (
    CANCEL_FIELDS,
    CLAIMS,
    KEEP,
    LADDER_INPUTS,
    METHODS,
    MIDTERM_FIELDS,
    MIDTERM_REQUIRED,
    RENEWAL_FIELDS,
    RENEWAL_REQUIRED,
    Problem,
    cancel_answer,
    cancel_body_problems,
    cancel_error_problems,
    midterm_answer,
    midterm_body_problems,
    midterm_error_problems,
    midterm_policy_problems,
    offer_problems,
    renewal_answer,
    renewal_body_problems,
    renewal_error_problems,
    renewal_policy_problems,
    shipped_ladder,
    shipped_ladders,
)
from autorisk.service.ids import new_id
from autorisk.service.payload import JSON, dumps, read_json
from autorisk.service.routes.common import (
    audit,
    object_body,
    problems_summary,
    read_body,
    select_plan,
    service_of,
)

router = APIRouter(tags=["policy changes"])


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
    list(MIDTERM_REQUIRED))  # fmt: skip
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
    "ladder": {"enum": list(shipped_ladders())},
    "rules": {"type": "object", "additionalProperties": False, "properties": {
        "max_increase": _SHARE, "max_decrease": {**_SHARE, "maximum": 1}, "segment": {"type": ["string", "null"]},
        "segment_caps": {"description": "{level: [max_increase, max_decrease]}, or [[level, [up, down]], ...]"},
        "new_business_rule": {"type": "boolean"}, "min_premium": {"type": ["number", "null"]},
        "rounding": {"type": ["number", "null"]}}}},
    list(RENEWAL_REQUIRED))  # fmt: skip

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
    at = utc_now()
    body = await read_body(request, service.config.max_quote_bytes)
    data = object_body(read_json(body), MIDTERM_FIELDS, MIDTERM_REQUIRED)
    days, problems = midterm_body_problems(data)
    _refuse(problems)
    plan = _plan_on(request, data, days["start"], "start")
    policy, changes = data["policy"], data["changes"]
    _refuse(midterm_policy_problems(plan, policy, changes, extra=service.config.extra_fields), "QuoteError")
    try:
        answer = midterm_answer(plan, policy, changes, **days)
    except QuoteError as error:
        raise _refused(midterm_error_problems(error, plan, policy, changes), "QuoteError") from None
    return _answer(request, answer, endpoint="midterm", plan=plan, body=body, at=at,
                   options={"plan": plan.name, "version": plan.version, **days})  # fmt: skip


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
    at = utc_now()
    body = await read_body(request, service.config.max_quote_bytes)
    data = object_body(read_json(body), CANCEL_FIELDS, CANCEL_FIELDS)
    days, problems = cancel_body_problems(data)
    _refuse(problems)
    paid, method = data["premium_paid"], data["method"]
    try:
        answer = cancel_answer(paid, method=method, **days)
    except ParameterError as error:  # the same engine on a one-row table names the field (a term beyond the table)
        kind, problems = cancel_error_problems(error, paid, days, method)
        raise _refused(problems, kind) from None
    return _answer(request, answer, endpoint="cancel", plan=None, body=body, at=at,
                   options={"method": method, **days})  # fmt: skip


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
    at = utc_now()
    body = await read_body(request, service.config.max_quote_bytes)
    data = object_body(read_json(body), RENEWAL_FIELDS, RENEWAL_REQUIRED)
    days, rules, problems = renewal_body_problems(data)
    _refuse(problems)
    plan = _plan_on(request, data, days["renewal_date"], "renewal_date")
    name, policy = data.get("ladder"), data["policy"]
    ladder = None if name is None else shipped_ladder(name)
    _refuse(renewal_policy_problems(plan, policy, ladder, rules, extra=service.config.extra_fields), "QuoteError")
    try:
        answer = renewal_answer(plan, policy, data["current_premium"], renewal_date=days["renewal_date"],
                                ladder=name, rules=rules)  # fmt: skip
    except AutoriskError as error:
        raise _refused(renewal_error_problems(error, plan, policy), type(error).__name__) from None
    problems = offer_problems(answer)
    if problems:  # never answer one (a minimum or a unit beyond doubles)
        raise HTTPProblem(422, "QuoteError", f"offered_premium {answer['offered_premium']} is not a positive "
                          "premium", problems)  # fmt: skip
    return _answer(request, answer, endpoint="renewal", plan=plan, body=body, at=at,
                   options={"plan": plan.name, "version": plan.version, "renewal_date": days["renewal_date"],
                            "ladder": name, "rules": rules.to_dict()})  # fmt: skip


# ------------------------------------------------------------------ helpers


def _refused(problems: list[Problem], kind: str = "DataError") -> HTTPProblem:
    """A 422 answer of the problems found."""
    return HTTPProblem(422, kind, problems_summary(problems), problems)


def _refuse(problems: list[Problem], kind: str = "DataError") -> None:
    """Refuse the request when any problem was found."""
    if problems:
        raise _refused(problems, kind)


def _plan_on(request: Request, data: dict[str, Any], date: str, field: str) -> RatingPlan:
    """The plan asked for, in force on ``date``; a problem with the quote date is named after ``field``."""
    try:
        return select_plan(request, data.get("plan"), data.get("version"), date)
    except HTTPProblem as problem:
        problem.problems = [{**p, "field": field} if p.get("field") == "quote_date" else p for p in problem.problems]
        raise


def _answer(request: Request, answer: dict[str, Any], *, endpoint: str, plan: RatingPlan | None, body: bytes,
            at: str, options: Mapping[str, Any]) -> Response:  # fmt: skip
    """Give the answer a quote id, audit it (its JSON bytes as the result) and send it."""
    quote_id = new_id()
    data = dumps({"quote_id": quote_id, **answer})
    audit(request, quote_id=quote_id, endpoint=endpoint, plan=plan, body=body, content_type=JSON,
          options=options, result=data, at=at)  # fmt: skip
    return Response(data, media_type=JSON)


__all__ = ["router"]
