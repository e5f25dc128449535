"""The demo plans: the committed files are what the code writes, and the demo policy quotes under both."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd

from autorisk.rating import RatingPlan
from autorisk.service.examples import demo_plans, demo_policy, write_demo_plans
from autorisk.service.registry import PlanRegistry

COMMITTED = Path(__file__).resolve().parents[2] / "data" / "plans"


def test_regenerating_the_demo_plans_gives_the_committed_files_byte_for_byte(tmp_path):
    written = write_demo_plans(tmp_path)
    assert sorted(p.name for p in written) == sorted(p.name for p in COMMITTED.glob("*.json"))
    for path in written:
        assert path.read_bytes() == (COMMITTED / path.name).read_bytes(), path.name


def test_the_module_entry_point_writes_the_same_files(tmp_path):
    env_path = str(Path(__file__).resolve().parents[2] / "src")
    subprocess.run([sys.executable, "-m", "autorisk.service.examples", str(tmp_path / "plans")], check=True,
                   env={"PYTHONPATH": env_path}, capture_output=True)  # fmt: skip
    for path in COMMITTED.glob("*.json"):
        assert (tmp_path / "plans" / path.name).read_bytes() == path.read_bytes()


def test_version_2_is_version_1_with_commercial_base_rates_up_3_percent():
    v1, v2 = (RatingPlan.load(COMMITTED / f"china-motor-v{v}.json") for v in (1, 2))
    assert (v1.effective_from, v2.effective_from, v1.effective_to, v2.effective_to) == (
        "2026-01-01", "2027-01-01", None, None)  # fmt: skip
    rates = {(c.name, p.version): c.base_rate for p in (v1, v2) for c in p.coverages}
    assert rates == {("ctpl", "1"): 950.0, ("ctpl", "2"): 950.0, ("tpl", "1"): 800.0, ("tpl", "2"): 824.0,
                     ("od", "1"): 1500.0, ("od", "2"): 1545.0}  # fmt: skip
    same = [c.to_dict() | {"base_rate": None} for c in v1.coverages]
    assert same == [c.to_dict() | {"base_rate": None} for c in v2.coverages]  # nothing else changed


def test_the_demo_policy_quotes_under_both_versions_the_same_one_at_a_time_and_in_batch(tmp_path):
    for path in COMMITTED.glob("*.json"):
        (tmp_path / path.name).write_bytes(path.read_bytes())
    registry = PlanRegistry.from_folder(tmp_path)
    quotes = {}
    for day in ("2026-06-01", "2027-06-01"):
        plan = registry.select(None, None, day)
        one = plan.quote_one(demo_policy(), as_of=day)
        batch = plan.quote(pd.DataFrame([demo_policy()]), as_of=day)
        assert one["premium_total"] == batch["premium_total"].iloc[0] > 0
        quotes[plan.version] = one
    assert set(quotes) == {"1", "2"}
    assert quotes["1"]["premium_ctpl"] == quotes["2"]["premium_ctpl"]
    for coverage in ("tpl", "od"):  # the same relativities on a base 3% higher
        assert abs(quotes["2"][f"pure_{coverage}"] / quotes["1"][f"pure_{coverage}"] - 1.03) < 1e-12
    assert [p.plan_id for p in demo_plans()] == [quotes[v]["plan_id"] for v in ("1", "2")]
