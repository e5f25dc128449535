"""The quoting service's ASGI application: FastAPI routes over the plan registry and the audit store.

:func:`create_app` builds it from a :class:`~autorisk.service.config.ServiceConfig`;
``autorisk serve`` runs it under uvicorn. On start it loads the plans folder and
opens the audit store; while it runs it re-reads the folder every
``poll_seconds`` and on SIGHUP; on a clean shutdown it writes every pending
audit record before it exits.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import os
import signal
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import Response

from autorisk.errors import AuditStoreError, AutoriskError, PlanError
from autorisk.service.config import CONFIG_ENV, LOG_ENV, ServiceConfig
from autorisk.service.ids import new_id
from autorisk.service.logs import configure_logging, flush_logs, log_event
from autorisk.service.metrics import ServiceMetrics
from autorisk.service.payload import JSON, dumps
from autorisk.service.problems import error_body, error_entries

log = logging.getLogger("autorisk.service")


class HTTPProblem(Exception):
    """An error answer with its status: raised by the routes, rendered by the app's handler."""

    def __init__(self, status: int, kind: str, message: str, problems: list[dict[str, Any]] | None = None):
        super().__init__(message)
        self.status, self.kind, self.message = status, kind, message
        self.problems = problems if problems is not None else []


@dataclass
class Service:
    """What the routes share: the config, the plans in service, the audit store and the metrics."""

    config: ServiceConfig
    registry: Any = None
    audit: Any = None
    metrics: ServiceMetrics = field(default_factory=ServiceMetrics)
    started: float = field(default_factory=time.time)

    def open(self) -> None:
        from autorisk.service.audit import open_audit_store
        from autorisk.service.registry import PlanRegistry

        self.audit = open_audit_store(self.config.audit)
        self.registry = PlanRegistry.from_folder(self.config.plans, on_deployment=self._deployed)

    def _deployed(self, deployment: Any) -> None:
        data = deployment.as_dict()
        log_event("deployment", **data)
        if self.audit is not None:
            self.audit.record_deployment(data)

    def refresh(self) -> None:
        """Re-read the plans folder; a failure is logged, the plans in service keep serving."""
        try:
            self.registry.refresh()
        except Exception:  # a broken folder must never stop the service
            log.exception("refreshing the plans folder failed")

    def close(self) -> None:
        """Write every pending audit record; what cannot be written is saved to a file the error names."""
        if self.audit is not None:
            try:
                self.audit.close()
            except AuditStoreError:
                log.exception("the audit store could not take every record at shutdown")

    def update_gauges(self) -> None:
        m, audit = self.metrics, self.audit
        m.plans.set(len(self.registry.plans()))
        m.generation.set(self.registry.generation)
        m.audit_pending.set(audit.pending)
        m.audit_written.set(audit.written)
        m.audit_failures.set(audit.failures)


def create_app(config: ServiceConfig | None = None) -> FastAPI:
    """The quoting service as an ASGI application.

    Parameters
    ----------
    config : ServiceConfig, optional
        What to serve; default: the JSON in ``AUTORISK_SERVICE_CONFIG`` (how
        ``autorisk serve`` hands it to uvicorn's worker processes). The admin
        token is always read from the environment (variable or file).

    Returns
    -------
    FastAPI
        With ``app.state.service`` the :class:`Service` once started.

    Raises
    ------
    PlanError
        No ``config`` and no ``AUTORISK_SERVICE_CONFIG`` in the environment.

    Examples
    --------
    An empty plans folder: the process is alive, not ready (no plan to serve).

    >>> import tempfile
    >>> from starlette.testclient import TestClient
    >>> folder = tempfile.mkdtemp()
    >>> app = create_app(ServiceConfig(folder, audit=f"sqlite:///{folder}/a.db", poll_seconds=0))
    >>> with TestClient(app) as client:
    ...     client.get("/health").json()["status"], client.get("/ready").status_code
    ('ok', 503)
    """
    serving_process = config is None  # built by ``autorisk serve`` (its worker), from the environment
    if config is None:
        text = os.environ.get(CONFIG_ENV)
        if not text:
            raise PlanError(f"no service config: pass one or set {CONFIG_ENV}")
        config = ServiceConfig.from_json(text)
    if config.admin_token is None:
        config = config.with_token_from_env()
    if os.environ.get(LOG_ENV):
        configure_logging(os.environ[LOG_ENV])
    service = Service(config)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await asyncio.to_thread(service.open)
        if serving_process:
            # Startup leaves ~10^5 long-lived objects (FastAPI, pandas, the plans): a full collection scanning
            # them stalled every request in flight for 100-250 ms (benchmarks/serve.py). Collect once, then
            # keep them out of later collections (not in a process that merely embeds the app, e.g. a test).
            gc.collect()
            gc.freeze()
        app.state.service = service
        stop = asyncio.Event()
        poller = asyncio.create_task(_poll(service, stop))
        flusher = asyncio.create_task(_flush_logs_every(stop, 0.5))
        loop = asyncio.get_running_loop()
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            loop.add_signal_handler(signal.SIGHUP, lambda: loop.create_task(asyncio.to_thread(service.refresh)))
        log_event("started", plans=len(service.registry.plans()), audit=service.audit.url, pid=os.getpid())
        try:
            yield
        finally:
            stop.set()
            await poller
            await flusher
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                loop.remove_signal_handler(signal.SIGHUP)
            await asyncio.to_thread(service.close)
            log_event("stopped", audit_written=service.audit.written, pid=os.getpid())
            flush_logs()

    app = FastAPI(title="autorisk quoting service", version=_version(), lifespan=lifespan,
                  description="Rating plans served over HTTP: quotes, batches, plan deployment, audit and metrics.",
                  default_response_class=Response)  # fmt: skip
    app.state.service = service
    app.add_exception_handler(HTTPProblem, _problem_handler)
    app.add_exception_handler(AutoriskError, _autorisk_handler)
    app.add_exception_handler(Exception, _internal_handler)

    from autorisk.service.routes import ops, plans, quotes, renewal

    for module in (quotes, plans, renewal, ops):
        app.include_router(module.router)
    app.openapi = _openapi(app, service)  # type: ignore[method-assign]
    return _Observed(app, service)  # type: ignore[return-value]


async def _flush_logs_every(stop: asyncio.Event, seconds: float) -> None:
    """Write the buffered log lines at least every ``seconds``, also when no request comes."""
    while not stop.is_set():
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), seconds)
        flush_logs()


async def _poll(service: Service, stop: asyncio.Event) -> None:
    every = service.config.poll_seconds
    if not every:
        await stop.wait()
        return
    while not stop.is_set():
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), every)
        if not stop.is_set():
            await asyncio.to_thread(service.refresh)


def json_response(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    """A JSON answer written by orjson (doubles in shortest round-trip form)."""
    return Response(dumps(data), status_code=status, media_type=JSON, headers=headers)


def _request_id(request: Request) -> str | None:
    return request.scope.get("state", {}).get("request_id")


async def _problem_handler(request: Request, error: Exception) -> Response:
    assert isinstance(error, HTTPProblem)
    request.app.state.service.metrics.error(error.kind)
    body = error_body(error.kind, error.message, error.problems, _request_id(request))
    return json_response(body, error.status)


async def _autorisk_handler(request: Request, error: Exception) -> Response:
    assert isinstance(error, AutoriskError)
    kind = type(error).__name__
    request.app.state.service.metrics.error(kind)
    status = 404 if kind == "PlanNotFoundError" else 422
    return json_response(error_body(kind, str(error), error_entries(error), _request_id(request)), status)


async def _internal_handler(request: Request, error: Exception) -> Response:
    request.app.state.service.metrics.error("internal")
    log.error("internal error", exc_info=error, extra={"request_id": _request_id(request)})
    body = error_body("internal", "internal error: the service logged it with this request id", [],
                      _request_id(request))  # fmt: skip
    return json_response(body, 500)


class _Observed:
    """ASGI wrapper: request ids, metrics and one structured log line per request; the app's attributes pass through."""

    def __init__(self, app: FastAPI, service: Service):
        self.app, self.service = app, service

    def __getattr__(self, name: str) -> Any:
        return getattr(self.app, name)

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        request_id = _incoming_id(scope) or new_id()
        state = scope.setdefault("state", {})
        state["request_id"] = request_id
        status = 500

        async def tagged(message: dict) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", []), (b"x-request-id", request_id.encode())]
            await send(message)

        try:
            await self.app(scope, receive, tagged)
        finally:
            seconds = time.perf_counter() - started
            route = scope.get("route")
            endpoint = getattr(route, "path", None) or "unmatched"
            plan = state.get("plan", "")
            self.service.metrics.observe(endpoint, plan, status, seconds)
            log_event("request", request_id=request_id, method=scope["method"], path=scope["path"],
                      endpoint=endpoint, plan=plan, version=state.get("version", ""), status=status,
                      ms=round(seconds * 1e3, 3), quote_id=state.get("quote_id", ""))  # fmt: skip


def _incoming_id(scope: dict) -> str | None:
    for name, value in scope.get("headers", ()):
        if name == b"x-request-id":
            text = value.decode("latin-1")
            if 0 < len(text) <= 64 and text.replace("-", "").replace("_", "").isalnum():
                return text
    return None


def _openapi(app: FastAPI, service: Service) -> Callable[[], dict[str, Any]]:
    """FastAPI's OpenAPI document, with every plan's request schema under components (regenerated on each call)."""
    from fastapi.openapi.utils import get_openapi

    from autorisk.service.schema import openapi_components

    def build() -> dict[str, Any]:
        document = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
        plans = service.registry.plans() if service.registry is not None else []
        components = openapi_components(plans)
        document.setdefault("components", {}).setdefault("schemas", {}).update(components)
        requests = sorted(name for name in components if name.startswith("QuoteRequest_"))
        batches = sorted(name for name in components if name.startswith("BatchRequest_"))
        for path, names in (("/quote", requests), ("/quotes", batches)):
            operation = document.get("paths", {}).get(path, {}).get("post")
            if operation is not None and names:
                schema = {"oneOf": [{"$ref": f"#/components/schemas/{n}"} for n in names]}
                content = operation.setdefault("requestBody", {"required": True}).setdefault("content", {})
                content[JSON] = {"schema": schema}
        return document

    return build


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("autorisk")
    except PackageNotFoundError:
        return "0"
