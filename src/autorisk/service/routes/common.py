"""What every route does alike: read a size-limited body, resolve the quote date and the plan, audit a quote."""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from typing import Any

from fastapi import Request

from autorisk.errors import ParameterError, PlanNotFoundError
from autorisk.rating import RatingPlan
from autorisk.service.app import HTTPProblem, Service
from autorisk.service.audit import QuoteRecord, utc_now
from autorisk.service.registry import quote_day


def service_of(request: Request) -> Service:
    return request.app.state.service


async def read_body(request: Request, limit: int) -> bytes:
    """The request body, refused with 413 beyond ``limit`` bytes (declared or streamed)."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise _too_large(int(declared), limit)
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise _too_large(size, limit)
        chunks.append(chunk)
    return b"".join(chunks)


def _too_large(size: int, limit: int) -> HTTPProblem:
    return HTTPProblem(413, "PayloadTooLarge", f"request body of {size} bytes is over the limit of {limit} bytes",
                       [{"field": "body", "value": size, "rule": "too large", "expected": f"at most {limit} bytes"}])


def quote_date(value: Any) -> str:
    """The quote date of a request as ``YYYY-MM-DD``: the one given (the registry's rule), or today (UTC)."""
    if value is None or isinstance(value, str):
        with contextlib.suppress(ParameterError):
            return quote_day(value).isoformat()
    raise HTTPProblem(422, "DataError", f"quote_date {value!r} is not a date",
                      [{"field": "quote_date", "value": value, "rule": "not a date", "expected": "YYYY-MM-DD"}])


def select_plan(request: Request, name: Any, version: Any, date: str) -> RatingPlan:
    """The plan a request asks for (name, exact version or the one in force on ``date``); 422 when there is none."""
    for field, value in (("plan", name), ("version", version)):
        if value is not None and not isinstance(value, str):
            raise HTTPProblem(422, "DataError", f"{field} must be a string",
                              [{"field": field, "value": value, "rule": "not a string", "expected": "a string"}])
    try:
        plan = service_of(request).registry.select(name, version, date)
    except PlanNotFoundError as error:
        field = "version" if version is not None else ("plan" if name is not None else "quote_date")
        raise HTTPProblem(422, "PlanNotFoundError", str(error), [{
            "field": field, "value": {"plan": name, "version": version, "quote_date": date}[field],
            "rule": "no such plan in service", "expected": str(error)}]) from None  # fmt: skip
    if version is not None and not plan.is_effective(date):
        raise HTTPProblem(422, "QuoteError", f"plan {plan.name!r} v{plan.version} is not in force on {date}", [{
            "field": "quote_date", "value": date, "rule": "plan not in force",
            "expected": f"a date in [{plan.effective_from}, {plan.effective_to or 'open'})"}])  # fmt: skip
    state = request.scope.setdefault("state", {})
    state["plan"], state["version"] = plan.name, plan.version
    return plan


def audit(request: Request, *, quote_id: str, endpoint: str, plan: RatingPlan | None, body: bytes,
          content_type: str, options: Mapping[str, Any], result: bytes, n_policies: int = 1,
          at: str | None = None) -> None:  # fmt: skip
    """Hand one quote (or batch) to the audit store's writer; it returns at once.

    ``plan`` is None for an answer no plan priced (a cancellation refund): the plan fields are recorded as "".
    """
    name, version, plan_id = ("", "", "") if plan is None else (plan.name, plan.version, plan.plan_id)
    service_of(request).audit.submit(QuoteRecord(
        quote_id=quote_id, received_at=at or utc_now(), endpoint=endpoint, plan_name=name,
        plan_version=version, plan_id=plan_id, request=body, content_type=content_type,
        options=dict(options), result=result, n_policies=n_policies))  # fmt: skip
    request.scope.setdefault("state", {})["quote_id"] = quote_id


def object_body(data: Any, allowed: tuple[str, ...], required: tuple[str, ...]) -> dict[str, Any]:
    """A JSON body that must be an object with only ``allowed`` keys and every ``required`` one; 422 otherwise."""
    if not isinstance(data, dict):
        raise HTTPProblem(422, "DataError", "the body is not a JSON object", [{
            "field": "body", "value": type(data).__name__, "rule": "not an object",
            "expected": f"an object with {list(allowed)}"}])  # fmt: skip
    problems = [{"field": k, "value": None, "rule": "extra field", "expected": f"one of {list(allowed)}"}
                for k in data if k not in allowed]  # fmt: skip
    problems += [{"field": k, "value": None, "rule": "missing field", "expected": "present"}
                 for k in required if k not in data]  # fmt: skip
    if problems:
        raise HTTPProblem(422, "DataError", "the body's fields: " + "; ".join(
            f"{p['rule']} {p['field']!r}" for p in problems), problems)  # fmt: skip
    return data


def problems_summary(problems: list[dict[str, Any]]) -> str:
    """The message of a 422 answer: how many problems, the first five as ``field: rule``.

    Examples
    --------
    >>> problems_summary([{"field": "policy.driver_age", "rule": "missing field"}])
    '1 problem: policy.driver_age: missing field'
    >>> problems_summary([{"field": f"f{i}", "rule": "extra field"} for i in range(7)])
    '7 problems: f0: extra field; f1: extra field; f2: extra field; f3: extra field; f4: extra field (and 2 more)'
    """
    shown = "; ".join(f"{p['field']}: {p['rule']}" for p in problems[:5])
    more = f" (and {len(problems) - 5} more)" if len(problems) > 5 else ""
    return f"{len(problems)} problem{'s' if len(problems) != 1 else ''}: {shown}{more}"
