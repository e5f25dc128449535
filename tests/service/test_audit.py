"""The audit store, on SQLite and on a real PostgreSQL server: every record back exactly, nothing lost."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from autorisk.errors import AuditStoreError, ParameterError
from autorisk.service.audit import (
    QuoteRecord,
    open_audit_store,
    read_unsaved,
    utc_now,
)
from autorisk.service.registry import Deployment

START = datetime(2026, 12, 4, 2, 0, tzinfo=UTC)


def make_record(i: int, rng: np.random.Generator, *, at: str | None = None, endpoint: str = "quote") -> QuoteRecord:
    """A record with random bytes (NUL bytes and invalid UTF-8 included) and JSON options with doubles."""
    return QuoteRecord(
        quote_id=f"q-{i:06d}-{uuid.uuid4().hex[:6]}", received_at=at or utc_now(), endpoint=endpoint,
        plan_name="China motor (test) ✓", plan_version=f"2026.{i % 3}",
        plan_id=hashlib.sha256(str(i % 3).encode()).hexdigest(), request=b"\x00" + rng.bytes(int(rng.integers(0, 400))),
        content_type="application/json" if endpoint == "quote" else "application/vnd.apache.arrow.stream",
        options={"quote_date": "2026-12-04", "breakdown": bool(i % 2), "noise": float(rng.normal()) / 3},
        result=rng.bytes(int(rng.integers(1, 2000))), n_policies=1 if endpoint == "quote" else int(rng.integers(1, 99)),
    )  # fmt: skip


def wait_until(condition, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        time.sleep(0.01)


def test_records_from_many_threads_are_all_stored_exactly_after_close(store_url):
    store = open_audit_store(store_url, batch_size=64, flush_interval=0.01)
    submitted: list[list[QuoteRecord]] = [[] for _ in range(4)]

    def client(k: int) -> None:
        rng = np.random.default_rng(k)
        for i in range(500):
            record = make_record(k * 1000 + i, rng, endpoint="quote" if i % 5 else "quotes")
            store.submit(record)
            submitted[k].append(record)

    threads = [threading.Thread(target=client, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    store.close()
    expected = {r.quote_id: r for part in submitted for r in part}
    assert len(expected) == 2000
    assert (store.submitted, store.written, store.pending, store.failures) == (2000, 2000, 0, 0)
    reopened = open_audit_store(store_url)
    assert reopened.count() == 2000
    assert reopened.count("quotes") == sum(r.endpoint == "quotes" for r in expected.values()) == 400
    stored = {r.quote_id: r for r in reopened.records()}
    assert stored == expected  # every field, bytes identical, options' doubles bit for bit
    assert all(type(stored[k].request) is bytes and stored[k].request == expected[k].request for k in expected)


def test_records_are_ordered_by_time_received_and_filtered_by_since_and_endpoint(store_url):
    rng = np.random.default_rng(7)
    offsets = rng.permutation(300)
    records = [make_record(i, rng, at=(START + timedelta(seconds=int(s), microseconds=i)).isoformat(),
                           endpoint=("quote", "quotes", "midterm")[i % 3]) for i, s in enumerate(offsets)]  # fmt: skip
    with open_audit_store(store_url) as store:
        for record in records:
            store.submit(record)
    store = open_audit_store(store_url)
    in_order = sorted(records, key=lambda r: r.received_at)
    assert list(store.records()) == in_order
    since = START + timedelta(seconds=200)
    later = [r for r in in_order if datetime.fromisoformat(r.received_at) >= since]
    assert len(later) == 100
    assert list(store.records(since=since)) == later
    # the same instant written in another time zone, and as a naive UTC string
    assert list(store.records(since=(since + timedelta(hours=8)).isoformat().replace("+00:00", "+08:00"))) == later
    assert list(store.records(since=since.replace(tzinfo=None).isoformat())) == later
    assert list(store.records(since=since, endpoint="quotes")) == [r for r in later if r.endpoint == "quotes"]
    assert store.count("midterm") == 100
    with pytest.raises(ParameterError, match="endpoint must be one of"):
        store.records(endpoint="quotez")


def test_flush_waits_for_every_record_submitted_before_it(store_url):
    rng = np.random.default_rng(1)
    # The writer would wait a minute before writing on its own: only flush (or a full batch) makes it write.
    store = open_audit_store(store_url, batch_size=10_000, flush_interval=60)
    first = [make_record(i, rng) for i in range(25)]
    for record in first:
        store.submit(record)
    assert store.count() == 0 and store.pending == 25
    assert store.flush(timeout=30)
    assert store.count() == 25 and store.pending == 0 and store.written == 25
    for i in range(25, 40):
        store.submit(make_record(i, rng))
    assert store.flush(timeout=30) and store.count() == 40
    store.close()
    store.close()  # idempotent
    with pytest.raises(ParameterError, match="closed"):
        store.submit(make_record(99, rng))


def test_a_full_batch_is_written_without_waiting_for_the_interval(store_url):
    rng = np.random.default_rng(2)
    store = open_audit_store(store_url, batch_size=20, flush_interval=60)
    for i in range(20):
        store.submit(make_record(i, rng))
    wait_until(lambda: store.written == 20)  # long before the minute's interval
    assert store.count() == 20
    store.close()


def test_deployments_are_recorded_in_order_as_given(store_url):
    deployments = [
        {"action": "publish", "name": "China motor", "version": "2026.1", "plan_id": "ab" * 32, "by": "admin",
         "at": "2026-12-04T02:00:00.000001+00:00", "source": "api", "file": None, "reason": None},
        {"action": "refuse", "name": "China motor", "version": "2026.2", "plan_id": None, "by": "folder",
         "at": "2026-12-04T02:00:01.5+00:00", "source": "folder", "file": "plans/bad.json",
         "reason": "hash mismatch: stored 1f…, computed 2e…"},
        {"action": "retire", "name": "China motor", "version": "2026.1", "plan_id": "ab" * 32, "by": "admin",
         "at": "2026-12-04T02:00:02+00:00", "source": "api", "file": None, "reason": "superseded"},
    ]  # fmt: skip
    deployments = [Deployment(**d).as_dict() for d in deployments]  # what the registry hands over
    store = open_audit_store(store_url)
    for d in deployments:
        store.record_deployment(d)
    store.submit(make_record(1, np.random.default_rng(3)))
    assert store.flush(timeout=30)
    assert store.deployments() == deployments
    assert store.count() == 1  # deployments are not quotes
    store.close()
    assert open_audit_store(store_url).deployments() == deployments
    with pytest.raises(ParameterError, match="JSON values"):
        open_audit_store(store_url).record_deployment({"at": object()})


def test_a_reopened_store_sees_the_rows_and_answers_ping(store_url):
    rng = np.random.default_rng(4)
    records = [make_record(i, rng) for i in range(10)]
    with open_audit_store(store_url) as store:
        assert store.ping()
        for r in records:
            store.submit(r)
    assert not store.ping()  # closed
    again = open_audit_store(store_url, create=False)
    assert again.ping() and again.count() == 10 and list(again.records()) == sorted(records, key=lambda r: r.received_at)


def test_a_quote_id_stored_twice_keeps_the_first_and_saves_the_other_aside(store_url, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # where a PostgreSQL store saves what it cannot write
    rng = np.random.default_rng(5)
    first = make_record(1, rng)
    other = QuoteRecord(**{**first.__dict__, "result": b"another answer"})
    store = open_audit_store(store_url, batch_size=1)
    store.submit(first)
    assert store.flush(timeout=30)
    store.submit(first)  # the same record again (a retried commit): nothing to keep aside
    store.submit(other)
    store.submit(make_record(2, rng))
    store.close()
    assert store.rejected == 1 and len(store.unsaved_files) == 1
    assert list(read_unsaved(store.unsaved_files[0])) == [other]
    reopened = open_audit_store(store_url)
    assert reopened.count() == 2 and next(r for r in reopened.records() if r.quote_id == first.quote_id) == first


def test_a_postgresql_outage_keeps_the_records_and_writes_them_once_the_server_is_back(postgres_cluster):
    rng = np.random.default_rng(6)
    records = [make_record(i, rng) for i in range(120)]
    store = open_audit_store(postgres_cluster.url, batch_size=25, flush_interval=0.01)
    for r in records[:40]:
        store.submit(r)
    assert store.flush(timeout=30) and store.count() == 40 and store.ping()
    postgres_cluster.stop()
    for r in records[40:]:
        store.submit(r)  # never blocks, never raises while the server is down
    wait_until(lambda: store.failures >= 2)
    assert not store.ping()
    assert store.pending == 80 and store.submitted == 120 and store.written == 40
    assert not store.flush(timeout=0.2)
    postgres_cluster.start()
    assert store.flush(timeout=60)
    assert store.ping() and store.written == 120 and store.pending == 0
    assert list(store.records()) == sorted(records, key=lambda r: r.received_at)
    store.close()


def test_records_that_cannot_be_written_at_close_are_saved_to_a_file_and_named(postgres_cluster, tmp_path,
                                                                                 monkeypatch):  # fmt: skip
    monkeypatch.chdir(tmp_path)
    rng = np.random.default_rng(8)
    records = [make_record(i, rng) for i in range(7)]
    store = open_audit_store(postgres_cluster.url, flush_interval=0.01)
    store.record_deployment({"action": "deploy", "name": "p", "version": "1"})
    assert store.flush(timeout=30)
    postgres_cluster.stop()
    store.record_deployment({"action": "retire", "name": "p", "version": "1"})
    for r in records:
        store.submit(r)
    with pytest.raises(AuditStoreError, match=r"8 records could not be written .*saved to .*unsaved") as caught:
        store.close(timeout=0.5)
    path = store.unsaved_files[0]
    assert str(path) in str(caught.value) and path.parent == tmp_path
    assert list(read_unsaved(path)) == [{"action": "retire", "name": "p", "version": "1"}, *records]
    assert store.written == 1 and store.failures >= 1
    store.close()  # idempotent, nothing more to say


def test_bad_urls_and_settings_are_refused_with_the_reason(tmp_path):
    with pytest.raises(ParameterError, match="'mysql://u@db/quotes': the scheme must be"):
        open_audit_store("mysql://u:secret@db/quotes")
    with pytest.raises(ParameterError, match="must be a file"):
        open_audit_store("sqlite:///:memory:")
    with pytest.raises(ParameterError, match="does not exist"):
        open_audit_store(f"sqlite:///{tmp_path}/no/such/dir/quotes.db")
    with pytest.raises(ParameterError, match="no such database file"):
        open_audit_store(tmp_path / "missing.db", create=False)
    with pytest.raises(ParameterError, match="batch_size"):
        open_audit_store(tmp_path / "q.db", batch_size=0)
    with pytest.raises(ParameterError, match="cannot be opened"):
        open_audit_store("postgresql://nobody:pw@127.0.0.1:1/none")
    with pytest.raises(ParameterError, match="endpoint must be one of"):
        make_record(1, np.random.default_rng(0), endpoint="price")
    with pytest.raises(ParameterError, match="time zone"):
        make_record(1, np.random.default_rng(0), at="2026-12-04T02:00:00")
    with pytest.raises(ParameterError, match="JSON values"):
        open_audit_store(tmp_path / "q.db").submit(QuoteRecord("q", utc_now(), "quote", "p", "1", "id", b"{}",
                                                               options={"when": object()}))  # fmt: skip


def test_the_url_never_shows_the_password(postgres_url):
    url = postgres_url.replace("postgres@", "postgres:s3cret@")
    store = open_audit_store(url)  # trust authentication: the password is not checked
    assert "s3cret" not in store.url and store.url == postgres_url
    assert "s3cret" not in repr(store)


def test_ping_is_false_once_the_sqlite_file_is_gone_and_does_not_recreate_it(tmp_path):
    path = tmp_path / "audit #1?.db"  # characters a file URI must escape
    store = open_audit_store(path)
    assert store.ping() and store.url == f"sqlite:///{path}"
    for file in tmp_path.iterdir():
        file.unlink()
    assert not store.ping()
    assert list(tmp_path.iterdir()) == []


WORKER = """
import sys
from autorisk.service.audit import QuoteRecord, open_audit_store, utc_now
store = open_audit_store(sys.argv[1], batch_size=100, flush_interval=0.005)
for i in range(1500):
    store.submit(QuoteRecord(f"{sys.argv[2]}-{i}", utc_now(), "quote", "p", "1", "id", b"{}", result=b"r" * i))
store.close()
"""


def test_several_service_processes_share_one_sqlite_store(tmp_path):
    """``autorisk serve --workers N``: each worker process has its own writer on the same file."""
    url = f"sqlite:///{tmp_path / 'quotes.db'}"
    open_audit_store(url)  # created once, as the service's first worker would
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
    workers = [subprocess.Popen([sys.executable, "-c", WORKER, url, f"w{k}"], env=env) for k in range(3)]
    assert [w.wait(timeout=120) for w in workers] == [0, 0, 0]
    store = open_audit_store(url)
    assert store.count() == 4500
    stored = {r.quote_id: r.result for r in store.records()}
    assert stored == {f"w{k}-{i}": b"r" * i for k in range(3) for i in range(1500)}
