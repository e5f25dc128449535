"""POST /quote and /quotes: bit-identical to RatingPlan.quote_one and .quote, on random plans and the China plan."""

from __future__ import annotations

import math
import sys
from pathlib import Path

import numpy as np
import orjson
import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from autorisk.rating import RatingPlan
from autorisk.service.payload import ARROW, PARQUET, arrow_bytes, parquet_bytes, read_arrow

from .service_helpers import TOKEN, bits, plans_folder, served

sys.path.insert(0, str(Path(__file__).parents[1] / "rating"))
from test_factor_kinds import random_plans  # tests/rating is not a package

rows = st.lists(
    st.fixed_dictionaries({"cat": st.sampled_from(["x", "y", "z"]), "num": st.floats(0, 100),
                           "lvl": st.integers(-2, 2), "coef": st.floats(0.05, 5.0)}),
    min_size=1, max_size=12,
)  # fmt: skip


@pytest.fixture(scope="module")
def admin_client(tmp_path_factory):
    folder = tmp_path_factory.mktemp("plans")
    with served(folder, tmp_path_factory.mktemp("audit"), token=TOKEN) as client:
        yield client


def _publish(client, plan: RatingPlan) -> None:
    answer = client.post("/plans", content=plan.to_json(), headers={"authorization": f"Bearer {TOKEN}"})
    assert answer.status_code == 201, answer.text


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(random_plans(), rows)
def test_random_plans_served_give_the_bits_of_quote_one_and_quote(admin_client, plan, records):
    plan = RatingPlan(f"random {plan.plan_id[:12]}", "1", plan.coverages)
    if admin_client.get(f"/plans/{plan.name}/1").status_code == 404:
        _publish(admin_client, plan)
    frame = pd.DataFrame(records)
    expected = plan.quote(frame, errors="flag")
    records = [{c: record[c] for c in plan.columns} for record in records]  # the service refuses extra fields
    for i, record in enumerate(records):
        answer = admin_client.post("/quote", content=orjson.dumps({"plan": plan.name, "policy": record}))
        try:
            one = plan.quote_one(record)
        except Exception:
            assert answer.status_code == 422 and expected["quote_error"].iloc[i] != ""
            continue
        assert answer.status_code == 200, answer.text
        body = answer.json()
        assert body["plan_id"] == plan.plan_id
        assert set(body["result"]) == set(one)
        for key, value in one.items():
            assert bits(body["result"][key]) == bits(value), key
        assert bits(body["premium_total"]) == bits(expected["premium_total"].iloc[i])
    # the batch, JSON in and out: every column of quote(errors="flag") with NaN as null
    answer = admin_client.post("/quotes", content=orjson.dumps({"plan": plan.name, "breakdown": True,
                                                                  "policies": records}))  # fmt: skip
    assert answer.status_code == 200, answer.text
    columns = answer.json()["quotes"]
    assert list(columns) == list(expected.columns)
    for name in expected.columns:
        got = [np.nan if v is None else v for v in columns[name]]
        if expected[name].dtype.kind == "f":
            assert [bits(v) for v in got] == [bits(v) for v in expected[name]], name
        else:
            assert got == expected[name].tolist(), name
    # Arrow IPC in and out: the same frame, bit for bit
    answer = admin_client.post(f"/quotes?plan={plan.name}&breakdown=true", content=arrow_bytes(frame),
                               headers={"content-type": ARROW, "accept": ARROW})  # fmt: skip
    assert answer.status_code == 200, answer.text
    pd.testing.assert_frame_equal(read_arrow(answer.content), expected, check_exact=True)


def test_china_plan_single_batch_arrow_and_parquet_agree(tmp_path):
    from batch.batch_helpers import china_book

    folder, plans = plans_folder(tmp_path)
    book = china_book(300)
    with served(folder, tmp_path) as client:
        plan = next(p for p in plans if p.is_effective("2026-06-01"))
        columns = plan.columns
        expected = plan.quote(book[columns], errors="flag", as_of="2026-06-01", breakdown=False)
        for i in range(0, 300, 37):
            policy = {c: _plain(book[c].iloc[i]) for c in columns}
            answer = client.post("/quote", json={"quote_date": "2026-06-01", "policy": policy})
            assert answer.status_code == 200, answer.text
            assert answer.json()["version"] == plan.version
            assert bits(answer.json()["premium_total"]) == bits(expected["premium_total"].iloc[i])
        for accept, reader in ((ARROW, read_arrow), (PARQUET, lambda b: pd.read_parquet(pa.BufferReader(b)))):
            for content_type, body in ((ARROW, arrow_bytes(book[columns])), (PARQUET, parquet_bytes(book[columns]))):
                answer = client.post("/quotes?quote_date=2026-06-01", content=body,
                                     headers={"content-type": content_type, "accept": accept})  # fmt: skip
                assert answer.status_code == 200, answer.text
                assert answer.headers["x-plan-id"] == plan.plan_id
                pd.testing.assert_frame_equal(reader(answer.content), expected, check_exact=True)


def test_the_version_in_force_on_the_quote_date_prices_it(tmp_path):
    folder, plans = plans_folder(tmp_path)
    with served(folder, tmp_path) as client:
        policy = _policy(plans)
        for date in ("2026-03-01", "2027-03-01"):
            answer = client.post("/quote", json={"quote_date": date, "policy": policy})
            plan = next(p for p in sorted(plans, key=lambda p: p.effective_from, reverse=True) if p.is_effective(date))
            assert answer.json()["plan_id"] == plan.plan_id
            assert answer.json()["premium_total"] == plan.quote_one(policy)["premium_total"]
        # an exact version is priced as asked, but only on a date it is in force
        old = min(plans, key=lambda p: p.effective_from)
        answer = client.post("/quote", json={"version": old.version, "quote_date": "2026-03-01", "policy": policy})
        assert answer.json()["plan_id"] == old.plan_id


def _policy(plans: list[RatingPlan]) -> dict:
    from autorisk.service.examples import demo_policy

    return demo_policy()


def _plain(value):
    value = value.item() if hasattr(value, "item") else value
    return value if not (isinstance(value, float) and math.isnan(value)) else None
