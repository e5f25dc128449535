"""Deployment under load: while clients quote, a corrupt plan is published, a tampered file dropped, a new version deployed.

The real service runs in a subprocess (``autorisk serve``, SQLite audit, folder
polled every 0.2 s); the load generator's clients quote in a loop from a
process of their own. No request may fail; each answer must be priced by
exactly one of the two valid versions (its ``plan_id``), with the premiums and
result ``RatingPlan.quote_one`` of that version gives on that policy, bit for
bit; both versions must have answered (the swap happened mid-load); after
SIGTERM the audit store holds one row per answer, with the same plan ids and
results.
"""

from __future__ import annotations

import dataclasses
import json
import threading
import time
from pathlib import Path

import orjson

from autorisk.rating import RatingPlan
from autorisk.service.examples import OD, TPL, china_demo_plan
from batch.batch_helpers import china_book

from .load import LoadResult, http_request, run_load
from .server import TOKEN, Served, audit_quotes, running_service

NAME = "China motor (fault test)"
QUOTE_DATE = "2026-06-01"
N_POLICIES = 400
# Bounded both ways: N_REQUESTS, or what TIME_LIMIT seconds allow (a slow runner): either way the
# deployments happen a fraction of a second in, while the clients go on quoting.
N_REQUESTS = 20_000
TIME_LIMIT = 6.0
CLIENTS = 4


def versions() -> tuple[RatingPlan, RatingPlan]:
    """Version 1 in force from 2026-01-01; version 2 from 2026-03-01, with base rates +10% (in force on QUOTE_DATE)."""
    v1 = china_demo_plan(name=NAME, version="1", effective_from="2026-01-01")
    v2 = china_demo_plan(dataclasses.replace(TPL, base_rate=880.0), dataclasses.replace(OD, base_rate=1650.0),
                         name=NAME, version="2", effective_from="2026-03-01")  # fmt: skip
    return v1, v2


def tampered(plan: RatingPlan) -> str:
    """The plan's JSON with a base rate edited and its recorded id left as it was."""
    document = json.loads(plan.to_json())
    for coverage in document["content"]["coverages"]:
        if coverage["name"] == "tpl":
            coverage["base_rate"] = coverage["base_rate"] * 0.5
    assert RatingPlan.from_json(plan.to_json()).plan_id == plan.plan_id  # the untouched document loads
    return json.dumps(document, indent=2)


def quotes_answered(served: Served) -> float:
    """``/quote`` requests answered 200 so far, from the service's Prometheus counter."""
    status, text = served.get("/metrics")
    assert status == 200
    lines = text.decode().splitlines() if isinstance(text, bytes) else []
    return sum(float(line.rsplit(" ", 1)[1]) for line in lines
               if line.startswith("autorisk_requests_total{") and 'endpoint="/quote"' in line
               and 'status="200"' in line)  # fmt: skip


def wait_for(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.02)


def test_deployments_under_load_fail_no_quote_and_each_quote_has_one_version(tmp_path: Path):
    v1, v2 = versions()
    assert v1.quote_one(dict(china_book(1).iloc[0][v1.columns]))["premium_total"] != \
        v2.quote_one(dict(china_book(1).iloc[0][v2.columns]))["premium_total"]  # fmt: skip
    plans = tmp_path / "plans"
    plans.mkdir()
    v1.save(plans / "fault-v1.json")
    book = china_book(N_POLICIES, seed=21)[v1.columns]
    policies = book.to_dict(orient="records")
    db = tmp_path / "audit.db"
    audit = f"sqlite:///{db}"
    with running_service(plans, audit, poll=0.2) as served:
        host = f"127.0.0.1:{served.port}"
        bodies = [orjson.dumps({"plan": NAME, "quote_date": QUOTE_DATE, "policy": p}) for p in policies]
        requests = [http_request("POST", "/quote", body, host=host) for body in bodies]
        results: list[LoadResult] = []
        load = threading.Thread(target=lambda: results.append(
            run_load("127.0.0.1", served.port, requests, N_REQUESTS, CLIENTS, time_limit=TIME_LIMIT,
                     keep_bodies=True)))  # fmt: skip
        load.start()
        wait_for(lambda: quotes_answered(served) >= 200, 30, "the first quotes")

        # (1) a corrupt plan: refused with the reason, nothing changes
        status, answer = served.post("/plans", v2.to_json().encode()[:500], token=TOKEN)
        assert status == 422, answer
        assert answer["error"] == "PlanRefused" and "not a JSON rating plan" in answer["message"], answer

        # (2) a tampered file dropped into the folder: the next poll refuses it, and says so
        (plans / "fault-v2-tampered.json").write_text(tampered(v2))

        def refused() -> bool:
            _, listed = served.get("/deployments")
            return any(d["action"] == "refuse" and d["file"] == "fault-v2-tampered.json"
                       and "does not match its id" in (d["reason"] or "") for d in listed["deployments"])  # fmt: skip

        wait_for(refused, 10, "the tampered file's refusal")
        assert load.is_alive(), "the load ended before the deployment"

        # (3) the valid new version: in force on the quote date from now on
        status, answer = served.post("/plans", v2.to_json().encode(), token=TOKEN)
        assert status == 201, answer
        assert answer["deployment"]["plan_id"] == v2.plan_id
        swapped_at = quotes_answered(served)
        load.join(timeout=150)
        assert not load.is_alive()
        _, listed = served.get("/plans")
        assert sorted(p["plan_id"] for p in listed["plans"]) == sorted([v1.plan_id, v2.plan_id])
        assert served.stop() == 0, served.log_tail()

    result = results[0]
    assert result.failures == []
    assert len(result.statuses) == N_REQUESTS or result.timed_out  # stopped at the time limit, cleanly
    assert set(result.statuses) == {200}, [b for s, b in zip(result.statuses, result.bodies, strict=True)
                                           if s != 200][:3]  # fmt: skip
    by_id = {v1.plan_id: v1, v2.plan_id: v2}
    expected: dict[tuple[str, int], dict] = {}
    answered: dict[str, tuple[str, bytes]] = {}
    seen = {v1.plan_id: 0, v2.plan_id: 0}
    for i, body in zip(result.indices, result.bodies, strict=True):
        answer = json.loads(body)
        plan = by_id.get(answer["plan_id"])
        assert plan is not None, f"request {i} priced by an unknown plan {answer['plan_id']}"
        assert answer["version"] == plan.version and answer["quote_date"] == QUOTE_DATE
        key = (plan.plan_id, i % N_POLICIES)
        if key not in expected:
            expected[key] = plan.quote_one(policies[i % N_POLICIES], as_of=QUOTE_DATE)
        want = expected[key]
        assert answer["premium_total"] == want["premium_total"], (i, plan.version)
        assert answer["result"] == json.loads(orjson.dumps(want, option=orjson.OPT_SERIALIZE_NUMPY)), i
        seen[plan.plan_id] += 1
        answered[answer["quote_id"]] = (plan.plan_id, orjson.dumps(answer["result"]))
    assert seen[v1.plan_id] > 0 and seen[v2.plan_id] > 0, seen  # the swap happened mid-load
    assert swapped_at < len(result.statuses)
    # once v2 is in force no quote goes back to v1: after the first v2 answer (completion order), only
    # the requests then in flight on the other clients may still be v1's
    order = [json.loads(b)["plan_id"] for b in result.bodies]
    late_v1 = order[order.index(v2.plan_id):].count(v1.plan_id)
    assert late_v1 <= CLIENTS - 1, late_v1

    rows = [r for r in audit_quotes(audit) if r[1] == "quote"]
    assert len(rows) == len(answered) == len(result.statuses)
    stored = {quote_id: (plan_id, result) for quote_id, _, plan_id, result, _ in rows}
    assert stored.keys() == answered.keys()
    for quote_id, (plan_id, result_bytes) in stored.items():
        assert plan_id == answered[quote_id][0]
        assert json.loads(result_bytes) == json.loads(answered[quote_id][1]), quote_id
