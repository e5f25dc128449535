"""Bad input to the service: 422 (413 when too large) with one entry per problem, never a trace, never a premium."""

from __future__ import annotations

import orjson
import pytest

from autorisk.service.examples import demo_policy

from .service_helpers import plans_folder, served


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    folder, _ = plans_folder(tmp_path_factory.mktemp("bad"))
    with served(folder, folder.parent, max_batch=50, max_quote_bytes=4096) as client:
        yield client


def _problems(answer, status=422):
    assert answer.status_code == status, answer.text
    body = answer.json()
    assert "Traceback" not in answer.text and "premium_total" not in body
    assert body["request_id"] == answer.headers["x-request-id"]
    return body["problems"]


def _numeric_and_level_fields():
    """The demo policy, one numeric field (an age) and one field holding a text level."""
    policy = demo_policy()
    numeric = next(k for k in ("driver_age", "vehicle_age") if k in policy)
    level = next(k for k, v in policy.items() if isinstance(v, str) and any(c.isalpha() for c in v))
    return policy, numeric, level


def test_a_json_boolean_where_a_number_is_expected(client):
    policy, numeric, _ = _numeric_and_level_fields()
    problems = _problems(client.post("/quote", json={"quote_date": "2026-06-01", "policy": {**policy, numeric: True}}))
    assert [p["field"] for p in problems] == [numeric] and problems[0]["value"] is True


def test_a_level_in_another_case_names_the_levels(client):
    policy, _, level = _numeric_and_level_fields()
    shouted = policy[level].upper() if policy[level] != policy[level].upper() else policy[level].lower()
    problems = _problems(client.post("/quote", json={"quote_date": "2026-06-01", "policy": {**policy, level: shouted}}))
    assert [p["field"] for p in problems] == [level] and problems[0]["value"] == shouted
    assert policy[level] in problems[0]["expected"]


def test_every_problem_gets_its_entry(client):
    policy, numeric, level = _numeric_and_level_fields()
    missing = sorted(policy)[0]
    bad = {k: v for k, v in policy.items() if k != missing} | {numeric: "old", level: 7, "colour": "red"}
    problems = _problems(client.post("/quote", json={"quote_date": "2026-06-01", "policy": bad}))
    assert {(p["field"], p["rule"]) for p in problems} >= {(missing, "missing field"), ("colour", "extra field")}
    assert {p["field"] for p in problems} >= {numeric, level, missing, "colour"}


def test_extra_fields_can_be_ignored(tmp_path):
    folder, plans = plans_folder(tmp_path)
    with served(folder, tmp_path, extra_fields="ignore") as client:
        answer = client.post("/quote", json={"quote_date": "2026-06-01", "policy": {**demo_policy(), "colour": "red"}})
        assert answer.status_code == 200
        plan = next(p for p in plans if p.plan_id == answer.json()["plan_id"])
        assert answer.json()["premium_total"] == plan.quote_one(demo_policy())["premium_total"]


@pytest.mark.parametrize("body, field, rule", [
    (b"{not json", "body", "invalid JSON"),
    (b'{"policy": {"a": NaN}}', "body", "invalid JSON"),
    (b"[1, 2]", "body", "not an object"),
    (b'{"policy": {}, "price": 1}', "price", "extra field"),
    (b'{"quote_date": "2026-06-01"}', "policy", "missing field"),
    (b'{"quote_date": "June", "policy": {}}', "quote_date", "not a date"),
    (b'{"plan": "no such plan", "policy": {}}', "plan", "no such plan in service"),
    (b'{"version": "99", "policy": {}}', "version", "no such plan in service"),
    (b'{"quote_date": "1999-01-01", "policy": {}}', "quote_date", "no such plan in service"),
])  # fmt: skip
def test_malformed_requests(client, body, field, rule):
    problems = _problems(client.post("/quote", content=body))
    assert (problems[0]["field"], problems[0]["rule"]) == (field, rule)


def test_an_exact_version_is_priced_only_on_a_date_in_its_window(client):
    listed = client.get("/plans").json()["plans"]
    new = max(listed, key=lambda p: p["effective_from"])
    before = min(p["effective_from"] for p in listed)
    problems = _problems(client.post("/quote", json={"version": new["version"], "quote_date": before,
                                                     "policy": demo_policy()}))  # fmt: skip
    assert (problems[0]["field"], problems[0]["rule"]) == ("quote_date", "plan not in force")
    # an older open-ended version asked for by name prices a later date as asked (its own window covers it)
    old = min(listed, key=lambda p: p["effective_from"])
    answer = client.post("/quote", json={"version": old["version"], "quote_date": new["effective_from"],
                                         "policy": demo_policy()})  # fmt: skip
    assert answer.status_code == 200 and answer.json()["plan_id"] == old["plan_id"]


def test_oversized_bodies_are_refused_with_413(client):
    body = orjson.dumps({"policy": {**demo_policy(), "padding": "x" * 5000}})
    problems = _problems(client.post("/quote", content=body), status=413)
    assert problems[0]["rule"] == "too large"
    too_many = {"quote_date": "2026-06-01", "policies": [demo_policy()] * 51}
    problems = _problems(client.post("/quotes", content=orjson.dumps(too_many)), status=413)
    assert problems[0]["field"] == "policies" and problems[0]["value"] == 51


def test_a_batch_flags_its_bad_rows_and_rates_the_others(client):
    policy, numeric, level = _numeric_and_level_fields()
    policies = [policy, {**policy, level: "nowhere"}, policy]
    answer = client.post("/quotes", json={"quote_date": "2026-06-01", "policies": policies})
    assert answer.status_code == 200, answer.text
    quotes = answer.json()["quotes"]
    assert quotes["quote_error"][0] == "" and quotes["quote_error"][2] == ""
    assert level in quotes["quote_error"][1]
    assert quotes["premium_total"][1] is None  # never NaN, zero or negative: null with its reason
    assert quotes["premium_total"][0] == quotes["premium_total"][2] > 0
    assert answer.headers["x-flagged-rows"] == "1"


def test_a_batch_missing_a_column_is_refused_naming_it(client):
    policy = demo_policy()
    dropped = sorted(policy)[-1]
    problems = _problems(client.post("/quotes", json={"quote_date": "2026-06-01",
                                                      "policies": [{k: v for k, v in policy.items() if k != dropped}]}))
    assert dropped in problems[0]["field"] and problems[0]["rule"] == "missing column"


def test_batch_options_in_the_body_and_query_must_agree(client):
    answer = client.post("/quotes?quote_date=2026-07-01", json={"quote_date": "2026-06-01", "policies": [demo_policy()]})
    assert _problems(answer)[0]["rule"] == "conflict"
    assert _problems(client.post("/quotes?colour=red", json={"policies": [demo_policy()]}))[0]["rule"] == "extra field"
