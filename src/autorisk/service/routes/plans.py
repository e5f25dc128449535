"""The plans in service: list, read, request schema; publish and retire (admin, bearer token); deployments."""

from __future__ import annotations

import asyncio
import hmac
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from autorisk.errors import PlanError, PlanNotFoundError
from autorisk.rating import RatingPlan
from autorisk.service.app import HTTPProblem, json_response
from autorisk.service.routes.common import read_body, service_of
from autorisk.service.schema import quote_request_schema

router = APIRouter(tags=["plans"])


def plan_entry(plan: RatingPlan) -> dict[str, Any]:
    """What ``GET /plans`` says of one plan version."""
    return {"name": plan.name, "version": plan.version, "plan_id": plan.plan_id,
            "effective_from": plan.effective_from, "effective_to": plan.effective_to,
            "coverages": [c.name for c in plan.coverages], "columns": plan.columns}  # fmt: skip


@router.get("/plans", summary="The plan versions in service")
async def list_plans(request: Request) -> Response:
    return json_response({"plans": [plan_entry(p) for p in service_of(request).registry.plans()]})


def _plan(request: Request, name: str, version: str) -> RatingPlan:
    try:
        return service_of(request).registry.get(name, version)
    except PlanNotFoundError as error:
        raise HTTPProblem(404, "PlanNotFoundError", str(error), [
            {"field": "plan", "value": f"{name} v{version}", "rule": "no such plan in service",
             "expected": str(error)}]) from None  # fmt: skip


@router.get("/plans/{name}/{version}", summary="A plan's JSON document and its coverage summary")
async def get_plan(request: Request, name: str, version: str) -> Response:
    plan = _plan(request, name, version)
    summary = plan.coverage_summary().reset_index().to_dict(orient="records")
    return json_response({**plan_entry(plan), "summary": summary, "plan": _document(plan)})


@router.get("/plans/{name}/{version}/schema", summary="JSON Schema of a quote request, generated from the plan")
async def plan_schema(request: Request, name: str, version: str) -> Response:
    plan = _plan(request, name, version)
    return json_response(quote_request_schema(plan, extra=service_of(request).config.extra_fields))


def _document(plan: RatingPlan) -> Any:
    from autorisk.service.payload import read_json

    return read_json(plan.to_json(compact=True).encode())


def _admin(request: Request) -> str:
    """Who deploys (``X-Deployed-By``, default "admin"), once the bearer token checks out; 401/403 otherwise."""
    token = service_of(request).config.admin_token
    if token is None:
        raise HTTPProblem(403, "AdminDisabled", "the admin endpoints are disabled: start the service with "
                          "AUTORISK_ADMIN_TOKEN or AUTORISK_ADMIN_TOKEN_FILE set")  # fmt: skip
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(), token.encode()):
        raise HTTPProblem(401, "Unauthorized", "a valid bearer token is needed (Authorization: Bearer <token>)")
    return request.headers.get("x-deployed-by", "admin")[:200]


@router.post("/plans", summary="Publish a plan version (admin)", status_code=201,
             description="The body is a plan's JSON document. It is validated completely (schema, content hash, "
             "regulatory bounds, prohibited factors, version clashes) before it takes traffic, then swapped in "
             "atomically; a refused plan gets 422 with the reason and the plans in service keep serving.")  # fmt: skip
async def publish(request: Request) -> Response:
    by = _admin(request)
    service = service_of(request)
    body = await read_body(request, service.config.max_batch_bytes)
    try:
        # validation takes milliseconds: off the event loop, so quotes in flight are not held up
        deployment = await asyncio.to_thread(service.registry.publish, body, by=by, source="api")
    except PlanError as error:
        raise HTTPProblem(422, "PlanRefused", f"plan refused: {error}", [
            {"field": "plan", "value": None, "rule": "refused", "expected": str(error)}]) from None  # fmt: skip
    return json_response({"deployment": deployment.as_dict()}, 201)


@router.delete("/plans/{name}/{version}", summary="Retire a plan version (admin)")
async def retire(request: Request, name: str, version: str) -> Response:
    by = _admin(request)
    try:
        deployment = await asyncio.to_thread(service_of(request).registry.retire, name, version, by=by)
    except PlanNotFoundError as error:
        raise HTTPProblem(404, "PlanNotFoundError", str(error)) from None
    return json_response({"deployment": deployment.as_dict()})


@router.get("/deployments", summary="Every deployment of the plans folder: who, when, plan id, hash")
async def deployments(request: Request) -> Response:
    return json_response({"deployments": [d.as_dict() for d in service_of(request).registry.deployments()]})
