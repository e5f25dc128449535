"""POST /midterm, /cancel and /renewal: the renewal library's numbers over HTTP, exactly; 422s; one audit row each."""

from __future__ import annotations

import dataclasses
import functools
import json
import operator
from pathlib import Path

import numpy as np
import orjson
import pandas as pd
import pytest

from autorisk.renewal import RenewalRules, adjust, cancellation_refund, load_ladder, renewal_offers
from autorisk.service.audit import open_audit_store
from autorisk.service.payload import dumps
from autorisk.service.replay import replay
from batch.batch_helpers import china_book, china_plan

from .service_helpers import served

# Two versions of the China plan: v1 in force in [2020-01-01, 2026-01-01), v2 (another loading) from 2026-01-01.
V1 = dataclasses.replace(china_plan(), version="1", effective_from="2020-01-01", effective_to="2026-01-01")
V2 = dataclasses.replace(china_plan(expense_loading=0.2), version="2", effective_from="2026-01-01")
LADDER = load_ladder("china_national")
TERM = {"start": "2025-03-15", "end": "2026-03-15"}


def plans(tmp_path: Path) -> Path:
    folder = tmp_path / "plans"
    folder.mkdir()
    V1.save(folder / "v1.json")
    V2.save(folder / "v2.json")
    return folder


@pytest.fixture
def client(tmp_path: Path):
    with served(plans(tmp_path), tmp_path) as client:
        yield client


def plain_row(book: pd.DataFrame, i: int, columns: list[str]) -> dict:
    """Row ``i`` of ``book`` as the JSON a policy system sends (numpy scalars as Python values)."""
    row = book.iloc[i]
    return {c: (row[c].item() if hasattr(row[c], "item") else row[c]) for c in columns}


def policy(i: int = 0) -> dict:
    return plain_row(china_book(60), i, V1.columns)


def problems(response) -> list[tuple]:
    assert response.status_code == 422, response.text
    body = response.json()
    assert "Traceback" not in response.text
    return [(p["field"], p["rule"]) for p in body["problems"]]


# ------------------------------------------------------------------ /midterm

MIDTERM_CASES = [
    (0, {"driver_age": 45, "tpl_limit": 3_000_000}, "2025-11-02"),
    (1, {"vehicle_type": "van"}, "2025-03-15"),  # the first day: the whole term
    (2, {"use": "business", "vehicle_age": 1}, "2026-03-14"),  # the last day
    (3, {"od_deductible": 1000}, "2025-08-31"),
    (4, {"region": "Beijing", "ncd_level": -4}, "2025-06-10"),
]


@pytest.mark.parametrize(("i", "changes", "effective"), MIDTERM_CASES)
def test_midterm_is_adjust(client, i, changes, effective):
    before = policy(i)
    response = client.post("/midterm", json={"policy": before, "changes": changes, **TERM, "effective": effective})
    assert response.status_code == 200, response.text
    answer = response.json()
    # start 2025-03-15 is in v1's window, so v1 prices it although the term runs into v2's
    expected = adjust(V1, before, changes, **TERM, effective=effective)
    assert (answer["plan"], answer["version"], answer["plan_id"]) == (V1.name, "1", V1.plan_id)
    assert answer["charge"] == expected.charge
    assert answer["premium_before"] == expected.premium_before
    assert answer["premium_after"] == expected.premium_after
    assert answer["remaining_share"] == expected.remaining_share
    assert (answer["days_remaining"], answer["days_in_term"]) == (expected.days_remaining, expected.days_in_term)
    assert answer["before"] == expected.before and answer["after"] == expected.after
    assert answer["premiums_after"] == {c.name: expected.after[f"premium_{c.name}"] for c in V1.coverages}
    assert answer["changes"] == {k: list(v) for k, v in expected.changes.items()}
    assert answer["changed_factors"] == expected.changed_factors
    assert answer["policy_after"] == expected.policy_after
    assert (answer["start"], answer["end"], answer["effective"]) == (*TERM.values(), effective)
    assert len(answer["quote_id"]) == 32


def test_midterm_return_premium_and_version_by_start(client):
    before = {**policy(5), "driver_age": 22}
    body = {"policy": before, "changes": {"driver_age": 40}, "start": "2026-02-01", "end": "2027-02-01",
            "effective": "2026-07-01"}  # fmt: skip
    answer = client.post("/midterm", json=body).json()
    expected = adjust(V2, before, {"driver_age": 40}, start="2026-02-01", end="2027-02-01", effective="2026-07-01")
    assert answer["version"] == "2" and answer["charge"] == expected.charge < 0  # an older driver: a return
    asked = client.post("/midterm", json={**body, "version": "2", "plan": V2.name}).json()
    assert asked["charge"] == expected.charge and asked["plan_id"] == V2.plan_id


MIDTERM_BAD = [
    ({"effective": None}, [("effective", "missing field")]),
    ({"colour": "red"}, [("colour", "extra field")]),
    ({"start": "2025-13-01"}, [("start", "not a date")]),
    ({"start": 20250315, "end": "15/03/2026"}, [("start", "not a date"), ("end", "not a date")]),
    ({"effective": "2026-03-15"}, [("effective", "outside the term")]),  # end is exclusive
    ({"effective": "2025-03-14"}, [("effective", "outside the term")]),
    ({"end": "2025-03-15"}, [("end", "not after the start")]),
    ({"changes": {"colour": "red"}}, [("changes.colour", "not read by the plan")]),
    ({"changes": {"vehicle_type": "tank"}}, [("changes.vehicle_type", "unknown level")]),
    ({"changes": ["driver_age"]}, [("changes", "not an object")]),
    ({"start": "2019-06-01", "end": "2020-06-01", "effective": "2019-09-01"}, [("start", "no such plan in service")]),
    ({"version": "2"}, [("start", "plan not in force")]),
]


@pytest.mark.parametrize(("edit", "expected"), MIDTERM_BAD)
def test_midterm_refuses_bad_input(client, edit, expected):
    body = {"policy": policy(0), "changes": {"driver_age": 45}, **TERM, "effective": "2025-11-02", **edit}
    body = {k: v for k, v in body.items() if v is not None}
    assert problems(client.post("/midterm", json=body)) == expected


def test_midterm_names_the_policy_fields(client):
    bad = {**policy(0), "vehicle_type": "tank"}
    del bad["driver_age"]
    body = {"policy": bad, "changes": {"tpl_limit": 3_000_000}, **TERM, "effective": "2025-11-02"}
    assert problems(client.post("/midterm", json=body)) == [("policy.driver_age", "missing field")]
    body["policy"] = {**policy(0), "vehicle_type": "tank"}
    assert problems(client.post("/midterm", json=body)) == [("policy.vehicle_type", "unknown level")]
    body["policy"] = {**policy(0), "driver_age": True}
    found = problems(client.post("/midterm", json=body))
    assert [f for f, _ in found] == ["policy.driver_age"]
    body["policy"] = {**policy(0), "colour": "red"}
    assert problems(client.post("/midterm", json=body)) == [("policy.colour", "extra field")]


def test_extra_policy_fields_can_be_ignored(tmp_path):
    midterm = {"policy": {**policy(0), "colour": "red"}, "changes": {"driver_age": 45}, **TERM,
               "effective": "2025-11-02"}  # fmt: skip
    renewal = renewal_body(policy__colour="red")
    with served(plans(tmp_path), tmp_path, extra_fields="ignore") as client:
        charge = client.post("/midterm", json=midterm).json()["charge"]
        offered = client.post("/renewal", json=renewal).json()["offered_premium"]
    assert charge == adjust(V1, policy(0), {"driver_age": 45}, **TERM, effective="2025-11-02").charge
    book = pd.DataFrame.from_records([{**renewal_body()["policy"], "current_premium": 2000.0}])
    assert offered == renewal_offers(book, V2, rules=RenewalRules(max_increase=0.1), ladder=LADDER,
                                     lapse_days="lapse_days")["offered_premium"].iloc[0]  # fmt: skip


# -------------------------------------------------------------------- /cancel

CANCEL_CASES = [
    (1000.0, "2025-01-01", "2026-01-01", "2025-04-01", "pro_rata"),
    (1000.0, "2025-01-01", "2026-01-01", "2025-04-02", "short_period"),
    (2345.67, "2024-02-29", "2025-02-28", "2024-12-31", "pro_rata"),  # a leap day in the term
    (2345.67, "2024-02-29", "2025-02-28", "2024-12-31", "short_period"),
    (999.99, "2025-05-10", "2025-08-10", "2025-06-10", "short_period"),  # a three-month term
    (0.0, "2025-01-01", "2026-01-01", "2025-01-01", "pro_rata"),
    (1234, "2025-01-01", "2027-01-01", "2026-12-31", "pro_rata"),  # an integer premium, two years
]


@pytest.mark.parametrize(("paid", "start", "end", "cancelled", "method"), CANCEL_CASES)
def test_cancel_is_cancellation_refund(client, paid, start, end, cancelled, method):
    body = {"premium_paid": paid, "start": start, "end": end, "cancelled": cancelled, "method": method}
    response = client.post("/cancel", json=body)
    assert response.status_code == 200, response.text
    answer = response.json()
    expected = cancellation_refund(paid, start=start, end=end, cancelled=cancelled, method=method)
    assert (answer["premium_paid"], answer["earned"], answer["refund"]) == (
        expected.premium_paid, expected.earned, expected.refund)  # fmt: skip
    assert answer["cents"] == dict(zip(("premium_paid", "earned", "refund"), expected.cents, strict=True))
    assert answer["cents"]["earned"] + answer["cents"]["refund"] == answer["cents"]["premium_paid"]
    assert (answer["days_in_force"], answer["days_in_term"]) == (expected.days_in_force, expected.days_in_term)
    assert (answer["months_in_force"], answer["months_in_term"]) == (expected.months_in_force,
                                                                     expected.months_in_term)  # fmt: skip
    assert answer["method"] == method and answer["basis"] == expected.method


def test_cancel_known_amounts(client):
    # independent of the library: 1,000 x 90 / 365 = 246.575... -> 246.58 earned; the table's 4 months: 40%
    body = {"premium_paid": 1000.0, "start": "2025-01-01", "end": "2026-01-01", "cancelled": "2025-04-01",
            "method": "pro_rata"}  # fmt: skip
    assert client.post("/cancel", json=body).json()["refund"] == 753.42
    short = client.post("/cancel", json={**body, "cancelled": "2025-04-02", "method": "short_period"}).json()
    assert (short["earned"], short["refund"], short["months_in_force"]) == (400.0, 600.0, 4)


CANCEL_BAD = [
    ({"premium_paid": -1.0}, [("premium_paid", "negative premium")]),
    ({"premium_paid": True}, [("premium_paid", "not a number")]),
    ({"premium_paid": "1000"}, [("premium_paid", "not a number")]),
    ({"premium_paid": 1e13}, [("premium_paid", "too large")]),
    ({"method": "by_the_hour"}, [("method", "unknown method")]),
    ({"method": None}, [("method", "missing field")]),
    ({"cancelled": "2026-01-01"}, [("cancelled", "outside the term")]),
    ({"cancelled": "2025-02-30"}, [("cancelled", "not a date")]),
    ({"plan": "China"}, [("plan", "extra field")]),
    ({"premium_paid": -5, "end": "2024-01-01"}, [("end", "not after the start"), ("premium_paid", "negative premium")]),
    ({"end": "2028-01-01", "method": "short_period"}, [("end", "term longer than the short-period table")]),
]


@pytest.mark.parametrize(("edit", "expected"), CANCEL_BAD)
def test_cancel_refuses_bad_input(client, edit, expected):
    body = {"premium_paid": 1000.0, "start": "2025-01-01", "end": "2026-01-01", "cancelled": "2025-04-01",
            "method": "pro_rata", **edit}  # fmt: skip
    body = {k: v for k, v in body.items() if v is not None}
    assert problems(client.post("/cancel", json=body)) == expected


# ------------------------------------------------------------------- /renewal

RULES_JSON = {"max_increase": 0.1, "max_decrease": 0.05, "segment": "use", "segment_caps": {"business": [0.3, 0.02]},
              "min_premium": 2000.0, "rounding": 1.0}  # fmt: skip
RULES = RenewalRules(max_increase=0.1, max_decrease=0.05, segment="use", segment_caps={"business": (0.3, 0.02)},
                     min_premium=2000.0, rounding=1.0)  # fmt: skip


def renewal_book(n: int = 40) -> pd.DataFrame:
    """Policies with the ladder's state, claims since renewal and current premiums on both sides of the plan's."""
    book = LADDER.init_state(china_book(n))
    key = book["policy_id"].to_numpy()
    book["claims_since_renewal"] = np.array([0, 0, 1, 0, 2])[key % 5]
    book["lapse_days"] = np.where(key % 11 == 0, 200, 0)
    quoted = V2.quote(book, breakdown=False)["premium_total"].to_numpy()
    book["current_premium"] = np.round(quoted * (0.7 + (key % 13) / 20), 2)
    return book


RENEWAL_COLUMNS = ["policy_id", *V2.columns, *LADDER.state_columns[1:], "claims_since_renewal", "lapse_days"]


def test_renewal_is_the_batch_row(client):
    book = renewal_book()
    batch = renewal_offers(book, V2, rules=RULES, ladder=LADDER, lapse_days="lapse_days")
    assert batch["reason"].nunique() >= 4  # the book moves offers by several rules
    assert (batch["ncd_level"].to_numpy() != book["ncd_level"].to_numpy()).any()
    for i in range(len(book)):
        body = {"renewal_date": "2026-04-01", "policy": plain_row(book, i, RENEWAL_COLUMNS),
                "current_premium": float(book["current_premium"].iloc[i]), "ladder": "china_national",
                "rules": RULES_JSON}  # fmt: skip
        response = client.post("/renewal", json=body)
        assert response.status_code == 200, response.text
        answer, row = response.json(), batch.iloc[i]
        for column in ("current_premium", "technical_premium", "new_business_premium", "offered_premium", "change"):
            assert answer[column] == row[column], (i, column)
        assert (answer["rule_flags"], answer["reason"]) == (row["rule_flags"], row["reason"])
        assert answer["policy_id"] == row["policy_id"] and answer["plan_id"] == V2.plan_id
        assert answer["ladder_level"] == {"column": "ncd_level", "before": int(book["ncd_level"].iloc[i]),
                                          "after": int(row["ncd_level"])}  # fmt: skip
        renewed = LADDER.renew(book.iloc[[i]], lapse_days="lapse_days").iloc[0]
        assert answer["renewed_state"] == {c: int(renewed[c]) for c in LADDER.state_columns}
        business = book["use"].iloc[i] == "business"
        up, down = (0.3, 0.02) if business else (0.1, 0.05)
        assert answer["limits"]["increase_cap"] == row["current_premium"] * (1 + up)
        assert answer["limits"]["decrease_cap"] == row["current_premium"] * (1 - down)
        assert answer["rules_applied"] == [r for r in row["reason"].split("+") if r != "none"]
        assert RenewalRules.from_dict(answer["rules"]) == RULES


@pytest.mark.parametrize(("claims", "lapse_days", "level"), [(0, 0, -3), (2, 0, -1), (0, 200, 0)])
def test_renewal_moves_the_china_ladder(client, claims, lapse_days, level):
    # China's national NCD: two claim-free years at -2 go to -3; two claims to -1; over 183 days uninsured resets to 0
    state = {"ncd_level": -2, "insured_years": 2, "claim_free_years": 2, "claims_1": 0, "claims_2": 0}
    body = renewal_body(**{f"policy__{k}": v for k, v in state.items()}, policy__claims_since_renewal=claims,
                        policy__lapse_days=lapse_days)  # fmt: skip
    answer = client.post("/renewal", json=body).json()
    assert answer["ladder_level"] == {"column": "ncd_level", "before": -2, "after": level}


def test_renewal_coefficient_ladder_with_fault_counts(client):
    france = load_ladder("france_crm")
    book = china_book(15)
    key = book["policy_id"].to_numpy()
    book = france.init_state(book.assign(crm=np.array([0.5, 0.95, 1.0, 1.25, 2.1])[key % 5]))
    book["claims_since_renewal"] = 0
    book["at_fault"], book["partly_at_fault"] = key % 3 == 0, key % 4 == 1
    book[["at_fault", "partly_at_fault"]] = book[["at_fault", "partly_at_fault"]].astype(int)
    book["current_premium"] = 2500.0
    batch = renewal_offers(book, V2, ladder=france, at_fault="at_fault", partly_at_fault="partly_at_fault")
    assert (batch["crm"].to_numpy() > book["crm"].to_numpy()).any()  # some claims raise the coefficient
    columns = [*V2.columns, *france.state_columns, "claims_since_renewal", "at_fault", "partly_at_fault"]
    for i in range(len(book)):
        body = {"renewal_date": "2026-04-01", "policy": plain_row(book, i, columns), "current_premium": 2500.0,
                "ladder": "france_crm"}  # fmt: skip
        answer = client.post("/renewal", json=body).json()
        assert answer["offered_premium"] == batch["offered_premium"].iloc[i]
        assert answer["ladder_level"]["after"] == batch["crm"].iloc[i]


def test_renewal_without_ladder_default_rules(client):
    book = renewal_book(12)
    batch = renewal_offers(book, V1)  # 2025-10-01 is in v1's window
    for i in range(len(book)):
        body = {"renewal_date": "2025-10-01", "policy": plain_row(book, i, V1.columns),
                "current_premium": float(book["current_premium"].iloc[i])}  # fmt: skip
        answer = client.post("/renewal", json=body).json()
        assert answer["version"] == "1" and answer["ladder"] is None and answer["renewed_state"] is None
        assert answer["offered_premium"] == batch["offered_premium"].iloc[i]
        assert answer["technical_premium"] == batch["technical_premium"].iloc[i]
        assert answer["reason"] == batch["reason"].iloc[i]
        assert answer["rules"] == RenewalRules().to_dict()


def test_renewal_known_offer(client):
    # current 1000 with a 10% cap: whatever the plan's premium above 1100, the offer is 1100 (new business above it)
    book = renewal_book(60)
    quoted = V2.quote(book, breakdown=False)["premium_total"]
    i = int(np.argmax(quoted.to_numpy() > 1500))
    body = {"renewal_date": "2026-04-01", "policy": plain_row(book, i, V2.columns), "current_premium": 1000,
            "rules": {"max_increase": 0.1, "rounding": 1.0}}  # fmt: skip
    answer = client.post("/renewal", json=body).json()
    assert answer["technical_premium"] == quoted.iloc[i] > 1500
    assert (answer["offered_premium"], answer["reason"], answer["rules_applied"]) == (1100.0, "cap_increase",
                                                                                       ["cap_increase"])  # fmt: skip


def renewal_body(**edit) -> dict:
    book = renewal_book(3)
    body = {"renewal_date": "2026-04-01", "policy": plain_row(book, 1, RENEWAL_COLUMNS), "current_premium": 2000.0,
            "ladder": "china_national", "rules": {"max_increase": 0.1}}  # fmt: skip
    for key, value in edit.items():
        if key.startswith("policy__"):
            column = key.removeprefix("policy__")
            if value is None:
                del body["policy"][column]
            else:
                body["policy"][column] = value
        elif value is None:
            del body[key]
        else:
            body[key] = value
    return body


RENEWAL_BAD = [
    ({"ladder": "mars"}, [("ladder", "unknown ladder")]),
    ({"ladder": "/etc/passwd"}, [("ladder", "unknown ladder")]),  # a body never names a file to load
    ({"rules": {"max_raise": 0.1}}, [("rules.max_raise", "not a RenewalRules field")]),
    ({"rules": {"max_increase": "0.1"}}, [("rules.max_increase", "not a number")]),
    ({"rules": {"max_decrease": 1.5}}, [("rules.max_decrease", "invalid")]),
    ({"rules": {"segment_caps": {"business": [0.3, 0.1]}}}, [("rules.segment_caps", "invalid")]),
    ({"rules": {"new_business_rule": "yes"}}, [("rules.new_business_rule", "not a boolean")]),
    ({"current_premium": 0}, [("current_premium", "not a positive premium")]),
    ({"current_premium": -10.0}, [("current_premium", "not a positive premium")]),
    ({"current_premium": False}, [("current_premium", "not a positive premium")]),
    ({"current_premium": None}, [("current_premium", "missing field")]),
    ({"current_premium": 1e13}, [("current_premium", "not a positive premium")]),
    ({"rules": {"min_premium": 1e13}}, [("rules.min_premium", "too large")]),
    ({"rules": {"rounding": 1e-300}}, [("rules.rounding", "invalid")]),  # refused by the rounding of the offer
    ({"policy__claims_since_renewal": True}, [("policy.claims_since_renewal", "not a number")]),
    ({"policy__lapse_days": "0"}, [("policy.lapse_days", "not a number")]),
    ({"renewal_date": "2026-02-30"}, [("renewal_date", "not a date")]),
    ({"renewal_date": "2019-01-01"}, [("renewal_date", "no such plan in service")]),
    ({"extra": 1}, [("extra", "extra field")]),
    ({"policy__claims_since_renewal": None}, [("policy.claims_since_renewal", "missing field")]),
    ({"policy__claims_1": None}, [("policy.claims_1", "missing field")]),
    ({"policy__driver_age": None}, [("policy.driver_age", "missing field")]),
    ({"policy__colour": "red"}, [("policy.colour", "extra field")]),
    ({"policy__current_premium": 10.0}, [("policy.current_premium", "extra field")]),
    ({"policy__vehicle_type": "tank"}, [("policy.vehicle_type", "unknown level")]),
    ({"policy__at_fault": 1}, [("policy.at_fault", "not read by the ladder")]),  # a history ladder
    ({"ladder": None}, [("policy.insured_years", "extra field"), ("policy.claim_free_years", "extra field"),
                        ("policy.claims_1", "extra field"), ("policy.claims_2", "extra field"),
                        ("policy.claims_since_renewal", "extra field"), ("policy.lapse_days", "extra field")]),
]


@pytest.mark.parametrize(("edit", "expected"), RENEWAL_BAD)
def test_renewal_refuses_bad_input(client, edit, expected):
    assert problems(client.post("/renewal", json=renewal_body(**edit))) == expected


def test_renewal_ladder_errors_name_the_policy_field(client):
    found = problems(client.post("/renewal", json=renewal_body(policy__claims_since_renewal=-1)))
    assert [f for f, _ in found] == ["policy.claims_since_renewal"]
    found = problems(client.post("/renewal", json=renewal_body(policy__ncd_level=9)))
    assert [f for f, _ in found] == ["policy.ncd_level"]


# -------------------------------------------------------------------- shared


def test_body_not_json_and_too_large(client):
    for path in ("/midterm", "/cancel", "/renewal"):
        response = client.post(path, content=b"{not json", headers={"content-type": "application/json"})
        assert problems(response) == [("body", "invalid JSON")]
        assert problems(client.post(path, json=[1, 2])) == [("body", "not an object")]
        response = client.post(path, content=b" " * (64 * 1024 + 1))
        assert response.status_code == 413


PLANS = {p.plan_id: p for p in (V1, V2)}


def record_answers(tmp_path: Path) -> dict[str, list[tuple[dict, object]]]:
    """Bodies sent to each endpoint of a served app and its answers; the audit is written to ``audit.db``."""
    answers: dict[str, list[tuple[dict, object]]] = {"midterm": [], "cancel": [], "renewal": []}
    with served(plans(tmp_path), tmp_path) as client:
        for i, changes, effective in MIDTERM_CASES[:3]:
            body = {"policy": policy(i), "changes": changes, **TERM, "effective": effective}
            answers["midterm"].append((body, client.post("/midterm", json=body)))
        for paid, start, end, cancelled, method in CANCEL_CASES[:4]:
            body = {"premium_paid": paid, "start": start, "end": end, "cancelled": cancelled, "method": method}
            answers["cancel"].append((body, client.post("/cancel", json=body)))
        for _ in range(2):
            body = renewal_body()
            answers["renewal"].append((body, client.post("/renewal", json=body)))
        client.post("/cancel", json={"premium_paid": -1})  # refused: not audited
        client.post("/renewal", json=renewal_body(ladder="mars"))
    # the service has stopped: a clean shutdown writes every pending record
    return answers


def test_every_answer_is_audited_once_and_replays_with_no_difference(tmp_path):
    answers = record_answers(tmp_path)
    store = open_audit_store(f"sqlite:///{tmp_path / 'audit.db'}")
    try:
        for endpoint, sent in answers.items():
            records = {r.quote_id: r for r in store.records(endpoint=endpoint)}
            assert len(records) == len(sent), endpoint
            for body, response in sent:
                assert response.status_code == 200
                record = records[response.json()["quote_id"]]
                assert record.result == response.content  # the answer's bytes
                assert orjson.loads(record.request) == body
                answer = response.json()
                assert (record.plan_name, record.plan_version, record.plan_id) == (
                    (answer["plan"], answer["version"], answer["plan_id"]) if endpoint != "cancel" else ("", "", ""))
        assert store.count() == sum(len(v) for v in answers.values())
        # what a replay needs is in the record: it rebuilds each answer's bytes from the request and options
        report = replay(store, PLANS)
        assert report.ok, str(report)
        assert (report.n_quotes, report.n_policies, report.skipped) == (9, 9, {})
        without_plans = replay(store, {})  # a refund needs no plan; the others name their missing plan id
        assert sorted(without_plans.differences["quote_id"]) == sorted(
            r.json()["quote_id"] for e in ("midterm", "renewal") for _, r in answers[e])  # fmt: skip
        assert set(without_plans.differences["field"]) == {"plan_id"}
    finally:
        store.close()


# a number of each answer, by its dot path in the answer
EDITS = {("midterm", 1): ("before", "premium_total"), ("cancel", 2): ("refund",),
         ("renewal", 0): ("limits", "increase_cap")}  # fmt: skip


def test_a_stored_answer_one_ulp_off_is_reported_with_its_quote_id_and_field(tmp_path):
    answers = record_answers(tmp_path)
    with open_audit_store(tmp_path / "audit.db", create=False) as store:
        records = {r.quote_id: r for r in store.records()}
    expected = {}
    for (endpoint, i), path in EDITS.items():
        answer = answers[endpoint][i][1].json()
        holder = functools.reduce(operator.getitem, path[:-1], answer)
        original = holder[path[-1]]
        assert isinstance(original, float)
        holder[path[-1]] = float(np.nextafter(original, np.inf))
        quote_id = answer["quote_id"]
        records[quote_id] = dataclasses.replace(records[quote_id], result=dumps(answer))
        expected[quote_id, ".".join(path)] = (holder[path[-1]], original)
    with open_audit_store(tmp_path / "tampered.db") as store:
        for record in records.values():
            store.submit(record)
    with open_audit_store(tmp_path / "tampered.db", create=False) as store:
        report = replay(store, PLANS)
    found = {(r.quote_id, r.field): (r.stored, r.replayed) for r in report.differences.itertuples()}
    assert found == expected
    assert "3 differences in 3 quotes" in str(report)
    quote_id = answers["midterm"][1][1].json()["quote_id"]
    assert f"{quote_id}  before.premium_total: stored" in str(report)


def test_openapi_documents_the_routes(client):
    paths = client.get("/openapi.json").json()["paths"]
    for path, required in (("/midterm", "effective"), ("/cancel", "method"), ("/renewal", "renewal_date")):
        operation = paths[path]["post"]
        assert operation["summary"] and operation["description"]
        schema = operation["requestBody"]["content"]["application/json"]["schema"]
        assert required in schema["required"] and schema["additionalProperties"] is False
    assert json.dumps(paths["/renewal"]["post"]["requestBody"]).count("china_national") == 1
