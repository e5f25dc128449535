"""autorisk serve as a real process: SIGHUP re-reads the plans folder; several workers share one folder."""

from __future__ import annotations

import dataclasses
import os
import shutil
import signal
import time

import orjson

from autorisk.rating import RatingPlan
from autorisk.service.examples import demo_policy

from .server import TOKEN, running_service


def _copy_plans(tmp_path):
    folder = tmp_path / "plans"
    shutil.copytree(os.path.join(os.path.dirname(__file__), "..", "..", "data", "plans"), folder,
                    ignore=shutil.ignore_patterns("deployments.jsonl", "retired"))  # fmt: skip
    return folder, [RatingPlan.load(p) for p in sorted(folder.glob("*.json"))]


def _newer(plans: list[RatingPlan]) -> RatingPlan:
    latest = max(plans, key=lambda p: p.effective_from)
    coverages = tuple(dataclasses.replace(c, base_rate=c.base_rate * 1.05) for c in latest.coverages)
    return dataclasses.replace(latest, version="hup", coverages=coverages, effective_from="2027-06-01")


def _until(condition, seconds: float = 10.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


def test_sighup_picks_up_a_dropped_file_without_polling(tmp_path):
    folder, plans = _copy_plans(tmp_path)
    newer = _newer(plans)
    with running_service(folder, f"sqlite:///{tmp_path / 'a.db'}", poll=0) as served:
        (tmp_path / "staged.json").write_text(newer.to_json())
        os.replace(tmp_path / "staged.json", folder / "dropped.json")
        time.sleep(0.5)  # no poll: not seen yet
        assert newer.plan_id not in {p["plan_id"] for p in served.get("/plans")[1]["plans"]}
        served.process.send_signal(signal.SIGHUP)
        assert _until(lambda: newer.plan_id in {p["plan_id"] for p in served.get("/plans")[1]["plans"]})
        status, answer = served.post("/quote", orjson.dumps({"quote_date": "2027-07-01", "policy": demo_policy()}))
        assert status == 200 and answer["plan_id"] == newer.plan_id
        assert answer["premium_total"] == newer.quote_one(demo_policy())["premium_total"]
        assert served.stop() == 0


def _generations(served, workers: int = 2, seconds: float = 20.0) -> dict[int, int]:
    """Each worker's plan generation, from /ready answers until every worker has answered (new connections)."""
    seen: dict[int, int] = {}
    deadline = time.monotonic() + seconds
    while len(seen) < workers and time.monotonic() < deadline:
        answer = served.get("/ready")[1]
        seen[answer["pid"]] = answer["generation"]
    return seen


def test_a_plan_published_through_one_worker_reaches_every_worker(tmp_path):
    folder, plans = _copy_plans(tmp_path)
    newer = _newer(plans)
    with running_service(folder, f"sqlite:///{tmp_path / 'a.db'}", poll=0.2, args=["--workers", "2"]) as served:
        before = _generations(served)
        assert len(before) == 2  # two processes answer
        status, answer = served.post("/plans", newer.to_json().encode(), token=TOKEN)
        assert status == 201, answer
        assert _until(lambda: all(g > before[pid] for pid, g in _generations(served).items()), 20)
        for _ in range(20):  # whichever worker answers, the new version prices the quote
            status, answer = served.post("/quote", orjson.dumps({"quote_date": "2027-07-01", "policy": demo_policy()}))
            assert status == 200 and answer["plan_id"] == newer.plan_id
        assert served.stop() == 0
