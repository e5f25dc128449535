"""The plans endpoints (list, read, schema, OpenAPI), the admin endpoints (publish, retire) and operations."""

from __future__ import annotations

import dataclasses
import json
import logging

import jsonschema
import pytest

from autorisk.rating import RatingPlan
from autorisk.service.examples import demo_policy

from .service_helpers import TOKEN, plans_folder, served

ADMIN = {"authorization": f"Bearer {TOKEN}", "x-deployed-by": "pricing-team"}


def test_plans_are_listed_and_read_back_exactly(tmp_path):
    folder, plans = plans_folder(tmp_path)
    with served(folder, tmp_path) as client:
        listed = client.get("/plans").json()["plans"]
        assert sorted(p["plan_id"] for p in listed) == sorted(p.plan_id for p in plans)
        for plan in plans:
            answer = client.get(f"/plans/{plan.name}/{plan.version}")
            assert answer.status_code == 200
            document = answer.json()
            assert RatingPlan.from_json(json.dumps(document["plan"])).plan_id == plan.plan_id
            assert len(document["summary"]) == len(plan.coverage_summary())
        assert client.get("/plans/nothing/1").status_code == 404


def test_the_schema_accepts_the_demo_policy_and_refuses_what_the_service_refuses(tmp_path):
    folder, plans = plans_folder(tmp_path)
    with served(folder, tmp_path) as client:
        plan = plans[0]
        schema = client.get(f"/plans/{plan.name}/{plan.version}/schema").json()
        jsonschema.Draft202012Validator.check_schema(schema)
        validator = jsonschema.Draft202012Validator(schema)
        good = {"plan": plan.name, "version": plan.version, "quote_date": plan.effective_from, "policy": demo_policy()}
        assert validator.is_valid(good)
        assert client.post("/quote", json=good).status_code == 200
        for field, value in demo_policy().items():
            bad = {**good, "policy": {**good["policy"], field: [value]}}
            assert not validator.is_valid(bad)
            assert client.post("/quote", json=bad).status_code == 422
        document = client.get("/openapi.json").json()
        names = document["components"]["schemas"]
        assert any(n.startswith("QuoteRequest_") for n in names)
        assert "oneOf" in document["paths"]["/quote"]["post"]["requestBody"]["content"]["application/json"]["schema"]


def test_admin_endpoints_are_disabled_without_a_token_and_refuse_a_wrong_one(tmp_path):
    folder, plans = plans_folder(tmp_path)
    with served(folder, tmp_path) as client:
        assert client.post("/plans", content=plans[0].to_json(), headers=ADMIN).status_code == 403
    with served(folder, tmp_path, token=TOKEN) as client:
        wrong = {"authorization": "Bearer not-the-token-at-all"}
        assert client.post("/plans", content=plans[0].to_json(), headers=wrong).status_code == 401
        assert client.delete(f"/plans/{plans[0].name}/{plans[0].version}").status_code == 401


def test_publish_validates_then_swaps_and_retire_stops_a_version(tmp_path):
    folder, plans = plans_folder(tmp_path)
    date = max(p.effective_from for p in plans)
    with served(folder, tmp_path, token=TOKEN) as client:
        current = client.post("/quote", json={"quote_date": date, "policy": demo_policy()}).json()
        base = next(p for p in plans if p.plan_id == current["plan_id"])
        # refused: corrupt, tampered (content edited, hash kept), and the plans in service keep serving
        tampered = json.loads(base.to_json())
        tampered["content"]["version"] = "tampered"
        for text, reason in (("{not a plan", "JSON"), (json.dumps(tampered), "does not match")):
            answer = client.post("/plans", content=text, headers=ADMIN)
            assert answer.status_code == 422 and reason in answer.text
            again = client.post("/quote", json={"quote_date": date, "policy": demo_policy()}).json()
            assert again["plan_id"] == base.plan_id and again["premium_total"] == current["premium_total"]
        # a new version in force from the same date on takes the traffic
        coverages = tuple(dataclasses.replace(c, base_rate=c.base_rate * 1.1) for c in base.coverages)
        date = _next_day(date)  # two versions with the same effective_from would be refused
        newer = dataclasses.replace(base, version="9", coverages=coverages, effective_from=date)
        answer = client.post("/plans", content=newer.to_json(), headers=ADMIN)
        assert answer.status_code == 201, answer.text
        assert answer.json()["deployment"]["plan_id"] == newer.plan_id
        quoted = client.post("/quote", json={"quote_date": date, "policy": demo_policy()}).json()
        assert quoted["plan_id"] == newer.plan_id
        assert quoted["premium_total"] == newer.quote_one(demo_policy())["premium_total"]
        # retire: the older version prices again
        assert client.delete(f"/plans/{newer.name}/{newer.version}", headers=ADMIN).status_code == 200
        quoted = client.post("/quote", json={"quote_date": date, "policy": demo_policy()}).json()
        assert quoted["plan_id"] != newer.plan_id
        actions = [(d["action"], d["by"]) for d in client.get("/deployments").json()["deployments"]]
        assert ("publish", "pricing-team") in actions and ("retire", "pricing-team") in actions
        assert any(a == "refuse" for a, _ in actions)


def _next_day(date: str) -> str:
    import pandas as pd

    return str((pd.Timestamp(date) + pd.Timedelta(days=1)).date())


def test_health_ready_and_metrics(tmp_path):
    folder, plans = plans_folder(tmp_path)
    with served(folder, tmp_path) as client:
        assert client.get("/health").json() == {"status": "ok"}
        assert client.get("/ready").status_code == 200
        for _ in range(3):
            client.post("/quote", json={"quote_date": plans[0].effective_from, "policy": demo_policy()})
        client.post("/quote", content=b"{")
        text = client.get("/metrics").text
        plan = plans[0].name
        assert f'autorisk_requests_total{{endpoint="/quote",plan="{plan}",status="200"}} 3.0' in text
        assert 'autorisk_errors_total{kind="DataError"} 1.0' in text
        assert f'autorisk_request_seconds_count{{endpoint="/quote",plan="{plan}"}} 3.0' in text
        assert "autorisk_audit_written" in text
    empty = tmp_path / "empty"
    empty.mkdir()
    with served(empty, tmp_path) as client:
        assert client.get("/health").status_code == 200
        assert client.get("/ready").status_code == 503


def test_request_ids_reach_the_answer_and_the_json_log(tmp_path, caplog):
    folder, plans = plans_folder(tmp_path)
    with served(folder, tmp_path) as client, caplog.at_level(logging.INFO, logger="autorisk.service"):
        answer = client.post("/quote", json={"quote_date": plans[0].effective_from, "policy": demo_policy()},
                             headers={"x-request-id": "abc-123"})  # fmt: skip
        assert answer.headers["x-request-id"] == "abc-123"
        fresh = client.get("/health").headers["x-request-id"]
        assert len(fresh) == 32 and fresh != "abc-123"
    records = [r for r in caplog.records if r.getMessage() == "request"]
    quoted = next(r for r in records if r.fields["request_id"] == "abc-123")
    assert quoted.fields["status"] == 200 and quoted.fields["quote_id"] == answer.json()["quote_id"]
    from autorisk.service.logs import JSONFormatter

    line = json.loads(JSONFormatter().format(quoted))
    assert line["request_id"] == "abc-123" and line["event"] == "request"


@pytest.mark.parametrize("endpoint", ["/quote"])
def test_every_answered_quote_is_in_the_audit_store(tmp_path, endpoint):
    from autorisk.service.audit import open_audit_store

    folder, plans = plans_folder(tmp_path)
    with served(folder, tmp_path) as client:
        ids = [client.post(endpoint, json={"quote_date": plans[0].effective_from, "policy": demo_policy()}).json()
               ["quote_id"] for _ in range(25)]  # fmt: skip
        client.post(endpoint, content=b"{")  # refused: not a quote, not audited
    store = open_audit_store(f"sqlite:///{tmp_path / 'audit.db'}")
    try:
        records = list(store.records(endpoint="quote"))
        assert [r.quote_id for r in records] == ids
        assert all(json.loads(r.request)["policy"] == demo_policy() for r in records)
    finally:
        store.close()
