"""Operations: ``/health`` (liveness), ``/ready`` (plans loaded, audit store reachable), ``/metrics`` (Prometheus)."""

from __future__ import annotations

import asyncio
import os

from fastapi import APIRouter, Request
from fastapi.responses import Response

from autorisk.service.app import json_response
from autorisk.service.metrics import CONTENT_TYPE
from autorisk.service.routes.common import service_of

router = APIRouter(tags=["operations"])


@router.get("/health", summary="Liveness: the process answers (its pid: which worker did)")
async def health() -> Response:
    return json_response({"status": "ok", "pid": os.getpid()})


@router.get("/ready", summary="Readiness: plans loaded and the audit store reachable (503 otherwise)")
async def ready(request: Request) -> Response:
    service = service_of(request)
    plans = len(service.registry.plans()) if service.registry is not None else 0
    audit = service.audit is not None and await asyncio.to_thread(service.audit.ping)
    ok = plans > 0 and audit
    generation = service.registry.generation if service.registry is not None else 0
    return json_response({"status": "ready" if ok else "not ready", "plans": plans, "audit": bool(audit),
                          "generation": generation, "pid": os.getpid()}, 200 if ok else 503)  # fmt: skip


@router.get("/metrics", summary="Prometheus metrics: requests and latency by endpoint and plan, errors by kind")
async def metrics(request: Request) -> Response:
    service = service_of(request)
    service.update_gauges()
    return Response(service.metrics.render(), media_type=CONTENT_TYPE)
