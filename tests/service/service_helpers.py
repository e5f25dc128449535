"""Helpers of the service tests: the app under TestClient (its lifespan runs), the demo plans, float bits."""

from __future__ import annotations

import contextlib
import os
import struct
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from starlette.testclient import TestClient

from autorisk.rating import RatingPlan
from autorisk.service import ServiceConfig, create_app

TOKEN = "test-admin-token-0123456789"


@contextlib.contextmanager
def served(plans: Path, audit_dir: Path, *, token: str | None = None, **config: Any) -> Iterator[TestClient]:
    """A TestClient of the service on ``plans``, its audit in a SQLite file of ``audit_dir``; closed on exit."""
    settings = ServiceConfig(plans, audit=f"sqlite:///{audit_dir / 'audit.db'}", poll_seconds=0, admin_token=token,
                             **config)  # fmt: skip
    saved = {k: os.environ.pop(k, None) for k in ("AUTORISK_ADMIN_TOKEN", "AUTORISK_ADMIN_TOKEN_FILE")}
    try:
        with TestClient(create_app(settings), raise_server_exceptions=False) as client:
            yield client
    finally:
        os.environ.update({k: v for k, v in saved.items() if v is not None})


def plans_folder(tmp: Path) -> tuple[Path, list[RatingPlan]]:
    """The demo plans (``make serve`` serves them) written to ``tmp/plans``, and the plans."""
    from autorisk.service.examples import write_demo_plans

    folder = tmp / "plans"
    folder.mkdir(exist_ok=True)
    paths = write_demo_plans(folder)
    return folder, [RatingPlan.load(p) for p in paths]


def bits(value: Any) -> Any:
    """A float's IEEE bytes (so 0.1 + 0.2 != 0.3 shows, and NaN equals NaN); other values as they are."""
    if isinstance(value, float):
        return struct.pack("<d", value)
    if hasattr(value, "item"):
        return bits(value.item())
    return value
