"""Prometheus metrics of the quoting service: requests and latency by endpoint and plan, errors by kind.

Each app has its own :class:`prometheus_client.CollectorRegistry`, so several
apps in one process (tests) do not share counters. With ``--workers N`` each
worker process counts its own requests (a scrape reaches one worker).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

#: Latency buckets in seconds: sub-millisecond quotes to multi-second batches.
BUCKETS = (0.0005, 0.001, 0.002, 0.003, 0.005, 0.0075, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


@dataclass
class ServiceMetrics:
    """The counters, histograms and gauges one app exports at ``/metrics``.

    Examples
    --------
    >>> metrics = ServiceMetrics()
    >>> metrics.observe("/quote", "China motor", 200, 0.0012)
    >>> b'autorisk_requests_total{endpoint="/quote",plan="China motor",status="200"} 1.0' in metrics.render()
    True
    """

    registry: CollectorRegistry = field(default_factory=CollectorRegistry)

    def __post_init__(self) -> None:
        r = self.registry
        self.requests = Counter("autorisk_requests", "HTTP requests by endpoint, plan and status",
                                ["endpoint", "plan", "status"], registry=r)  # fmt: skip
        self.latency = Histogram("autorisk_request_seconds", "request latency by endpoint and plan",
                                 ["endpoint", "plan"], buckets=BUCKETS, registry=r)  # fmt: skip
        self.errors = Counter("autorisk_errors", "error answers by kind (the autorisk error class, or http_<status>)",
                              ["kind"], registry=r)  # fmt: skip
        self.policies = Counter("autorisk_policies_rated", "policies rated by endpoint and plan",
                                ["endpoint", "plan"], registry=r)  # fmt: skip
        self.plans = Gauge("autorisk_plans_in_service", "plan versions in service", registry=r)
        self.generation = Gauge("autorisk_plan_generation", "swaps of the plans in service since start", registry=r)
        self.audit_pending = Gauge("autorisk_audit_pending", "audit records waiting to be written", registry=r)
        self.audit_written = Gauge("autorisk_audit_written", "audit records written since start", registry=r)
        self.audit_failures = Gauge("autorisk_audit_failures", "failed audit write attempts since start", registry=r)
        self._cache: dict[tuple[str, str], Any] = {}

    def observe(self, endpoint: str, plan: str, status: int, seconds: float) -> None:
        """Count one request and its latency."""
        key = (endpoint, plan)
        children = self._cache.get(key)
        if children is None:
            children = self._cache[key] = (self.latency.labels(endpoint, plan), {})
        histogram, by_status = children
        counter = by_status.get(status)
        if counter is None:
            counter = by_status[status] = self.requests.labels(endpoint, plan, str(status))
        counter.inc()
        histogram.observe(seconds)

    def error(self, kind: str) -> None:
        """Count one error answer of ``kind``."""
        self.errors.labels(kind).inc()

    def render(self) -> bytes:
        """The Prometheus text exposition of every metric."""
        return generate_latest(self.registry)
