"""``POST /quote`` (one policy) and ``POST /quotes`` (a batch, JSON, Arrow IPC or parquet), both audited."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
from fastapi import APIRouter, Request
from fastapi.responses import Response

from autorisk.errors import DataError, QuoteError
from autorisk.service.app import HTTPProblem
from autorisk.service.audit import utc_now
from autorisk.service.ids import new_id
from autorisk.service.payload import (
    ARROW,
    BATCH_OPTIONS,
    JSON,
    PARQUET,
    arrow_bytes,
    batch_json,
    dumps,
    media_type,
    parquet_bytes,
    read_batch,
    read_json,
)
from autorisk.service.problems import error_entries
from autorisk.service.routes.common import (
    audit,
    object_body,
    problems_summary,
    quote_date,
    read_body,
    select_plan,
    service_of,
)
from autorisk.service.schema import field_problems, policy_problems

router = APIRouter(tags=["quotes"])
QUOTE_FIELDS = ("plan", "version", "quote_date", "policy")

_QUOTE_DOC = """Quote one policy with the plan in force on ``quote_date`` (default today, UTC), or the exact
``version`` asked for. The answer holds the premiums per coverage and in total, and under ``result`` every
value ``RatingPlan.quote_one`` returns (each factor's relativity, clamps, rounding, limits), bit-identical to it.
Bad input: 422 with one entry per problem (field, value, rule, expected)."""


@router.post("/quote", summary="Quote one policy", description=_QUOTE_DOC)
async def quote(request: Request) -> Response:
    service = service_of(request)
    at = utc_now()
    body = await read_body(request, service.config.max_quote_bytes)
    data = object_body(read_json(body), QUOTE_FIELDS, ("policy",))
    date = quote_date(data.get("quote_date"))
    plan = select_plan(request, data.get("plan"), data.get("version"), date)
    policy = data["policy"]
    extra = service.config.extra_fields
    try:
        if field_problems(plan, policy, extra=extra):  # fast: set operations; then every problem is listed
            raise QuoteError("the policy's fields")
        result = plan.quote_one(policy)
    except QuoteError as error:
        problems = policy_problems(plan, policy, extra=extra, as_of=date) or [
            {"field": None, "value": None, "rule": "QuoteError", "expected": str(error)}]  # fmt: skip
        raise HTTPProblem(422, "QuoteError", problems_summary(problems), problems) from None
    total = result["premium_total"]
    if not (math.isfinite(total) and total > 0):  # quote_one refuses these; never answer one
        raise HTTPProblem(422, "QuoteError", f"premium_total {total} is not a positive premium")
    quote_id = new_id()
    result_bytes = dumps(result)
    head = {"quote_id": quote_id, "plan": plan.name, "version": plan.version, "plan_id": plan.plan_id,
            "quote_date": date, "premium_total": total,
            "premiums": {c.name: result[f"premium_{c.name}"] for c in plan.coverages}}  # fmt: skip
    audit(request, quote_id=quote_id, endpoint="quote", plan=plan, body=body, content_type=JSON,
          options={"quote_date": date}, result=result_bytes, at=at)  # fmt: skip
    return Response(dumps(head)[:-1] + b',"result":' + result_bytes + b"}", media_type=JSON)


_BATCH_DOC = """Rate a batch of policies vectorised (``RatingPlan.quote`` with ``errors="flag"``): a row that
cannot be rated keeps null premiums and says why in ``quote_error``; the others are rated. The body is JSON
(``{"plan", "version", "quote_date", "breakdown", "policies": [...]}``), an Arrow IPC stream
(``application/vnd.apache.arrow.stream``) or parquet (``application/vnd.apache.parquet``) with the options in
the query string. The answer's format follows ``Accept`` (JSON, Arrow IPC or parquet); policy ``i`` of the
batch has quote id ``<batch_id>:<i>`` (``X-Batch-Id`` header)."""


@router.post("/quotes", summary="Quote a batch of policies", description=_BATCH_DOC)
async def quotes(request: Request) -> Response:
    service = service_of(request)
    at = utc_now()
    body = await read_body(request, service.config.max_batch_bytes)
    content_type = media_type(request.headers.get("content-type"))
    try:
        frame, options = read_batch(body, content_type)
    except DataError as error:
        if error.issues and error.issues[0].rule == "unsupported media type":
            raise HTTPProblem(415, "UnsupportedMediaType", str(error), error_entries(error)) from None
        raise
    options = _merged(options, request.query_params)
    n = len(frame)
    if n == 0:
        raise HTTPProblem(422, "DataError", "the batch has no policies",
                          [{"field": "policies", "value": 0, "rule": "empty", "expected": "at least one policy"}])
    if n > service.config.max_batch:
        raise HTTPProblem(413, "PayloadTooLarge", f"{n} policies in one batch, over the limit of "
                          f"{service.config.max_batch}", [{"field": "policies", "value": n, "rule": "too many",
                          "expected": f"at most {service.config.max_batch} policies"}])  # fmt: skip
    date = quote_date(options.get("quote_date"))
    breakdown = _flag(options.get("breakdown", False))
    plan = select_plan(request, options.get("plan"), options.get("version"), date)
    rated = plan.quote(frame.reset_index(drop=True), errors="flag", as_of=date, breakdown=breakdown)
    _never_silent(rated)
    batch_id = new_id()
    flagged = int((rated["quote_error"] != "").sum())
    arrow = arrow_bytes(rated)
    audit(request, quote_id=batch_id, endpoint="quotes", plan=plan, body=body, content_type=content_type,
          options={"quote_date": date, "breakdown": breakdown, "plan": plan.name, "version": plan.version},
          result=arrow, n_policies=n, at=at)  # fmt: skip
    service.metrics.policies.labels("/quotes", plan.name).inc(n)
    headers = {"x-batch-id": batch_id, "x-plan-id": plan.plan_id, "x-flagged-rows": str(flagged)}
    accept = media_type(request.headers.get("accept"))
    if accept == ARROW:
        return Response(arrow, media_type=ARROW, headers=headers)
    if accept == PARQUET:
        return Response(parquet_bytes(rated), media_type=PARQUET, headers=headers)
    head = {"batch_id": batch_id, "plan": plan.name, "version": plan.version, "plan_id": plan.plan_id,
            "quote_date": date, "n_policies": n, "n_flagged": flagged}  # fmt: skip
    return Response(batch_json(rated, head), media_type=JSON, headers=headers)


def _merged(body_options: dict[str, Any], query: Any) -> dict[str, Any]:
    """The batch's options: the JSON body's and the query string's; the same option in both must agree."""
    unknown = [k for k in query if k not in BATCH_OPTIONS]
    if unknown:
        raise HTTPProblem(422, "DataError", f"unknown query parameters {unknown}", [
            {"field": k, "value": query[k], "rule": "extra field", "expected": f"one of {list(BATCH_OPTIONS)}"}
            for k in unknown])  # fmt: skip
    options = dict(body_options)
    for key in query:
        value = query[key]
        if key in options and str(options[key]).lower() != value.lower():
            raise HTTPProblem(422, "DataError", f"{key} is {options[key]!r} in the body and {value!r} in the query", [
                {"field": key, "value": value, "rule": "conflict", "expected": f"{options[key]!r} (the body's)"}])
        options.setdefault(key, value)
    return options


def _flag(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false", "1", "0"):
        return value.lower() in ("true", "1")
    raise HTTPProblem(422, "DataError", f"breakdown {value!r} is not true or false",
                      [{"field": "breakdown", "value": value, "rule": "not a boolean", "expected": "true or false"}])


def _never_silent(rated: pd.DataFrame) -> None:
    """Flag any unflagged row whose total is not a positive finite premium (quote refuses these already)."""
    total = rated["premium_total"].to_numpy()
    bad = ~(np.isfinite(total) & (total > 0)) & (rated["quote_error"].to_numpy() == "")
    if bad.any():
        rated.loc[bad, "quote_error"] = "premium_total is not a positive finite premium"

