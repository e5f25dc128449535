"""Structured logs of the quoting service: one JSON object per line, each request with its request id."""

from __future__ import annotations

import logging
import sys
import time
from typing import Any

import orjson

log = logging.getLogger("autorisk.service")


def log_event(event: str, **fields: Any) -> None:
    """Log one event (``request``, ``deployment``, ``started``...) as a JSON line at INFO, if INFO is on."""
    if log.isEnabledFor(logging.INFO):
        log.info(event, extra={"fields": fields})


class JSONFormatter(logging.Formatter):
    """Each record as one JSON object: time (UTC ISO), level, logger, event, the event's fields, any traceback.

    Examples
    --------
    >>> record = logging.LogRecord("autorisk.service", logging.INFO, "", 0, "request", None, None)
    >>> record.fields = {"status": 200}
    >>> import json; sorted(json.loads(JSONFormatter().format(record)))
    ['event', 'level', 'logger', 'status', 'time']
    """

    def format(self, record: logging.LogRecord) -> str:
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + f".{int(record.msecs):03d}Z"
        data: dict[str, Any] = {"time": stamp, "level": record.levelname.lower(), "logger": record.name,
                                "event": record.getMessage()}  # fmt: skip
        data.update(getattr(record, "fields", {}))
        if getattr(record, "request_id", None):
            data["request_id"] = record.request_id
        if record.exc_info:
            data["traceback"] = self.formatException(record.exc_info)
        return orjson.dumps(data, default=str).decode()


def configure_logging(level: str = "info", stream: Any = None) -> None:
    """Send the service's logs (and uvicorn's) as JSON lines to ``stream`` (default: stderr)."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JSONFormatter())
    for name in ("autorisk.service", "uvicorn", "uvicorn.error"):
        logger = logging.getLogger(name)
        logger.handlers[:] = [handler]
        logger.setLevel(level.upper())
        logger.propagate = False
    logging.getLogger("uvicorn.access").disabled = True  # the service logs every request itself
