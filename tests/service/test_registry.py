"""PlanRegistry: a folder's plans validated before they serve, the in-force rule, publish/retire/refresh, atomic swaps."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from autorisk.errors import PlanError, PlanNotFoundError
from autorisk.rating import CategoricalFactor, Coverage, RatingPlan
from autorisk.service.examples import demo_plans, demo_policy
from autorisk.service.registry import (
    LOG_NAME,
    Deployment,
    PlanRegistry,
    plan_filename,
    version_in_force,
)

REGION = CategoricalFactor("region", "region", ("north", "south"), (1.0, 1.2))


def small_plan(version: str, start: str | None = "2026-01-01", end: str | None = None, base: float = 500.0,
               name: str = "demo") -> RatingPlan:  # fmt: skip
    return RatingPlan(name, version, (Coverage("tpl", base, (REGION,)),), effective_from=start, effective_to=end)


def log_of(folder: Path) -> list[dict]:
    return [json.loads(line) for line in (folder / LOG_NAME).read_text().splitlines()]


def rehashed(document: dict) -> str:
    """The document with its plan_id recomputed from its content (an independent SHA-256 of canonical JSON)."""
    canonical = json.dumps(document["content"], sort_keys=True, separators=(",", ":"))
    return json.dumps({**document, "plan_id": hashlib.sha256(canonical.encode()).hexdigest()})


def factor_of(document: dict, coverage: str, factor: str) -> dict:
    cov = next(c for c in document["content"]["coverages"] if c["name"] == coverage)
    return next(f for f in cov["factors"] if f["name"] == factor)


# ------------------------------------------------------------------ loading


def test_folder_serves_the_good_plan_and_refuses_each_bad_one_with_its_reason(tmp_path):
    good = demo_plans()[0]
    text = good.to_json()
    (tmp_path / "good.json").write_text(text)
    (tmp_path / "corrupt.json").write_text(text[: len(text) // 2])
    tampered = json.loads(text)
    factor_of(tampered, "tpl", "use")["table"][1][1] = 1.25  # edited, hash left as it was
    (tmp_path / "tampered.json").write_text(json.dumps(tampered))
    out_of_bounds = json.loads(text)
    factor_of(out_of_bounds, "tpl", "ncd")["values"][-1] = 2.5  # NCD bound is [0.5, 2.0]
    out_of_bounds["content"]["version"] = "9"
    (tmp_path / "bounds.json").write_text(rehashed(out_of_bounds))
    prohibited = json.loads(text)
    prohibited["content"]["prohibited_columns"] = ["driver_age"]  # the tpl benchmark rates it
    prohibited["content"]["version"] = "8"
    (tmp_path / "prohibited.json").write_text(rehashed(prohibited))
    seen: list[Deployment] = []

    registry = PlanRegistry.from_folder(tmp_path, on_deployment=seen.append)

    assert [p.plan_id for p in registry.plans()] == [good.plan_id]
    assert registry.select(None, None, "2026-05-01").plan_id == good.plan_id
    expected = {"corrupt.json": "not a JSON rating plan", "tampered.json": "does not match its id",
                "bounds.json": "tpl.ncd has relativities [2.5] outside bound [0.5, 2.0]",
                "prohibited.json": "prohibited rating factors"}  # fmt: skip
    refusals = {d.file: d for d in registry.refusals()}
    assert set(refusals) == set(expected)
    for file, words in expected.items():
        assert words in refusals[file].reason, (file, refusals[file].reason)
    assert refusals["tampered.json"].plan_id is None and refusals["tampered.json"].name == good.name
    digest = hashlib.sha256((tmp_path / "tampered.json").read_bytes()).hexdigest()
    assert refusals["tampered.json"].file_sha256 == digest
    log = log_of(tmp_path)
    assert {e["file"]: e["reason"] for e in log if e["action"] == "refuse"} == {
        f: d.reason for f, d in refusals.items()}  # fmt: skip
    loads = [e for e in log if e["action"] == "load"]
    assert [(e["plan_id"], e["file"], e["source"]) for e in loads] == [(good.plan_id, "good.json", "startup")]
    assert [d.as_dict() for d in seen] == log
    assert registry.deployments() == seen


def test_a_folder_without_a_valid_plan_starts_not_ready_and_says_so(tmp_path):
    (tmp_path / "broken.json").write_text("{")
    registry = PlanRegistry.from_folder(tmp_path)
    assert not registry.ready and registry.plans() == []
    last = log_of(tmp_path)[-1]
    assert last["action"] == "load" and last["plan_id"] is None and "no valid plan" in last["reason"]
    with pytest.raises(PlanNotFoundError, match="no plan is in service"):
        registry.select(None, None, "2026-05-01")


def test_loading_refuses_a_reused_version_number_and_a_tie_in_effective_from(tmp_path):
    small_plan("1").save(tmp_path / "a.json")
    small_plan("1", base=510.0).save(tmp_path / "b.json")  # same name and version, other content
    small_plan("2", start="2026-01-01", base=520.0).save(tmp_path / "c.json")  # starts with version 1
    small_plan("1").save(tmp_path / "d.json")  # the same plan twice: one plan, no refusal
    registry = PlanRegistry.from_folder(tmp_path)
    assert [(p.version, p.coverages[0].base_rate) for p in registry.plans()] == [("1", 500.0)]
    reasons = {d.file: d.reason for d in registry.refusals()}
    assert set(reasons) == {"b.json", "c.json"}
    assert "needs a new version" in reasons["b.json"] and "ties with version '1'" in reasons["c.json"]


def test_startup_loads_are_recorded_once_per_folder(tmp_path):
    small_plan("1").save(tmp_path / "demo-v1.json")
    (tmp_path / "bad.json").write_text("[]")
    for _ in range(3):
        PlanRegistry.from_folder(tmp_path)
    assert [e["action"] for e in log_of(tmp_path)] == ["load", "refuse"]


# ------------------------------------------------------------ the in-force rule


def in_force_brute_force(plans: list[RatingPlan], day: dt.date) -> RatingPlan | None:
    """Every version open on the day (RatingPlan.is_effective); the latest start among them wins."""
    open_on_day = [p for p in plans if p.is_effective(day)]
    if not open_on_day:
        return None
    return max(open_on_day, key=lambda p: p.effective_from or "")


DAYS = st.integers(0, 2000).map(lambda n: dt.date(2025, 1, 1) + dt.timedelta(days=n))


@st.composite
def tariffs(draw) -> list[RatingPlan]:
    starts = sorted(draw(st.sets(DAYS, min_size=1, max_size=6)))
    plans = []
    for i, start in enumerate(starts):
        length = draw(st.none() | st.integers(1, 900))
        end = None if length is None else (start + dt.timedelta(days=length)).isoformat()
        open_start = i == 0 and draw(st.booleans())  # the first may have no effective_from at all
        plans.append(small_plan(str(i + 1), None if open_start else start.isoformat(), end))
    return draw(st.permutations(plans))


@given(tariffs(), st.lists(DAYS, min_size=1, max_size=10))
def test_version_in_force_equals_a_brute_force_reference(plans, days):
    for day in days:
        assert version_in_force(plans, day) is in_force_brute_force(plans, day)


def test_select_uses_the_same_rule_on_every_day(tmp_path):
    # v1 open-ended, v2 a closed window inside it, v3 open-ended later, v4 with a gap after v3's start
    windows = [("1", "2026-01-01", None), ("2", "2026-07-01", "2026-10-01"), ("3", "2027-01-01", None),
               ("4", "2027-06-01", "2027-09-01")]  # fmt: skip
    plans = [small_plan(v, start, end, base=500.0 + i) for i, (v, start, end) in enumerate(windows)]
    for plan in plans:
        plan.save(tmp_path / plan_filename(plan))
    registry = PlanRegistry.from_folder(tmp_path)
    for n in range(3 * 366):
        day = dt.date(2025, 10, 1) + dt.timedelta(days=n)
        expected = in_force_brute_force(plans, day)
        if expected is None:
            with pytest.raises(PlanNotFoundError, match=f"no version of plan 'demo' is in force on {day}"):
                registry.select("demo", None, day.isoformat())
        else:
            assert registry.select("demo", None, day.isoformat()).plan_id == expected.plan_id, day
    assert registry.select(None, None, "2026-08-01").version == "2"  # a closed window inside v1
    assert registry.select(None, None, "2026-10-01").version == "1"  # v1 again once it closes


# ------------------------------------------------------------ publish / select / retire


def test_publish_then_select_on_dates(tmp_path):
    registry = PlanRegistry.from_folder(tmp_path)
    v1, v2 = demo_plans()
    first = registry.publish(v1.to_json(), by="alice")
    second = registry.publish(v2.to_json().encode(), by="bob")
    assert (first.action, first.source, first.by, first.plan_id) == ("publish", "api", "alice", v1.plan_id)
    assert second.file == "china-motor-v2.json"
    assert (tmp_path / "china-motor-v2.json").read_text() == v2.to_json()  # written as received
    assert registry.select(None, None, "2026-12-31").version == "1"
    assert registry.select("China motor", None, "2027-01-01").version == "2"
    assert registry.select("China motor", "1", "2027-06-01").version == "1"  # an exact version, as asked
    quote = registry.select(None, None, "2027-03-01").quote_one(demo_policy(), as_of="2027-03-01")
    assert quote == v2.quote_one(demo_policy())
    with pytest.raises(PlanNotFoundError) as info:
        registry.select("China motor", None, "2025-06-01")
    message = str(info.value)
    assert "2025-06-01" in message and "China motor v1 [2026-01-01, open)" in message
    assert "China motor v2 [2027-01-01, open)" in message
    with pytest.raises(PlanNotFoundError, match="no plan 'Japan motor' in service"):
        registry.select("Japan motor", None, "2027-06-01")
    with pytest.raises(PlanNotFoundError, match="version '7' is not in service"):
        registry.get("China motor", "7")
    assert [e["action"] for e in log_of(tmp_path)] == ["load", "publish", "publish"]  # load: the empty start


def test_publish_refuses_a_bad_plan_with_its_reason_and_keeps_serving(tmp_path):
    registry = PlanRegistry.from_folder(tmp_path)
    v1 = small_plan("1")
    registry.publish(v1.to_json(), by="alice")
    generation = registry.generation
    tampered = json.loads(v1.to_json())
    tampered["content"]["coverages"][0]["base_rate"] = 400.0
    cases = {
        json.dumps(tampered): "does not match its id",
        small_plan("1", base=450.0).to_json(): "already in service with plan id",
        small_plan("2", start="2026-01-01", base=450.0).to_json(): "ties with version '1'",
        b"\xff\xfe": "not UTF-8",
    }
    for text, words in cases.items():
        with pytest.raises(PlanError, match=words):
            registry.publish(text, by="mallory")
    assert registry.generation == generation and registry.plans() == [v1]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([LOG_NAME, "demo-v1.json"])
    refusals = [e for e in log_of(tmp_path) if e["action"] == "refuse"]
    assert len(refusals) == len(cases) and {e["by"] for e in refusals} == {"mallory"}
    assert all(words in e["reason"] for e, words in zip(refusals, cases.values(), strict=True))
    assert refusals[1]["plan_id"] == small_plan("1", base=450.0).plan_id  # readable, but clashing


def test_publishing_the_same_plan_twice_is_idempotent(tmp_path):
    registry = PlanRegistry.from_folder(tmp_path)
    plan = small_plan("1")
    registry.publish(plan.to_json(), by="alice")
    lines, generation = (tmp_path / LOG_NAME).read_text(), registry.generation
    again = registry.publish(plan.to_json(compact=True), by="bob")
    assert again.plan_id == plan.plan_id and "nothing written" in again.reason
    assert (tmp_path / LOG_NAME).read_text() == lines and registry.generation == generation
    assert (tmp_path / "demo-v1.json").read_text() == plan.to_json()


def test_retire_takes_a_version_out_of_service_but_keeps_it_for_replay(tmp_path):
    v1, v2 = small_plan("1"), small_plan("2", start="2027-01-01", base=515.0)
    registry = PlanRegistry.from_folder(tmp_path)
    for plan in (v1, v2):
        registry.publish(plan.to_json(), by="alice")
    record = registry.retire("demo", "2", by="carol")
    assert (record.action, record.by, record.source, record.file) == ("retire", "carol", "api", "retired/demo-v2.json")
    assert not (tmp_path / "demo-v2.json").exists() and (tmp_path / "retired" / "demo-v2.json").exists()
    assert registry.select("demo", None, "2027-06-01") == v1  # the older open-ended version again
    assert registry.by_id(v2.plan_id) == v2
    with pytest.raises(PlanNotFoundError, match="version '2' is retired"):
        registry.select("demo", "2", "2027-06-01")
    with pytest.raises(PlanNotFoundError, match="version '3' is not in service"):
        registry.retire("demo", "3", by="carol")
    with pytest.raises(PlanError, match="already retired with plan id"):  # a version number is never reused
        registry.publish(small_plan("2", start="2027-01-01", base=530.0).to_json(), by="alice")
    restarted = PlanRegistry.from_folder(tmp_path)  # a new process still re-prices old quotes
    assert restarted.by_id(v2.plan_id) == v2 and restarted.plans() == [v1]
    with pytest.raises(PlanNotFoundError, match="no plan with id 'abc'"):
        restarted.by_id("abc")
    assert [e["action"] for e in log_of(tmp_path)] == ["load", "publish", "publish", "retire", "refuse"]


# ------------------------------------------------------------ refresh


def test_refresh_picks_up_a_dropped_file_and_a_removed_one(tmp_path):
    small_plan("1").save(tmp_path / "demo-v1.json")
    registry = PlanRegistry.from_folder(tmp_path)
    generation = registry.generation
    assert registry.refresh() == [] and registry.generation == generation  # nothing changed: no swap
    dropped = small_plan("2", start="2027-01-01", base=515.0)
    dropped.save(tmp_path / "next.json")
    [record] = registry.refresh(by="poll")
    assert (record.action, record.source, record.by, record.file) == ("publish", "folder", "poll", "next.json")
    assert registry.select("demo", None, "2027-02-01") == dropped and registry.generation == generation + 1
    (tmp_path / "next.json").unlink()
    [record] = registry.refresh()
    assert (record.action, record.plan_id, record.source) == ("retire", dropped.plan_id, "folder")
    assert "its file left the folder" in record.reason
    assert registry.select("demo", None, "2027-02-01").version == "1"
    assert registry.by_id(dropped.plan_id) == dropped


def test_an_invalid_dropped_file_is_refused_once_and_the_plans_keep_serving(tmp_path):
    plan = small_plan("1")
    plan.save(tmp_path / "demo-v1.json")
    registry = PlanRegistry.from_folder(tmp_path)
    (tmp_path / "broken.json").write_text('{"format": "autorisk.rating_plan/2"')
    [record] = registry.refresh()
    assert record.action == "refuse" and record.file == "broken.json" and "not a JSON rating plan" in record.reason
    (tmp_path / "other.json").write_text("[]")  # the folder changes again: broken.json is not recorded again
    assert [r.file for r in registry.refresh()] == ["other.json"]
    assert registry.refresh() == [] and registry.plans() == [plan]
    assert registry.refusals()[0] == record  # the first refusal stands, not one per rebuild
    other_process = PlanRegistry.from_folder(tmp_path)
    assert [d.file for d in other_process.refusals()] == ["broken.json", "other.json"]
    (tmp_path / "broken.json").write_text('{"format": 2}')  # new content: a new refusal
    assert [r.reason for r in registry.refresh()] == ["unsupported plan format 2; expected one of "
                                                      "['autorisk.rating_plan/1', 'autorisk.rating_plan/2']"]
    assert other_process.refresh() == []
    assert [e["file"] for e in log_of(tmp_path) if e["action"] == "refuse"] == ["broken.json", "other.json",
                                                                                "broken.json"]  # fmt: skip


def test_two_registries_on_one_folder_see_each_others_deployments(tmp_path):
    first, second = PlanRegistry.from_folder(tmp_path), PlanRegistry.from_folder(tmp_path)
    plan = small_plan("1")
    first.publish(plan.to_json(), by="alice")
    assert second.refresh() == []  # it serves the plan; the publish is already recorded
    assert second.select(None, None, "2026-02-01") == plan
    second.retire("demo", "1", by="bob")
    assert first.refresh() == [] and not first.ready
    assert [(e["action"], e["by"]) for e in log_of(tmp_path)[2:]] == [("publish", "alice"), ("retire", "bob")]
    assert first.deployments() == second.deployments()


# ------------------------------------------------------------ atomic swaps


def test_readers_see_a_whole_plan_while_twenty_versions_are_published(tmp_path):
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads constantly, so a half-built state would be seen
    try:
        _publish_while_reading(tmp_path)
    finally:
        sys.setswitchinterval(interval)


def _publish_while_reading(tmp_path):
    for i in range(40):  # another tariff, read first at each rebuild: a long window for a torn read
        plan = small_plan(str(i), start=f"{2000 + i}-01-01", name="filler")
        plan.save(tmp_path / f"a-{plan_filename(plan)}")
    registry = PlanRegistry.from_folder(tmp_path)
    registry.publish(small_plan("0").to_json(), by="alice")
    plans = [small_plan(str(i), start=f"{2027 + i}-01-01", base=500.0 + i) for i in range(1, 21)]
    done = threading.Event()
    failures: list[BaseException] = []
    seen: list[list[int]] = []

    def read() -> None:
        versions: list[int] = []
        try:
            while not done.is_set():
                plan = registry.select("demo", None, "2100-01-01")
                assert plan.is_effective("2100-01-01")
                quote = plan.quote_one({"region": "south"})
                assert quote["premium_total"] == plan.coverages[0].base_rate * 1.2
                assert quote["premium_total"] == (500.0 + int(plan.version)) * 1.2
                assert registry.select("demo", None, "2026-06-01").version == "0"
                versions.append(int(plan.version))
        except BaseException as error:  # collected: a thread's exception would not fail the test
            failures.append(error)
        seen.append(versions)

    readers = [threading.Thread(target=read) for _ in range(4)]
    for thread in readers:
        thread.start()
    for plan in plans:
        registry.publish(plan.to_json(), by="alice")
    done.set()
    for thread in readers:
        thread.join()
    assert failures == []
    for versions in seen:
        assert versions and versions == sorted(versions)  # each swap seen whole and in order
    assert registry.select("demo", None, "2100-01-01").version == "20" and registry.generation == 22


def test_a_failing_on_deployment_is_logged_and_the_deployment_stands(tmp_path, caplog):
    def broken(record: Deployment) -> None:
        raise ConnectionError("audit store down")

    registry = PlanRegistry.from_folder(tmp_path, on_deployment=broken)
    plan = small_plan("1")
    assert registry.publish(plan.to_json(), by="alice").plan_id == plan.plan_id
    assert registry.select(None, None, "2026-02-01") == plan
    assert "on_deployment failed" in caplog.text and "audit store down" in caplog.text
    assert [e["action"] for e in log_of(tmp_path)] == ["load", "publish"]


PUBLISHER = """
import sys
from autorisk.rating import CategoricalFactor, Coverage, RatingPlan
from autorisk.service.registry import PlanRegistry

folder, first = sys.argv[1], int(sys.argv[2])
region = CategoricalFactor("region", "region", ("north", "south"), (1.0, 1.2))
registry = PlanRegistry.from_folder(folder)
for i in range(first, first + 10):
    plan = RatingPlan("demo", str(i), (Coverage("tpl", 500.0 + i, (region,)),), effective_from=f"{2030 + i}-01-01")
    registry.publish(plan.to_json(), by=f"process {first}")
    registry.refresh()
"""


def test_processes_publishing_into_one_folder_record_each_version_once(tmp_path):
    src = str(Path(__file__).resolve().parents[2] / "src")
    processes = [subprocess.Popen([sys.executable, "-c", PUBLISHER, str(tmp_path), str(first)],
                                  env={"PYTHONPATH": src}) for first in (0, 10)]  # fmt: skip
    assert [p.wait(timeout=120) for p in processes] == [0, 0]
    registry = PlanRegistry.from_folder(tmp_path)
    assert sorted(int(p.version) for p in registry.plans()) == list(range(20))
    publishes = [e for e in log_of(tmp_path) if e["action"] == "publish"]
    assert sorted(int(e["version"]) for e in publishes) == list(range(20))  # each once, by its publisher
    assert all(e["by"] == f"process {int(e['version']) // 10 * 10}" for e in publishes)
    assert [e["action"] for e in log_of(tmp_path)].count("load") <= 2  # the empty starts, if any
