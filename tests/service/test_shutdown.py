"""A clean shutdown loses no quote: N quotes, SIGTERM, exit 0, N rows in the audit store (SQLite, PostgreSQL).

The real service runs in a subprocess (``autorisk serve``); its audit writes are
batched off the request path, so the rows of the last answers are still pending
when SIGTERM arrives: the service must write them before it exits. A second
test sends SIGTERM while clients are still quoting: every answered quote has
its row, and no row belongs to a quote that was not answered.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from pathlib import Path

import orjson
import pytest

from batch.batch_helpers import china_book, china_plan

from .load import LoadResult, http_request, run_load
from .server import audit_quotes, running_service

N_QUOTES = 500
CLIENTS = 16


@pytest.fixture(params=["sqlite", "postgresql"])
def audit_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh audit store: a SQLite file, or a new database on the session's PostgreSQL server."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'quotes.db'}"
    try:
        server = request.getfixturevalue("postgres_url")
    except pytest.FixtureLookupError:
        pytest.skip("no postgres_url fixture (tests/service/conftest.py)")
    import psycopg

    name = f"shutdown_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    return f"{server.rsplit('/', 1)[0]}/{name}"


def quote_requests(port: int, n: int) -> tuple[list[bytes], list[dict]]:
    plan = china_plan()
    policies = china_book(n, seed=31)[plan.columns].to_dict(orient="records")
    bodies = [orjson.dumps({"policy": p}) for p in policies]
    return [http_request("POST", "/quote", b, host=f"127.0.0.1:{port}") for b in bodies], policies


def answered_ids(result: LoadResult) -> list[str]:
    return [json.loads(body)["quote_id"] for status, body in zip(result.statuses, result.bodies, strict=True)
            if status == 200]  # fmt: skip


def test_sigterm_after_n_quotes_exits_0_with_n_rows(tmp_path: Path, audit_url: str):
    plans = tmp_path / "plans"
    plans.mkdir()
    plan = china_plan()
    plan.save(plans / "china.json")
    with running_service(plans, audit_url, poll=0) as served:
        requests, policies = quote_requests(served.port, N_QUOTES)
        result = run_load("127.0.0.1", served.port, requests, N_QUOTES, CLIENTS, time_limit=60, keep_bodies=True)
        code = served.stop()  # at once: the last answers' rows are still pending in the writer
        assert code == 0, served.log_tail()
    assert result.failures == [] and set(result.statuses) == {200}
    ids = answered_ids(result)
    assert len(set(ids)) == N_QUOTES
    rows = audit_quotes(audit_url)
    assert sorted(r[0] for r in rows) == sorted(ids)
    assert {r[1] for r in rows} == {"quote"} and {r[2] for r in rows} == {plan.plan_id}
    # each row's result is the answer's, and quote_one's for that policy
    by_id = {json.loads(b)["quote_id"]: (i, json.loads(b)) for i, b in zip(result.indices, result.bodies,
                                                                           strict=True)}  # fmt: skip
    for quote_id, _, _, stored, _ in rows:
        i, answer = by_id[quote_id]
        assert json.loads(stored) == answer["result"]
        assert answer["premium_total"] == plan.quote_one(policies[i % N_QUOTES])["premium_total"]


def test_sigterm_under_load_keeps_every_answered_quote(tmp_path: Path):
    plans = tmp_path / "plans"
    plans.mkdir()
    china_plan().save(plans / "china.json")
    audit = f"sqlite:///{tmp_path / 'quotes.db'}"
    total = 50_000  # more than the service answers before the signal
    with running_service(plans, audit, poll=0) as served:
        requests, _ = quote_requests(served.port, 200)
        results: list[LoadResult] = []
        load = threading.Thread(target=lambda: results.append(
            run_load("127.0.0.1", served.port, requests, total, 8, time_limit=60, keep_bodies=True)))
        load.start()
        time.sleep(1.5)
        assert load.is_alive()
        code = served.stop()
        load.join(timeout=90)
        assert code == 0, served.log_tail()
    result = results[0]
    ids = answered_ids(result)
    assert 0 < len(ids) < total
    assert set(result.statuses) <= {0, 200}  # answered, or refused a connection once the server stopped
    assert sorted(r[0] for r in audit_quotes(audit)) == sorted(ids)
