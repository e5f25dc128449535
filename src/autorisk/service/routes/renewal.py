"""Mid-term adjustments, cancellation refunds and renewal offers over HTTP (written in part D)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["policy changes"])
